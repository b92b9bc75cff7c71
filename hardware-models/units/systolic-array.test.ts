import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { analyticTraffic, overlappedCycles, systolicGeometry, type Dataflow, type SystolicAction, type SystolicSpec } from "./systolic-array.js";
import { actionTable, type ActionPrice } from "../unit-model.js";
import { designPresetNames, loadDesign } from "../design-loader.js";
import { ACCUMULATOR } from "../technology/operation-energy.js";
import { bitsOf } from "../../workloads/precision.js";

const price = (name: string): ActionPrice => ({ name, energyPj: 1, per: "op", source: "test", origin: "table" });
import type { MatmulOp } from "../../workloads/trace.js";

function spec(rows: number, cols: number, dataflow: Dataflow, ifmap: number, filter: number, ofmap: number): SystolicSpec {
  return {
    name: "a", kind: "systolic", frequencyHz: 1e9, count: 1, actions: actionTable<SystolicAction>({ mac: price("mac"), ifmapRead: price("ir"), ifmapWrite: price("iw"), filterRead: price("fr"), filterWrite: price("fw"), ofmapRead: price("or"), ofmapWrite: price("ow") }), areaMm2: 0, areaByComponentMm2: {}, leakagePowerW: 0, peakMacsPerCycle: rows * cols, localBufferBytes: ifmap + filter + ofmap,
    rows, cols, dataflow, macPrecision: "int8", ifmapBufferBytes: ifmap, filterBufferBytes: filter, ofmapBufferBytes: ofmap, trafficModel: "analytic", doubleBuffered: false, precisionModes: [{ weights: "int8", activations: "int8", rate: 1, action: "mac" }],
  };
}

const matmul = (m: number, n: number, k: number): MatmulOp => ({ id: "x", layer: 0, kind: "matmul", m, n, k, batchCount: 1, inputs: ["a", "b"], outputs: ["c"] });

describe("systolic geometry (SCALE-Sim mapping)", () => {
  it("os: folds over M and N, K + R + C - 2 cycles per fold", () => {
    const g = systolicGeometry(8, 8, "os", 128, 128, 64);
    expect(g.rowFolds * g.colFolds).toBe(256);
    expect(g.computeCycles).toBe(256 * (64 + 8 + 8 - 2));
    expect(g.ifmapReads).toBe(128 * 64 * 16);
    expect(g.filterReads).toBe(64 * 128 * 16);
  });
  it("ws: folds over K and N, M + 2R + C - 2 per fold, partial sums per K fold", () => {
    const g = systolicGeometry(32, 32, "ws", 100, 17, 33);
    expect(g.computeCycles).toBe(2 * 1 * (100 + 64 + 32 - 2));
    expect(g.ofmapWrites).toBe(100 * 17 * 2);
    expect(g.filterReads).toBe(33 * 17);
  });
  it("is: folds over K and M, N + 2R + C - 2 per fold", () => {
    const g = systolicGeometry(8, 8, "is", 1, 64, 768);
    expect(g.computeCycles).toBe(96 * 1 * (64 + 16 + 8 - 2));
    expect(g.ifmapReads).toBe(768);
  });
});

