import { describe, expect, it } from "vitest";
import { curveAt, gammaSample, generateRequests, meanRatePerSecond, parseRequestCsv, requestCsv } from "./requests.js";
import { mulberry32 } from "../common/random.js";
import { GridCarbon } from "./grid-carbon.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";
import { syntheticRequestTraceCsv } from "../scripts/synthetic-request-trace.js";

const fail = (path: string, expected: string, found: string): never => {
  throw new Error(`${path}: expected ${expected}, found ${found}`);
};
const stats = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
  return { mean: m, cv: Math.sqrt(v) / m };
};
const gaps = (ts: number[]) => ts.slice(1).map((t, i) => t - ts[i]!);

describe("arrivals", () => {
  it("poisson: exponential gaps of mean 1/lambda (cv 1)", () => {
    const r = generateRequests({ seed: 5, count: 20_000, arrival: { kind: "poisson", ratePerSecond: 4 }, prompt: { kind: "fixed", tokens: 1 }, output: { kind: "fixed", tokens: 1 } });
    const s = stats(gaps(r.map((q) => q.arrivalSeconds)));
    expect(s.mean).toBeCloseTo(0.25, 2);
    expect(s.cv).toBeGreaterThan(0.97);
    expect(s.cv).toBeLessThan(1.03);
  });

  it("gamma: mean 1/lambda and the requested coefficient of variation (bursty)", () => {
    for (const cv of [0.5, 3]) {
      const r = generateRequests({ seed: 5, count: 40_000, arrival: { kind: "gamma", ratePerSecond: 2, cv }, prompt: { kind: "fixed", tokens: 1 }, output: { kind: "fixed", tokens: 1 } });
      const s = stats(gaps(r.map((q) => q.arrivalSeconds)));
      expect(s.mean).toBeGreaterThan(0.5 * 0.97);
      expect(s.mean).toBeLessThan(0.5 * 1.03);
      expect(s.cv).toBeGreaterThan(cv * 0.93);
      expect(s.cv).toBeLessThan(cv * 1.07);
    }
    // Marsaglia-Tsang: Gamma(k) has mean k and variance k.
    const rand = mulberry32(9);
    const xs = Array.from({ length: 40_000 }, () => gammaSample(0.3, rand));
    expect(stats(xs).mean).toBeCloseTo(0.3, 1);
  });

  it("diurnal: arrivals follow the rate curve (thinning), and the mean rate is the curve's mean", () => {
    const curve = [0.2, 1, 0.2, 1];
    const r = generateRequests({ seed: 2, durationSeconds: 4000, arrival: { kind: "diurnal", ratePerSecond: 10, periodSeconds: 400, curve }, prompt: { kind: "fixed", tokens: 1 }, output: { kind: "fixed", tokens: 1 } });
    expect(meanRatePerSecond({ kind: "diurnal", ratePerSecond: 10, periodSeconds: 400, curve })).toBeCloseTo(6, 12);
    expect(r.length / 4000).toBeGreaterThan(6 * 0.97);
    expect(r.length / 4000).toBeLessThan(6 * 1.03);
    // Around the peaks (t = 100 mod 400) about 5x the rate around the troughs (t = 0 mod 400).
    const near = (c: number) => r.filter((q) => Math.abs(((q.arrivalSeconds - c) % 400 + 400) % 400) < 20 || Math.abs(((q.arrivalSeconds - c) % 400 + 400) % 400 - 400) < 20).length;
    expect(near(100) / near(0)).toBeGreaterThan(3);
    expect(curveAt(curve, 400, 50)).toBeCloseTo(0.6, 12);
  });

  it("lengths: lognormal clipped to its bounds; classes by share; a trace CSV round-trips", () => {
    const r = generateRequests({ seed: 1, count: 5000, arrival: { kind: "periodic", periodSeconds: 0.1 }, prompt: { kind: "lognormal", median: 100, sigma: 1, min: 10, max: 500 }, output: { kind: "uniform", min: 3, max: 7 }, priorities: [{ share: 0.25, priority: 0 }, { share: 0.75, priority: 2 }], deferrable: { share: 0.1, windowSeconds: 60 } });
    const prompts = r.map((q) => q.promptTokens).sort((a, b) => a - b);
    expect(prompts[0]).toBeGreaterThanOrEqual(10);
    expect(prompts[prompts.length - 1]).toBeLessThanOrEqual(500);
    expect(prompts[2500]).toBeGreaterThan(90);
    expect(prompts[2500]).toBeLessThan(110);
    expect(r.every((q) => q.outputTokens >= 3 && q.outputTokens <= 7)).toBe(true);
    expect(r.filter((q) => q.priority === 0).length / 5000).toBeCloseTo(0.25, 1);
    expect(r.filter((q) => q.deferrableSeconds === 60).length / 5000).toBeCloseTo(0.1, 1);
    expect(r[10]!.arrivalSeconds).toBeCloseTo(1, 12);
    expect(parseRequestCsv(requestCsv(r), fail)).toEqual(r);
  });

  it("a trace CSV with a bad cell names its line and column", () => {
    expect(() => parseRequestCsv("arrival_s,prompt_tokens,output_tokens\n0,10,5\n1,ten,5\n", fail)).toThrow(/line 3, column prompt_tokens/);
    expect(() => parseRequestCsv("arrival,prompt_tokens,output_tokens\n0,1,1\n", fail)).toThrow(/arrival_s/);
  });
});

describe("grid carbon", () => {
  const carbon = (hourly: number[], pue = 1) => new GridCarbon({ hourlyGPerKWh: hourly, region: "x", startHour: 0, pue, fabIntensityGPerKWh: 0, abatement: 97, lifetimeSeconds: 1, deferAdmission: true });
  it("operational carbon integrates power x intensity over hours (E [kWh] x I x PUE)", () => {
    const c = carbon([100, 400], 1.2);
    // 1 kW for 30 min in hour 0 and 30 min in hour 1: 0.5 kWh x 100 + 0.5 kWh x 400, x 1.2.
    expect(c.operationalG(1800, 5400, 1000)).toBeCloseTo((0.5 * 100 + 0.5 * 400) * 1.2, 9);
  });
  it("a deferrable request starts at the least-intensity hour of its window (or now when now is least)", () => {
    const c = carbon([300, 200, 50, 80]);
    expect(c.releaseSeconds(600, 3 * 3600)).toBe(2 * 3600);
    expect(c.releaseSeconds(600, 1800)).toBe(600);
    expect(carbon([10, 200]).releaseSeconds(600, 7200)).toBe(600);
  });
});

describe("examples/serving/chat-trace.csv", () => {
  it("is what scripts/synthetic-request-trace.ts generates (labelled synthetic; npm run request-trace)", () => {
    const text = readFileSync(join(packageRoot(), "examples", "serving", "chat-trace.csv"), "utf8");
    expect(text).toBe(syntheticRequestTraceCsv());
    expect(text.split("\n")[0]).toMatch(/^# SYNTHETIC/);
    expect(parseRequestCsv(text, fail)).toHaveLength(400);
  });
});
