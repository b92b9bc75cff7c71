/**
 * Workload spec files (YAML/JSON): `version: 1` and a `workload:` section. The section is the same
 * object sweep specs use for their workloads; `parseWorkloadSection` reads it wherever it appears.
 */
import workloadSchemaJson from "./schema/workload.schema.json" with { type: "json" };
import { readDocument, validateAgainst } from "../common/document.js";
import { parseVariantObject, type WorkloadSpec } from "./workload-spec.js";
import { VARIANT_CATEGORIES } from "./variants/registry.js";
import { operatorName, parseOperatorSection } from "./operator.js";
import { InputError } from "../common/input-error.js";
import { basename, dirname, resolve as resolvePath } from "node:path";
import { readModelConfig } from "./model-config.js";
import { SHAPE_OVERRIDE_KEYS } from "./workload-spec.js";

/**
 * The workload spec file format (workloads/schema/workload.schema.json). Typed as a plain object so the published
 * declaration does not import JSON (an import attribute that declaration files cannot carry:
 * TS1543 under moduleResolution nodenext).
 */
export const workloadSchema: Readonly<Record<string, unknown>> = workloadSchemaJson;

export function loadWorkloadFile(file: string): WorkloadSpec {
  const doc = validateAgainst<{ workload: Record<string, unknown> }>(workloadSchema, readDocument(file), file);
  return parseWorkloadSection(doc.workload, file, "/workload");
}

/** The schema of one `workload:` section, wherever it appears (workload files, sweeps, studies). */
export const sectionSchema = { ...workloadSchemaJson.$defs.workload, $defs: workloadSchemaJson.$defs };

/** The upper bound the workload schema sets on a field, if any (the CLI checks its flags against them). */
export function workloadFieldMaximum(field: string): number | undefined {
  const spec: unknown = (workloadSchemaJson.$defs.workload.properties as Record<string, unknown>)[field];
  return typeof spec === "object" && spec !== null && "maximum" in spec && typeof spec.maximum === "number" ? spec.maximum : undefined;
}

/** A `workload:` object -> WorkloadSpec, checked against the workload file's schema, variant keys with precise paths. */
export function parseWorkloadSection(section: Record<string, unknown>, file: string, path: string): WorkloadSpec {
  validateAgainst(sectionSchema, section, file, path);
  const models = [section.model, section.operator, section.modelConfig].filter((x) => x !== undefined).length;
  if (models !== 1) {
    throw new InputError(file, { path, expected: "one of model: (a preset), modelConfig: (a Hugging Face config.json) or operator: (one matmul, softmax, layernorm, elementwise or collective op)", found: models === 0 ? "none" : "more than one" });
  }
  if (section.operator !== undefined) {
    const operator = parseOperatorSection(section, file, path);
    return { model: operatorName(operator), operator };
  }
  const spec: WorkloadSpec = { model: section.model as string };
  if (section.modelConfig !== undefined) {
    const { config, name } = modelConfigOf(section.modelConfig as string | Record<string, unknown>, file, `${path}/modelConfig`);
    spec.definition = readModelConfig(config, { file, path: `${path}/modelConfig` }, name);
    spec.model = spec.definition.name;
  }
  for (const key of ["seq", "batch", "context", "kvHeads", "generate"] as const) {
    if (section[key] !== undefined) spec[key] = section[key] as number;
  }
  for (const key of SHAPE_OVERRIDE_KEYS) {
    if (section[key] !== undefined) (spec.shape ??= {})[key] = section[key] as number;
  }
  if (section.phase !== undefined) spec.phase = section.phase as WorkloadSpec["phase"];
  for (const category of VARIANT_CATEGORIES) {
    if (section[category] !== undefined) spec[category] = parseVariantObject(category, section[category], { file, path: `${path}/${category}` });
  }
  return spec;
}

/**
 * A `modelConfig:` value: the fields inline, or a config.json file relative to the file that names
 * it. The model is named after the config's `_name_or_path`, else the file's name.
 */
export function modelConfigOf(value: string | Record<string, unknown>, file: string, path: string): { config: Record<string, unknown>; name?: string } {
  if (typeof value !== "string") return { config: value };
  const { doc } = readReferencedDocument(value, file, path, "a readable config.json (relative to this file)");
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new InputError(file, { path, expected: "a config.json holding one object", found: value });
  const config = doc as Record<string, unknown>;
  return { config, name: typeof config._name_or_path === "string" && config._name_or_path !== "" ? config._name_or_path : basename(value).replace(/\.json$/, "") };
}

/**
 * A YAML/JSON file another file names (relative to it): read and parsed, or an InputError naming
 * the referring file and path, with the reason the named file could not be read.
 */
export function readReferencedDocument(value: string, file: string, path: string, expected: string): { target: string; doc: unknown } {
  const target = resolvePath(dirname(file), value);
  try {
    return { target, doc: readDocument(target) };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    const inner = err.problems[0];
    throw new InputError(file, { path, expected, found: `${target}: ${inner ? `${inner.path ? `${inner.path}: ` : ""}expected ${inner.expected}, found ${inner.found}` : err.message}` });
  }
}
