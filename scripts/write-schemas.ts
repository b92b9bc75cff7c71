/** `npm run schemas`: write the design JSON Schema (built from the unit registry) for editors and tools. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { designSchema } from "../hardware-models/design-schema.js";
import { packageRoot } from "../common/package-root.js";

export const DESIGN_SCHEMA_FILE = join(packageRoot(), "hardware-models", "schema", "design.schema.json");

export function designSchemaText(): string {
  return `${JSON.stringify(designSchema, null, 2)}\n`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ""))) {
  writeFileSync(DESIGN_SCHEMA_FILE, designSchemaText());
  console.log(`wrote ${DESIGN_SCHEMA_FILE}`);
}
