/**
 * Calibration: fit chosen design parameters (a path into the design document, a unit, bounds) to
 * measured rows, minimising the sum of squared relative errors  sum_i ((p_i(theta) - m_i) / m_i)^2.
 *
 * Linear or not is decided by probing, not declared: the predictions are evaluated at the lower
 * bounds, at each parameter moved alone (as itself or its reciprocal), at two random interior points
 * and near the far end of every range; if those match the affine prediction to 1e-9 (energy in per-action energies, latency in per-op overheads and
 * 1/efficiency, static power), the problem is solved by bounded non-negative least squares
 * (least-squares.ts: exact NNLS, upper bounds by clamp-and-refit, exact unless several upper bounds
 * bind at once). Otherwise Levenberg-Marquardt (ml-levenberg-marquardt, the mljs
 * implementation, bounds by projection) runs on the parameters scaled to [0, 1].
 *
 * Never only the training error: k-fold cross-validation (rows shuffled with the seed, k folds,
 * each fitted on the other k - 1 and predicted) gives the error to expect on rows the fit did not
 * see. Uncertainty: the asymptotic standard error of each fitted value, sqrt(diag(s^2 (J^T J)^-1))
 * with J the Jacobian of the relative residuals and s^2 = RSS / (n - p) (parameters at a bound
 * excluded), and the spread of the values across the k fold fits.
 */
import { mathjs } from "../common/mathjs.js";
import { InputError } from "../common/input-error.js";
import { parseDocument as parseYamlDocument } from "yaml";
import { levenbergMarquardt } from "ml-levenberg-marquardt";
import { mulberry32, permutation } from "../common/random.js";
import type { CalibrationParameter, CalibrationSpec, MeasuredData, MeasuredRow } from "./measured.js";
import { boundedLeastSquares } from "./least-squares.js";
import { Predictor, summarizeRows, type MetricSummary, type Override, type RowOutcome } from "./validate.js";
import { relativeError } from "./stats.js";

export interface FittedParameter {
  name: string;
  path: string[];
  unit?: string;
  min: number;
  max: number;
  value: number;
  /** Asymptotic standard error (NaN at a bound or when the fit does not determine it). */
  standardError: number;
  atBound: boolean;
  /** The value each fold's fit gave. */
  foldValues: number[];
}

export interface CalibrationResult {
  method: "bounded-nnls" | "levenberg-marquardt";
  /** bounded-nnls: the coordinate each parameter is affine in (a value or its reciprocal). */
  coordinates?: Record<string, "identity" | "reciprocal">;
  rows: number;
  /** Rows left out because they could not be simulated (id: reason). */
  excluded: Record<string, string>;
  folds: number;
  parameters: FittedParameter[];
  /** Before: the design as written. Training: fitted on all rows, evaluated on all. Cross-validated: each row predicted by the fit that did not see it. */
  before: MetricSummary[];
  training: MetricSummary[];
  crossValidated: MetricSummary[];
  /** Per row: measured, before, after (all rows fit), cross-validated prediction. */
  table: { id: string; metric: string; measured: number; before: number; after: number; crossValidated: number }[];
}

export function overridesFor(parameters: readonly CalibrationParameter[], values: readonly number[]): Override[] {
  return parameters.map((p, j) => ({ path: p.path, value: p.unit ? `${values[j]} ${p.unit}` : values[j]! }));
}

interface Problem {
  rows: MeasuredRow[];
  parameters: CalibrationParameter[];
  predict: (rows: MeasuredRow[], theta: number[]) => number[];
}

