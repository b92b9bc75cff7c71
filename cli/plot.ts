/** `attnsim plot`: charts and report.html of a sweep folder, or a sequence-length scaling study. */
import { statSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../common/input-error.js";
import { loadDesign } from "../hardware-models/design-loader.js";
import { simulate } from "../sim/engine.js";
import { buildWorkload } from "../workloads/transformer-builder.js";
import { parseVariantText } from "../workloads/workload-spec.js";
import { writeCharts, writeSweepPlots } from "../output/plots.js";
import { energyBreakdownChart, scalingChart } from "../output/charts/result-charts.js";
import { reportHtml } from "../output/report.js";
import { formatMetric } from "../output/style.js";
import { inside, makeFolder, writeOutputFile } from "../common/output-files.js";
import { readSweepMeta, readSweepSummary } from "../sweeps/sweep-folder.js";
import { readTextFile } from "../common/document.js";
import { CLI, parse, positiveInt, rerunCommand } from "./args.js";
import { EXIT, type Io } from "./io.js";

export const PLOT_HELP = `attnsim plot: charts (PNG + CSV) and a self-contained report.html

  attnsim plot SWEEP_DIR [--out DIR]
      Pareto scatter of the first two objectives (a scatter matrix of the front for three or more), a tornado
      per objective, report.html and explorer.html (default DIR: SWEEP_DIR/plots)
  attnsim plot --scaling --design D --model M [--seqs 128,256,512,1024] [--variants dense,local,performer] [--out DIR]
      latency and energy against sequence length, one line per attention variant
  attnsim plot --compare --designs A,B,C --model M [--seq N] [--out DIR]
      energy per unit, memory level and op kind of several designs side by side

Runs draw their own plots with attnsim run ... --plots DIR; sweeps with attnsim sweep ... --plots.`;

export async function plotCommand(args: string[], io: Io): Promise<number> {
  const { values: v, positionals, str } = parse(args, {
    out: { type: "string", short: "o" }, scaling: { type: "boolean" }, design: { type: "string" }, model: { type: "string" },
    seqs: { type: "string" }, variants: { type: "string" }, compare: { type: "boolean" }, designs: { type: "string" }, seq: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (v.help) {
    io.out(PLOT_HELP);
    return EXIT.ok;
  }
  if (v.compare) {
    const names = (str("designs") ?? "edge-npu,tpuv1-like").split(",").map((d) => d.trim());
    const model = str("model") ?? "bert-base";
    const trace = buildWorkload({ model, seq: positiveInt(str("seq"), "--seq") });
    const results = names.flatMap((name) => {
      const o = simulate(loadDesign(name), trace, { perOp: false });
      if (!o.ok) io.err(`${name}: ${o.infeasible.reasons[0]!.reason}`);
      return o.ok ? [o.result] : [];
    });
    const out = str("out") ?? "compare-plots";
    makeFolder(out);
    const charts = (["unit", "level", "opKind", "component"] as const).map((by) => energyBreakdownChart(results, by));
    const files = await writeCharts(out, charts);
    writeOutputFile(inside(out, "report.html"), reportHtml(`${model}: designs compared`, charts, [
      { title: "Designs", table: { header: ["design", "latency", "energy", "average power", "area"], rows: results.map((r) => [r.design, ...(["latencySeconds", "energyJ", "averagePowerW", "areaMm2"] as const).map((m) => formatMetric(m, r[m]))]) } },
    ], { study: `designs ${names.join(", ")}\nworkload ${trace.model.name} seq ${trace.model.seqLen}` }));
    io.out(`wrote ${out}/${[...files, "report.html"].join(", ")}`);
    return EXIT.ok;
  }
  if (v.scaling) {
    const design = loadDesign(str("design") ?? "edge-npu");
    const model = str("model") ?? "bert-base";
    const seqs = (str("seqs") ?? "128,256,512,1024,2048").split(",").map((s) => positiveInt(s.trim(), "--seqs")!);
    const variants = (str("variants") ?? "dense,local,performer").split(",").map((s) => s.trim());
    const points: { variant: string; seq: number; latencySeconds: number; energyJ: number }[] = [];
    for (const variant of variants) {
      const attention = parseVariantText("attention", variant, "--variants");
      for (const seq of seqs) {
        const o = simulate(design, buildWorkload({ model, seq, attention }), { perOp: false });
        if (o.ok) points.push({ variant, seq, latencySeconds: o.result.latencySeconds, energyJ: o.result.energyJ });
        else io.err(`${variant} at ${seq}: ${o.infeasible.reasons[0]!.reason}`);
      }
    }
    const out = str("out") ?? "scaling-plots";
    makeFolder(out);
    const charts = [scalingChart(points, "latencySeconds"), scalingChart(points, "energyJ")];
    const files = await writeCharts(out, charts);
    writeOutputFile(inside(out, "report.html"), reportHtml(`${model} on ${design.name}: scaling with sequence length`, charts, [
      { title: "Points", table: { header: ["variant", "seq", "latency", "energy"], rows: points.map((p) => [p.variant, p.seq, formatMetric("latencySeconds", p.latencySeconds), formatMetric("energyJ", p.energyJ)]) } },
    ], { "study": `design ${design.origin}\nmodel ${model}\nseqs ${seqs.join(",")}\nvariants ${variants.join(" ")}` }));
    io.out(`wrote ${out}/${[...files, "report.html"].join(`, `)}`);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new InputError(CLI, { path: "SWEEP_DIR", expected: "a sweep output folder (or --scaling)", found: `${positionals.length} arguments` });
  const dir = positionals[0]!;
  // Everything plot reads from the folder is checked first: sweep.json against its schema (names
  // become file names), summary.json parsed; a file sweep.json names is never read.
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new InputError(CLI, { path: "SWEEP_DIR", expected: "a sweep output folder", found: `${dir}: no such folder` });
  const meta = readSweepMeta(dir, "SWEEP_DIR");
  readSweepSummary(dir);
  readTextFile(join(dir, "pareto.csv"), "the sweep's pareto.csv (written when the sweep ends)");
  const out = str("out") ?? join(dir, "plots");
  makeFolder(out);
  const files = await writeSweepPlots(dir, meta, out, { rerun: rerunCommand });
  io.out(`wrote ${out}/: ${files.join(", ")}`);
  return EXIT.ok;
}
