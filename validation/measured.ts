/**
 * Measured data: what real boards did, row by row, for `validate` and `calibrate`. A file is YAML or
 * JSON (validation/schema/measured.schema.json: `defaults`, `rows`, optional `calibration`) or CSV
 * with the same fields as columns (`workload` as `key=value;key=value` or a workload file, `value`
 * with its unit or a separate `unit` column, `frequency`, `voltage`, `power_mode` and `batch` for
 * the conditions). Every row is checked up front; errors name the file, the row (its path, or its
 * CSV line) and the field.
 */
import { dirname, extname, resolve as resolvePath } from "node:path";
import { existsSync } from "node:fs";
import { parse as parseCsv } from "csv-parse/sync";
import measuredSchema from "./schema/measured.schema.json" with { type: "json" };
import { parseText, readTextFile, validateAgainst } from "../common/document.js";
import { checkPathSegments } from "../common/set-path.js";
import { InputError, type InputProblem } from "../common/input-error.js";
import { parseQuantity, QUANTITY, type QuantityKind } from "../common/quantity.js";
import { locateDesignFrom } from "../hardware-models/design-loader.js";
import { loadWorkloadFile, parseWorkloadSection } from "../workloads/workload-file.js";
import type { WorkloadSpec } from "../workloads/workload-spec.js";

export { measuredSchema };

export const METRIC_NAMES = ["latency", "energy", "power", "throughput", "idle-power"] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** What each metric is, in SI: latency of one run (s), energy per inference (J), average power (W), inferences per second, power with nothing running (W). */
export const METRIC_UNITS: Record<MetricName, { unit: string; kind: QuantityKind; label: string }> = {
  latency: { unit: "s", kind: QUANTITY.timeSeconds, label: "latency (s)" },
  energy: { unit: "J", kind: { unit: "J", example: '"83.7 mJ"' }, label: "energy per inference (J)" },
  power: { unit: "W", kind: QUANTITY.powerW, label: "average power (W)" },
  throughput: { unit: "1/s", kind: { unit: "Hz", example: '"544 Hz" or "544 /s"' }, label: "throughput (inferences/s)" },
  "idle-power": { unit: "W", kind: QUANTITY.powerW, label: "idle power (W)" },
};

/** `conditions.voltage` for a clock set by DVFS whose voltage is not published: the delay fit's (sim/dvfs.ts, voltageForFrequency). */
export const VOLTAGE_FROM_FREQUENCY = "from frequency";

export interface Conditions {
  frequencyHz?: number;
  voltageV?: number;
  powerMode?: string;
  batch?: number;
}

export interface MeasuredRow {
  id: string;
  board: string;
  /** Absolute path of the design file (or of a system file: its device, with its interconnect). */
  designFile: string;
  /** For a row on a system file: a design to use as the system's device instead of its own (validate --design). */
  device?: string;
  workload: WorkloadSpec;
  conditions: Conditions;
  /** The conditions as written (quantities with units), for the calibrated design and reports. */
  conditionsText: { frequency?: string; voltage?: string };
  metric: MetricName;
  /** SI (see METRIC_UNITS). */
  value: number;
  statistic?: string;
  repeats?: number;
  spread?: number;
  source: string;
  notes?: string;
  /** The benchmark's sequence-length mix (per-sample metrics are the weighted mean over its bins). */
  lengths?: LengthMix;
  /** Where the row is, for messages: "/rows/3" or "line 5". */
  where: string;
}

/**
 * A dataset's sequence lengths as bins: the workload runs at each bin's seq with the row's batch,
 * and a row's per-sample metrics are the weighted means (validation/validate.ts, `mixMetric`).
 * Weights are normalised to sum to 1.
 */
export interface LengthMix {
  source: string;
  bins: { seq: number; weight: number }[];
}

export interface CalibrationParameter {
  /** Dotted path into the design document (without a leading "design."). */
  path: string[];
  name: string;
  unit?: string;
  min: number;
  max: number;
  initial: number;
}

