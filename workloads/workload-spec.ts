/**
 * A workload spec: which model, its shape, and the variants applied to it. The same object comes
 * from the CLI (`--attention block-sparse:block=32,density=0.3 --precision int8 ...`), from a YAML
 * `workload:` section (`attention: { kind: block-sparse, block: 32, density: 0.3 }`) and, later,
 * from sweep specs. Keys and defaults come from the variant registry.
 */
import { InputError } from "../common/input-error.js";
import { isPrecision, PRECISION_NAMES } from "./precision.js";
import type { Phase } from "./trace.js";
import type { OperatorSpec } from "./operator.js";
import { kindsOf, VARIANTS, type VariantCategory, type VariantKind } from "./variants/registry.js";
import type { ModelDefinition } from "./model-config.js";

export type ParamValue = number | string | number[];

export interface VariantChoice {
  kind: VariantKind;
  params: Record<string, ParamValue>;
}

export interface WorkloadSpec {
  /** A model preset, or (with `operator`) the operator's name. */
  model: string;
  /** One operator on its own instead of a model (workloads/operator.ts). */
  operator?: OperatorSpec;
  seq?: number;
  batch?: number;
  phase?: Phase;
  /** Decode: tokens already cached. */
  context?: number;
  /** Override the preset's KV heads (grouped-query / multi-query attention). */
  kvHeads?: number;
  /** Generation: decode this many tokens after the prefill. */
  generate?: number;
  attention?: VariantChoice;
  precision?: VariantChoice;
  tokens?: VariantChoice;
  exit?: VariantChoice;
  ffn?: VariantChoice;
  /** phase train: the optimizer and the step's settings (workloads/training/). */
  train?: VariantChoice;
  /** A model read from a config.json (`modelConfig:`), replacing the preset `model` names. */
  definition?: ModelDefinition;
  /** Shape fields replacing the model's own. */
  shape?: ShapeOverrides;
}

/** The shape fields a workload may set on any transformer model (docs/workloads.md, "Models as data"). */
export interface ShapeOverrides {
  layers?: number;
  dModel?: number;
  heads?: number;
  dFF?: number;
  /** Sliding-window attention over the last `window` tokens. */
  window?: number;
  /** Mixture-of-experts FFN: experts per layer and per token. */
  experts?: number;
  topk?: number;
  /** Vision models: image and patch side in pixels (the sequence follows). */
  image?: number;
  patch?: number;
}

export const SHAPE_OVERRIDE_KEYS = ["layers", "dModel", "heads", "dFF", "window", "experts", "topk", "image", "patch"] as const satisfies readonly (keyof ShapeOverrides)[];

interface Where {
  file: string;
  path: string;
}

