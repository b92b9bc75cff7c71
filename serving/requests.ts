/**
 * Requests: when they arrive, how long their prompts and outputs are, their priority and whether
 * they may be deferred. Generated from a seed (the same seed gives the same requests) or read from a
 * trace CSV.
 *
 * Arrivals
 *   poisson    exponential inter-arrival times at rate lambda (an M/x/x queue's input)
 *   gamma      Gamma inter-arrival times of mean 1/lambda and coefficient of variation cv: cv > 1 is
 *              bursty, cv = 1 is Poisson (the burstiness knob of Wang et al., BurstGPT 2024, and
 *              DistServe's evaluation); Marsaglia & Tsang (2000) sampling
 *   diurnal    a non-homogeneous Poisson process whose rate follows a periodic curve (multipliers of
 *              the peak rate at evenly spaced points of the period, linear between), by thinning
 *              (Lewis & Shedler 1979)
 *   periodic   one request every period (deterministic: D/x/x)
 * Lengths: fixed, uniform integers in [min, max], or lognormal(median, sigma) rounded and clipped to
 * [min, max] (request lengths in production traces are heavy-tailed: Splitwise, Patel et al. ISCA 2024).
 */
import { mulberry32 } from "../common/random.js";

export interface Request {
  id: number;
  arrivalSeconds: number;
  promptTokens: number;
  outputTokens: number;
  /** Lower is served first under priority ordering (default 0). */
  priority: number;
  /** A deferrable request may start up to this many seconds after it arrives (carbon-aware admission). */
  deferrableSeconds?: number;
}

export type ArrivalProcess =
  | { kind: "poisson"; ratePerSecond: number }
  | { kind: "gamma"; ratePerSecond: number; cv: number }
  | { kind: "diurnal"; ratePerSecond: number; periodSeconds: number; curve: number[] }
  | { kind: "periodic"; periodSeconds: number };

export type LengthDistribution =
  | { kind: "fixed"; tokens: number }
  | { kind: "uniform"; min: number; max: number }
  | { kind: "lognormal"; median: number; sigma: number; min: number; max: number };

export interface RequestGenerator {
  seed: number;
  /** Stop after this many requests, or at this time (whichever comes first; at least one is set). */
  count?: number;
  durationSeconds?: number;
  arrival: ArrivalProcess;
  prompt: LengthDistribution;
  output: LengthDistribution;
  /** Priority classes by share of requests (shares sum to 1). */
  priorities?: { share: number; priority: number }[];
  /** A share of requests that may wait up to `windowSeconds` (carbon-aware admission). */
  deferrable?: { share: number; windowSeconds: number };
}