export interface CalibrationSpec {
  parameters: CalibrationParameter[];
  metrics?: MetricName[];
  folds: number;
  seed: number;
}

export interface MeasuredData {
  file: string;
  description?: string;
  rows: MeasuredRow[];
  calibration?: CalibrationSpec;
}

type Fields = Record<string, unknown>;

const CSV_CONDITION_COLUMNS: Record<string, string> = { frequency: "frequency", voltage: "voltage", power_mode: "powerMode", powerMode: "powerMode", batch: "batch" };

export function loadMeasured(file: string): MeasuredData {
  const text = readTextFile(file, "a readable measured-data file (YAML, JSON or CSV)");
  if (extname(file).toLowerCase() === ".csv") return parseMeasuredCsv(text, file);
  return parseMeasuredDocument(parseText(text, file), file);
}

interface Doc {
  description?: string;
  defaults?: Fields;
  rows: Fields[];
  calibration?: { parameters: { path: string; unit?: string; min: number; max: number; initial?: number }[]; metrics?: MetricName[]; folds?: number; seed?: number };
}

export function parseMeasuredDocument(data: unknown, file: string, lines?: number[]): MeasuredData {
  let doc: Doc;
  try {
    doc = validateAgainst<Doc>(measuredSchema, data, file);
  } catch (err) {
    throw lines && err instanceof InputError ? toCsvError(err, lines) : err;
  }
  const dir = dirname(resolvePath(file));
  const problems: InputProblem[] = [];
  const rows: MeasuredRow[] = [];
  const ids = new Map<string, string>();
  doc.rows.forEach((raw, i) => {
    const where = lines ? `line ${lines[i]}` : `/rows/${i}`;
    const at = (key: string) => (lines ? `line ${lines[i]}, column ${key}` : `/rows/${i}/${key}`);
    try {
      const row = resolveRow({ ...doc.defaults, ...raw, conditions: { ...(doc.defaults?.conditions as Fields), ...(raw.conditions as Fields) } }, file, dir, at, where);
      const previous = ids.get(row.id);
      if (previous) throw new InputError(file, { path: at("id"), expected: "a unique row id", found: `${JSON.stringify(row.id)}, also at ${previous}` });
      ids.set(row.id, where);
      rows.push(row);
    } catch (err) {
      if (err instanceof InputError) problems.push(...err.problems);
      else throw err;
    }
  });
  if (problems.length > 0) throw new InputError(file, problems);
  const calibration = doc.calibration ? resolveCalibration(doc.calibration, file, "/calibration") : undefined;
  return { file, description: doc.description, rows, calibration };
}

