/**
 * Real-time edge mode: periodic inputs (camera frames, audio windows) and sporadic events, each a
 * whole inference with a deadline, on one device that runs one inference at a time (non-preemptive,
 * as an NPU runs a compiled graph to its end).
 *
 *   inputs      periodic: release k x period + U(0, jitter); events: an arrival process
 *   order       EDF (earliest absolute deadline first; Liu & Layland 1973) or FIFO
 *   drop late   an input whose deadline has passed before it starts is skipped (a miss, no energy)
 *   miss        finished after its deadline, or skipped
 *
 * Power policies (operating points as in sim/dvfs.ts, each inference priced by the engine at it):
 *   fixed         the design's own point; idle at its idle power
 *   race-to-idle  the fastest point, then idle at the lowest point's idle power (the governor drops
 *                 voltage and clock when the queue is empty)
 *   dvfs          per inference, the point that minimises its energy plus idle energy up to its
 *                 deadline, E(f) + P_idle (deadline - now - t(f)), among the points that meet the
 *                 deadline (else the fastest); the classic trade-off of Miyoshi et al. (ICS 2002):
 *                 running slower wins only when the idle power it saves outweighs leakage over the
 *                 longer run
 * Idle power is idlePowerW(design) (serving/power.ts) unless the file gives one (a datasheet's
 * sleep power). Battery life = capacity (C) x voltage / average power.
 */
import { mulberry32 } from "../common/random.js";
import { designAt, operatingPoints, type OperatingPoint } from "../sim/dvfs.js";
import { simulate } from "../sim/engine.js";
import { buildWorkload } from "../workloads/transformer-builder.js";
import type { WorkloadSpec } from "../workloads/workload-spec.js";
import type { DesignSource } from "./config.js";
import { addSpread, percentiles, StepSeries, type Percentiles } from "./metrics.js";
import { idlePowerW } from "./power.js";
import { generateRequests, type ArrivalProcess } from "./requests.js";

export type RealtimePolicy = "fixed" | "race-to-idle" | "dvfs";

export interface StreamConfig {
  name: string;
  workload: WorkloadSpec;
  /** Periodic inputs: one per period. */
  periodSeconds?: number;
  /** Sporadic events. */
  arrival?: ArrivalProcess;
  jitterSeconds: number;
  /** Relative deadline. */
  deadlineSeconds: number;
}

export interface RealtimeConfig {
  name: string;
  device: DesignSource;
  durationSeconds: number;
  seed: number;
  streams: StreamConfig[];
  scheduler: "edf" | "fifo";
  dropLate: boolean;
  policies: RealtimePolicy[];
  voltagesV?: number[];
  idlePowerW?: number;
  battery?: { capacityCoulombs: number; voltageV: number };
  timeBins: number;
}

export interface JobRecord {
  stream: string;
  releaseSeconds: number;
  deadlineSeconds: number;
  startSeconds: number;
  finishSeconds: number;
  /** NaN when skipped. */
  latencySeconds: number;
  voltageV: number;
  energyJ: number;
  missed: boolean;
  dropped: boolean;
}

export interface StreamResult {
  name: string;
  workload: string;
  /** Relative deadline. */
  deadlineSeconds: number;
  inputs: number;
  completed: number;
  missed: number;
  dropped: number;
  missRate: number;
  /** Release to finish, completed inputs. */
  latency: Percentiles;
  /** Energy of its inferences (active only), per completed input. */
  energyPerInputJ: number;
}

export interface PolicyResult {
  policy: RealtimePolicy;
  /** Per stream, per operating point: one inference's latency and energy. */
  inferenceCosts: { stream: string; voltageV: number; frequencyHz: number; latencySeconds: number; energyJ: number }[];
  idlePowerW: number;
  streams: StreamResult[];
  energyJ: number;
  activeEnergyJ: number;
  idleEnergyJ: number;
  averagePowerW: number;
  /** Whole-run energy per periodic input of the first periodic stream (idle included): what a battery pays per frame. */
  energyPerFrameJ?: number;
  batteryLifeHours?: number;
  jobs: JobRecord[];
  series: { timeSeconds: number[]; powerW: number[]; queue: number[] };
}