describe("analytic traffic (properties)", () => {
  const dims = fc.record({
    m: fc.integer({ min: 1, max: 600 }), n: fc.integer({ min: 1, max: 600 }), k: fc.integer({ min: 1, max: 600 }),
    rows: fc.constantFrom(4, 8, 16, 32), cols: fc.constantFrom(4, 8, 16, 32), df: fc.constantFrom<Dataflow>("os", "ws", "is"),
    ifmap: fc.integer({ min: 64, max: 1 << 20 }), filter: fc.integer({ min: 64, max: 1 << 20 }), ofmap: fc.integer({ min: 64, max: 1 << 20 }),
    grow: fc.constantFrom<"ifmap" | "filter" | "ofmap">("ifmap", "filter", "ofmap"), factor: fc.integer({ min: 2, max: 64 }),
  });

  it("more buffer never increases the bytes moved to or from the memory levels", () => {
    fc.assert(fc.property(dims, (d) => {
      const small = spec(d.rows, d.cols, d.df, d.ifmap, d.filter, d.ofmap);
      const big = { ...small, [`${d.grow}BufferBytes`]: small[`${d.grow}BufferBytes`] * d.factor };
      const total = (s: SystolicSpec) => {
        const t = analyticTraffic(s, matmul(d.m, d.n, d.k), "int8", "int8", "int8");
        return t.ifmapFetchBytes + t.filterFetchBytes + t.outputWriteBytes + t.outputReadBytes;
      };
      expect(total(big)).toBeLessThanOrEqual(total(small));
    }), { numRuns: Number(process.env.FC_RUNS ?? 3000) });
  });

  it("never moves less than the compulsory traffic, and exactly that when everything fits", () => {
    fc.assert(fc.property(dims, (d) => {
      const t = analyticTraffic(spec(d.rows, d.cols, d.df, d.ifmap, d.filter, d.ofmap), matmul(d.m, d.n, d.k), "int8", "int8", "int8");
      expect(t.ifmapFetchBytes).toBeGreaterThanOrEqual(d.m * d.k);
      expect(t.filterFetchBytes).toBeGreaterThanOrEqual(d.k * d.n);
      expect(t.outputWriteBytes).toBeGreaterThanOrEqual(d.m * d.n);
    }), { numRuns: 300 });
    const huge = 1 << 30;
    const t = analyticTraffic(spec(16, 16, "ws", huge, huge, huge), matmul(300, 200, 100), "int8", "int8", "int8");
    expect(t).toEqual({ ifmapFetchBytes: 300 * 100, filterFetchBytes: 100 * 200, outputWriteBytes: 300 * 200, outputReadBytes: 0 });
  });

  it("ws with weights larger than the filter buffer reloads them once per block of rows whose partial sums fit", () => {
    // 32x32 array, K=768, N=768 int8 weights (576 KiB) vs a 64 KiB filter buffer; ofmap 64 KiB holds
    // 32 KiB of int32 partial sums = M x (nb * 32 cols) -> with M=128: nb = 2 column folds per block.
    const s = spec(32, 32, "ws", 64 << 10, 64 << 10, 64 << 10);
    const t = analyticTraffic(s, matmul(128, 768, 768), "int8", "int8", "int8");
    const a = 128 * 768, b = 768 * 768;
    // Candidates: nb=1 (mb=128 -> B once, A per column fold: 24 passes) ... nb=2 (A 12 passes) ...
    // Every A slice (128 x 32 = 4 KiB) fits, B is streamed once per row block (1 block).
    expect(t.filterFetchBytes).toBe(b);
    expect(t.ifmapFetchBytes).toBe(a * 12);
  });
});

describe("double-buffered stationary operand (issue 15, item 1)", () => {
  it("dense folds run back to back at max(T, R) cycles; the first load, the fill and the drain once", () => {
    // ws 256x256, M = 2048 streamed rows, K = 1024 (4 row folds), N = 4096 (16 column folds).
    const g = systolicGeometry(256, 256, "ws", 2048, 4096, 1024);
    expect(g.computeCycles).toBe(64 * (2048 + 2 * 256 + 256 - 2));
    expect(overlappedCycles(256, g)).toBe(64 * 2048 + 2 * 256 + 256 - 2);
    // A fold shorter than a tile load waits for it: T = 100 < R = 256.
    const short = systolicGeometry(256, 256, "ws", 100, 512, 512);
    expect(overlappedCycles(256, short)).toBe(3 * 256 + 100 + 2 * 256 + 256 - 2);
    // os: K streamed, outputs drain R rows while the next fold accumulates.
    const os = systolicGeometry(32, 32, "os", 320, 320, 64);
    expect(overlappedCycles(32, os)).toBe(100 * 64 + 32 + 32 - 2);
  });

  it("never slower than SCALE-Sim's folds, and equal for one fold", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 }), fc.constantFrom<Dataflow>("os", "ws", "is"),
      fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 500 }), (r, c, df, m, n, k) => {
        const g = systolicGeometry(r, c, df, m, n, k);
        const o = overlappedCycles(r, g);
        expect(o).toBeLessThanOrEqual(g.computeCycles);
        if (g.rowFolds * g.colFolds === 1) expect(o).toBe(g.computeCycles);
      }), { numRuns: 500, seed: 15 });
  });
});

describe("precision modes of the presets (issue 15, item 3)", () => {
  it("every mode's MAC is priced sqrt(mult.w x mult.a) + add at the wider accumulator (the table's mac.<p> for equal widths)", () => {
    let modes = 0;
    for (const name of designPresetNames()) {
      const design = loadDesign(name);
      const e = design.energy;
      for (const unit of design.units) {
        if (unit.kind !== "systolic") continue;
        for (const mode of unit.precisionModes) {
          const price = unit.actions.list[unit.actions.index[mode.action]!]!.energyPj;
          const acc = ACCUMULATOR[bitsOf(mode.weights) >= bitsOf(mode.activations) ? mode.weights : mode.activations];
          const want = mode.weights === mode.activations ? e.macPj(mode.weights) : Math.sqrt(e.get(`mult.${mode.weights}`) * e.get(`mult.${mode.activations}`)) + e.get(`add.${acc}`);
          expect(price, `${name} ${unit.name} ${mode.weights}x${mode.activations}`).toBeCloseTo(want, 12);
          modes++;
        }
      }
    }
    expect(modes).toBeGreaterThanOrEqual(10); // natives plus a100 (2), tpuv1 (3), jetson (1)
  });
});
