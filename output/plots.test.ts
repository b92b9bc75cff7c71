import { describe, expect, it } from "vitest";
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";
import { loadSweep } from "../sweeps/spec.js";
import { runSweep } from "../sweeps/runner.js";
import { readSweepMeta } from "../sweeps/sweep-folder.js";
import { writeSweepPlots } from "./plots.js";

describe("sweep plots", () => {
  it("are the same bytes whatever order the points finished in (workers), in every format", async () => {
    const dir = mkdtempSync(join(tmpdir(), "attnsim-plots-"));
    const a = join(dir, "a"), b = join(dir, "b");
    await runSweep(loadSweep(join(packageRoot(), "test", "fixtures", "small-sweep.yaml")), { outDir: a, workers: 0 });
    cpSync(a, b, { recursive: true });
    // As if the workers had finished the points in the opposite order.
    const lines = readFileSync(join(a, "results.jsonl"), "utf8").trim().split("\n");
    writeFileSync(join(b, "results.jsonl"), `${[...lines].reverse().join("\n")}\n`);
    const files = await writeSweepPlots(a, readSweepMeta(a));
    await writeSweepPlots(b, readSweepMeta(b));
    expect(files.filter((f) => /\.(png|svg|pdf|csv)$/.test(f))).toHaveLength(4 * 3); // a Pareto chart and two tornadoes
    expect(readdirSync(join(b, "plots")).sort()).toEqual([...files].sort());
    for (const f of files) expect(readFileSync(join(b, "plots", f)).equals(readFileSync(join(a, "plots", f))), f).toBe(true);
  });
});