/** Standard normal by Box-Muller. */
function normal(rand: () => number): number {
  const u = 1 - rand(), v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Gamma(shape k, scale 1) by Marsaglia & Tsang (2000); k < 1 by the boost Gamma(k + 1) U^(1/k). */
export function gammaSample(k: number, rand: () => number): number {
  if (k < 1) return gammaSample(k + 1, rand) * Math.pow(1 - rand(), 1 / k);
  const d = k - 1 / 3, c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number, v: number;
    do {
      x = normal(rand);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rand();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Rate multiplier of a periodic curve at time t (linear between evenly spaced points, cyclic). */
export function curveAt(curve: readonly number[], periodSeconds: number, t: number): number {
  const n = curve.length;
  const x = (((t % periodSeconds) + periodSeconds) % periodSeconds) / periodSeconds * n;
  const i = Math.floor(x) % n;
  const f = x - Math.floor(x);
  return curve[i]! * (1 - f) + curve[(i + 1) % n]! * f;
}

function sampleLength(d: LengthDistribution, rand: () => number): number {
  switch (d.kind) {
    case "fixed":
      return d.tokens;
    case "uniform":
      return d.min + Math.floor(rand() * (d.max - d.min + 1));
    case "lognormal":
      return Math.min(d.max, Math.max(d.min, Math.round(d.median * Math.exp(d.sigma * normal(rand)))));
    default: {
      const never: never = d;
      throw new Error(`unknown length distribution ${(never as LengthDistribution).kind}`);
    }
  }
}

/** The next arrival time after `t`. */
function nextArrival(a: ArrivalProcess, t: number, rand: () => number): number {
  switch (a.kind) {
    case "poisson":
      return t - Math.log(1 - rand()) / a.ratePerSecond;
    case "gamma": {
      // Shape k = 1/cv^2, scale = 1/(lambda k): mean 1/lambda, coefficient of variation cv.
      const k = 1 / (a.cv * a.cv);
      return t + gammaSample(k, rand) / (a.ratePerSecond * k);
    }
    case "diurnal": {
      // Thinning: candidates at the peak rate, each kept with probability rate(t) / peak.
      const peak = a.ratePerSecond * Math.max(...a.curve);
      let x = t;
      for (;;) {
        x -= Math.log(1 - rand()) / peak;
        if (rand() * peak <= a.ratePerSecond * curveAt(a.curve, a.periodSeconds, x)) return x;
      }
    }
    case "periodic":
      return t + a.periodSeconds;
    default: {
      const never: never = a;
      throw new Error(`unknown arrival process ${(never as ArrivalProcess).kind}`);
    }
  }
}

/** Mean arrival rate of a process (requests per second), for reports and closed forms. */
export function meanRatePerSecond(a: ArrivalProcess): number {
  switch (a.kind) {
    case "poisson":
    case "gamma":
      return a.ratePerSecond;
    case "diurnal":
      return a.ratePerSecond * a.curve.reduce((s, x) => s + x, 0) / a.curve.length;
    case "periodic":
      return 1 / a.periodSeconds;
  }
}

export function generateRequests(g: RequestGenerator): Request[] {
  // Separate streams for times, lengths and classes: changing a length distribution does not move the arrivals.
  const times = mulberry32(g.seed * 2654435761 + 1);
  const lengths = mulberry32(g.seed * 2654435761 + 2);
  const classes = mulberry32(g.seed * 2654435761 + 3);
  const out: Request[] = [];
  let t = 0;
  const limit = g.count ?? Number.POSITIVE_INFINITY;
  const horizon = g.durationSeconds ?? Number.POSITIVE_INFINITY;
  for (let id = 0; id < limit; id++) {
    t = id === 0 && g.arrival.kind === "periodic" ? 0 : nextArrival(g.arrival, t, times);
    if (t >= horizon) break;
    const request: Request = { id, arrivalSeconds: t, promptTokens: sampleLength(g.prompt, lengths), outputTokens: sampleLength(g.output, lengths), priority: 0 };
    if (g.priorities) {
      let u = classes(), k = 0;
      while (k < g.priorities.length - 1 && u >= g.priorities[k]!.share) u -= g.priorities[k++]!.share;
      request.priority = g.priorities[k]!.priority;
    }
    if (g.deferrable && classes() < g.deferrable.share) request.deferrableSeconds = g.deferrable.windowSeconds;
    out.push(request);
  }
  return out;
}

/**
 * A request trace CSV: a header naming the columns, then one request per line. Required columns
 * `arrival_s`, `prompt_tokens`, `output_tokens`; optional `priority`, `deferrable_s`. Arrival times
 * need not be sorted (they are sorted, stably). `fail` raises an input error at a line.
 */
export function parseRequestCsv(text: string, fail: (path: string, expected: string, found: string) => never): Request[] {
  const lines = text.split(/\r?\n/).map((l, i) => ({ l: l.trim(), n: i + 1 })).filter(({ l }) => l !== "" && !l.startsWith("#"));
  if (lines.length < 2) fail("", "a header (arrival_s,prompt_tokens,output_tokens[,priority][,deferrable_s]) and at least one request", `${lines.length} lines`);
  const header = lines[0]!.l.split(",").map((h) => h.trim());
  const col = (name: string) => header.indexOf(name);
  for (const name of ["arrival_s", "prompt_tokens", "output_tokens"]) {
    if (col(name) < 0) fail(`line ${lines[0]!.n}`, `a column named ${name}`, lines[0]!.l);
  }
  const known = new Set(["arrival_s", "prompt_tokens", "output_tokens", "priority", "deferrable_s"]);
  for (const h of header) if (!known.has(h)) fail(`line ${lines[0]!.n}`, `columns among ${[...known].join(", ")}`, JSON.stringify(h));
  const out = lines.slice(1).map(({ l, n }, i): Request => {
    const cells = l.split(",").map((c) => c.trim());
    if (cells.length !== header.length) fail(`line ${n}`, `${header.length} cells`, `${cells.length}`);
    const num = (name: string, check: (x: number) => boolean, expected: string) => {
      const v = Number(cells[col(name)]);
      if (!check(v)) fail(`line ${n}, column ${name}`, expected, JSON.stringify(cells[col(name)]));
      return v;
    };
    const positiveInt = (x: number) => Number.isInteger(x) && x >= 1;
    const r: Request = {
      id: i,
      arrivalSeconds: num("arrival_s", (x) => Number.isFinite(x) && x >= 0, "a time >= 0 in seconds"),
      promptTokens: num("prompt_tokens", positiveInt, "a positive integer"),
      outputTokens: num("output_tokens", positiveInt, "a positive integer"),
      priority: col("priority") >= 0 ? num("priority", Number.isInteger, "an integer") : 0,
    };
    if (col("deferrable_s") >= 0) {
      const d = num("deferrable_s", (x) => Number.isFinite(x) && x >= 0, "a time >= 0 in seconds (0: not deferrable)");
      if (d > 0) r.deferrableSeconds = d;
    }
    return r;
  });
  out.sort((a, b) => a.arrivalSeconds - b.arrivalSeconds || a.id - b.id);
  out.forEach((r, i) => (r.id = i));
  return out;
}

/** The trace CSV of a list of requests (what parseRequestCsv reads). */
export function requestCsv(requests: readonly Request[]): string {
  const rows = requests.map((r) => `${r.arrivalSeconds},${r.promptTokens},${r.outputTokens},${r.priority},${r.deferrableSeconds ?? 0}`);
  return ["arrival_s,prompt_tokens,output_tokens,priority,deferrable_s", ...rows].join("\n") + "\n";
}
