/**
 * Workload spec files (YAML/JSON): `version: 1` and a `workload:` section. The section is the same
 * object sweep specs use for their workloads; `parseWorkloadSection` reads it wherever it appears.
 */
import workloadSchema from "./schema/workload.schema.json" with { type: "json" };
import { readDocument, validateAgainst } from "../common/document.js";
import { parseVariantObject, type WorkloadSpec } from "./workload-spec.js";
import { VARIANT_CATEGORIES } from "./variants/registry.js";
import { operatorName, parseOperatorSection } from "./operator.js";
import { InputError } from "../common/input-error.js";

export { workloadSchema };

export function loadWorkloadFile(file: string): WorkloadSpec {
  const doc = validateAgainst<{ workload: Record<string, unknown> }>(workloadSchema, readDocument(file), file);
  return parseWorkloadSection(doc.workload, file, "/workload");
}

/** The schema of one `workload:` section, wherever it appears (workload files, sweeps, studies). */
const sectionSchema = { ...workloadSchema.$defs.workload, $defs: workloadSchema.$defs };

/** A `workload:` object -> WorkloadSpec, checked against the workload file's schema, variant keys with precise paths. */
export function parseWorkloadSection(section: Record<string, unknown>, file: string, path: string): WorkloadSpec {
  validateAgainst(sectionSchema, section, file, path);
  if ((section.model === undefined) === (section.operator === undefined)) {
    throw new InputError(file, { path, expected: "either model: (a preset) or operator: (one matmul, softmax, layernorm or elementwise op)", found: section.model === undefined ? "neither" : "both" });
  }
  if (section.operator !== undefined) {
    const operator = parseOperatorSection(section, file, path);
    return { model: operatorName(operator), operator };
  }
  const spec: WorkloadSpec = { model: section.model as string };
  for (const key of ["seq", "batch", "context", "kvHeads", "generate"] as const) {
    if (section[key] !== undefined) spec[key] = section[key] as number;
  }
  if (section.phase !== undefined) spec.phase = section.phase as WorkloadSpec["phase"];
  for (const category of VARIANT_CATEGORIES) {
    if (section[category] !== undefined) spec[category] = parseVariantObject(category, section[category], { file, path: `${path}/${category}` });
  }
  return spec;
}
