/**
 * Sweep specs: user form (YAML/JSON, sweeps/schema/sweep.schema.json) -> a resolved, serialisable
 * spec that workers receive. Parameters are addressed by path into the design document
 * (`design.units.npu.rows`, `design.memory.1.capacity`) or into every workload (`workload.seq`),
 * take a list of values, a range (linear `step` or geometric `factor`, with units), or an expression
 * over earlier parameters (`cols: { expr: rows }`, `glb: { expr: "2^k KiB" }`).
 */
import { dirname, resolve as resolvePath } from "node:path";
import { existsSync } from "node:fs";
import sweepSchema from "./schema/sweep.schema.json" with { type: "json" };
import { readDocument, validateAgainst } from "../common/document.js";
import { InputError } from "../common/input-error.js";
import { locateDesign } from "../hardware-models/design-loader.js";
import { evaluateExpression, type ExprValue } from "./expressions.js";
import { parseServingSettings, servingSectionSchema, type ServingSettings } from "../serving/spec.js";
import { SERVING_METRICS } from "../serving/serve.js";

export { sweepSchema };

/** Result fields a constraint or objective may name (besides parameters). */
export const METRICS = [
  "latencySeconds", "latencyCycles", "energyJ", "averagePowerW", "peakPowerW", "macs", "areaMm2", "peakMemoryBytes",
  "peakActivationBytes", "weightBytes", "leakagePowerW", "utilization", "opsPerByte", "outerBytes", "edpJs",
] as const;
export type Metric = (typeof METRICS)[number];

/** The metrics rows carry: a serving sweep adds the serving metrics (serving/serve.ts). */
export function metricsOf(spec: { serving?: unknown }): readonly string[] {
  return spec.serving ? [...METRICS, ...SERVING_METRICS] : METRICS;
}

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
  const { model, ...rest } = section;
  return [model === undefined ? "" : String(model), ...Object.entries(rest).map(([k, v]) => `${k}=${text(v)}`)].filter(Boolean).join(" ");
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
}

export function loadSweep(file: string): ResolvedSweep {
  const doc = validateAgainst<SweepDocument>(sweepSchema, readDocument(file), file);
  if (doc.serving) validateAgainst(SERVING_SECTION, { serving: doc.serving }, file);
  const metrics = metricsOf(doc);
  const relative = resolvePath(dirname(file), doc.design);
  const designFile = existsSync(relative) ? relative : locateDesign(doc.design);
  const parameters: ParameterSpec[] = [];
  const known = new Set<string>();
  for (const [name, p] of Object.entries(doc.parameters)) {
    const at = `/parameters/${name}`;
    const kinds = [p.values, p.range, p.expr].filter((x) => x !== undefined).length;
    if (kinds !== 1) throw new InputError(file, { path: at, expected: "exactly one of values, range or expr", found: `${kinds}` });
    const spec: ParameterSpec = { name };
    if (p.path) {
      const [root, ...rest] = p.path.split(".");
      spec.target = { root: root as "design" | "workload", path: rest };
    }
    if (p.values) spec.values = p.values;
    if (p.range) spec.values = expandRange(p.range, file, `${at}/range`);
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
    try {
      const v = evaluateExpression(c, scope);
      if (typeof v !== "boolean") throw new Error("not a comparison");
    } catch (err) {
      throw new InputError(file, { path: `/constraints/${i}`, expected: "a boolean expression over metrics and parameters, e.g. \"areaMm2 <= 4\"", found: `${JSON.stringify(c)} (${err instanceof Error ? err.message : String(err)})` });
    }
  });
  const s = doc.sampler ?? { kind: "grid" as const };
  if ((s.kind === "random" || s.kind === "lhs") && s.samples === undefined) {
    throw new InputError(file, { path: "/sampler/samples", expected: `a sample count for the ${s.kind} sampler`, found: "nothing" });
  }
  return {
    name: doc.name, file, designFile, design: readDocument(designFile), workloads: doc.workloads, parameters, constraints, objectives,
    sampler: { kind: s.kind, samples: s.samples, population: s.population ?? 32, generations: s.generations ?? 20, seed: s.seed ?? 1 },
    ...(doc.serving ? { serving: parseServingSettings(doc.serving, { file, path: "/serving" }, dirname(resolvePath(file))) } : {}),
  };
}

const SERVING_SECTION = { type: "object", properties: { serving: servingSectionSchema } };

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
  const out: ExprValue[] = [];
  const limit = 100_000;
  for (let i = 0, v = from.value; v <= to.value * (1 + 1e-12) && i < limit; i++) {
    const rounded = Number(v.toPrecision(12));
    out.push(from.unit ? `${rounded} ${from.unit}` : rounded);
    v = r.step !== undefined ? from.value + (i + 1) * r.step : v * r.factor!;
  }
  if (out.length === 0) throw new InputError(file, { path, expected: "from <= to", found: `${r.from} > ${r.to}` });
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
