/**
 * Sweep specs: user form (YAML/JSON, sweeps/schema/sweep.schema.json) -> a resolved, serialisable
 * spec that workers receive. Parameters are addressed by path into the design document
 * (`design.units.npu.rows`, `design.memory.1.capacity`) or into every workload (`workload.seq`),
 * take a list of values, a range (linear `step` or geometric `factor`, with units), or an expression
 * over earlier parameters (`cols: { expr: rows }`, `glb: { expr: "2^k KiB" }`).
 */
import { dirname, resolve as resolvePath } from "node:path";
import { existsSync } from "node:fs";
import { createHash } from "node:crypto";
import sweepSchemaJson from "./schema/sweep.schema.json" with { type: "json" };
import { readDocument, validateAgainst } from "../common/document.js";
import { InputError } from "../common/input-error.js";
import { checkPathSegments, withValues } from "../common/set-path.js";
import { locateDesign } from "../hardware-models/design-loader.js";
import { modelConfigOf, parseWorkloadSection } from "../workloads/workload-file.js";
import { evaluateExpression, type ExprValue } from "./expressions.js";
import { evaluatePoint } from "./evaluate-point.js";
import { METRICS } from "./metrics.js";
import { parseServingSettings, servingSectionSchema, type ServingSettings } from "../serving/spec.js";
import { SERVING_METRICS } from "../serving/serve.js";
import { loadAccuracy, type AccuracyModel } from "./accuracy-model.js";

/** The metric an accuracy model adds (sweeps/accuracy-model.ts). */
export const ACCURACY_METRIC = "accuracy";

/**
 * The sweep spec format (sweeps/schema/sweep.schema.json). Typed as a plain object so the published
 * declaration does not import JSON (as workloads/trace-io.ts traceSchema: TS1543 under nodenext).
 */
export const sweepSchema: Readonly<Record<string, unknown>> = sweepSchemaJson;
export { METRICS };

/** The metrics rows carry: a serving sweep adds the serving metrics (serving/serve.ts), an accuracy model `accuracy`. */
export function metricsOf(spec: { serving?: unknown; accuracy?: unknown }): readonly string[] {
  const base = spec.serving ? [...METRICS, ...SERVING_METRICS] : METRICS;
  return spec.accuracy ? [...base, ACCURACY_METRIC] : base;
}

/**
 * A workload section as a short label for CSVs and plots: the model, then the other keys as
 * key=value, variants in the CLI's syntax ("bert-base seq=512 attention=block-sparse:block=32").
 */
export function workloadLabel(section: Record<string, unknown>): string {
  const text = (v: unknown): string => {
    if (typeof v !== "object" || v === null) return String(v);
    if (Array.isArray(v)) return v.map(text).join("|");
    const { kind, ...rest } = v as Record<string, unknown>;
    const params = Object.entries(rest).map(([k, x]) => `${k}=${text(x)}`).join(",");
    return kind === undefined ? `{${params}}` : params ? `${String(kind)}:${params}` : String(kind);
  };
  const { model, modelConfig, ...rest } = section;
  const named = model ?? (modelConfig !== null && typeof modelConfig === "object" && "_name_or_path" in modelConfig ? modelConfig._name_or_path : modelConfig);
  return [named === undefined ? "" : String(named), ...Object.entries(rest).map(([k, v]) => `${k}=${text(v)}`)].filter(Boolean).join(" ");
}
export type { Metric } from "./metrics.js";

/** Values one range may expand to; a parameter with more is a spec mistake, not a sweep. */
export const MAX_RANGE_VALUES = 100_000;

export interface ParameterSpec {
  name: string;
  /** Path segments after "design" or "workload". */
  target?: { root: "design" | "workload"; path: string[] };
  /** Discrete values (lists and expanded ranges); absent for expressions. */
  values?: ExprValue[];
  expr?: string;
}

export interface SamplerSpec {
  kind: "grid" | "random" | "lhs" | "nsga2";
  samples?: number;
  population?: number;
  generations?: number;
  seed: number;
}

export interface ResolvedSweep {
  name: string;
  file: string;
  designFile: string;
  /** The base design document (as read). */
  design: unknown;
  /** Workload sections (as read). */
  workloads: Record<string, unknown>[];
  parameters: ParameterSpec[];
  constraints: string[];
  objectives: { metric: string; sense: "minimize" | "maximize" }[];
  sampler: SamplerSpec;
  /** Serve requests on each point (the workloads are the served models). */
  serving?: ServingSettings;
  /** Accuracy as a metric, from published results or a formula (sweeps/accuracy-model.ts). */
  accuracy?: AccuracyModel;
}

