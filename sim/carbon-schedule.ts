/**
 * Carbon-aware scheduling: jobs with an energy, a duration, a release time and a deadline, some of
 * them deferrable, and hourly grid carbon intensity for one or more regions. Deferrable jobs move to
 * the hours (and, when allowed, the region) where their energy emits least, within their window;
 * the rest run at release in their home region. The baseline runs every job at release, at home.
 *
 * A job's energy is drawn evenly over its duration; it starts at its release or on an hour boundary
 * after it; its carbon is
 *
 *   C(job, region, s) = PUE x (E / d) x sum over hours h of overlap([s, s + d), [h, h + 1)) x I_region(h)
 *
 * (E in kWh, I in g CO2e/kWh, d in hours). Without a capacity limit the jobs do not interact and each
 * one's cheapest start is the optimum. With `capacity` (jobs running at once per region), the
 * schedule is found by depth-first branch and bound over the jobs' candidate starts, bounded below by
 * every remaining job's unconstrained cheapest, which is exact; past `maxNodes` search nodes it
 * returns the best schedule found (or the greedy one) and says it is not proven optimal.
 */
import { ScheduleError } from "./errors.js";

export interface CarbonJob {
  id: string;
  /** Energy at the equipment (PUE is applied on top), kWh. */
  energyKWh: number;
  durationHours: number;
  /** Earliest start, hours from the series start. */
  releaseHour: number;
  /** Latest finish, hours from the series start. */
  deadlineHour: number;
  deferrable: boolean;
  /** Region it runs in when not moved. */
  home: string;
  /** Regions it may move to when region choice is on (default: every region). */
  regions?: string[];
}

export interface IntensitySeries {
  regions: string[];
  /** g CO2e per kWh, per region, one value per hour. */
  hourly: Record<string, number[]>;
  /** Labels of the hours (ISO times), when the file had them. */
  times?: string[];
}

export interface ScheduleOptions {
  /** Power usage effectiveness of the facility (default 1). */
  pue?: number;
  /** Deferrable jobs may move to another region (default false). */
  chooseRegion?: boolean;
  /** At most this many jobs at once per region (default: no limit). */
  capacity?: number;
  /** Search budget for the exact capacity-constrained schedule (default 1,000,000 nodes). */
  maxNodes?: number;
}

export interface Assignment {
  job: string;
  region: string;
  startHour: number;
  carbonG: number;
  /** The same job run at release, at home. */
  baselineCarbonG: number;
}

export interface ScheduleResult {
  assignments: Assignment[];
  totalG: number;
  baselineG: number;
  /** 1 - total / baseline. */
  savedFraction: number;
  /** True when the schedule is proven optimal. */
  optimal: boolean;
  method: "independent" | "branch-and-bound" | "greedy";
}

export function jobCarbonG(job: CarbonJob, region: string, start: number, series: IntensitySeries, pue = 1): number {
  const hourly = series.hourly[region];
  if (!hourly) throw new ScheduleError("unknown-region", `no intensity series for region ${region}`, job.id);
  const end = start + job.durationHours;
  if (start < 0 || end > hourly.length + 1e-9) return Infinity;
  let sum = 0;
  for (let h = Math.floor(start); h < end; h++) {
    const overlap = Math.min(h + 1, end) - Math.max(h, start);
    if (overlap > 0) sum += overlap * hourly[h]!;
  }
  return (pue * job.energyKWh * sum) / job.durationHours;
}

interface Candidate {
  region: string;
  start: number;
  carbon: number;
}

function candidates(job: CarbonJob, series: IntensitySeries, options: ScheduleOptions): Candidate[] {
  const pue = options.pue ?? 1;
  if (!job.deferrable) return [{ region: job.home, start: job.releaseHour, carbon: jobCarbonG(job, job.home, job.releaseHour, series, pue) }];
  const regions = options.chooseRegion ? (job.regions ?? series.regions) : [job.home];
  const out: Candidate[] = [];
  // Starts: the release itself (running now is always a choice), then every hour boundary after it.
  const starts = [job.releaseHour];
  for (let s = Math.floor(job.releaseHour) + 1; s + job.durationHours <= job.deadlineHour + 1e-9; s++) starts.push(s);
  for (const region of regions) {
    for (const s of starts) {
      if (s + job.durationHours > job.deadlineHour + 1e-9) continue;
      const carbon = jobCarbonG(job, region, s, series, pue);
      if (Number.isFinite(carbon)) out.push({ region, start: s, carbon });
    }
  }
  if (out.length === 0) throw new ScheduleError("no-window", `job ${job.id}: no start in [${job.releaseHour}, ${job.deadlineHour} - ${job.durationHours}] within the intensity series`, job.id);
  return out.sort((a, b) => a.carbon - b.carbon);
}

/** Hours a job occupies (for capacity): floor(start) .. ceil(start + d) - 1. */
function hoursOf(start: number, duration: number): number[] {
  const out: number[] = [];
  for (let h = Math.floor(start); h < start + duration; h++) out.push(h);
  return out;
}