export function calibrate(data: MeasuredData, spec: CalibrationSpec, predictor = new Predictor()): CalibrationResult {
  const parameters = spec.parameters;
  const wanted = data.rows.filter((r) => !spec.metrics || spec.metrics.includes(r.metric));
  const predict = (rows: MeasuredRow[], theta: number[]) => predictor.predict(rows, overridesFor(parameters, theta));

  // A fitted energy goes to calibration.energy; a design that pins the same entry in energy: (the
  // user's value, which wins) would ignore the fit.
  for (const [j, p] of parameters.entries()) {
    if (p.path[0] !== "calibration" || p.path[1] !== "energy") continue;
    for (const designFile of new Set(wanted.map((r) => r.designFile))) {
      const pinned = (predictor.document(designFile) as { energy?: Record<string, unknown> }).energy?.[p.path[2]!];
      if (pinned !== undefined) {
        throw new InputError(data.file, { path: `/calibration/parameters/${j}/path`, expected: `an energy entry the design does not set itself (a value in ${designFile}'s energy: section beats a calibrated one)`, found: `energy.${p.path[2]} = ${JSON.stringify(pinned)}` });
      }
    }
  }

  // Rows that cannot be simulated at the initial values are left out (and reported).
  const failures = new Map<string, string>();
  const initial = parameters.map((p) => p.initial);
  const probe = predictor.predict(wanted, overridesFor(parameters, initial), failures);
  const rows = wanted.filter((_, i) => Number.isFinite(probe[i]!));
  if (rows.length === 0) {
    throw new InputError(data.file, { path: "/calibration/parameters", expected: "parameters (paths, units, initial values) with which the rows can be simulated", found: wanted.length === 0 ? "no rows of the chosen metrics" : `every row failing, e.g. ${[...failures.values()][0]}` });
  }
  const problem: Problem = { rows, parameters, predict };

  const linear = affineCoordinates(problem);
  const fit = (train: number[]) => (linear ? fitLinear(problem, linear, train) : fitNonlinear({ ...problem, rows: train.map((i) => rows[i]!) }));

  const theta = fit(rows.map((_, i) => i));
  const after = predict(rows, theta);

  // k-fold cross-validation.
  const k = Math.min(spec.folds, rows.length);
  const order = permutation(rows.length, mulberry32(spec.seed));
  const foldOf = new Array<number>(rows.length);
  order.forEach((rowIndex, position) => (foldOf[rowIndex] = position % k));
  const cv = new Array<number>(rows.length).fill(NaN);
  const foldValues: number[][] = parameters.map(() => []);
  for (let f = 0; f < k; f++) {
    const train = rows.map((_, i) => i).filter((i) => foldOf[i] !== f);
    const testIdx = rows.map((_, i) => i).filter((i) => foldOf[i] === f);
    if (train.length === 0 || testIdx.length === 0) continue;
    const t = fit(train);
    t.forEach((v, j) => foldValues[j]!.push(v));
    const pred = predict(testIdx.map((i) => rows[i]!), t);
    testIdx.forEach((i, n) => (cv[i] = pred[n]!));
  }

  const before = predictor.predict(rows);
  const outcomes = (values: number[]): RowOutcome[] => rows.map((r, i) => ({
    id: r.id, board: r.board, design: r.designFile, workload: r.workload.model, metric: r.metric, measured: r.value, predicted: values[i]!,
    error: relativeError(values[i]!, r.value), source: r.source,
  }));
  const se = standardErrors(problem, theta);
  return {
    method: linear ? "bounded-nnls" : "levenberg-marquardt",
    ...(linear ? { coordinates: Object.fromEntries(parameters.map((p, j) => [p.name, linear.transforms[j]!])) } : {}),
    rows: rows.length,
    excluded: Object.fromEntries(failures),
    folds: k,
    parameters: parameters.map((p, j) => ({
      name: p.name, path: p.path, ...(p.unit ? { unit: p.unit } : {}), min: p.min, max: p.max, value: theta[j]!,
      standardError: se[j]!, atBound: atBound(p, theta[j]!), foldValues: foldValues[j]!,
    })),
    before: summarizeRows(outcomes(before)),
    training: summarizeRows(outcomes(after)),
    crossValidated: summarizeRows(outcomes(cv)),
    table: rows.map((r, i) => ({ id: r.id, metric: r.metric, measured: r.value, before: before[i]!, after: after[i]!, crossValidated: cv[i]! })),
  };
}

function atBound(p: CalibrationParameter, v: number): boolean {
  const tol = 1e-9 * (p.max - p.min);
  return v <= p.min + tol || v >= p.max - tol;
}


/**
 * Coordinates in which the predictions may be affine: a parameter itself (energies, overheads,
 * static power) or its reciprocal (an efficiency or a rate that divides a time). z ranges over
 * [a, b]: [min, max], or [1/max, 1/min] for a reciprocal.
 */
type Transform = "identity" | "reciprocal";

interface Coordinates {
  transforms: Transform[];
  a: number[];
  b: number[];
}

function coordinates(problem: Problem, transforms: Transform[]): Coordinates {
  const a = problem.parameters.map((p, j) => (transforms[j] === "identity" ? p.min : 1 / p.max));
  const b = problem.parameters.map((p, j) => (transforms[j] === "identity" ? p.max : 1 / p.min));
  return { transforms, a, b };
}