function resolveRow(f: Fields, file: string, dir: string, at: (key: string) => string, where: string): MeasuredRow {
  for (const key of ["id", "board", "design", "workload", "metric", "value", "source"]) {
    if (f[key] === undefined || f[key] === "") throw new InputError(file, { path: at(key), expected: `a ${key} (in the row or in defaults)`, found: "nothing" });
  }
  const metric = f.metric as MetricName;
  const designFile = locateDesignFrom(String(f.design), dir, { file, path: at("design") });
  let workload: WorkloadSpec;
  if (typeof f.workload === "string") {
    const wf = resolvePath(dir, f.workload);
    if (!existsSync(wf)) throw new InputError(file, { path: at("workload"), expected: "a workload file (relative to this file) or a workload section", found: JSON.stringify(f.workload) });
    workload = loadWorkloadFile(wf);
  } else {
    workload = parseWorkloadSection(f.workload as Fields, file, at("workload"));
  }
  const c = (f.conditions ?? {}) as Fields;
  const conditions: Conditions = {};
  const conditionsText: MeasuredRow["conditionsText"] = {};
  if (c.frequency !== undefined) {
    conditions.frequencyHz = parseQuantity(c.frequency, QUANTITY.frequencyHz, { file, path: at("conditions/frequency") });
    conditionsText.frequency = String(c.frequency);
  }
  if (c.voltage === VOLTAGE_FROM_FREQUENCY) {
    // A DVFS operating point whose voltage was not published: the delay fit's voltage for the clock (validate.ts).
    if (c.frequency === undefined) throw new InputError(file, { path: at("conditions/voltage"), expected: `a frequency beside "${VOLTAGE_FROM_FREQUENCY}"`, found: "no frequency" });
    conditionsText.voltage = VOLTAGE_FROM_FREQUENCY;
  } else if (c.voltage !== undefined) {
    conditions.voltageV = parseQuantity(c.voltage, QUANTITY.voltageV, { file, path: at("conditions/voltage") });
    conditionsText.voltage = String(c.voltage);
  }
  if (c.powerMode !== undefined) conditions.powerMode = String(c.powerMode);
  if (c.batch !== undefined) {
    conditions.batch = c.batch as number;
    workload = workload.operator ? { ...workload, operator: { ...workload.operator, batch: conditions.batch } } : { ...workload, batch: conditions.batch };
  }
  const value = parseMetricValue(f.value, metric, file, at("value"));
  const lengths = f.lengths === undefined ? undefined : resolveLengths(f.lengths as LengthsSection, workload, file, dir, at("lengths"));
  const spread = f.spread === undefined ? undefined : parseMetricValue(f.spread, metric, file, at("spread"), true);
  return {
    id: String(f.id), board: String(f.board), designFile, workload, conditions, conditionsText, metric, value,
    ...(f.statistic !== undefined ? { statistic: String(f.statistic) } : {}),
    ...(f.repeats !== undefined ? { repeats: f.repeats as number } : {}),
    ...(spread !== undefined ? { spread } : {}),
    source: String(f.source),
    ...(f.notes !== undefined ? { notes: String(f.notes) } : {}),
    ...(lengths ? { lengths } : {}),
    where,
  };
}

/** A row's `lengths:` as written: bins with their source, or a histogram file to bin. */
interface LengthsSection {
  source?: string;
  bins?: { seq: number; weight: number }[];
  histogram?: string;
  binWidth?: number;
}

function resolveLengths(raw: LengthsSection, workload: WorkloadSpec, file: string, dir: string, path: string): LengthMix {
  if (workload.operator) throw new InputError(file, { path, expected: "a model workload (a length mix sets the model's seq)", found: `the operator ${JSON.stringify(workload.model)}` });
  if (workload.phase === "decode" || workload.generate !== undefined) throw new InputError(file, { path, expected: "a prefill workload (a length mix sets the prompt's seq)", found: workload.phase === "decode" ? "phase decode" : "a generation" });
  if ((raw.histogram === undefined) === (raw.bins === undefined) || (raw.bins !== undefined && raw.source === undefined) || (raw.binWidth !== undefined && raw.histogram === undefined)) {
    throw new InputError(file, { path, expected: "either bins with their source, or a histogram file (with an optional binWidth)", found: Object.keys(raw).join(", ") || "nothing" });
  }
  const mix = raw.histogram !== undefined
    ? binHistogram(resolvePath(dir, raw.histogram), raw.binWidth ?? 32, raw.source ?? `${raw.histogram} (bins of ${raw.binWidth ?? 32} tokens)`, { file, path: `${path}/histogram` })
    : { source: raw.source!, bins: raw.bins! };
  const total = mix.bins.reduce((s, b) => s + b.weight, 0);
  return { source: mix.source, bins: mix.bins.map((b) => ({ seq: b.seq, weight: b.weight / total })) };
}

/**
 * A length histogram (CSV `tokens,samples`, # comments) in bins of `width` tokens: each bin's
 * weight is its samples, its seq their mean length rounded (linear layers' work is linear in the
 * length, so the mean keeps it; attention's quadratic part loses the variance within a bin).
 */
