/**
 * `npm run bench`: throughput figures for the issues' performance targets. Prints; asserts nothing.
 *   - issue 16's four single-evaluation figures: bert-base seq 512 on the edge NPU, summary (target
 *     >= 30,000/s) and per-op (>= 10,000/s); llama2-7b decode ctx 4096 (>= 15,000/s); gpt2-small
 *     128 + 1,000 generated (>= 1,000/s). Each is measured side by side, in alternating rounds, with
 *     the machine's load printed beside it: this build against a baseline build when one is given
 *     (`node dist/bench/run.js --baseline <dir>`, `<dir>` the `dist/` of another checkout built with
 *     `npm run build`, e.g. main at the issue's start), and the compiled path (op costs remembered
 *     per design, sim/op-costs.ts) against the plain path (`reference: true`). CPU time per
 *     evaluation beside wall time, since a shared machine's wall time is noisy. A "new design"
 *     figure evaluates a fresh copy of the design each time (a sweep point: nothing remembered for it).
 *     Summary figures use summary mode (`simulateSummary`: no breakdowns) where the build has it;
 *   - full-model evaluations per second on the other presets;
 *   - trace building time.
 * `--figures` stops after issue 16's figures. Each figure is the median of several timed rounds after a warm-up.
 */
import { performance } from "node:perf_hooks";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { loadDesign, locateDesign, resolveDesign } from "../hardware-models/design-loader.js";
import { readDocument } from "../common/document.js";
import { buildPresetTrace } from "../workloads/transformer-builder.js";
import { simulate, simulateSummary } from "../sim/engine.js";
import type { Design } from "../hardware-models/design.js";
import type { Trace } from "../workloads/trace.js";
import { resolveVariant } from "../workloads/workload-spec.js";
import { clearMemos } from "../common/memo.js";
import { loadavg } from "node:os";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Runs `fn` repeatedly for ~`ms` per round; returns calls per second (median of rounds). */
function rate(fn: () => void, ms = 400, rounds = 5): number {
  // Slow evaluations (long generations) get fewer, longer rounds.
  const warm = performance.now();
  while (performance.now() - warm < 300) fn();
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < ms) {
      fn();
      n++;
      if ((n & 7) === 0) t = performance.now();
    }
    t = performance.now();
    rates.push((n * 1000) / (t - t0));
  }
  return median(rates);
}

/** Wall and CPU microseconds per call of each of `fns`, in alternating rounds (median of rounds). */
function sideBySide(fns: (() => void)[], ms = 300, rounds = 7): { wallUs: number; cpuUs: number }[] {
  for (const fn of fns) {
    const warm = performance.now();
    while (performance.now() - warm < 500) fn();
  }
  const wall: number[][] = fns.map(() => []), cpu: number[][] = fns.map(() => []);
  for (let r = 0; r < rounds; r++) {
    fns.forEach((fn, k) => {
      let n = 0;
      const t0 = performance.now(), c0 = process.cpuUsage();
      while (performance.now() - t0 < ms) {
        fn();
        n++;
      }
      const c = process.cpuUsage(c0);
      wall[k]!.push(((performance.now() - t0) * 1000) / n);
      cpu[k]!.push((c.user + c.system) / n);
    });
  }
  return fns.map((_, k) => ({ wallUs: median(wall[k]!), cpuUs: median(cpu[k]!) }));
}

const load = () => `load ${loadavg().map((x) => x.toFixed(2)).join(" ")}`;
const perSecond = (us: number) => Math.round(1e6 / us).toLocaleString("en-US").padStart(8);

/** What a figure needs from a build of attnsim: this one, or a baseline's `dist/` (summary mode where it has one). */
interface Build {
  simulate: typeof simulate;
  simulateSummary?: typeof simulateSummary;
  loadDesign: typeof loadDesign;
  buildPresetTrace: typeof buildPresetTrace;
}