interface SweepDocument {
  name: string;
  design: string;
  workloads: Record<string, unknown>[];
  parameters: Record<string, { path?: string; values?: ExprValue[]; range?: { from: number | string; to: number | string; step?: number; factor?: number }; expr?: string }>;
  constraints?: string[];
  objectives: { minimize?: string; maximize?: string }[];
  sampler?: { kind: SamplerSpec["kind"]; samples?: number; population?: number; generations?: number; seed?: number };
  serving?: Record<string, unknown>;
  accuracy?: unknown;
}

export function loadSweep(file: string): ResolvedSweep {
  const doc = validateAgainst<SweepDocument>(sweepSchema, readDocument(file), file);
  doc.workloads = doc.workloads.map((section, i) => inlineModelConfig(section, file, `/workloads/${i}/modelConfig`));
  if (doc.serving) validateAgainst(SERVING_SECTION, { serving: doc.serving }, file);
  if (doc.serving && doc.accuracy !== undefined) throw new InputError(file, { path: "/accuracy", expected: "no accuracy model in a serving sweep (accuracy is read from each inference's model shape)", found: "both serving and accuracy" });
  const accuracy = doc.accuracy === undefined ? undefined : loadAccuracy(doc.accuracy, file, "/accuracy");
  const metrics = metricsOf(doc);
  const relative = resolvePath(dirname(file), doc.design);
  let designFile: string;
  try {
    designFile = existsSync(relative) ? relative : locateDesign(doc.design);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    throw new InputError(file, { path: "/design", expected: "a design file (relative to the spec) or a preset name", found: `${JSON.stringify(doc.design)} (${err.problems[0]?.expected ?? err.message})` });
  }
  const parameters: ParameterSpec[] = [];
  const known = new Set<string>();
  for (const [name, p] of Object.entries(doc.parameters)) {
    const at = `/parameters/${name}`;
    const kinds = [p.values, p.range, p.expr].filter((x) => x !== undefined).length;
    if (kinds !== 1) throw new InputError(file, { path: at, expected: "exactly one of values, range or expr", found: `${kinds}` });
    const spec: ParameterSpec = { name };
    if (p.path) {
      const [root, ...rest] = p.path.split(".");
      checkPathSegments(rest, file, `${at}/path`);
      spec.target = { root: root as "design" | "workload", path: rest };
    }
    if (p.values) spec.values = p.values;
    if (p.range) spec.values = expandRange(p.range, file, `${at}/range`);
    if (spec.values) {
      // A value listed twice would make two points with the same parameters, the same key: one row in the results.
      const seen = new Set<string>();
      spec.values.forEach((v, i) => {
        const text = JSON.stringify(v);
        if (seen.has(text)) throw new InputError(file, { path: p.values ? `${at}/values/${i}` : `${at}/range`, expected: "each value once (a repeated value evaluates the same point twice)", found: text });
        seen.add(text);
      });
    }
    if (p.expr) {
      for (const ref of identifiers(p.expr)) {
        if (!known.has(ref) && !metrics.includes(ref) && !isMathName(ref)) {
          throw new InputError(file, { path: `${at}/expr`, expected: `an expression over parameters declared before ${name} (${[...known].join(", ") || "none"})`, found: `a reference to ${ref}` });
        }
      }
      spec.expr = p.expr;
    }
    known.add(name);
    parameters.push(spec);
  }
  const names = [...known];
  const objectives = doc.objectives.map((o, i) => {
    const metric = (o.minimize ?? o.maximize)!;
    if (!metrics.includes(metric) && !names.includes(metric)) {
      throw new InputError(file, { path: `/objectives/${i}`, expected: `a metric (${metrics.join(", ")}) or a parameter`, found: JSON.stringify(metric) });
    }
    return { metric, sense: o.minimize !== undefined ? ("minimize" as const) : ("maximize" as const) };
  });
  const constraints = doc.constraints ?? [];
  constraints.forEach((c, i) => {
    const scope: Record<string, ExprValue> = {};
    for (const m of metrics) scope[m] = 1;
    for (const p of parameters) scope[p.name] = p.values?.[0] ?? 1;
    checkConstraint(c, scope, file, i);
  });
  const s = doc.sampler ?? { kind: "grid" as const };
  if ((s.kind === "random" || s.kind === "lhs") && s.samples === undefined) {
    throw new InputError(file, { path: "/sampler/samples", expected: `a sample count for the ${s.kind} sampler`, found: "nothing" });
  }
  if (s.kind === "grid") {
    const points = parameters.reduce((n, p) => n * (p.values?.length ?? 1), 1) * doc.workloads.length;
    if (!Number.isSafeInteger(points)) throw new InputError(file, { path: "/parameters", expected: `a grid of at most ${Number.MAX_SAFE_INTEGER} points (or a random, lhs or nsga2 sampler)`, found: `${points.toPrecision(3)} points` });
  }
  // Workload sections are read like workload files (the same schema: an unknown key is an error),
  // also with the workload parameters' first values written in (a misspelt path is an error here).
  const workloadParams = parameters.filter((p) => p.target?.root === "workload");
  // The first point's values, expressions included (one that fails here fails its rows with the reason).
  const firstValues: Record<string, ExprValue> = {};
  try {
    for (const p of parameters) firstValues[p.name] = p.values ? p.values[0]! : evaluateExpression(p.expr!, firstValues);
  } catch {
    // the parameters evaluated so far are checked
  }
  doc.workloads.forEach((section, i) => {
    parseWorkloadSection(section, file, `/workloads/${i}`);
    const first = workloadParams.filter((p) => firstValues[p.name] !== undefined).map((p) => [p.target!.path, firstValues[p.name]!] as const);
    if (first.length > 0) {
      try {
        parseWorkloadSection(withValues(section, first), file, `/workloads/${i}`);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        const named = workloadParams.map((p) => `workload.${p.target!.path.join(".")}`).join(", ");
        throw new InputError(file, { path: `/workloads/${i}`, expected: `a workload section that stays valid with the parameters ${named} written in`, found: err.problems.map((q) => `${q.path}: expected ${q.expected}${q.found ? `, found ${q.found}` : ""}`).join("; ") });
      }
    }
  });
  const resolved: ResolvedSweep = {
    name: doc.name, file, designFile, design: readDocument(designFile), workloads: doc.workloads, parameters, constraints, objectives,
    sampler: { kind: s.kind, samples: s.samples, population: s.population ?? 32, generations: s.generations ?? 20, seed: s.seed ?? 1 },
    ...(doc.serving ? { serving: parseServingSettings(doc.serving, { file, path: "/serving" }, dirname(resolvePath(file))) } : {}),
    ...(accuracy ? { accuracy } : {}),
  };
  checkConstraintsAtFirstPoint(resolved);
  return resolved;
}

