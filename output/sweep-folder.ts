/**
 * A sweep's output folder as the plots and the explorer read it: workload labels from sweep.json
 * (read and validated by sweeps/sweep-folder.ts), the Pareto front's keys, and which parameters are
 * computed from others.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { SweepMeta } from "../sweeps/sweep-folder.js";

export function workloadName(meta: SweepMeta, workload: number): string {
  return meta.workloads?.[workload] ?? `workload ${workload}`;
}

/** The keys on the Pareto front (pareto.csv's key column). */
export function frontKeys(dir: string): Set<string> {
  const [header, ...lines] = readFileSync(join(dir, "pareto.csv"), "utf8").split("\n");
  const column = header!.split(",").indexOf("key");
  return new Set(lines.map((l) => l.split(",")[column]!).filter(Boolean));
}

/**
 * Parameters computed from others (`cols: { expr: rows }`, `ifmap: { expr: "kib KiB" }`), by the
 * first parameter their expression names: they move with it.
 */
export function derivedParameters(meta: SweepMeta): Record<string, string[]> {
  const names = meta.parameters.map((p) => p.name);
  const out: Record<string, string[]> = {};
  const sourceOf = (name: string, seen = new Set<string>()): string | undefined => {
    const p = meta.parameters.find((x) => x.name === name);
    if (!p?.expr || seen.has(name)) return name;
    seen.add(name);
    const first = names.find((n) => n !== name && new RegExp(`(^|[^A-Za-z0-9_])${n}([^A-Za-z0-9_]|$)`).test(p.expr!));
    return first === undefined ? undefined : sourceOf(first, seen);
  };
  for (const p of meta.parameters) {
    if (!p.expr) continue;
    const source = sourceOf(p.name);
    if (source !== undefined && source !== p.name) (out[source] ??= []).push(p.name);
  }
  return out;
}
