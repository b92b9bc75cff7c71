/**
 * Error and rank statistics for predicted-vs-measured pairs.
 *
 *   signed relative error  e_i = (p_i - m_i) / m_i      (> 0: the model over-predicts)
 *   MAPE                   mean |e_i|
 *   bias                   mean e_i
 *   worst                  the e_i of largest |e_i|
 *   Spearman rho           Pearson correlation of the ranks (ties get their average rank)
 *   Kendall tau-b          (concordant - discordant) / sqrt((n0 - n1)(n0 - n2)), n0 = n(n-1)/2,
 *                          n1, n2 the tied pairs in each variable (Kendall 1945, the tie-corrected
 *                          form scipy.stats.kendalltau computes by default)
 *
 * Rank fidelity is what decides a design-space exploration: a model with a constant 30% bias still
 * picks the right design if it ranks them right.
 */

export function relativeError(predicted: number, measured: number): number {
  return (predicted - measured) / measured;
}

export interface ErrorSummary {
  n: number;
  mape: number;
  bias: number;
  /** Signed error of the row furthest off, and its index. */
  worst: number;
  worstIndex: number;
  /** Median of |e|. */
  medianAbs: number;
  spearman: number;
  kendall: number;
}

export function summarize(predicted: number[], measured: number[]): ErrorSummary {
  const n = predicted.length;
  if (n !== measured.length) throw new Error("predicted and measured differ in length");
  const errors = predicted.map((p, i) => relativeError(p, measured[i]!));
  let worstIndex = 0;
  errors.forEach((e, i) => {
    if (Math.abs(e) > Math.abs(errors[worstIndex]!)) worstIndex = i;
  });
  const abs = errors.map(Math.abs).sort((a, b) => a - b);
  return {
    n,
    mape: n > 0 ? mean(errors.map(Math.abs)) : NaN,
    bias: n > 0 ? mean(errors) : NaN,
    worst: n > 0 ? errors[worstIndex]! : NaN,
    worstIndex,
    medianAbs: n === 0 ? NaN : n % 2 === 1 ? abs[(n - 1) / 2]! : (abs[n / 2 - 1]! + abs[n / 2]!) / 2,
    spearman: spearman(predicted, measured),
    kendall: kendallTauB(predicted, measured),
  };
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Ranks 1..n, ties sharing their average rank. */
export function ranks(xs: number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]![1]] = rank;
    i = j + 1;
  }
  return out;
}

export function pearson(x: number[], y: number[]): number {
  const n = x.length;
  if (n < 2) return NaN;
  const mx = mean(x), my = mean(y);
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx, dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

export function spearman(x: number[], y: number[]): number {
  return pearson(ranks(x), ranks(y));
}

/** Kendall's tau-b, O(n^2) (validation sets are hundreds of rows, not millions). */
export function kendallTauB(x: number[], y: number[]): number {
  const n = x.length;
  if (n < 2) return NaN;
  let concordant = 0, discordant = 0, tiesX = 0, tiesY = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(x[i]! - x[j]!), dy = Math.sign(y[i]! - y[j]!);
      if (dx === 0) tiesX++;
      if (dy === 0) tiesY++;
      if (dx === 0 || dy === 0) continue;
      if (dx === dy) concordant++;
      else discordant++;
    }
  }
  const n0 = (n * (n - 1)) / 2;
  const denominator = Math.sqrt((n0 - tiesX) * (n0 - tiesY));
  return denominator === 0 ? NaN : (concordant - discordant) / denominator;
}