export function scheduleJobs(jobs: readonly CarbonJob[], series: IntensitySeries, options: ScheduleOptions = {}): ScheduleResult {
  const pue = options.pue ?? 1;
  const baseline = jobs.map((j) => jobCarbonG(j, j.home, j.releaseHour, series, pue));
  baseline.forEach((c, i) => {
    if (!Number.isFinite(c)) throw new ScheduleError("past-series", `job ${jobs[i]!.id}: runs past the end of the intensity series`, jobs[i]!.id);
  });
  const cands = jobs.map((j) => candidates(j, series, options));
  const finish = (picks: Candidate[], optimal: boolean, method: ScheduleResult["method"]): ScheduleResult => {
    const assignments = picks.map((c, i) => ({ job: jobs[i]!.id, region: c.region, startHour: c.start, carbonG: c.carbon, baselineCarbonG: baseline[i]! }));
    const totalG = assignments.reduce((s, a) => s + a.carbonG, 0);
    const baselineG = baseline.reduce((s, c) => s + c, 0);
    return { assignments, totalG, baselineG, savedFraction: baselineG > 0 ? 1 - totalG / baselineG : 0, optimal, method };
  };
  if (options.capacity === undefined) return finish(cands.map((c) => c[0]!), true, "independent");

  const capacity = options.capacity;
  const load = new Map<string, number>();
  const key = (region: string, h: number) => `${region}|${h}`;
  const fits = (j: number, c: Candidate) => hoursOf(c.start, jobs[j]!.durationHours).every((h) => (load.get(key(c.region, h)) ?? 0) < capacity);
  const place = (j: number, c: Candidate, by: number) => {
    for (const h of hoursOf(c.start, jobs[j]!.durationHours)) load.set(key(c.region, h), (load.get(key(c.region, h)) ?? 0) + by);
  };

  // Greedy first (a bound to prune with, and the fallback): larger jobs choose first.
  const order = jobs.map((_, i) => i).sort((a, b) => jobs[b]!.energyKWh - jobs[a]!.energyKWh || cands[a]!.length - cands[b]!.length);
  let greedy: Candidate[] | undefined = new Array<Candidate>(jobs.length);
  for (const j of order) {
    const c = cands[j]!.find((x) => fits(j, x));
    if (!c) {
      greedy = undefined;
      break;
    }
    greedy[j] = c;
    place(j, c, 1);
  }
  load.clear();

  let best = greedy ? greedy.slice() : undefined;
  let bestTotal = greedy ? greedy.reduce((s, c) => s + c.carbon, 0) : Infinity;
  // Lower bound of the jobs from position k on: their unconstrained cheapest.
  const suffix = new Array<number>(order.length + 1).fill(0);
  for (let k = order.length - 1; k >= 0; k--) suffix[k] = suffix[k + 1]! + cands[order[k]!]![0]!.carbon;
  const current = new Array<Candidate>(jobs.length);
  let nodes = 0;
  const budget = options.maxNodes ?? 1_000_000;
  let exhausted = false;
  const search = (k: number, total: number): void => {
    if (exhausted) return;
    if (++nodes > budget) {
      exhausted = true;
      return;
    }
    if (total + suffix[k]! >= bestTotal - 1e-12) return;
    if (k === order.length) {
      bestTotal = total;
      best = current.slice();
      return;
    }
    const j = order[k]!;
    for (const c of cands[j]!) {
      if (total + c.carbon + suffix[k + 1]! >= bestTotal - 1e-12) break; // candidates are sorted by carbon
      if (!fits(j, c)) continue;
      current[j] = c;
      place(j, c, 1);
      search(k + 1, total + c.carbon);
      place(j, c, -1);
    }
  };
  search(0, 0);
  if (!best) {
    throw new ScheduleError("capacity", exhausted
      ? `no schedule within ${capacity} job(s) at once per region found in ${budget} search nodes (greedy placement failed too)`
      : `no schedule fits ${capacity} job(s) at once per region (the jobs that cannot move already overlap)`);
  }
  // Out of budget: the best found (greedy's, or better), not proven optimal.
  return finish(best, !exhausted, exhausted && best === greedy ? "greedy" : "branch-and-bound");
}

/**
 * Hourly intensity from CSV text: a header `time,<region>,<region>...` (or `hour,...`), one row per
 * hour, g CO2e/kWh. Errors name the line and column.
 */
export function parseIntensityCsv(text: string, fail: (path: string, expected: string, found: string) => never): IntensitySeries {
  // Keep each line's number in the file (comments and blank lines are skipped, not renumbered).
  const numbered = text.split(/\r?\n/).map((l, i) => ({ l, n: i + 1 })).filter(({ l }) => l.trim() !== "" && !l.startsWith("#"));
  const lines = numbered.map((x) => x.l);
  if (lines.length < 2) fail("", "a header (time,region,...) and at least one hourly row", `${lines.length} lines`);
  const header = lines[0]!.split(",").map((h) => h.trim());
  const regions = header.slice(1);
  if (regions.length === 0 || regions.some((r) => r === "")) fail(`line ${numbered[0]!.n}`, "time,<region>,<region>... (one column per region)", lines[0]!);
  const hourly: Record<string, number[]> = Object.fromEntries(regions.map((r) => [r, []]));
  const times: string[] = [];
  lines.slice(1).forEach((line, i) => {
    const at = numbered[i + 1]!.n;
    const cells = line.split(",").map((c) => c.trim());
    if (cells.length !== header.length) fail(`line ${at}`, `${header.length} cells`, `${cells.length}`);
    times.push(cells[0]!);
    regions.forEach((r, k) => {
      const v = cells[k + 1] === "" ? NaN : Number(cells[k + 1]); // a blank cell is a missing hour, not 0 g/kWh
      if (!Number.isFinite(v) || v < 0) fail(`line ${at}, column ${r}`, "an intensity >= 0 in g CO2e/kWh", JSON.stringify(cells[k + 1]));
      hourly[r]!.push(v);
    });
  });
  return { regions, hourly, times };
}
