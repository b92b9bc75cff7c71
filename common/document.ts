/**
 * Reading input documents (designs, traces, later sweep specs): YAML or JSON text, duplicate keys
 * rejected (YAML 1.2 is a superset of JSON, so JSON goes through the same parser and gets the same
 * check), then JSON-Schema validation with ajv collecting every error, each mapped to the file
 * and path it came from.
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Ajv, ErrorObject, ValidateFunction } from "ajv";
import { packageRoot } from "./package-root.js";
import { parseDocument } from "yaml";
import type { Static, TSchema } from "@sinclair/typebox";
import { InputError, describeValue, type InputProblem } from "./input-error.js";

/** Parse YAML/JSON text; `file` names the source in errors. */
export function parseText(text: string, file: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new InputError(
      file,
      doc.errors.map((e) => {
        const line = e.linePos?.[0];
        const at = line ? `line ${line.line}, column ${line.col}` : "";
        return { path: at, expected: "well-formed YAML or JSON", found: e.message.split("\n")[0] ?? e.code };
      }),
    );
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // yaml refuses alias expansion past maxAliasCount ("billion laughs")
    throw new InputError(file, { path: "", expected: "YAML without excessive alias expansion (at most 100 aliases)", found: err instanceof Error ? err.message.split("\n")[0] : String(err) });
  }
}

/** Largest input file read (traces of the largest presets are a few MB). */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/**
 * Read a text file; a missing or unreadable file, or one that is not a regular file (a folder, a
 * FIFO that would block, /dev/zero that never ends), or larger than MAX_INPUT_BYTES, is an
 * InputError naming what was expected. Opened non-blocking so a FIFO cannot hang the open.
 */
export function readTextFile(file: string, what = "a readable file"): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
    throw new InputError(file, { path: "", expected: what, found: code === "ENOENT" ? "no such file" : code });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new InputError(file, { path: "", expected: `${what} (a regular file)`, found: stat.isDirectory() ? "a folder" : stat.isFIFO() ? "a FIFO" : stat.isCharacterDevice() || stat.isBlockDevice() ? "a device" : "not a regular file" });
    if (stat.size > MAX_INPUT_BYTES) throw new InputError(file, { path: "", expected: `${what} of at most ${MAX_INPUT_BYTES / 1024 / 1024} MiB`, found: `${(stat.size / 1024 / 1024).toFixed(0)} MiB` });
    return readFileSync(fd, "utf8");
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? "unreadable";
    throw new InputError(file, { path: "", expected: what, found: code });
  } finally {
    closeSync(fd);
  }
}

/** Read and parse a YAML/JSON file. */
export function readDocument(file: string): unknown {
  return parseText(readTextFile(file), file);
}

/** ajv's options for every input schema (here and in the validators `npm run build` compiles). */
export const AJV_OPTIONS = { allErrors: true, strict: true, allowUnionTypes: true, verbose: true } as const;

const requireHere = createRequire(import.meta.url);
let ajv: Ajv | undefined;
let ajvVersion: string | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

/**
 * Where `npm run build` writes every input schema's validator, compiled ahead of time
 * (scripts/write-validators.ts, ajv's standalone code): compiling the design and sweep schemas
 * took ~0.3 s of each sweep worker's start-up and of every command that reads a design, where
 * loading their compiled modules takes ~20 ms.
 */
export function precompiledDir(): string {
  return join(packageRoot(), "dist", "validators");
}

/**
 * A schema's validator module name: a hash of ajv's version, the options and the schema as JSON.
 * A schema changed since the last build has another name, so it is compiled here as before.
 */
export function validatorKey(schema: object): string {
  ajvVersion ??= (requireHere("ajv/package.json") as { version: string }).version;
  return createHash("sha256").update(`${ajvVersion}\0${JSON.stringify(AJV_OPTIONS)}\0${JSON.stringify(schema)}`).digest("hex").slice(0, 32);
}

/** The schema's validator: compiled at build time if it was, else by ajv now (loaded only then). */
function validatorOf(schema: object): ValidateFunction {
  const file = join(precompiledDir(), `${validatorKey(schema)}.cjs`);
  if (existsSync(file)) return requireHere(file) as ValidateFunction;
  ajv ??= new (requireHere("ajv") as typeof import("ajv")).Ajv(AJV_OPTIONS);
  return ajv.compile(schema);
}

/**
 * Validate `data` against a TypeBox schema; the result has the type the schema describes (the
 * schema and the type are one definition, so this is the only place the two meet).
 */
export function validateSchema<T extends TSchema>(schema: T, data: unknown, file: string, at = ""): Static<T> {
  return validateAgainst<Static<T>>(schema, data, file, at);
}

/** Validate `data` against `schema`; throws one InputError listing every problem (paths prefixed with `at`, where `data` sits in its file). */
export function validateAgainst<T>(schema: object, data: unknown, file: string, at = ""): T {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = validatorOf(schema);
    compiled.set(schema, validate);
  }
  if (!validate(data)) throw new InputError(file, schemaProblems(validate.errors ?? [], data).map((p) => ({ ...p, path: `${at}${p.path}` })));
  return data as T;
}

function schemaProblems(errors: ErrorObject[], data: unknown): InputProblem[] {
  // anyOf/oneOf produce one error per branch plus a summary; keep the most specific ones.
  const specific = errors.filter((e) => e.keyword !== "anyOf" && e.keyword !== "oneOf" && e.keyword !== "if");
  const chosen = specific.length > 0 ? specific : errors;
  const seen = new Set<string>();
  const problems: InputProblem[] = [];
  for (const e of chosen) {
    const problem = toProblem(e, data);
    const key = `${problem.path}|${problem.expected}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function toProblem(e: ErrorObject, data: unknown): InputProblem {
  const path = e.instancePath;
  const found = describeValue(valueAt(data, path));
  switch (e.keyword) {
    case "required":
      return { path: `${path}/${String(e.params.missingProperty)}`, expected: "this required field", found: "nothing" };
    case "additionalProperties":
      return {
        path: `${path}/${String(e.params.additionalProperty)}`,
        expected: `no such field (allowed: ${allowedKeys(e)})`,
        found: "an unknown field",
      };
    case "enum":
      return { path, expected: `one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`, found };
    case "type":
      return { path, expected: `a value of type ${String(e.params.type)}`, found };
    case "const":
      return { path, expected: `the value ${JSON.stringify(e.params.allowedValue)}`, found };
    default:
      return { path, expected: `a value that ${e.message ?? "matches the schema"}`, found };
  }
}

function allowedKeys(e: ErrorObject): string {
  const props = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return props ? Object.keys(props).join(", ") : "see the schema";
}

function valueAt(data: unknown, pointer: string): unknown {
  if (pointer === "") return data;
  let cur: unknown = data;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
