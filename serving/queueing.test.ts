/**
 * The serving loop against queueing theory: an M/D/1 queue (Poisson arrivals, batch size 1, every
 * request one fixed-length prompt and one token, so every service takes the same engine-priced time
 * S) against the Pollaczek-Khinchine mean wait, Little's law on every run, throughput saturating at
 * the service rate, and determinism with a seed.
 */
import { describe, expect, it } from "vitest";
import { loadDesign, locateDesign } from "../hardware-models/design-loader.js";
import { readDocument } from "../common/document.js";
import { toJson } from "../output/json.js";
import { DEFAULT_KV_CACHE, DEFAULT_SCHEDULER, type ServingConfig } from "./config.js";
import { DEFAULT_COST_MODEL, IterationCostModel } from "./iteration-cost.js";
import { generateRequests, type RequestGenerator } from "./requests.js";
import { simulateServing, type ServingResult } from "./simulator.js";
import type { WorkloadSpec } from "../workloads/workload-spec.js";

const file = locateDesign("edge-npu");
const device = { design: loadDesign("edge-npu"), doc: readDocument(file), file };
const model: WorkloadSpec = { model: "gpt2-small", precision: { kind: "uniform", params: { precision: "int8" } } };
const PROMPT = 32;

function serve(requests: Partial<RequestGenerator>, scheduler: Partial<ServingConfig["scheduler"]> = {}): ServingResult {
  const r = simulateServing({
    name: "queueing", model,
    requests: generateRequests({ seed: 1, arrival: { kind: "poisson", ratePerSecond: 1 }, prompt: { kind: "fixed", tokens: PROMPT }, output: { kind: "fixed", tokens: 1 }, ...requests }),
    pools: [{ role: "mixed", device, replicas: 1 }], router: "round-robin", seed: 1,
    scheduler: { ...DEFAULT_SCHEDULER, ...scheduler }, kvCache: DEFAULT_KV_CACHE, power: { policy: "fixed" }, slo: {}, costModel: DEFAULT_COST_MODEL, timeBins: 50,
  });
  // Little's law on every run: the event log's time-average in system against lambda W.
  expect(r.summary.littlesLaw.relativeError).toBeLessThan(1e-9);
  return r;
}

/** Service time of one prompt, from the engine (independent of the serving loop). */
const serviceSeconds = (batch: number) => new IterationCostModel(device.design, model).cost(Array.from({ length: batch }, () => ({ queries: PROMPT, context: 0 }))).latencySeconds;

describe("M/D/1 against Pollaczek-Khinchine", () => {
  const S = serviceSeconds(1);
  for (const rho of [0.5, 0.8]) {
    it(`mean wait at rho = ${rho} is rho S / (2 (1 - rho)) within 4 standard errors (batch means)`, () => {
      const n = rho === 0.5 ? 30_000 : 60_000;
      const r = serve({ count: n, arrival: { kind: "poisson", ratePerSecond: rho / S } }, { maxBatch: 1 });
      const done = r.requests.filter((q) => q.status === "completed");
      expect(done).toHaveLength(n);
      // Deterministic service: every request spends exactly S in service.
      for (const q of done) expect(q.completionSeconds - q.firstScheduledSeconds).toBeCloseTo(S, 12);
      const waits = done.map((q) => q.firstScheduledSeconds - q.arrivalSeconds);
      const pk = (rho * S) / (2 * (1 - rho));
      const batches = 20, size = Math.floor(waits.length / batches);
      const means = Array.from({ length: batches }, (_, b) => waits.slice(b * size, (b + 1) * size).reduce((a, x) => a + x, 0) / size);
      const mean = means.reduce((a, x) => a + x, 0) / batches;
      const se = Math.sqrt(means.reduce((a, x) => a + (x - mean) ** 2, 0) / (batches - 1) / batches);
      expect(se / pk).toBeLessThan(0.06); // the test can tell a 25% error apart
      expect(Math.abs(mean - pk)).toBeLessThan(4 * se);
      // Mean time in system = W_q + S, and utilization = rho.
      expect(r.summary.e2e.mean).toBeCloseTo(mean + S, 9);
      expect(r.summary.utilization).toBeGreaterThan(rho * 0.97);
      expect(r.summary.utilization).toBeLessThan(rho * 1.03);
    });
  }
});

describe("throughput", () => {
  it("saturates at the service rate 1/S with batch size 1 under overload, and follows the arrival rate below it", () => {
    const S = serviceSeconds(1);
    const over = serve({ count: 4000, arrival: { kind: "poisson", ratePerSecond: 2 / S } }, { maxBatch: 1 });
    expect(over.summary.throughputRequestsPerSecond * S).toBeGreaterThan(0.995);
    expect(over.summary.throughputRequestsPerSecond * S).toBeLessThanOrEqual(1 + 1e-9);
    const under = serve({ count: 4000, arrival: { kind: "poisson", ratePerSecond: 0.5 / S } }, { maxBatch: 1 });
    expect(under.summary.throughputRequestsPerSecond * S).toBeGreaterThan(0.47);
    expect(under.summary.throughputRequestsPerSecond * S).toBeLessThan(0.53);
  });

  it("saturates at b / S(b) with continuous batching of b prompts under overload", () => {
    const b = 8;
    const Sb = serviceSeconds(b);
    const r = serve({ count: 4000, arrival: { kind: "poisson", ratePerSecond: (4 * b) / Sb } }, { maxBatch: b, maxBatchTokens: b * PROMPT });
    expect(r.summary.meanBatchSequences).toBeGreaterThan(0.99 * b); // all full but the first few
    expect(r.summary.throughputRequestsPerSecond * (Sb / b)).toBeGreaterThan(0.995);
    expect(r.summary.throughputRequestsPerSecond * (Sb / b)).toBeLessThanOrEqual(1 + 1e-9);
  });
});

describe("determinism", () => {
  const requests = { count: 150, arrival: { kind: "gamma" as const, ratePerSecond: 20, cv: 2 }, prompt: { kind: "uniform" as const, min: 8, max: 64 }, output: { kind: "uniform" as const, min: 2, max: 16 } };
  it("the same seed gives byte-identical results; another seed gives other arrivals", () => {
    const a = toJson(serve(requests));
    const b = toJson(serve(requests));
    expect(a).toBe(b);
    const c = serve({ ...requests, seed: 2 });
    expect(toJson(c)).not.toBe(a);
    expect(c.requests[0]!.arrivalSeconds).not.toBe(JSON.parse(a).requests[0].arrivalSeconds);
  });
});
