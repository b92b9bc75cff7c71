/**
 * Schedulers, KV-cache preemption, replicas, disaggregation and energy accounting, on the edge NPU
 * serving gpt2-small (every iteration priced by the engine).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadDesign, locateDesign } from "../hardware-models/design-loader.js";
import { readDocument } from "../common/document.js";
import { DEFAULT_KV_CACHE, DEFAULT_SCHEDULER, type ServingConfig } from "./config.js";
import { DEFAULT_COST_MODEL } from "./iteration-cost.js";
import { kvBytesPerToken } from "./kv-cache.js";
import { generateRequests, type Request, type RequestGenerator } from "./requests.js";
import { simulateServing, type ServingResult } from "./simulator.js";
import type { WorkloadSpec } from "../workloads/workload-spec.js";

const source = (name: string) => {
  const file = locateDesign(name);
  return { design: loadDesign(name), doc: readDocument(file), file };
};
const edge = source("edge-npu");
const model: WorkloadSpec = { model: "gpt2-small", precision: { kind: "uniform", params: { precision: "int8" } } };
const traffic = (g: Partial<RequestGenerator>) => generateRequests({ seed: 3, count: 120, arrival: { kind: "poisson", ratePerSecond: 4 }, prompt: { kind: "uniform", min: 16, max: 96 }, output: { kind: "uniform", min: 4, max: 64 }, ...g });

function serve(requests: Request[], over: Partial<ServingConfig> = {}): ServingResult {
  const r = simulateServing({
    name: "t", model, requests, pools: [{ role: "mixed", device: edge, replicas: 1 }], router: "round-robin", seed: 1,
    scheduler: DEFAULT_SCHEDULER, kvCache: DEFAULT_KV_CACHE, power: { policy: "fixed" }, slo: {}, costModel: DEFAULT_COST_MODEL, timeBins: 50, ...over,
  });
  expect(r.summary.littlesLaw.relativeError).toBeLessThan(1e-9);
  return r;
}

describe("continuous vs static batching", () => {
  it("continuous batching has a lower p99 latency than static batching on the same requests", () => {
    const requests = traffic({});
    const cont = serve(requests, { scheduler: { ...DEFAULT_SCHEDULER, kind: "continuous", maxBatch: 16 } });
    const stat = serve(requests, { scheduler: { ...DEFAULT_SCHEDULER, kind: "static", maxBatch: 16, batchTimeoutSeconds: 0.05 } });
    expect(cont.summary.completed).toBe(requests.length);
    expect(stat.summary.completed).toBe(requests.length);
    // Same load: the same requests and (nearly) the same completed work.
    expect(cont.summary.throughputTokensPerSecond).toBeGreaterThan(0.9 * stat.summary.throughputTokensPerSecond);
    expect(cont.summary.e2e.p99).toBeLessThan(stat.summary.e2e.p99);
    expect(cont.summary.ttft.p99).toBeLessThan(stat.summary.ttft.p99);
  });
});

describe("KV-cache exhaustion", () => {
  // Six requests at once, 64 prompt + 128 output tokens each (12 blocks of 16): 72 blocks wanted, 40 held.
  const burst = generateRequests({ seed: 1, count: 6, arrival: { kind: "periodic", periodSeconds: 1e-3 }, prompt: { kind: "fixed", tokens: 64 }, output: { kind: "fixed", tokens: 128 } });
  const bytes = kvBytesPerToken(model);
  const small = { ...DEFAULT_KV_CACHE, capacityBytes: 40 * 16 * bytes };

  it("preempts by recompute; every request completes, the preempted ones later than with room", () => {
    const ample = serve(burst);
    const tight = serve(burst, { kvCache: small });
    expect(ample.summary.preemptions).toBe(0);
    expect(tight.replicas[0]!.kvBlocks).toBe(40);
    expect(tight.summary.preemptions).toBeGreaterThan(0);
    expect(tight.summary.completed).toBe(burst.length);
    for (const q of tight.requests.filter((x) => x.preemptions > 0)) {
      expect(q.status).toBe("completed");
      expect(q.completionSeconds).toBeGreaterThan(ample.requests[q.id]!.completionSeconds);
    }
    // Recomputing costs work: more energy than the run with room.
    expect(tight.summary.activeEnergyJ).toBeGreaterThan(ample.summary.activeEnergyJ);
  });

  it("preempts by swapping to host memory over the link, charging bytes / bandwidth and pJ per byte", () => {
    const swap = { bandwidthBytesPerSecond: 16e9, latencySeconds: 0, energyPjPerByte: 80, capacityBytes: 2 ** 30 };
    const r = serve(burst, { kvCache: { ...small, preemption: "swap", swap } });
    expect(r.summary.swaps).toBeGreaterThan(0);
    expect(r.summary.preemptions).toBe(0);
    expect(r.summary.completed).toBe(burst.length);
    // Each swap moves the sequence's cached tokens out and back in.
    expect(r.summary.linkEnergyJ).toBeGreaterThan(0);
    const tokensMoved = r.summary.linkEnergyJ / (bytes * 80e-12);
    expect(Math.abs(tokensMoved - Math.round(tokensMoved))).toBeLessThan(1e-6);
  });

  it("rejects (with a reason) a request that can never fit, and serves the rest", () => {
    const tiny = { ...DEFAULT_KV_CACHE, capacityBytes: 12 * 16 * bytes };
    const requests = [...burst.slice(0, 2), { id: 2, arrivalSeconds: 0.5, promptTokens: 300, outputTokens: 10, priority: 0 }];
    const r = serve(requests, { kvCache: tiny });
    expect(r.summary.rejected).toBe(1);
    expect(r.requests[2]!.reason).toMatch(/KV cache/);
    expect(r.summary.completed).toBe(2);
  });
});

describe("schedulers", () => {
  it("chunked prefill keeps every iteration within its token budget, so a long prompt never stalls the decodes as long", () => {
    const requests = traffic({ prompt: { kind: "uniform", min: 100, max: 400 } });
    const r = serve(requests, { scheduler: { ...DEFAULT_SCHEDULER, kind: "chunked", chunkTokens: 128 } });
    expect(r.summary.completed).toBe(requests.length);
    expect(Math.max(...r.iterations.map((i) => i.tokens))).toBeLessThanOrEqual(128);
    expect(r.iterations.some((i) => i.promptTokens > 0 && i.sequences > 1)).toBe(true);
    const cont = serve(requests, { scheduler: { ...DEFAULT_SCHEDULER, kind: "continuous" } });
    expect(Math.max(...cont.iterations.map((i) => i.tokens))).toBeGreaterThan(128);
    const longest = (x: ServingResult) => Math.max(...x.iterations.map((i) => i.latencySeconds));
    expect(longest(r)).toBeLessThan(longest(cont));
  });

  it("priority order serves the urgent class first under load", () => {
    const requests = traffic({ arrival: { kind: "poisson", ratePerSecond: 12 }, priorities: [{ share: 0.3, priority: 0 }, { share: 0.7, priority: 1 }] });
    const r = serve(requests, { scheduler: { ...DEFAULT_SCHEDULER, order: "priority", maxBatch: 4 } });
    const ttft = (p: number) => r.requests.filter((q) => q.priority === p).reduce((a, q) => a + q.ttftSeconds, 0) / r.requests.filter((q) => q.priority === p).length;
    expect(ttft(0)).toBeLessThan(ttft(1));
  });

  it("latency-aware batching keeps prompts out of iterations that would exceed the bound", () => {
    const requests = traffic({ arrival: { kind: "poisson", ratePerSecond: 10 } });
    const bound = 0.02;
    const mixed = (x: ServingResult) => x.iterations.filter((i) => i.promptTokens > 0 && i.sequences > 1);
    const free = serve(requests);
    expect(mixed(free).some((i) => i.latencySeconds > bound)).toBe(true);
    const r = serve(requests, { scheduler: { ...DEFAULT_SCHEDULER, maxIterationLatencySeconds: bound } });
    expect(r.summary.completed).toBe(requests.length);
    // A prompt joins other work only when the engine predicts the iteration stays within the bound.
    for (const i of mixed(r)) expect(i.latencySeconds).toBeLessThanOrEqual(bound);
  });
});

describe("replicas and disaggregation", () => {
  it("two replicas behind a round-robin router split the requests evenly and cut the queueing", () => {
    const requests = traffic({ arrival: { kind: "poisson", ratePerSecond: 10 } });
    const one = serve(requests, { scheduler: { ...DEFAULT_SCHEDULER, maxBatch: 4 } });
    const two = serve(requests, { scheduler: { ...DEFAULT_SCHEDULER, maxBatch: 4 }, pools: [{ role: "mixed", device: edge, replicas: 2 }] });
    expect(two.requests.filter((q) => q.replica === 0)).toHaveLength(requests.length / 2);
    expect(two.summary.e2e.mean).toBeLessThan(one.summary.e2e.mean);
  });

  it("a prefill pool hands each request's KV cache to a decode pool over the link (bytes x pJ/B)", () => {
    const requests = traffic({});
    const link = { bandwidthBytesPerSecond: 10e9, latencySeconds: 5e-6, energyPjPerByte: 40 };
    const r = serve(requests, { pools: [{ role: "prefill", device: edge, replicas: 1 }, { role: "decode", device: edge, replicas: 2 }], link });
    expect(r.summary.completed).toBe(requests.length);
    // Requests of more than one token move their prompt's KV cache once.
    const moved = requests.filter((q) => q.outputTokens > 1).reduce((a, q) => a + q.promptTokens, 0) * kvBytesPerToken(model);
    expect(r.summary.linkEnergyJ).toBeCloseTo(moved * 40e-12, 12);
    for (const q of r.requests) if (q.outputTokens > 1) expect(q.replica).toBeGreaterThan(0);
    expect(r.replicas[0]!.role).toBe("prefill");
  });
});

describe("energy over time", () => {
  it("energy = active + idle (idle power x idle time) + links, and the power series integrates to it", () => {
    const r = serve(traffic({}));
    const s = r.summary;
    const busy = r.replicas.reduce((a, x) => a + x.busySeconds, 0);
    const horizon = Math.max(...r.requests.map((q) => q.completionSeconds));
    expect(s.idleEnergyJ).toBeCloseTo(r.replicas[0]!.idlePowerW * (horizon - busy), 9);
    expect(s.energyJ).toBeCloseTo(s.activeEnergyJ + s.idleEnergyJ + s.linkEnergyJ, 9);
    const width = horizon / r.series.powerW.length;
    expect(r.series.powerW.reduce((a, p) => a + p * width, 0)).toBeCloseTo(s.energyJ, 6);
    // Idle power is the whole chip's with nothing to run (serving/power.ts, sim/chip-energy.ts):
    // leakage, always-on blocks, PHY static power, DRAM background and the system's static power.
    const chip = edge.design.chip;
    const byHand = edge.design.leakagePowerW + edge.design.system.staticPowerW + chip.always.reduce((a, x) => a + x.powerW, 0)
      + chip.levels.reduce((a, l) => a + l.phyStaticW + l.backgroundIdleW, 0);
    expect(r.replicas[0]!.idlePowerW).toBeCloseTo(byHand, 12);
    // Per-request attribution adds up to the active energy.
    expect(r.requests.reduce((a, q) => a + q.energyJ, 0)).toBeCloseTo(s.activeEnergyJ, 9);
  });
});

describe("invariants (property)", () => {
  it("every request completes or is rejected with a reason; Little's law holds; KV blocks all come back", () => {
    fc.assert(fc.property(
      fc.record({
        seed: fc.integer({ min: 1, max: 1000 }), rate: fc.double({ min: 1, max: 40, noNaN: true }),
        kind: fc.constantFrom("static" as const, "continuous" as const, "chunked" as const),
        blocks: fc.integer({ min: 8, max: 64 }), maxBatch: fc.integer({ min: 1, max: 8 }), swap: fc.boolean(),
      }),
      (p) => {
        const requests = generateRequests({ seed: p.seed, count: 25, arrival: { kind: "poisson", ratePerSecond: p.rate }, prompt: { kind: "uniform", min: 4, max: 48 }, output: { kind: "uniform", min: 1, max: 24 } });
        const kvCache = { ...DEFAULT_KV_CACHE, capacityBytes: p.blocks * 16 * kvBytesPerToken(model), ...(p.swap ? { preemption: "swap" as const, swap: { bandwidthBytesPerSecond: 1e10, latencySeconds: 0, energyPjPerByte: 10, capacityBytes: 2 ** 30 } } : {}) };
        const r = serve(requests, { scheduler: { ...DEFAULT_SCHEDULER, kind: p.kind, maxBatch: p.maxBatch, chunkTokens: 32 }, kvCache });
        for (const q of r.requests) {
          if (q.status === "rejected") expect(q.reason).toBeTruthy();
          else {
            expect(q.completionSeconds).toBeGreaterThanOrEqual(q.firstTokenSeconds);
            expect(q.firstTokenSeconds).toBeGreaterThan(q.arrivalSeconds);
          }
        }
        expect(r.summary.completed + r.summary.rejected).toBe(requests.length);
      },
    ), { numRuns: 12, seed: 7 });
  });
});
