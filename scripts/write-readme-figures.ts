/** `npm run figures`: the README's pictures, drawn from example runs (docs/figures/*.png). */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";
import { loadDesign } from "../hardware-models/design-loader.js";
import { buildPresetTrace, buildWorkload } from "../workloads/transformer-builder.js";
import { parseVariantText } from "../workloads/workload-spec.js";
import { simulate } from "../sim/engine.js";
import { renderPng } from "../output/charts/render.js";
import { rooflineChart, scalingChart } from "../output/charts/result-charts.js";
import { paretoChart } from "../output/charts/sweep-charts.js";
import { loadSweep } from "../sweeps/spec.js";
import { runSweep } from "../sweeps/runner.js";
import { sweepRows } from "../output/plots.js";
import { readFileSync } from "node:fs";

const out = join(packageRoot(), "docs", "figures");
mkdirSync(out, { recursive: true });

const run = simulate(loadDesign("edge-npu"), buildPresetTrace("bert-base", { seqLen: 512 }));
if (run.ok) writeFileSync(join(out, "roofline-edge-npu-bert-base.png"), await renderPng(rooflineChart(run.result)));

const points: { variant: string; seq: number; latencySeconds: number; energyJ: number }[] = [];
for (const variant of ["dense", "local:window=256", "block-sparse:density=0.25", "performer:features=256"]) {
  for (const seq of [256, 512, 1024, 2048, 4096]) {
    const o = simulate(loadDesign("edge-npu"), buildWorkload({ model: "bert-base", seq, attention: parseVariantText("attention", variant, "figures") }), { perOp: false });
    if (o.ok) points.push({ variant, seq, latencySeconds: o.result.latencySeconds, energyJ: o.result.energyJ });
  }
}
writeFileSync(join(out, "scaling-energy-bert-base.png"), await renderPng(scalingChart(points, "energyJ")));

const dir = mkdtempSync(join(tmpdir(), "attnsim-figures-"));
await runSweep(loadSweep(join(packageRoot(), "examples", "sweeps", "systolic-sizing.yaml")), { outDir: dir, workers: 0 });
const rows = (await sweepRows(dir)).filter((r) => r.workload === 1);
const frontKeys = new Set(readFileSync(join(dir, "pareto.csv"), "utf8").split("\n").slice(1).map((l) => l.split(",")[1]));
writeFileSync(join(out, "pareto-systolic-sizing.png"), await renderPng(paretoChart(rows, rows.filter((r) => frontKeys.has(r.key)), "energyJ", "latencySeconds", "rows")));
console.log(`wrote ${out}`);