/** A workload's `modelConfig:` file read into the section, so workers (local or remote) need no files. */
function inlineModelConfig(section: Record<string, unknown>, file: string, path: string): Record<string, unknown> {
  if (typeof section.modelConfig !== "string") return section;
  const { config, name } = modelConfigOf(section.modelConfig, file, path);
  return { ...section, modelConfig: { ...config, _name_or_path: name } };
}

export const SERVING_SECTION = { type: "object", properties: { serving: servingSectionSchema } };

function checkConstraint(c: string, scope: Record<string, ExprValue>, file: string, i: number, at = ""): void {
  try {
    const v = evaluateExpression(c, scope);
    if (typeof v !== "boolean") throw new TypeError("not a comparison");
  } catch (err) {
    throw new InputError(file, { path: `/constraints/${i}`, expected: `a boolean expression over metrics and parameters, e.g. "areaMm2 <= 4"${at}`, found: `${JSON.stringify(c)} (${err instanceof Error ? err.message : String(err)})` });
  }
}

/**
 * Constraints evaluated once more with the metrics of a real point (the first of the grid, first
 * workload), not ones: `sum(range(1, macs)) > 0` passes with macs = 1 and builds 10^8 values with
 * the real count. Skipped when that point cannot be simulated (its row will say why).
 */
function checkConstraintsAtFirstPoint(spec: ResolvedSweep): void {
  if (spec.constraints.length === 0) return;
  let params: Record<string, ExprValue>;
  try {
    params = assign(spec, dimensions(spec).map(() => 0));
  } catch {
    return;
  }
  const row = evaluatePoint({ ...spec, constraints: [] }, { index: 0, key: "", workload: 0, params });
  if (!row.metrics) return;
  spec.constraints.forEach((c, i) => checkConstraint(c, { ...params, ...row.metrics }, spec.file, i, ", checked with the metrics of the first point"));
}

