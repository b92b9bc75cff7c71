import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { chargeMatmulFetch, zeroCost, type OpContext } from "./unit-model.js";
import type { MemoryLevel } from "./memory-hierarchy.js";

/** A DRAM level and an on-chip SRAM of `capacity` bytes (only the fields chargeMatmulFetch reads). */
function context(capacity: number): OpContext {
  const level = (name: string, index: number, offChip: boolean, capacityBytes: number): MemoryLevel => ({
    name, index, offChip, writable: true, capacityBytes, kind: offChip ? "lpddr4x" : "sram", bandwidthBytesPerSecond: 1e12,
    readPjPerByte: 0, writePjPerByte: 0, leakagePowerW: 0, areaMm2: 0, backgroundGiven: false, sources: { readEnergy: "", writeEnergy: "", leakage: "" },
  });
  return { inputs: [], output: { precision: "int8", bytes: 0, isWeight: false, level: 0, tensor: 0 }, memory: [level("dram", 0, true, 1e12), level("glb", 1, false, capacity)] };
}

describe("chargeMatmulFetch: blocking at an on-chip level", () => {
  it("by hand: A 1000 x 100 int8 (100 kB), B 100 x 1000 (100 kB), a 40 kB buffer, the unit fetching each operand 10 times", () => {
    const cost = zeroCost(2, 0);
    const a = { level: 0, fetchBytes: 1e6, bytes: 1e5 }, b = { level: 0, fetchBytes: 1e6, bytes: 1e5 };
    chargeMatmulFetch(cost, context(40_000), a, b, { m: 1000, n: 1000, k: 100, batch: 1 });
    // A-stationary: floor(40000 / (100 x 1)) = 400 rows per block, ceil(1000 / 400) = 3 blocks:
    // DRAM reads |A| + 3 |B| = 400 kB (B-stationary is the same by symmetry), against 2 MB unblocked.
    expect(cost.readBytes[0]).toBe(400_000);
    expect(cost.writeBytes[1]).toBe(400_000);
    expect(cost.readBytes[1]).toBe(2e6 - 400_000);
  });

  it("an operand that fits whole keeps the per-operand rule (fetched once from DRAM)", () => {
    const cost = zeroCost(2, 0);
    chargeMatmulFetch(cost, context(1e6), { level: 0, fetchBytes: 1e6, bytes: 1e5 }, { level: 0, fetchBytes: 1e6, bytes: 1e5 }, { m: 1000, n: 1000, k: 100, batch: 1 });
    expect(cost.readBytes[0]).toBe(2e5);
  });

  it("property: a larger on-chip level never adds DRAM traffic, and DRAM reads stay within [|A| + |B|, fetched]", () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 1, max: 4096 }),
      fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1024, max: 1 << 24 }),
      (m, n, k, passesA, passesB, capacity) => {
        const a = { level: 0, fetchBytes: m * k * passesA, bytes: m * k }, b = { level: 0, fetchBytes: k * n * passesB, bytes: k * n };
        const small = zeroCost(2, 0), large = zeroCost(2, 0);
        chargeMatmulFetch(small, context(capacity), a, b, { m, n, k, batch: 1 });
        chargeMatmulFetch(large, context(capacity * 2), a, b, { m, n, k, batch: 1 });
        expect(large.readBytes[0]!).toBeLessThanOrEqual(small.readBytes[0]!);
        expect(small.readBytes[0]!).toBeGreaterThanOrEqual(m * k + k * n);
        expect(small.readBytes[0]!).toBeLessThanOrEqual(a.fetchBytes + b.fetchBytes);
        // Everything the unit fetched came from somewhere.
        expect(small.readBytes[0]! + small.readBytes[1]!).toBeGreaterThanOrEqual(a.fetchBytes + b.fetchBytes - 1e-9);
      },
    ), { numRuns: 300 });
  });
});
