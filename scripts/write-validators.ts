/**
 * Part of `npm run build`, after tsc: every input schema's ajv validator compiled ahead of time to
 * a module in dist/validators (ajv's standalone code), named by common/document.ts validatorKey.
 * validateAgainst loads a schema's module when there is one and compiles the schema itself when
 * there is not (a schema changed since the last build, or one not listed here), so this saves time
 * and changes no result: a sweep worker, or a command that reads a design, no longer compiles the
 * design and sweep schemas (~0.3 s of CPU each time) before its first point.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import standaloneModule from "ajv/dist/standalone/index.js";
import { AJV_OPTIONS, precompiledDir, validatorKey } from "../common/document.js";
import { designSchema, memoryLevelSchema, unitSectionSchema } from "../hardware-models/design-schema.js";
import { systemSchema } from "../hardware-models/system.js";
import { sweepSchema, SERVING_SECTION } from "../sweeps/spec.js";
import { metaSchema, summarySchema } from "../sweeps/sweep-folder.js";
import { accuracyFileSchema, accuracySchema } from "../sweeps/accuracy-model.js";
import { sectionSchema, workloadSchema } from "../workloads/workload-file.js";
import { traceSchema } from "../workloads/trace-io.js";
import { CALIBRATION_SCHEMA, measuredSchema } from "../validation/measured.js";
import { servingSchema } from "../serving/spec.js";
import { studySchema } from "../studies/study.js";

/** ajv's standalone code generator (a CommonJS module whose exports are the function, and its `default`). */
const standalone = standaloneModule.default;

/** Every schema an input passes through validateAgainst, by a name for messages. */
export function inputSchemas(): Record<string, object> {
  return {
    design: designSchema, system: systemSchema, sweep: sweepSchema, "sweep serving section": SERVING_SECTION,
    "sweep meta": metaSchema, "sweep summary": summarySchema, accuracy: accuracySchema, "accuracy file": accuracyFileSchema,
    workload: workloadSchema, "workload section": sectionSchema, trace: traceSchema,
    measured: measuredSchema, calibration: CALIBRATION_SCHEMA, serving: servingSchema, study: studySchema,
    // The parts of the design schema a sweep point's sections are validated against (patchedDesignValidator).
    ...Object.fromEntries(Object.entries(designSchema.properties).map(([key, schema]) => [`design ${key}`, schema])),
    "design unit": unitSectionSchema, "design memory level": memoryLevelSchema,
  };
}

/** Write the validators; returns the files written. */
export function writeValidators(dir = precompiledDir()): string[] {
  mkdirSync(dir, { recursive: true });
  for (const old of readdirSync(dir)) if (old.endsWith(".cjs")) rmSync(join(dir, old));
  const written: string[] = [];
  for (const schema of Object.values(inputSchemas())) {
    // One instance per schema: its module then holds that schema's code alone.
    const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
    const file = join(dir, `${validatorKey(schema)}.cjs`);
    writeFileSync(file, standalone(ajv, ajv.compile(schema)));
    written.push(file);
  }
  return written;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ""))) {
  const files = writeValidators();
  console.log(`wrote ${files.length} validators to ${precompiledDir()}`);
}