/** A hash of everything that decides a sweep's rows: queues, output folders and resumes are tied to it. */
export function specDigest(spec: ResolvedSweep): string {
  const { name, design, workloads, parameters, constraints, objectives, sampler, serving, accuracy } = spec;
  return createHash("sha256").update(JSON.stringify({ name, design, workloads, parameters, constraints, objectives, sampler, serving, accuracy })).digest("hex");
}

function expandRange(r: { from: number | string; to: number | string; step?: number; factor?: number }, file: string, path: string): ExprValue[] {
  const split = (v: number | string): { value: number; unit: string } => {
    if (typeof v === "number") return { value: v, unit: "" };
    const m = /^\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(.*)$/.exec(v);
    if (!m) throw new InputError(file, { path, expected: "a number or a quantity such as \"8 GB/s\"", found: JSON.stringify(v) });
    return { value: Number(m[1]), unit: m[2]!.trim() };
  };
  const from = split(r.from), to = split(r.to);
  if (from.unit !== to.unit) throw new InputError(file, { path: `${path}/to`, expected: `the unit of from (${from.unit || "none"})`, found: to.unit || "none" });
  if ((r.step === undefined) === (r.factor === undefined)) throw new InputError(file, { path, expected: "one of step (linear) or factor (geometric)", found: "neither or both" });
  const count = r.step !== undefined
    ? Math.floor((to.value - from.value) / r.step * (1 + 1e-12)) + 1
    : from.value > 0 ? Math.floor(Math.log(to.value / from.value) / Math.log(r.factor!) * (1 + 1e-12)) + 1 : NaN;
  if (r.factor !== undefined && !(from.value > 0)) throw new InputError(file, { path: `${path}/from`, expected: "a positive start for a geometric range (factor)", found: String(r.from) });
  if (!(count >= 1)) throw new InputError(file, { path, expected: "from <= to", found: `${r.from} > ${r.to}` });
  if (count > MAX_RANGE_VALUES) throw new InputError(file, { path, expected: `a range of at most ${MAX_RANGE_VALUES.toLocaleString("en-US")} values (a larger step or factor, or a random/lhs sampler over fewer values)`, found: `${count.toLocaleString("en-US")} values` });
  const out: ExprValue[] = [];
  for (let i = 0, v = from.value; i < count; i++) {
    const rounded = Number(v.toPrecision(12));
    out.push(from.unit ? `${rounded} ${from.unit}` : rounded);
    v = r.step !== undefined ? from.value + (i + 1) * r.step : v * r.factor!;
  }
  return out;
}

function identifiers(expr: string): string[] {
  // Identifiers outside quoted strings; unit names are filtered by isMathName.
  return [...expr.replace(/"[^"]*"|'[^']*'/g, "").matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)].map((m) => m[0]);
}

const MATH_WORDS = new Set(["and", "or", "not", "xor", "true", "false", "pi", "e", "min", "max", "abs", "ceil", "floor", "round", "sqrt", "log", "log2", "log10", "exp", "pow", "mod", "to", "in"]);
function isMathName(name: string): boolean {
  if (MATH_WORDS.has(name)) return true;
  // Units (KiB, GHz, B, s, ...) are names mathjs knows.
  return /^(k|M|G|T|Ki|Mi|Gi|Ti|m|u|n|p)?(B|bit|bits|byte|bytes|Hz|s|W|J|V|m|b)$/.test(name) || ["mm", "um", "nm", "ns", "us", "ms"].includes(name);
}

/** Discrete parameters (the sampled dimensions), in declaration order. */
export function dimensions(spec: ResolvedSweep): ParameterSpec[] {
  return spec.parameters.filter((p) => p.values !== undefined);
}

/** Full assignment of a point: sampled values by index, then expressions in declaration order. */
export function assign(spec: ResolvedSweep, indices: number[]): Record<string, ExprValue> {
  const out: Record<string, ExprValue> = {};
  let d = 0;
  for (const p of spec.parameters) {
    if (p.values) out[p.name] = p.values[indices[d++]!]!;
    else out[p.name] = evaluateExpression(p.expr!, out);
  }
  return out;
}

/** Stable key of a parameter assignment and workload (cyrb53 hash of canonical JSON, hex). */
export function pointKey(params: Record<string, ExprValue>, workload: number): string {
  const text = JSON.stringify([workload, Object.keys(params).sort().map((k) => [k, params[k]])]);
  let h1 = 0xdeadbeef, h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, "0");
}
