/**
 * Accuracy as a sweep metric: a model's task accuracy as a function of the point's model parameters,
 * declared in the sweep spec (`accuracy:`) or in a file of its own, so that accuracy can be an
 * objective or a constraint next to energy and latency (hardware x model co-design).
 *
 * Two forms, each carrying its source:
 * - a table of published results: rows keyed by inputs (sweep parameters, or the workload's fields
 *   and model shape: dModel, layers, heads, precision, attention, ...), each row with its value and its
 *   citation; optionally one numeric input interpolated linearly between neighbouring rows with the
 *   other inputs equal (a point outside the rows has no accuracy: an error row naming the inputs);
 * - an expression over the same names (restricted mathjs, sweeps/expressions.ts), e.g. a fitted
 *   scaling law with its source.
 * No accuracy is ever extrapolated or invented: a point the table does not cover is an error row.
 */
import { Type, type Static } from "@sinclair/typebox";
import { validateSchema } from "../common/document.js";
import { readReferencedDocument } from "../workloads/workload-file.js";
import { InputError } from "../common/input-error.js";
import { evaluateExpression, type ExprValue } from "./expressions.js";
import type { ModelShape } from "../workloads/trace.js";

const cell = Type.Union([Type.Number(), Type.String()]);

export const accuracySchema = Type.Object({
  unit: Type.Optional(Type.String({ description: "what the number is, e.g. \"% top-1 (ImageNet-1k val)\"" })),
  source: Type.Optional(Type.String({ description: "where an expression's numbers come from" })),
  table: Type.Optional(Type.Object({
    inputs: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: "names of sweep parameters or workload fields (dModel, layers, heads, dFF, seqLen, precision, attention, ...)" }),
    interpolate: Type.Optional(Type.String({ description: "one numeric input interpolated linearly between rows whose other inputs are equal" })),
    rows: Type.Array(Type.Object({
      value: Type.Number(),
      source: Type.String({ minLength: 1, description: "the paper and table (or figure) the value is read from" }),
    }, { additionalProperties: cell }), { minItems: 1 }),
  }, { additionalProperties: false })),
  expr: Type.Optional(Type.String({ minLength: 1 })),
}, { additionalProperties: false, description: "accuracy as a metric (sweeps/accuracy-model.ts): a table of published results or an expression, over model parameters" });

export const accuracyFileSchema = Type.Object({ version: Type.Literal(1), description: Type.Optional(Type.String()), accuracy: accuracySchema }, { additionalProperties: false });

export type AccuracySection = Static<typeof accuracySchema>;

/** A resolved, serialisable accuracy model. */
export interface AccuracyModel {
  unit: string;
  table?: { inputs: string[]; interpolate?: string; rows: { key: (number | string)[]; value: number; source: string }[] };
  expr?: string;
  source?: string;
}

/** The `accuracy:` of a sweep spec: inline, or a file (relative to the spec) with `version: 1` and `accuracy:`. */
export function loadAccuracy(value: unknown, file: string, path: string): AccuracyModel {
  let section: AccuracySection;
  let where = { file, path };
  if (typeof value === "string") {
    const { target, doc } = readReferencedDocument(value, file, path, "a readable accuracy file (relative to the spec)");
    section = validateSchema(accuracyFileSchema, doc, target).accuracy;
    where = { file: target, path: "/accuracy" };
  } else {
    section = validateSchema(accuracySchema, value, file, path);
  }
  if ((section.table === undefined) === (section.expr === undefined)) {
    throw new InputError(where.file, { path: where.path, expected: "one of table: (published results) or expr: (a formula with its source)", found: section.table ? "both" : "neither" });
  }
  if (section.expr !== undefined) {
    if (!section.source) throw new InputError(where.file, { path: `${where.path}/source`, expected: "the source of the expression's numbers", found: "nothing" });
    return { unit: section.unit ?? "", expr: section.expr, source: section.source };
  }
  const t = section.table!;
  if (t.interpolate !== undefined && !t.inputs.includes(t.interpolate)) {
    throw new InputError(where.file, { path: `${where.path}/table/interpolate`, expected: `one of the inputs (${t.inputs.join(", ")})`, found: JSON.stringify(t.interpolate) });
  }
  const seen = new Set<string>();
  const rows = t.rows.map((row, i) => {
    const at = `${where.path}/table/rows/${i}`;
    const extra = Object.keys(row).filter((k) => k !== "value" && k !== "source" && !t.inputs.includes(k));
    if (extra.length > 0) throw new InputError(where.file, { path: `${at}/${extra[0]}`, expected: `an input (${t.inputs.join(", ")}), value or source`, found: "an unknown field" });
    const key = t.inputs.map((name) => {
      const v = (row as Record<string, unknown>)[name];
      if (typeof v !== "number" && typeof v !== "string") throw new InputError(where.file, { path: `${at}/${name}`, expected: "a number or a name", found: v === undefined ? "nothing" : JSON.stringify(v) });
      if (name === t.interpolate && typeof v !== "number") throw new InputError(where.file, { path: `${at}/${name}`, expected: "a number (the interpolated input)", found: JSON.stringify(v) });
      return v;
    });
    const text = JSON.stringify(key);
    if (seen.has(text)) throw new InputError(where.file, { path: at, expected: "one row per combination of inputs", found: `a second row for ${text}` });
    seen.add(text);
    return { key, value: row.value, source: row.source };
  });
  return { unit: section.unit ?? "", table: { inputs: t.inputs, ...(t.interpolate ? { interpolate: t.interpolate } : {}), rows }, ...(section.source ? { source: section.source } : {}) };
}

