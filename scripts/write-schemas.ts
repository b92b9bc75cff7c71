/** `npm run schemas`: write the JSON Schemas built in code (designs from the unit registry, studies) for editors and tools. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { designSchema } from "../hardware-models/design-schema.js";
import { studySchema } from "../studies/study-schema.js";
import { packageRoot } from "../common/package-root.js";

export const DESIGN_SCHEMA_FILE = join(packageRoot(), "hardware-models", "schema", "design.schema.json");
export const STUDY_SCHEMA_FILE = join(packageRoot(), "studies", "schema", "study.schema.json");

export function designSchemaText(): string {
  return `${JSON.stringify(designSchema, null, 2)}\n`;
}

export function studySchemaText(): string {
  return `${JSON.stringify(studySchema, null, 2)}\n`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ""))) {
  writeFileSync(DESIGN_SCHEMA_FILE, designSchemaText());
  writeFileSync(STUDY_SCHEMA_FILE, studySchemaText());
  console.log(`wrote ${DESIGN_SCHEMA_FILE} and ${STUDY_SCHEMA_FILE}`);
}
