/**
 * The README's figures, built from the current model and the examples (never from numbers kept by
 * hand): a Pareto front of the quickstart sweep, energy against sequence length for attention
 * variants, and a roofline. `npm run figures` writes them to docs/figures/ (PNG and the charted data
 * as CSV); test/readme-figures.test.ts fails when the committed ones are stale.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";
import { loadDesign } from "../hardware-models/design-loader.js";
import { buildPresetTrace, buildWorkload } from "../workloads/transformer-builder.js";
import { parseVariantText } from "../workloads/workload-spec.js";
import { simulate } from "../sim/engine.js";
import type { ChartSpec } from "../output/charts/chart.js";
import { rooflineChart, scalingChart, type ScalingPoint } from "../output/charts/result-charts.js";
import { paretoChart } from "../output/charts/sweep-charts.js";
import { loadSweep } from "../sweeps/spec.js";
import { runSweep } from "../sweeps/runner.js";
import { sweepRows } from "../output/plots.js";
import { frontKeys, workloadName } from "../output/sweep-folder.js";
import { readSweepMeta } from "../sweeps/sweep-folder.js";
import { paretoProbability } from "../sweeps/pareto-probability.js";
import { frontBandsCharts } from "../output/co-design-report.js";

export const FIGURES_DIR = join(packageRoot(), "docs", "figures");

/** The quickstart sweep's front at seq 512 (energy against area), as the README shows it. */
async function quickstartFront(): Promise<ChartSpec> {
  const dir = mkdtempSync(join(tmpdir(), "attnsim-figures-"));
  try {
    const spec = loadSweep(join(packageRoot(), "examples", "sweeps", "systolic-sizing.yaml"));
    await runSweep(spec, { outDir: dir, workers: 0 });
    const workload = 1;
    const rows = (await sweepRows(dir)).filter((r) => r.workload === workload);
    const onFront = frontKeys(dir);
    const [x, y] = spec.objectives.map((o) => o.metric) as [string, string];
    const chart = paretoChart(rows, rows.filter((r) => onFront.has(r.key)), x, y, "rows", workloadName(readSweepMeta(dir), workload));
    chart.name = "pareto-systolic-sizing";
    return chart;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function scalingFigure(): ChartSpec {
  const design = loadDesign("edge-npu");
  const points: ScalingPoint[] = [];
  for (const variant of ["dense", "local:window=256", "block-sparse:density=0.25", "performer:features=256"]) {
    for (const seq of [256, 512, 1024, 2048, 4096]) {
      const o = simulate(design, buildWorkload({ model: "bert-base", seq, attention: parseVariantText("attention", variant, "figures") }), { perOp: false });
      if (o.ok) points.push({ variant, seq, latencySeconds: o.result.latencySeconds, energyJ: o.result.energyJ });
    }
  }
  const chart = scalingChart(points, "energyJ");
  chart.name = "scaling-energy-bert-base";
  return chart;
}

function rooflineFigure(): ChartSpec {
  const run = simulate(loadDesign("edge-npu"), buildPresetTrace("bert-base", { seqLen: 512 }));
  if (!run.ok) throw new Error(`edge-npu cannot run bert-base seq 512: ${run.infeasible.reasons[0]?.reason}`);
  const chart = rooflineChart(run.result);
  chart.name = "roofline-edge-npu-bert-base";
  return chart;
}

/** The DeiT architecture search on the edge NPU: the accuracy-energy front, its energy intervals (200 draws) and its knee. */
async function nasFront(): Promise<ChartSpec> {
  const dir = mkdtempSync(join(tmpdir(), "attnsim-figures-"));
  try {
    const spec = loadSweep(join(packageRoot(), "examples", "sweeps", "deit-nas-edge-npu.yaml"));
    await runSweep(spec, { outDir: dir, workers: 0 });
    const rows = await sweepRows(dir);
    const chart = frontBandsCharts(spec, rows, paretoProbability(spec, rows, { samples: 200, seed: 1 }))[0]!;
    chart.name = "front-bands-deit-nas-edge-npu";
    return chart;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function readmeFigures(): Promise<ChartSpec[]> {
  return [await quickstartFront(), scalingFigure(), rooflineFigure(), await nasFront()];
}

/** The format committed beside each figure's CSV: the README shows PNG (SVG and PDF come with every plot attnsim writes). */
export const README_FORMATS = ["png"] as const;