export function binHistogram(histogramFile: string, width: number, source: string, where: { file: string; path: string }): LengthMix {
  const text = readTextFile(histogramFile, "a length histogram (CSV with columns tokens,samples)");
  let records: Record<string, string>[];
  try {
    records = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, comment: "#" }) as Record<string, string>[];
  } catch (err) {
    throw new InputError(histogramFile, { path: "", expected: "CSV with a header row tokens,samples", found: err instanceof Error ? err.message : String(err) });
  }
  const sums = new Map<number, { samples: number; tokens: number }>();
  records.forEach((r, i) => {
    const tokens = Number(r.tokens), samples = Number(r.samples);
    if (!Number.isInteger(tokens) || tokens < 1 || !Number.isFinite(samples) || samples < 0) {
      throw new InputError(histogramFile, { path: `row ${i + 1}`, expected: "tokens (a positive integer) and samples (a count >= 0)", found: JSON.stringify(r) });
    }
    const bin = Math.floor((tokens - 1) / width);
    const s = sums.get(bin) ?? { samples: 0, tokens: 0 };
    s.samples += samples;
    s.tokens += samples * tokens;
    sums.set(bin, s);
  });
  const bins = [...sums.entries()].sort((a, b) => a[0] - b[0]).filter(([, s]) => s.samples > 0).map(([, s]) => ({ seq: Math.round(s.tokens / s.samples), weight: s.samples }));
  if (bins.length === 0) throw new InputError(where.file, { path: where.path, expected: "a histogram with samples", found: `${histogramFile}: none` });
  return { source, bins };
}

/** A measured value with its unit, in SI; "544 /s" and "544 samples/s" are throughputs. */
function parseMetricValue(raw: unknown, metric: MetricName, file: string, path: string, allowZero = false): number {
  let value: unknown = raw;
  // "544 /s", "544 samples/s", "544 inferences/s", "1.2 k/s": a count per second is a rate in Hz.
  if (metric === "throughput" && typeof raw === "string") value = raw.replace(/\s*(?:samples|inferences|queries|images|tokens)?\s*\/\s*s$/, " Hz").replace(/(\d)\s*([kMG])\s+Hz$/, "$1 $2Hz");
  if (typeof raw === "number") {
    throw new InputError(file, { path, expected: `a ${metric} with its unit, such as ${METRIC_UNITS[metric].kind.example}`, found: String(raw) });
  }
  const v = parseQuantity(value, METRIC_UNITS[metric].kind, { file, path });
  if (!(v > 0) && !(allowZero && v === 0)) throw new InputError(file, { path, expected: `a positive ${metric}`, found: JSON.stringify(raw) });
  return v;
}

function resolveCalibration(c: NonNullable<Doc["calibration"]>, file: string, path: string): CalibrationSpec {
  const parameters = c.parameters.map((p, i) => {
    const at = `${path}/parameters/${i}`;
    if (!(p.min < p.max)) throw new InputError(file, { path: `${at}/max`, expected: `a value above min (${p.min})`, found: String(p.max) });
    const initial = p.initial ?? (p.min + p.max) / 2;
    if (initial < p.min || initial > p.max) throw new InputError(file, { path: `${at}/initial`, expected: `a value in [${p.min}, ${p.max}]`, found: String(initial) });
    const segments = p.path.split(".");
    if (segments[0] === "design") segments.shift();
    if (segments.length === 0 || segments.some((s) => s === "")) throw new InputError(file, { path: `${at}/path`, expected: "a dotted path into the design, e.g. system.opOverhead.matmul", found: JSON.stringify(p.path) });
    checkPathSegments(segments, file, `${at}/path`);
    const name = segments.join(".");
    // An energy entry's name has dots of its own (energy.mac.int8 is the entry "mac.int8"); a fitted
    // value is a calibrated one, so it goes to the design's calibration.energy section (a value in
    // energy: is the user's and beats it).
    const target = segments[0] === "energy" && segments.length > 1 ? ["calibration", "energy", segments.slice(1).join(".")] : segments;
    return { path: target, name, ...(p.unit ? { unit: p.unit } : {}), min: p.min, max: p.max, initial };
  });
  return { parameters, ...(c.metrics ? { metrics: c.metrics } : {}), folds: c.folds ?? 5, seed: c.seed ?? 1 };
}

