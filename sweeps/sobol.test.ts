import { describe, expect, it } from "vitest";
import { sobolIndices } from "./sobol.js";

describe("Sobol' indices against functions whose indices are known analytically", () => {
  it("Ishigami (a = 7, b = 0.1): S = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437", () => {
    // Ishigami & Homma 1990; analytic indices from V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2 (Saltelli et al. 2008, Global Sensitivity Analysis: The Primer).
    const a = 7, b = 0.1;
    const V1 = 0.5 * (1 + (b * Math.PI ** 4) / 5) ** 2, V2 = a ** 2 / 8, V13 = ((b ** 2 * Math.PI ** 8) / 18) - ((b ** 2 * Math.PI ** 8) / 50);
    const V = V1 + V2 + V13;
    const ishigami = (u: number[]) => {
      const [x1, x2, x3] = u.map((v) => Math.PI * (2 * v - 1)) as [number, number, number];
      return Math.sin(x1) + a * Math.sin(x2) ** 2 + b * x3 ** 4 * Math.sin(x1);
    };
    const s = sobolIndices(ishigami, 3, 1 << 14, 11);
    expect(V1 / V).toBeCloseTo(0.3139, 4);
    expect(s.variance).toBeCloseTo(V, 0);
    const expectedFirst = [V1 / V, V2 / V, 0], expectedTotal = [(V1 + V13) / V, V2 / V, V13 / V];
    s.first.forEach((x, i) => expect(Math.abs(x - expectedFirst[i]!)).toBeLessThan(0.03));
    s.total.forEach((x, i) => expect(Math.abs(x - expectedTotal[i]!)).toBeLessThan(0.03));
  });

  it("a linear function of uniform inputs: S_i = ST_i = c_i^2 / sum c^2", () => {
    const c = [1, 2, 4, 0];
    const s = sobolIndices((x) => c.reduce((sum, ci, i) => sum + ci * x[i]!, 0), 4, 1 << 15, 5);
    const total = c.reduce((sum, ci) => sum + ci * ci, 0);
    c.forEach((ci, i) => {
      expect(Math.abs(s.first[i]! - (ci * ci) / total)).toBeLessThan(0.02);
      expect(Math.abs(s.total[i]! - (ci * ci) / total)).toBeLessThan(0.02);
    });
  });

  it("points that fail (NaN) are left out pair by pair", () => {
    const s = sobolIndices((x) => (x[1]! > 0.9 ? NaN : x[0]!), 2, 4096, 3);
    expect(s.used[0]!).toBeLessThan(4096);
    expect(s.first[0]!).toBeGreaterThan(0.9);
    expect(Math.abs(s.total[1]!)).toBeLessThan(0.02);
  });
});
