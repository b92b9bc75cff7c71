import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { DESIGN_SCHEMA_FILE, designSchemaText, STUDY_SCHEMA_FILE, studySchemaText } from "../scripts/write-schemas.js";

describe("published schemas", () => {
  it("hardware-models/schema/design.schema.json matches the registry (run `npm run schemas`)", () => {
    expect(readFileSync(DESIGN_SCHEMA_FILE, "utf8")).toBe(designSchemaText());
  });
  it("studies/schema/study.schema.json matches studies/study-schema.ts (run `npm run schemas`)", () => {
    expect(readFileSync(STUDY_SCHEMA_FILE, "utf8")).toBe(studySchemaText());
  });
});

import { ENERGY_DOC_FILE, energyDocText } from "../scripts/write-energy-doc.js";

describe("generated docs", () => {
  it("docs/energy-table.md matches the tables in code (run `npm run docs`)", () => {
    expect(readFileSync(ENERGY_DOC_FILE, "utf8")).toBe(energyDocText());
  });
});

import { VARIANT_TABLE_FILE, variantTableText } from "../scripts/write-variant-table.js";

describe("generated variant table", () => {
  it("docs/variants-table.md matches the builder (run `npm run docs`)", () => {
    expect(readFileSync(VARIANT_TABLE_FILE, "utf8")).toBe(variantTableText());
  });
});

import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { MEASURED_DIR, REFERENCE_DIR, measuredExamples } from "../scripts/convert-measured.js";
import { loadMeasured } from "../validation/measured.js";

describe("examples/measured", () => {
  it("every file loads (designs, workloads and values resolve)", () => {
    const files = readdirSync(MEASURED_DIR).filter((f) => /\.(ya?ml|csv)$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) expect(loadMeasured(join(MEASURED_DIR, f)).rows.length).toBeGreaterThan(0);
  });
  it.runIf(existsSync(REFERENCE_DIR))("the generated files match ../shared/reference/measured (run `npm run measured`)", () => {
    for (const [name, text] of Object.entries(measuredExamples())) expect(readFileSync(join(MEASURED_DIR, name), "utf8")).toBe(text);
  });
});

import { syntheticIntensityCsv } from "../scripts/synthetic-grid-intensity.js";
import { packageRoot } from "../common/package-root.js";

describe("examples/studies/grid-intensity-synthetic.csv", () => {
  it("is what scripts/synthetic-grid-intensity.ts generates (labelled synthetic)", () => {
    const text = readFileSync(join(packageRoot(), "examples", "studies", "grid-intensity-synthetic.csv"), "utf8");
    expect(text).toBe(syntheticIntensityCsv());
    expect(text.split("\n")[0]).toMatch(/^# SYNTHETIC/);
  });
});

import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import { AJV_OPTIONS, precompiledDir, readDocument, validateAgainst, validatorKey } from "../common/document.js";
import { inputSchemas } from "../scripts/write-validators.js";
import { designPresetDir } from "../hardware-models/design-loader.js";
import { InputError } from "../common/input-error.js";

describe("validators compiled at build time (scripts/write-validators.ts)", () => {
  const requireHere = createRequire(import.meta.url);
  const precompiled = (schema: object): ValidateFunction => requireHere(join(precompiledDir(), `${validatorKey(schema)}.cjs`)) as ValidateFunction;

  it("every input schema has one in dist/validators, named by its current content (run `npm run build`)", () => {
    for (const [name, schema] of Object.entries(inputSchemas())) {
      expect(existsSync(join(precompiledDir(), `${validatorKey(schema)}.cjs`)), name).toBe(true);
    }
  });

  it("accept and reject what ajv compiling the schema now does, with the same errors", () => {
    const fresh = (schema: object) => new Ajv(AJV_OPTIONS).compile(schema);
    // The design presets and sweep examples as they are and with the mistakes users make.
    const cases: [object, unknown][] = [];
    const { design, sweep } = inputSchemas();
    for (const f of readdirSync(designPresetDir()).filter((f) => f.endsWith(".yaml"))) {
      const doc = readDocument(join(designPresetDir(), f)) as Record<string, any>;
      cases.push([design!, doc]);
      const unit = Object.keys(doc.units)[0]!;
      const bad = structuredClone(doc);
      Object.assign(bad.units[unit], { count: "four", typo: 1 });
      bad.memory[0].bandwidth = 17;
      delete bad.mapping.default;
      cases.push([design!, bad]);
    }
    const sweeps = join(packageRoot(), "examples", "sweeps");
    for (const f of readdirSync(sweeps).filter((f) => f.endsWith(".yaml"))) {
      const doc = readDocument(join(sweeps, f)) as Record<string, any>;
      cases.push([sweep!, doc], [sweep!, { ...doc, sampler: { kind: "grid", budget: -1 }, extra: true }]);
    }
    const sameErrors = (v: ValidateFunction) => JSON.stringify(v.errors ?? null);
    let rejected = 0;
    for (const [schema, data] of cases) {
      const now = fresh(schema), built = precompiled(schema);
      expect(built(data)).toBe(now(data));
      expect(sameErrors(built)).toBe(sameErrors(now));
      if (now.errors) rejected++;
    }
    expect(rejected).toBeGreaterThan(cases.length / 3); // the mistakes were caught, by both
  });

  it("a schema not compiled at build time is compiled when first used", () => {
    const schema = { type: "object", properties: { n: { type: "number" } }, required: ["n"], additionalProperties: false };
    expect(existsSync(join(precompiledDir(), `${validatorKey(schema)}.cjs`))).toBe(false);
    expect(validateAgainst(schema, { n: 1 }, "<test>")).toStrictEqual({ n: 1 });
    expect(() => validateAgainst(schema, { n: "1" }, "<test>")).toThrow(InputError);
  });
});