/** A calibration section on its own (a `--spec` file, e.g. for CSV data): `calibration:` at the top. */
export function parseCalibrationDocument(data: unknown, file: string): CalibrationSpec {
  const doc = validateAgainst<{ calibration: NonNullable<Doc["calibration"]> }>(CALIBRATION_SCHEMA, data, file);
  return resolveCalibration(doc.calibration, file, "/calibration");
}

export const CALIBRATION_SCHEMA = {
  $id: "https://attnsim.dev/schema/calibration.schema.json",
  type: "object",
  additionalProperties: false,
  required: ["calibration"],
  properties: { version: { const: 1 }, description: { type: "string" }, calibration: measuredSchema.$defs.calibration },
};

/** CSV: header row, one measurement per line; empty cells are absent fields. */
export function parseMeasuredCsv(text: string, file: string): MeasuredData {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, info: true, comment: "#" }) as typeof records;
  } catch (err) {
    throw new InputError(file, { path: "", expected: "CSV with a header row", found: err instanceof Error ? err.message : String(err) });
  }
  const lines: number[] = [];
  const problems: InputProblem[] = [];
  const rows = records.map(({ record, info }) => {
    lines.push(info.lines);
    const row: Fields = {};
    const conditions: Fields = {};
    let unit: string | undefined;
    for (const [column, cell] of Object.entries(record)) {
      if (cell === "") continue;
      if (column === "unit") unit = cell;
      else if (column in CSV_CONDITION_COLUMNS) {
        const key = CSV_CONDITION_COLUMNS[column]!;
        conditions[key] = key === "batch" ? numberOrText(cell) : cell;
      } else if (column === "workload") row.workload = /\.(ya?ml|json)$/i.test(cell) ? cell : keyValues(cell, `line ${info.lines}, column workload`, problems);
      else if (column === "repeats") row.repeats = numberOrText(cell);
      else row[column] = cell;
    }
    if (unit !== undefined && typeof row.value === "string" && /^[-+0-9.eE]+$/.test(row.value)) row.value = `${row.value} ${unit}`;
    if (unit !== undefined && typeof row.spread === "string" && /^[-+0-9.eE]+$/.test(row.spread)) row.spread = `${row.spread} ${unit}`;
    if (Object.keys(conditions).length > 0) row.conditions = conditions;
    return row;
  });
  if (problems.length > 0) throw new InputError(file, problems);
  return parseMeasuredDocument({ version: 1, rows }, file, lines);
}

function numberOrText(cell: string): number | string {
  const n = Number(cell);
  return Number.isFinite(n) ? n : cell;
}

/** "model=bert-large;seq=384;precision=int8" -> { model: "bert-large", seq: 384, precision: "int8" }. */
function keyValues(cell: string, path: string, problems: InputProblem[]): Fields {
  const out: Fields = {};
  for (const pair of cell.split(";")) {
    const i = pair.indexOf("=");
    if (i <= 0) {
      problems.push({ path, expected: "key=value pairs separated by ';' (model=bert-large;seq=384) or a workload file", found: JSON.stringify(cell) });
      return out;
    }
    out[pair.slice(0, i).trim()] = numberOrText(pair.slice(i + 1).trim());
  }
  return out;
}

/** Schema errors on a CSV's rows name its lines and columns instead of JSON paths. */
function toCsvError(err: InputError, lines: number[]): InputError {
  return new InputError(err.file, err.problems.map((p) => {
    const m = /^\/rows\/(\d+)(?:\/(.*))?$/.exec(p.path);
    if (!m) return p;
    const line = lines[Number(m[1])];
    return { ...p, path: m[2] ? `line ${line}, column ${m[2].replace(/^conditions\//, "")}` : `line ${line}` };
  }));
}