function thetaOf(c: Coordinates, z: number[]): number[] {
  return z.map((v, j) => (c.transforms[j] === "identity" ? v : 1 / v));
}

interface AffineModel {
  f0: number[];
  A: number[][];
}

/** Columns of the affine model f = f(a) + A (z - a), by moving one coordinate at a time. */
function affineColumns(problem: Problem, c: Coordinates): AffineModel {
  const f0 = problem.predict(problem.rows, thetaOf(c, c.a));
  const cols = c.a.map((aj, j) => {
    const z = c.a.slice();
    const step = (c.b[j]! - aj) / 2;
    z[j] = aj + step;
    const f = problem.predict(problem.rows, thetaOf(c, z));
    return f.map((v, i) => (v - f0[i]!) / step);
  });
  return { f0, A: problem.rows.map((_, i) => cols.map((col) => col[i]!)) };
}

function affineAt(problem: Problem, c: Coordinates, model: AffineModel, z: number[]): boolean {
  const f = problem.predict(problem.rows, thetaOf(c, z));
  for (let i = 0; i < f.length; i++) {
    const expected = model.f0[i]! + model.A[i]!.reduce((s, aij, j) => s + aij * (z[j]! - c.a[j]!), 0);
    if (!(Math.abs(f[i]! - expected) <= 1e-9 * Math.max(Math.abs(expected), Math.abs(f[i]!)))) return false;
  }
  return true;
}

/**
 * The coordinates in which the problem is affine, if any: each parameter alone is tried as itself,
 * then as its reciprocal (when its range excludes 0); then all together at two random points.
 */
function affineCoordinates(problem: Problem): (Coordinates & { model: AffineModel }) | undefined {
  const n = problem.parameters.length;
  const transforms: Transform[] = [];
  for (let j = 0; j < n; j++) {
    const options: Transform[] = problem.parameters[j]!.min > 0 ? ["identity", "reciprocal"] : ["identity"];
    const found = options.find((t) => {
      const trial = Array.from({ length: n }, (_, q) => (q === j ? t : "identity") as Transform);
      const c = coordinates(problem, trial);
      const model = affineColumns(problem, c);
      if (model.f0.some((v) => !Number.isFinite(v)) || model.A.some((row) => row.some((v) => !Number.isFinite(v)))) return false;
      const z = c.a.slice();
      z[j] = c.a[j]! + 0.83 * (c.b[j]! - c.a[j]!);
      return affineAt(problem, c, model, z);
    });
    if (!found) return undefined;
    transforms.push(found);
  }
  const c = coordinates(problem, transforms);
  const model = affineColumns(problem, c);
  const random = mulberry32(12345);
  for (let trial = 0; trial < 2; trial++) {
    if (!affineAt(problem, c, model, c.a.map((aj, j) => aj + (0.1 + 0.8 * random()) * (c.b[j]! - aj)))) return undefined;
  }
  // And every coordinate near its far end at once (a kink in the last tenth of a range).
  if (!affineAt(problem, c, model, c.a.map((aj, j) => aj + 0.97 * (c.b[j]! - aj)))) return undefined;
  return { ...c, model };
}

/**
 * Fit of the affine model on some rows (indices into the model's rows: each row's prediction
 * depends on that row alone, so a fold's model is the full one's rows, not a new probe), relative
 * residuals: rows scaled by 1/m_i.
 */
function fitLinear(problem: Problem, c: Coordinates & { model: AffineModel }, rows: readonly number[]): number[] {
  const { f0, A } = c.model;
  const m = rows.map((i) => problem.rows[i]!.value);
  const As = rows.map((i, k) => A[i]!.map((a) => a / m[k]!));
  const bs = rows.map((i, k) => (m[k]! - f0[i]!) / m[k]!);
  const span = c.a.map((aj, j) => c.b[j]! - aj);
  const phi = boundedLeastSquares(As, bs, span);
  return thetaOf(c, phi.map((v, j) => c.a[j]! + v));
}