export interface RealtimeResult {
  name: string;
  design: string;
  durationSeconds: number;
  policies: PolicyResult[];
}

interface Job {
  stream: number;
  release: number;
  deadline: number;
}

function releases(config: RealtimeConfig): Job[] {
  const jobs: Job[] = [];
  config.streams.forEach((s, i) => {
    const rand = mulberry32(config.seed * 2654435761 + 101 + i);
    if (s.periodSeconds !== undefined) {
      for (let k = 0; k * s.periodSeconds < config.durationSeconds; k++) {
        const release = k * s.periodSeconds + (s.jitterSeconds > 0 ? rand() * s.jitterSeconds : 0);
        jobs.push({ stream: i, release, deadline: release + s.deadlineSeconds });
      }
    } else {
      const events = generateRequests({ seed: config.seed * 31 + i, durationSeconds: config.durationSeconds, arrival: s.arrival!, prompt: { kind: "fixed", tokens: 1 }, output: { kind: "fixed", tokens: 1 } });
      for (const e of events) jobs.push({ stream: i, release: e.arrivalSeconds, deadline: e.arrivalSeconds + s.deadlineSeconds });
    }
  });
  return jobs.sort((a, b) => a.release - b.release || a.stream - b.stream);
}

export function simulateRealtime(config: RealtimeConfig): RealtimeResult {
  const d = config.device.design;
  const points = [...operatingPoints(d, config.voltagesV)].sort((a, b) => a.frequencyHz - b.frequencyHz);
  const designs = points.map((p) => designAt(config.device.doc, config.device.file, p));
  const traces = config.streams.map((s) => buildWorkload(s.workload));
  // One inference of each stream at each operating point (and at the design's own point), by the engine.
  const costAt = (design: typeof d, p: OperatingPoint) => traces.map((trace, i) => {
    const outcome = simulate(design, trace, { perOp: false });
    if (!outcome.ok) throw new Error(`${design.name} cannot run stream ${config.streams[i]!.name}: ${outcome.infeasible.reasons[0]?.reason}`);
    return { voltageV: p.voltageV, frequencyHz: p.frequencyHz, latencySeconds: outcome.result.latencySeconds, energyJ: outcome.result.energyJ };
  });
  const own = { point: { voltageV: d.technology.voltageV, frequencyHz: d.technology.frequencyHz }, costs: costAt(d, { voltageV: d.technology.voltageV, frequencyHz: d.technology.frequencyHz }) };
  const table = points.map((p, k) => ({ point: p, costs: costAt(designs[k]!, p) }));
  const jobs = releases(config);
  const policies = config.policies.map((policy): PolicyResult => {
    const modes = policy === "fixed" ? [own] : policy === "race-to-idle" ? [table[table.length - 1]!] : table;
    const idle = config.idlePowerW ?? (policy === "fixed" ? idlePowerW(d) : idlePowerW(designs[0]!));
    return runPolicy(config, policy, jobs, modes, idle);
  });
  return { name: config.name, design: d.name, durationSeconds: config.durationSeconds, policies };
}

type Mode = { point: OperatingPoint; costs: { latencySeconds: number; energyJ: number }[] };

