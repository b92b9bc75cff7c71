/**
 * The typed boundaries stay typed: no double cast (`as unknown as`) and no `as never` in the
 * simulator's core folders. Schema and code are one definition there (TypeBox), the unit registry is
 * typed by kind, and a cast would let them drift apart and still compile.
 */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { packageRoot } from "../common/package-root.js";

const FOLDERS = ["hardware-models", "sim", "sweeps", "studies"];
const FORBIDDEN = /\bas unknown as\b|\bas never\b/;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : name.endsWith(".ts") ? [path] : [];
  });
}

describe("typed boundaries", () => {
  it(`no "as unknown as" or "as never" in ${FOLDERS.join(", ")}`, () => {
    const root = packageRoot();
    const offenders: string[] = [];
    for (const folder of FOLDERS) {
      for (const file of tsFiles(join(root, folder))) {
        readFileSync(file, "utf8").split("\n").forEach((line, i) => {
          if (FORBIDDEN.test(line)) offenders.push(`${relative(root, file)}:${i + 1}: ${line.trim()}`);
        });
      }
    }
    expect(offenders).toEqual([]);
  });
});