function fitNonlinear(problem: Problem): number[] {
  const { parameters, rows } = problem;
  const toTheta = (u: readonly number[]) => u.map((v, j) => parameters[j]!.min + Math.min(1, Math.max(0, v)) * (parameters[j]!.max - parameters[j]!.min));
  let cacheKey = "", cache: number[] = [];
  const ratios = (u: number[]) => {
    const key = u.join(",");
    if (key !== cacheKey) {
      const pred = problem.predict(rows, toTheta(u));
      cache = pred.map((p, i) => (Number.isFinite(p) ? p / rows[i]!.value : 1e6));
      cacheKey = key;
    }
    return cache;
  };
  // Rounds of 10 iterations until the sum of squares stops improving (the library itself runs to
  // maxIterations unless the error drops below an absolute tolerance).
  let u = parameters.map((p) => (p.initial - p.min) / (p.max - p.min));
  let previous = Infinity;
  for (let round = 0; round < 30; round++) {
    const result = levenbergMarquardt(
      { x: rows.map((_, i) => i), y: rows.map(() => 1) },
      (v: number[]) => (i: number) => ratios(v)[i]!,
      {
        initialValues: u, minValues: parameters.map(() => 0), maxValues: parameters.map(() => 1),
        damping: 1e-2, gradientDifference: 1e-4, centralDifference: true, maxIterations: 10, errorTolerance: 1e-14,
      },
    );
    u = result.parameterValues.map((v) => Math.min(1, Math.max(0, v)));
    if (!(result.parameterError < previous * (1 - 1e-9))) break;
    previous = result.parameterError;
  }
  return toTheta(u);
}

/** sqrt(diag(s^2 (J^T J)^-1)) over the parameters not at a bound; NaN for the others. */
function standardErrors(problem: Problem, theta: number[]): number[] {
  const { rows, parameters } = problem;
  const n = rows.length;
  const free = parameters.map((_, j) => j).filter((j) => !atBound(parameters[j]!, theta[j]!));
  const out = parameters.map(() => NaN);
  if (free.length === 0 || n <= free.length) return out;
  const base = problem.predict(rows, theta);
  const residual = base.map((p, i) => relativeError(p, rows[i]!.value));
  const rss = residual.reduce((s, r) => s + r * r, 0);
  const J = rows.map(() => new Array<number>(free.length).fill(0));
  free.forEach((j, c) => {
    const p = parameters[j]!;
    const h = 1e-4 * (p.max - p.min);
    const up = theta.slice(), down = theta.slice();
    up[j] = Math.min(p.max, theta[j]! + h);
    down[j] = Math.max(p.min, theta[j]! - h);
    const fu = problem.predict(rows, up), fd = problem.predict(rows, down);
    rows.forEach((r, i) => (J[i]![c] = (fu[i]! - fd[i]!) / (up[j]! - down[j]!) / r.value));
  });
  const jtj = free.map((_, a) => free.map((_, b) => J.reduce((s, row) => s + row[a]! * row[b]!, 0)));
  try {
    const covariance = mathjs().inv(jtj) as number[][];
    const s2 = rss / (n - free.length);
    free.forEach((j, c) => (out[j] = Math.sqrt(Math.max(0, s2 * covariance[c]![c]!))));
  } catch {
    // singular: the data do not determine these parameters separately
  }
  return out;
}

/**
 * The design file with the fitted values written in (comments and layout kept) and a `sources`
 * line saying where they came from; `run` and `sweep` accept it like any design.
 */
export function calibratedDesignText(designText: string, result: CalibrationResult, measuredFile: string): string {
  const doc = parseYamlDocument(designText);
  for (const p of result.parameters) {
    const path = p.path.map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const value = p.unit ? `${formatValue(p.value)} ${p.unit}` : Number(formatValue(p.value));
    doc.setIn(path, value);
  }
  const cv = result.crossValidated.map((s) => `${s.metric} MAPE ${(s.mape * 100).toFixed(1)}%`).join(", ");
  const fitted = result.parameters.map((p) => `${p.name} = ${formatValue(p.value)}${p.unit ? ` ${p.unit}` : ""}${Number.isFinite(p.standardError) ? ` +- ${formatValue(p.standardError)}` : p.atBound ? " (at bound)" : ""}`).join("; ");
  const line = `Calibrated by attnsim calibrate against ${measuredFile} (${result.rows} rows, ${result.method}): ${fitted}. ${result.folds}-fold cross-validated ${cv}.`;
  if (result.parameters.some((p) => p.path[0] === "calibration")) doc.setIn(["calibration", "from"], `attnsim calibrate ${measuredFile}`);
  const sources = doc.get("sources");
  if (sources && typeof sources === "object" && "add" in sources) (sources as { add: (v: unknown) => void }).add(line);
  else doc.set("sources", [line]);
  return doc.toString({ lineWidth: 0 });
}

function formatValue(v: number): string {
  return Number(v.toPrecision(6)).toString();
}