function runPolicy(config: RealtimeConfig, policy: RealtimePolicy, jobs: Job[], modes: Mode[], idleW: number): PolicyResult {
  const ready: Job[] = [];
  const records: JobRecord[] = [];
  const queue = new StepSeries();
  const busy: number[] = [];
  const before = config.scheduler === "edf" ? (a: Job, b: Job) => a.deadline - b.deadline || a.release - b.release : (a: Job, b: Job) => a.release - b.release || a.stream - b.stream;
  let now = 0, next = 0;
  const fastest = modes[modes.length - 1]!;
  while (next < jobs.length || ready.length > 0) {
    if (ready.length === 0) now = Math.max(now, jobs[next]!.release);
    while (next < jobs.length && jobs[next]!.release <= now) ready.push(jobs[next++]!);
    ready.sort(before);
    queue.set(now, ready.length);
    const job = ready.shift()!;
    const stream = config.streams[job.stream]!;
    if (config.dropLate && now >= job.deadline) {
      records.push({ stream: stream.name, releaseSeconds: job.release, deadlineSeconds: job.deadline, startSeconds: now, finishSeconds: now, latencySeconds: NaN, voltageV: NaN, energyJ: 0, missed: true, dropped: true });
      continue;
    }
    let mode = fastest;
    if (policy === "dvfs") {
      let best = Infinity;
      for (const m of modes) {
        const c = m.costs[job.stream]!;
        if (now + c.latencySeconds > job.deadline) continue;
        const e = c.energyJ + idleW * (job.deadline - now - c.latencySeconds);
        if (e < best) {
          best = e;
          mode = m;
        }
      }
    }
    const c = mode.costs[job.stream]!;
    const finish = now + c.latencySeconds;
    busy.push(now, finish, c.energyJ);
    records.push({ stream: stream.name, releaseSeconds: job.release, deadlineSeconds: job.deadline, startSeconds: now, finishSeconds: finish, latencySeconds: finish - job.release, voltageV: mode.point.voltageV, energyJ: c.energyJ, missed: finish > job.deadline, dropped: false });
    queue.set(now, ready.length);
    now = finish;
  }
  const horizon = Math.max(config.durationSeconds, now);
  queue.set(horizon, 0);
  const activeEnergyJ = records.reduce((a, r) => a + r.energyJ, 0);
  const busySeconds = records.reduce((a, r) => a + (r.dropped ? 0 : r.finishSeconds - r.startSeconds), 0);
  const idleEnergyJ = idleW * (horizon - busySeconds);
  const energyJ = activeEnergyJ + idleEnergyJ;
  const averagePowerW = energyJ / horizon;
  const bins = config.timeBins, width = horizon / bins;
  const power = new Array<number>(bins).fill(0);
  let idleFrom = 0;
  for (let k = 0; k < busy.length; k += 3) {
    addSpread(power, width, idleFrom, busy[k]!, idleW);
    addSpread(power, width, busy[k]!, busy[k + 1]!, busy[k + 2]! / (busy[k + 1]! - busy[k]!));
    idleFrom = busy[k + 1]!;
  }
  addSpread(power, width, idleFrom, horizon, idleW);
  const streams = config.streams.map((s): StreamResult => {
    const mine = records.filter((r) => r.stream === s.name);
    const done = mine.filter((r) => !r.dropped);
    const missed = mine.filter((r) => r.missed).length;
    return {
      name: s.name, workload: s.workload.model, deadlineSeconds: s.deadlineSeconds, inputs: mine.length, completed: done.length, missed, dropped: mine.length - done.length,
      missRate: mine.length > 0 ? missed / mine.length : 0, latency: percentiles(done.map((r) => r.latencySeconds)),
      energyPerInputJ: done.length > 0 ? done.reduce((a, r) => a + r.energyJ, 0) / done.length : NaN,
    };
  });
  const periodic = config.streams.findIndex((s) => s.periodSeconds !== undefined);
  const frames = periodic >= 0 ? records.filter((r) => r.stream === config.streams[periodic]!.name).length : 0;
  return {
    policy, idlePowerW: idleW,
    inferenceCosts: modes.flatMap((m) => config.streams.map((s, i) => ({ stream: s.name, voltageV: m.point.voltageV, frequencyHz: m.point.frequencyHz, ...m.costs[i]! }))),
    streams, energyJ, activeEnergyJ, idleEnergyJ, averagePowerW,
    ...(frames > 0 ? { energyPerFrameJ: energyJ / frames } : {}),
    ...(config.battery ? { batteryLifeHours: (config.battery.capacityCoulombs * config.battery.voltageV) / averagePowerW / 3600 } : {}),
    jobs: records,
    series: { timeSeconds: Array.from({ length: bins }, (_, k) => (k + 0.5) * width), powerW: power.map((e) => e / width), queue: queue.binned(horizon, bins) },
  };
}