async function baselineBuild(dir: string): Promise<Build> {
  const from = (path: string) => import(pathToFileURL(resolve(dir, path)).href);
  const [engine, loader, builder] = await Promise.all([from("sim/engine.js"), from("hardware-models/design-loader.js"), from("workloads/transformer-builder.js")]);
  return { simulate: engine.simulate, simulateSummary: engine.simulateSummary, loadDesign: loader.loadDesign, buildPresetTrace: builder.buildPresetTrace };
}

interface Figure {
  label: string;
  design: string;
  model: string;
  build: Parameters<typeof buildPresetTrace>[1];
  perOp: boolean;
  target: number;
}

const FIGURES: Figure[] = [
  { label: "bert-base seq 512, edge-npu, summary", design: "edge-npu", model: "bert-base", build: { seqLen: 512 }, perOp: false, target: 30_000 },
  { label: "bert-base seq 512, edge-npu, per-op", design: "edge-npu", model: "bert-base", build: { seqLen: 512 }, perOp: true, target: 10_000 },
  { label: "llama2-7b decode ctx 4096, tpuv1-like, summary", design: "tpuv1-like", model: "llama2-7b", build: { phase: "decode", contextLen: 4096 }, perOp: false, target: 15_000 },
  { label: "gpt2-small 128 + 1,000 generated, edge-npu", design: "edge-npu", model: "gpt2-small", build: { seqLen: 128, generate: 1000 }, perOp: false, target: 1_000 },
];

/** One evaluation of `figure` by `build`; `fresh`: on a new copy of the design and its units (nothing remembered for them). */
function evaluator(build: Build, figure: Figure, options: { reference?: boolean; fresh?: boolean } = {}): () => void {
  const design = build.loadDesign(figure.design);
  const trace = build.buildPresetTrace(figure.model, figure.build);
  const summarize = figure.perOp ? undefined : build.simulateSummary;
  // A new design each time is a sweep point: its table is not remembered (sweeps/evaluate-point.ts; a build without the option ignores it).
  const reference = { ...(options.reference ? { reference: true } : {}), ...(options.fresh ? { remember: false } : {}) };
  // New unit objects too: op costs are shared across designs by unit object (sim/op-costs.ts), and
  // a sweep point that changes a unit (the bench grid's NPU) costs that unit's ops afresh. Every
  // unit new is the worst case: no unit's costs are shared.
  const copy = (): Design => ({ ...design, units: design.units.map((u) => ({ ...u })) });
  return () => {
    const o = summarize ? summarize(options.fresh ? copy() : design, trace, reference) : build.simulate(options.fresh ? copy() : design, trace, { perOp: figure.perOp, ...reference });
    if (!o.ok) throw new Error(`${figure.label}: infeasible`);
  };
}

function line(label: string, cells: [string, { wallUs: number; cpuUs: number }][], target?: number): void {
  const text = cells.map(([name, r]) => `${name} ${perSecond(r.wallUs)}/s (cpu ${perSecond(r.cpuUs)}/s, ${r.cpuUs.toFixed(1)} us)`).join("  ");
  const ratio = cells.length === 2 ? `  x${(cells[0]![1].cpuUs / cells[1]![1].cpuUs).toFixed(2)} cpu` : "";
  console.log(`${label.padEnd(60)} ${text}${ratio}${target ? `  target ${target.toLocaleString("en-US")}/s` : ""}  [${load()}]`);
}

