import { describe, expect, it } from "vitest";
import { gridSampler, latinHypercubeUnit, lhsSampler, randomSampler } from "./samplers.js";
import { Nsga2 } from "./nsga2.js";

describe("grid", () => {
  it("visits the Cartesian product in declaration order, the last parameter fastest", () => {
    const g = gridSampler([2, 3]);
    expect(g.count).toBe(6);
    expect(Array.from({ length: 6 }, (_, i) => g.point(i))).toEqual([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]);
  });
});

describe("random and LHS are seeded and index-addressable", () => {
  it("the same seed and index give the same point; another seed another", () => {
    expect(randomSampler([10, 10, 10], 5, 1).point(3)).toEqual(randomSampler([10, 10, 10], 5, 1).point(3));
    expect(randomSampler([1000, 1000], 5, 1).point(3)).not.toEqual(randomSampler([1000, 1000], 5, 2).point(3));
  });
  it("LHS: every one of the n strata of every dimension holds exactly one sample", () => {
    const n = 50, d = 4;
    const unit = latinHypercubeUnit(n, d, 7);
    for (let dim = 0; dim < d; dim++) {
      const strata = Array.from({ length: n }, (_, i) => Math.floor(unit(i)[dim]! * n)).sort((a, b) => a - b);
      expect(strata).toEqual(Array.from({ length: n }, (_, k) => k));
    }
  });
  it("LHS over discrete values covers each value evenly", () => {
    const s = lhsSampler([5], 50, 3);
    const counts = new Array(5).fill(0);
    for (let i = 0; i < 50; i++) counts[s.point(i)[0]!]++;
    expect(counts).toEqual([10, 10, 10, 10, 10]);
  });
});

describe("NSGA-II", () => {
  it("approaches the analytic Pareto front of ZDT1 (f2 = 1 - sqrt(f1))", () => {
    // Zitzler, Deb & Thiele 2000: f1 = x1, g = 1 + 9/(n-1) sum x2..xn, f2 = g (1 - sqrt(f1/g)).
    const n = 8;
    const zdt1 = (x: number[]) => {
      const g = 1 + (9 / (n - 1)) * x.slice(1).reduce((a, b) => a + b, 0);
      return [x[0]!, g * (1 - Math.sqrt(x[0]! / g))];
    };
    const opt = new Nsga2(n, 40, 1);
    for (let gen = 0; gen < 150; gen++) opt.tell(opt.ask().map(zdt1));
    const front = opt.front();
    expect(front.length).toBeGreaterThan(10);
    const distance = front.reduce((s, p) => s + Math.abs(p.objectives[1]! - (1 - Math.sqrt(p.objectives[0]!))), 0) / front.length;
    expect(distance).toBeLessThan(0.05);
    // and spreads along it
    const f1 = front.map((p) => p.objectives[0]!);
    expect(Math.max(...f1) - Math.min(...f1)).toBeGreaterThan(0.7);
  });
});
