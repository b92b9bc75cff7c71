/**
 * `npm run bench`: throughput figures for the issues' performance targets. Prints; asserts nothing.
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
