/**
 * `npm run bench`: throughput figures for the issues' performance targets. Prints; asserts nothing.
 *   - the compiled path (op costs remembered per design, sim/op-costs.ts) beside the plain path
 *     (`reference: true`), in alternating rounds with the machine's load printed, for bert-base seq
 *     512 on the edge NPU (issue 16: >= 30,000/s summary, >= 10,000/s per-op), llama2-7b decode
 *     (>= 15,000/s) and gpt2-small 128 + 1,000 generated (>= 1,000/s); CPU time per evaluation
 *     beside wall time, since a shared machine's wall time is noisy;
 *   - full-model evaluations per second, bert-base seq 512 on the edge NPU (target >= 5,000/s on one
 *     core, i.e. <= 200 us per evaluation), and on the other presets;
 *   - trace building time.
 * Each figure is the median of several timed rounds after a warm-up.
 */
import { performance } from "node:perf_hooks";
import { loadDesign, locateDesign, resolveDesign } from "../hardware-models/design-loader.js";
import { readDocument } from "../common/document.js";
import { buildPresetTrace } from "../workloads/transformer-builder.js";
import { simulate } from "../sim/engine.js";
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
    while (performance.now() - warm < 200) fn();
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

function compiledVsPlain(label: string, design: Design, trace: Trace, perOp: boolean, target: number): void {
  const run = (reference: boolean) => () => {
    const o = simulate(design, trace, { perOp, reference });
    if (!o.ok) throw new Error(`${label}: infeasible`);
  };
  const [plain, compiled] = sideBySide([run(true), run(false)]);
  console.log(`${label.padEnd(52)} compiled ${perSecond(compiled!.wallUs)}/s (cpu ${perSecond(compiled!.cpuUs)}/s, ${compiled!.cpuUs.toFixed(1)} us)  plain ${perSecond(plain!.wallUs)}/s (cpu ${perSecond(plain!.cpuUs)}/s)  x${(plain!.cpuUs / compiled!.cpuUs).toFixed(1)} cpu  target ${target.toLocaleString("en-US")}/s  [${load()}]`);
}

function evaluations(label: string, design: Design, trace: Trace, perOp: boolean): void {
  const per = rate(() => {
    const o = simulate(design, trace, { perOp });
    if (!o.ok) throw new Error(`${label}: infeasible`);
  });
  const us = 1e6 / per;
  console.log(`${label.padEnd(58)} ${Math.round(per).toLocaleString("en-US").padStart(8)} eval/s  ${us.toFixed(1).padStart(7)} us/eval  (${trace.ops.length} ops)`);
}

const bert512 = buildPresetTrace("bert-base", { seqLen: 512 });
function fusedEdge(): Design {
  const file = locateDesign("edge-npu");
  const doc = structuredClone(readDocument(file)) as { mapping: Record<string, unknown> };
  doc.mapping.fusedAttention = true;
  return resolveDesign(doc, file);
}
console.log(`Compiled vs plain path, side by side (issue 16 targets; one core; ${load()})`);
compiledVsPlain("bert-base seq 512, edge-npu, summary", loadDesign("edge-npu"), bert512, false, 30_000);
compiledVsPlain("bert-base seq 512, edge-npu, per-op", loadDesign("edge-npu"), bert512, true, 10_000);
compiledVsPlain("llama2-7b decode ctx 4096, tpuv1-like, summary", loadDesign("tpuv1-like"), buildPresetTrace("llama2-7b", { phase: "decode", contextLen: 4096 }), false, 15_000);
compiledVsPlain("gpt2-small 128 + 1,000 generated, edge-npu", loadDesign("edge-npu"), buildPresetTrace("gpt2-small", { seqLen: 128, generate: 1000 }), false, 1_000);
{
  // A sweep point is a new design object: the compiled path costs each distinct step shape once for it.
  const file = locateDesign("edge-npu");
  const doc = readDocument(file);
  const gen1000 = buildPresetTrace("gpt2-small", { seqLen: 128, generate: 1000 });
  const run = (reference: boolean) => () => {
    const o = simulate(resolveDesign(structuredClone(doc), file), gen1000, { perOp: false, reference });
    if (!o.ok) throw new Error("gpt2-small generation: infeasible");
  };
  const [plain, compiled] = sideBySide([run(true), run(false)], 1000, 3);
  console.log(`${"gpt2-small 128 + 1,000, a new design each evaluation".padEnd(52)} compiled ${(compiled!.cpuUs / 1000).toFixed(1)} ms cpu  plain ${(plain!.cpuUs / 1000).toFixed(1)} ms cpu  x${(plain!.cpuUs / compiled!.cpuUs).toFixed(1)}  [${load()}]`);
}
console.log("");
console.log("Full-model evaluations per second, timeline (concurrent units) on (one core; target >= 5,000/s for bert-base seq 512 on edge-npu)");
evaluations("bert-base seq 512, edge-npu, summary only (sweep mode)", loadDesign("edge-npu"), bert512, false);
evaluations("bert-base seq 512, edge-npu, with per-op results", loadDesign("edge-npu"), bert512, true);
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
const gen = buildPresetTrace("gpt2-small", { seqLen: 128, generate: 1000 });
evaluations("gpt2-small 128 + 1,000 generated, edge-npu", loadDesign("edge-npu"), gen, false);
