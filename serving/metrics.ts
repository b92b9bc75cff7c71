/**
 * Serving metrics: latency percentiles, throughput and goodput, and step functions of time (queue
 * length, power) averaged over bins.
 *
 *   TTFT  first token - admission (arrival, or for a deferred request the hour it was held for:
 *         carbon-aware deferral is chosen waiting, reported on its own)
 *   TPOT  (completion - first token) / (output tokens - 1), for requests of two or more tokens
 *   e2e   completion - admission
 * Percentiles interpolate linearly between order statistics (numpy's default, Hyndman & Fan type 7).
 * Goodput: completed requests per second that meet every SLO given (DistServe, Zhong et al. OSDI 2024).
 * Little's law (L = lambda W) is checked on every run: the time average of the number of requests in
 * the system, integrated from the event log, against the arrival rate times the mean time in system
 * (the sample-path identity holds exactly when every request has left; the difference measures the
 * bookkeeping).
 */

export interface Percentiles {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** The q-quantile (0..1) of sorted values, linear between order statistics. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const x = q * (sorted.length - 1);
  const i = Math.floor(x);
  const f = x - i;
  return i + 1 < sorted.length ? sorted[i]! * (1 - f) + sorted[i + 1]! * f : sorted[i]!;
}

export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.length > 0 ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN;
  return { mean, p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p99: quantile(sorted, 0.99), max: sorted.length > 0 ? sorted[sorted.length - 1]! : NaN };
}

/**
 * A right-continuous step function of time: value[k] holds from time[k] until time[k + 1]. Appending
 * at an existing last time replaces the value there.
 */
export class StepSeries {
  readonly time: number[] = [];
  readonly value: number[] = [];

  set(t: number, v: number): void {
    const n = this.time.length;
    if (n > 0 && this.time[n - 1] === t) this.value[n - 1] = v;
    else if (n === 0 || this.value[n - 1] !== v) {
      this.time.push(t);
      this.value.push(v);
    }
  }

  /** Integral over [from, to]. */
  integral(from: number, to: number): number {
    let sum = 0;
    for (let k = 0; k < this.time.length; k++) {
      const a = Math.max(from, this.time[k]!);
      const b = Math.min(to, k + 1 < this.time.length ? this.time[k + 1]! : to);
      if (b > a) sum += this.value[k]! * (b - a);
    }
    return sum;
  }

  /** Average over each of `bins` equal bins of [0, horizon]. */
  binned(horizon: number, bins: number): number[] {
    const out = new Array<number>(bins).fill(0);
    const width = horizon / bins;
    if (!(width > 0)) return out;
    for (let k = 0; k < this.time.length; k++) {
      const a = this.time[k]!;
      const b = k + 1 < this.time.length ? this.time[k + 1]! : horizon;
      addSpread(out, width, a, Math.min(b, horizon), this.value[k]!);
    }
    return out.map((x) => x / width);
  }
}

/** Add `rate` x (overlap of [a, b] with each bin) to the bins of width `width`. */
export function addSpread(bins: number[], width: number, a: number, b: number, rate: number): void {
  if (!(b > a)) return;
  const last = bins.length - 1;
  for (let i = Math.max(0, Math.floor(a / width)); i <= Math.min(last, Math.floor(b / width)); i++) {
    const lo = Math.max(a, i * width), hi = Math.min(b, (i + 1) * width);
    if (hi > lo) bins[i]! += rate * (hi - lo);
  }
}

export interface LittlesLaw {
  /** Time average of requests in the system over the run, from the event log. */
  meanInSystem: number;
  /** Arrivals per second over the run. */
  arrivalRatePerSecond: number;
  meanSojournSeconds: number;
  /** |L - lambda W| / L. */
  relativeError: number;
}

export function littlesLaw(inSystem: StepSeries, horizonSeconds: number, sojournSeconds: readonly number[]): LittlesLaw {
  const meanInSystem = inSystem.integral(0, horizonSeconds) / horizonSeconds;
  const arrivalRatePerSecond = sojournSeconds.length / horizonSeconds;
  const meanSojournSeconds = sojournSeconds.reduce((a, b) => a + b, 0) / sojournSeconds.length;
  const lw = arrivalRatePerSecond * meanSojournSeconds;
  return { meanInSystem, arrivalRatePerSecond, meanSojournSeconds, relativeError: Math.abs(meanInSystem - lw) / Math.max(meanInSystem, 1e-300) };
}
