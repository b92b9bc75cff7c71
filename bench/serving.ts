/**
 * `npm run bench` (serving): a 1,000-request trace served on one design point, end to end (request
 * generation, scheduling, KV cache, every iteration priced by the engine; target: under 1 s), on the
 * edge NPU (gpt2-small) and the A100-like device (llama2-7b); and how far the default decomposed
 * iteration pricing lands from whole-iteration engine calls on a smaller run. Prints; asserts nothing.
 * Each time is the median of three rounds, each with fresh cost caches, after a warm-up run.
 */
import { performance } from "node:perf_hooks";
import { readDocument } from "../common/document.js";
import { loadDesign, locateDesign } from "../hardware-models/design-loader.js";
import { resolveVariant, type WorkloadSpec } from "../workloads/workload-spec.js";
import { DEFAULT_KV_CACHE, DEFAULT_SCHEDULER, type ServingConfig } from "../serving/config.js";
import { DEFAULT_COST_MODEL, type CostModelOptions } from "../serving/iteration-cost.js";
import { generateRequests } from "../serving/requests.js";
import { simulateServing, type ServingResult } from "../serving/simulator.js";
import { buildPresetTrace } from "../workloads/transformer-builder.js";
import { simulate } from "../sim/engine.js";

const W = { file: "<bench>", path: "" };

function config(design: string, model: WorkloadSpec, count: number, ratePerSecond: number, costModel: CostModelOptions = DEFAULT_COST_MODEL, seed = 1): ServingConfig {
  const file = locateDesign(design);
  return {
    name: "bench", model, pools: [{ role: "mixed", device: { design: loadDesign(design), doc: readDocument(file), file }, replicas: 1 }],
    requests: generateRequests({
      seed, count, arrival: { kind: "poisson", ratePerSecond },
      prompt: { kind: "lognormal", median: 200, sigma: 0.7, min: 16, max: 1024 }, output: { kind: "lognormal", median: 80, sigma: 0.6, min: 8, max: 384 },
    }),
    router: "round-robin", seed, scheduler: { ...DEFAULT_SCHEDULER, kind: "continuous", maxBatch: 32, maxBatchTokens: 2048 }, kvCache: DEFAULT_KV_CACHE,
    power: { policy: "fixed" }, slo: {}, costModel, timeBins: 100,
  };
}

/** Wall time, and CPU time of this process (less sensitive to other processes sharing the cores). */
function timed(c: ServingConfig): { ms: number; cpuMs: number; result: ServingResult } {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const result = simulateServing(c);
  const cpu = process.cpuUsage(cpu0);
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, result };
}

const gpt2: WorkloadSpec = { model: "gpt2-small", precision: resolveVariant("precision", "uniform", { precision: "int8" }, W) };
const llama: WorkloadSpec = { model: "llama2-7b", precision: resolveVariant("precision", "uniform", { precision: "fp16" }, W) };

// How fast this machine is right now: the engine benchmark's first figure (docs/architecture.md: ~5,300/s on an idle core).
{
  const bert = buildPresetTrace("bert-base", { seqLen: 512 });
  const edge = loadDesign("edge-npu");
  for (let i = 0; i < 200; i++) simulate(edge, bert, { perOp: false });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < 500; i++) simulate(edge, bert, { perOp: false });
  const cpu = process.cpuUsage(cpu0);
  const rate = (ms: number) => Math.round(500_000 / ms).toLocaleString("en-US");
  console.log(`(machine reference: bert-base seq 512 on edge-npu at ${rate(performance.now() - t0)} evaluations/s now, ${rate((cpu.user + cpu.system) / 1000)} per CPU second)`);
}
console.log("Serving: a 1,000-request trace on one design point (target < 1 s; median of 3 rounds, fresh cost caches)");
timed(config("edge-npu", gpt2, 200, 1.5, DEFAULT_COST_MODEL, 99)); // warm-up
for (const [label, design, model, rate] of [["edge-npu, gpt2-small int8, 1.5 req/s", "edge-npu", gpt2, 1.5], ["a100-like, llama2-7b fp16, 6 req/s", "a100-like", llama, 6]] as const) {
  const rounds = [0, 1, 2].map(() => timed(config(design, model, 1000, rate)));
  const ms = rounds.map((r) => r.ms).sort((a, b) => a - b)[1]!;
  const cpuMs = rounds.map((r) => r.cpuMs).sort((a, b) => a - b)[1]!;
  const s = rounds[0]!.result.summary;
  console.log(`${label.padEnd(40)} ${ms.toFixed(0).padStart(6)} ms (CPU ${cpuMs.toFixed(0)} ms)  ${s.iterations.toLocaleString("en-US").padStart(7)} iterations  ${s.engineCalls.toLocaleString("en-US").padStart(6)} engine calls  ${(s.horizonSeconds / 60).toFixed(1)} min of traffic`);
}

console.log("\nDecomposed iteration pricing (default) vs whole-iteration engine calls, 100 requests on edge-npu");
const exact = timed(config("edge-npu", gpt2, 100, 1.5, { ...DEFAULT_COST_MODEL, mode: "exact" }, 5));
const dec = timed(config("edge-npu", gpt2, 100, 1.5, DEFAULT_COST_MODEL, 5));
const diff = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(3)}%`;
const e = exact.result.summary, d = dec.result.summary;
console.log(`  energy ${diff(d.energyJ, e.energyJ)}, p99 TTFT ${diff(d.ttft.p99, e.ttft.p99)}, p99 TPOT ${diff(d.tpot.p99, e.tpot.p99)}, p99 e2e ${diff(d.e2e.p99, e.e2e.p99)}`);
console.log(`  exact: ${exact.ms.toFixed(0)} ms, ${e.engineCalls} engine calls; decomposed: ${dec.ms.toFixed(0)} ms, ${d.engineCalls} engine calls`);
