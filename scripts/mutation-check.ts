/**
 * `npm run mutation`: a mutation check of the model tests. For every unit kind, each priced action
 * (per action group: one name, or a lane-op across precisions) is made 10% dearer, and then the
 * kind's compute cycles 10% longer, one mutant at a time (test/mutation-setup.ts applies it); the
 * model tests must fail for every mutant. A mutant that survives means no test checks that number.
 * Prints a table; exits 1 if any mutant survives or the unmutated control run fails.
 *
 *   node dist/scripts/mutation-check.js [--kind systolic] [--list]
 */
import { spawnSync } from "node:child_process";
import { designPresetNames, loadDesign } from "../hardware-models/design-loader.js";
import { UNIT_KINDS, type UnitKind } from "../hardware-models/unit-registry.js";
import { packageRoot } from "../common/package-root.js";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { loadSystemFile } from "../hardware-models/system.js";
import { isPrecision } from "../workloads/precision.js";

/** The model tests: units, engine, validation, golden matrix, SCALE-Sim reference, variants through the engine. */
export const MODEL_TESTS = [
  "hardware-models", "sim", "validation", "workloads",
  "test/golden.test.ts", "test/scalesim-reference.test.ts", "test/variants-engine.test.ts", "test/attention-fusion.test.ts",
  "test/compute-fidelity.test.ts",
];

/** An action's group: a lane-op or MAC across precisions ("mac.int8" -> "mac"), any other action by its name. */
export function actionGroup(name: string): string {
  const dot = name.indexOf(".");
  return dot > 0 && isPrecision(name.slice(dot + 1)) ? name.slice(0, dot) : name;
}

/** Action groups per unit kind, across the design presets. */
export function actionGroups(): Map<UnitKind, string[]> {
  const groups = new Map<UnitKind, Set<string>>(UNIT_KINDS.map((k) => [k, new Set<string>()]));
  const systemsDir = join(packageRoot(), "examples", "systems");
  const designs = [
    ...designPresetNames().map((name) => loadDesign(name)),
    // System presets add their interconnect (a link unit) to a device design.
    ...readdirSync(systemsDir).filter((f) => f.endsWith(".yaml")).map((f) => loadSystemFile(join(systemsDir, f)).device),
  ];
  for (const design of designs) {
    for (const unit of design.units) {
      for (const a of unit.actions.list) groups.get(unit.kind)!.add(actionGroup(a.name));
    }
  }
  return new Map([...groups].map(([k, g]) => [k, [...g].sort()]));
}

function runTests(mutant: string | undefined): { failed: boolean; seconds: number } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ["node_modules/vitest/vitest.mjs", "run", ...MODEL_TESTS, "--bail=1", "--reporter=dot"], {
    cwd: packageRoot(), encoding: "utf8", env: { ...process.env, ...(mutant ? { ATTNSIM_MUTANT: mutant } : {}) },
  });
  return { failed: r.status !== 0, seconds: (Date.now() - t0) / 1000 };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ""))) {
  const args = process.argv.slice(2);
  const only = args.includes("--kind") ? args[args.indexOf("--kind") + 1] : undefined;
  const mutants: string[] = [];
  for (const [kind, groups] of actionGroups()) {
    if (only && kind !== only) continue;
    for (const g of groups) mutants.push(`${kind}:price:${g}`);
    mutants.push(`${kind}:cycles`);
  }
  if (args.includes("--list")) {
    console.log(mutants.join("\n"));
    process.exit(0);
  }
  const control = runTests(undefined);
  console.log(`control (no mutant): ${control.failed ? "FAILED" : "passed"} in ${control.seconds.toFixed(0)} s`);
  if (control.failed) process.exit(1);
  let survived = 0;
  for (const m of mutants) {
    const r = runTests(m);
    if (!r.failed) survived++;
    console.log(`${m.padEnd(36)} ${r.failed ? "killed" : "SURVIVED"}  (${r.seconds.toFixed(0)} s)`);
  }
  console.log(`${mutants.length - survived} of ${mutants.length} mutants killed`);
  process.exit(survived > 0 ? 1 : 0);
}
