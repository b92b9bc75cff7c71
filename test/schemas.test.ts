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