const here: Build = { simulate, simulateSummary, loadDesign, buildPresetTrace };
const baselineAt = process.argv.indexOf("--baseline");
const baseline = baselineAt > 0 ? await baselineBuild(process.argv[baselineAt + 1]!) : undefined;
if (baseline) {
  console.log(`Issue 16 figures, before (${process.argv[baselineAt + 1]}) vs after (this build), side by side, one core (${load()})`);
  for (const figure of FIGURES) {
    const [before, after] = sideBySide([evaluator(baseline, figure), evaluator(here, figure)]);
    line(figure.label, [["before", before!], ["after", after!]], figure.target);
  }
  for (const figure of [FIGURES[0]!, FIGURES[2]!, FIGURES[3]!]) {
    const [before, after] = sideBySide([evaluator(baseline, figure, { fresh: true }), evaluator(here, figure, { fresh: true })], 600, 5);
    line(`${figure.label}, a new design each`, [["before", before!], ["after", after!]]);
  }
  console.log("");
}
console.log(`Plain path (every op costed afresh) vs compiled path, side by side (issue 16 targets; one core; ${load()})`);
for (const figure of FIGURES) {
  const [plain, compiled] = sideBySide([evaluator(here, figure, { reference: true }), evaluator(here, figure)]);
  line(figure.label, [["plain", plain!], ["compiled", compiled!]], figure.target);
}
function evaluations(label: string, design: Design, trace: Trace, perOp: boolean): void {
  const per = rate(() => {
    const o = simulate(design, trace, { perOp });
    if (!o.ok) throw new Error(`${label}: infeasible`);
  });
  const us = 1e6 / per;
  console.log(`${label.padEnd(58)} ${Math.round(per).toLocaleString("en-US").padStart(8)} eval/s  ${us.toFixed(1).padStart(7)} us/eval  (${trace.ops.length} ops)`);
}

// `--figures`: issue 16's figures only.
if (process.argv.includes("--figures")) process.exit(0);
const bert512 = buildPresetTrace("bert-base", { seqLen: 512 });
function fusedEdge(): Design {
  const file = locateDesign("edge-npu");
  const doc = structuredClone(readDocument(file)) as { mapping: Record<string, unknown> };
  doc.mapping.fusedAttention = true;
  return resolveDesign(doc, file);
}
console.log("\nFull-model evaluations per second, timeline (concurrent units) on (one core)");
evaluations("bert-base seq 512, tpuv1-like, summary only", loadDesign("tpuv1-like"), bert512, false);
evaluations("deit-tiny seq 197, mcu-class, summary only", loadDesign("mcu-class"), buildPresetTrace("deit-tiny"), false);
evaluations("llama2-7b decode ctx 4096, tpuv1-like, summary only", loadDesign("tpuv1-like"), buildPresetTrace("llama2-7b", { phase: "decode", contextLen: 4096 }), false);
evaluations("bert-base seq 512, heterogeneous (CIM+array+DSP), summary", loadDesign("heterogeneous"), bert512, false);
evaluations("bert-base seq 512, rram-imc-edge, summary only", loadDesign("rram-imc-edge"), bert512, false);
evaluations("bert-base seq 512, a100-like (108 cores), summary only", loadDesign("a100-like"), buildPresetTrace("bert-base", { seqLen: 512, precision: "fp16" }), false);
evaluations("bert-base seq 512, edge-npu, fused attention", fusedEdge(), bert512, false);

console.log("\nTrace building (target: bert-base block-sparse seq 4096 well under 1 s; 1,000-token decode trace small on disk)");
const time = (label: string, build: () => Trace) => {
  build();
  const t0 = performance.now();
  const n = 10;
  let trace!: Trace;
  for (let i = 0; i < n; i++) trace = build();
  const ms = (performance.now() - t0) / n;
  console.log(`${label.padEnd(58)} ${ms.toFixed(2).padStart(8)} ms  ${(JSON.stringify(trace).length / 1024).toFixed(0).padStart(6)} KiB JSON  (${trace.ops.length} ops)`);
};
const W = { file: "<bench>", path: "" };
time("bert-base seq 4096 dense", () => buildPresetTrace("bert-base", { seqLen: 4096 }));
time("bert-base seq 4096 block-sparse (block 32, density 0.25)", () => {
  clearMemos();
  return buildPresetTrace("bert-base", { seqLen: 4096, attention: resolveVariant("attention", "block-sparse", {}, W) });
});
time("gpt2-small seq 128 + 1,000 generated tokens", () => buildPresetTrace("gpt2-small", { seqLen: 128, generate: 1000 }));
