import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { DESIGN_SCHEMA_FILE, designSchemaText } from "../scripts/write-schemas.js";

describe("published schemas", () => {
  it("hardware-models/schema/design.schema.json matches the registry (run `npm run schemas`)", () => {
    expect(readFileSync(DESIGN_SCHEMA_FILE, "utf8")).toBe(designSchemaText());
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