/** Fill defaults and check types and ranges of a variant's parameters. */
export function resolveVariant(category: VariantCategory, kind: string, raw: Record<string, unknown>, where: Where): VariantChoice {
  const kinds = kindsOf(category);
  if (!(kinds as string[]).includes(kind)) {
    throw new InputError(where.file, { path: where.path, expected: `a ${category} kind: ${kinds.join(", ")}`, found: JSON.stringify(kind) });
  }
  const spec = VARIANTS[kind as VariantKind];
  const keys = spec.keys as Record<string, { type: string; default?: ParamValue; min?: number; max?: number; atMost?: string; enum?: readonly string[] }>;
  const params: Record<string, ParamValue> = {};
  for (const name of Object.keys(raw)) {
    if (!(name in keys)) {
      const allowed = Object.keys(keys);
      throw new InputError(where.file, { path: `${where.path}/${name}`, expected: allowed.length ? `a key of ${kind}: ${allowed.join(", ")}` : `no keys (${kind} takes none)`, found: "an unknown key" });
    }
  }
  for (const [name, key] of Object.entries(keys)) {
    const path = `${where.path}/${name}`;
    const value = raw[name] ?? key.default;
    if (value === undefined) throw new InputError(where.file, { path, expected: `a value for ${name}`, found: "nothing" });
    switch (key.type) {
      case "integer":
      case "number": {
        const n = typeof value === "string" ? Number(value) : value;
        if (typeof n !== "number" || !Number.isFinite(n) || (key.type === "integer" && !Number.isInteger(n))) {
          throw new InputError(where.file, { path, expected: `${key.type === "integer" ? "an integer" : "a number"}`, found: JSON.stringify(value) });
        }
        if ((key.min !== undefined && n < key.min) || (key.max !== undefined && n > key.max)) {
          throw new InputError(where.file, { path, expected: `a value from ${key.min ?? "-inf"} to ${key.max ?? "inf"}`, found: String(n) });
        }
        params[name] = n;
        break;
      }
      case "string": {
        if (typeof value !== "string" || (key.enum && !key.enum.includes(value))) {
          throw new InputError(where.file, { path, expected: key.enum ? `one of ${key.enum.join(", ")}` : "a string", found: JSON.stringify(value) });
        }
        params[name] = value;
        break;
      }
      case "precision": {
        if (typeof value !== "string" || !isPrecision(value)) {
          throw new InputError(where.file, { path, expected: `a precision: ${PRECISION_NAMES.join(", ")}`, found: JSON.stringify(value) });
        }
        params[name] = value;
        break;
      }
      case "list": {
        const items = Array.isArray(value) ? value : typeof value === "string" ? value.split("|") : [value];
        const nums = items.map((x) => (typeof x === "string" ? Number(x) : x));
        if (nums.length === 0 || nums.some((x) => typeof x !== "number" || !Number.isFinite(x))) {
          throw new InputError(where.file, { path, expected: "a list of numbers (a|b|c on the command line)", found: JSON.stringify(value) });
        }
        params[name] = nums as number[];
        break;
      }
      default:
        throw new Error(`unknown parameter type ${key.type}`);
    }
  }
  for (const [name, key] of Object.entries(keys)) {
    const limit = key.atMost === undefined ? undefined : params[key.atMost];
    if (typeof limit === "number" && (params[name] as number) > limit) {
      throw new InputError(where.file, { path: `${where.path}/${name}`, expected: `at most ${key.atMost} (${limit})`, found: String(params[name]) });
    }
  }
  return { kind: kind as VariantKind, params };
}

/**
 * `KIND[:key=value,...]` from the command line. For precision a bare precision name means
 * `uniform:precision=NAME`.
 */
export function parseVariantText(category: VariantCategory, text: string, flag: string): VariantChoice {
  const where = { file: "<command line>", path: flag };
  if (category === "precision" && isPrecision(text)) return resolveVariant(category, "uniform", { precision: text }, where);
  const [kind, rest] = splitOnce(text, ":");
  const raw: Record<string, string> = {};
  if (rest !== undefined && rest !== "") {
    for (const pair of rest.split(",")) {
      const [key, value] = splitOnce(pair, "=");
      if (value === undefined || key === "") {
        throw new InputError(where.file, { path: flag, expected: "KIND:key=value,key=value", found: JSON.stringify(text) });
      }
      raw[key.trim()] = value.trim();
    }
  }
  return resolveVariant(category, kind.trim(), raw, where);
}

/** `{ kind: ..., key: value }` from a YAML/JSON workload section (or a bare string as on the CLI). */
export function parseVariantObject(category: VariantCategory, value: unknown, where: Where): VariantChoice {
  if (typeof value === "string") {
    if (category === "precision" && isPrecision(value)) return resolveVariant(category, "uniform", { precision: value }, where);
    return resolveVariant(category, value, {}, where);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new InputError(where.file, { path: where.path, expected: `a ${category} kind or { kind: ..., key: value }`, found: JSON.stringify(value) });
  }
  const { kind, ...rest } = value as Record<string, unknown>;
  if (typeof kind !== "string") throw new InputError(where.file, { path: `${where.path}/kind`, expected: `a ${category} kind: ${kindsOf(category).join(", ")}`, found: JSON.stringify(kind) });
  return resolveVariant(category, kind, rest, { ...where, path: where.path });
}

/** The CLI form of a choice, e.g. "block-sparse:block=32,density=0.3,layout=random,seed=1". */
export function describeVariant(choice: VariantChoice): string {
  const params = Object.entries(choice.params).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("|") : v}`);
  return params.length > 0 ? `${choice.kind}:${params.join(",")}` : choice.kind;
}

function splitOnce(text: string, sep: string): [string, string | undefined] {
  const i = text.indexOf(sep);
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}
