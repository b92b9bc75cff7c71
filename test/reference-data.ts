/** Locating and reading ../shared/reference (beside the repository, in CI and on developer machines). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";

export function referencePath(...parts: string[]): string {
  return join(packageRoot(), "..", "shared", "reference", ...parts);
}

/** Minimal CSV reader for the reference files (quoted fields with commas, no embedded newlines). */
export function readCsv(file: string): Record<string, string>[] {
  const lines = readFileSync(file, "utf8").split(/\r?\n/).filter((l) => l.trim() !== "");
  const parse = (line: string): string[] => {
    const out: string[] = [];
    let cur = "";
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; }
        else if (ch === '"') quoted = false;
        else cur += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ",") { out.push(cur); cur = ""; }
      else cur += ch;
    }
    out.push(cur);
    return out;
  };
  const header = parse(lines[0]!);
  return lines.slice(1).map((l) => {
    const fields = parse(l);
    return Object.fromEntries(header.map((h, i) => [h, fields[i] ?? ""]));
  });
}
