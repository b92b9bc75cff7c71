import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { DESIGN_SCHEMA_FILE, designSchemaText } from "../scripts/write-schemas.js";

describe("published schemas", () => {
  it("hardware-models/schema/design.schema.json matches the registry (run `npm run schemas`)", () => {
    expect(readFileSync(DESIGN_SCHEMA_FILE, "utf8")).toBe(designSchemaText());
  });
});