/**
 * The names an accuracy model can read at a point: the model's shape from its trace, the workload
 * section's fields (a variant as its kind, a uniform precision as its name, a variant's keys as
 * `attention.density`), then the sweep's parameters, which win.
 */
export function accuracyScope(model: ModelShape, section: Record<string, unknown>, params: Record<string, ExprValue>): Record<string, ExprValue> {
  const scope: Record<string, ExprValue> = {};
  for (const [k, v] of Object.entries(model)) if (typeof v === "number" || typeof v === "string") scope[k] = v;
  for (const [k, v] of Object.entries(section)) {
    if (typeof v === "number" || typeof v === "string") scope[k] = v;
    else if (v !== null && typeof v === "object" && !Array.isArray(v) && "kind" in v) {
      const { kind, ...keys } = v as Record<string, unknown>;
      scope[k] = kind === "uniform" && typeof keys.precision === "string" ? keys.precision : String(kind);
      for (const [key, x] of Object.entries(keys)) if (typeof x === "number" || typeof x === "string") scope[`${k}.${key}`] = x;
    }
  }
  return { ...scope, ...params };
}

/** The accuracy at a point, or the reason there is none (outside the table's rows). */
export function accuracyAt(model: AccuracyModel, scope: Record<string, ExprValue>): { value: number } | { reason: string } {
  if (model.expr !== undefined) {
    const v = evaluateExpression(model.expr, scope);
    return typeof v === "number" && Number.isFinite(v) ? { value: v } : { reason: `accuracy expression gave ${JSON.stringify(v)}, not a number` };
  }
  const t = model.table!;
  const missing = t.inputs.filter((name) => scope[name] === undefined);
  if (missing.length > 0) return { reason: `accuracy table input ${missing.join(", ")} is neither a parameter nor a workload field` };
  const at = t.inputs.map((name) => scope[name]!);
  const shown = t.inputs.map((name, i) => `${name}=${String(at[i])}`).join(", ");
  const axis = t.interpolate === undefined ? -1 : t.inputs.indexOf(t.interpolate);
  const same = t.rows.filter((r) => r.key.every((v, i) => i === axis || v === at[i]));
  if (axis < 0) return same.length === 1 ? { value: same[0]!.value } : { reason: `no published accuracy for ${shown}` };
  const x = Number(at[axis]);
  const line = same.map((r) => ({ x: r.key[axis] as number, y: r.value })).sort((a, b) => a.x - b.x);
  const exact = line.find((p) => p.x === x);
  if (exact) return { value: exact.y };
  const hi = line.findIndex((p) => p.x > x);
  if (hi <= 0) return { reason: `no published accuracy for ${shown} (rows cover ${t.interpolate} ${line.length ? `${line[0]!.x} to ${line[line.length - 1]!.x}` : "nothing"} there; no extrapolation)` };
  const a = line[hi - 1]!, b = line[hi]!;
  return { value: a.y + ((b.y - a.y) * (x - a.x)) / (b.x - a.x) };
}
