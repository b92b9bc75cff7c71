/**
 * SCALE-Sim conv topologies (issue 15): rows with filter sizes and strides become conv ops whose
 * compute is SCALE-Sim's im2col GEMM (topology_utils.py: Sr/Sc/T from ofmap pixels, filters and
 * the window R S C) and whose IFMAP is fetched once while it fits the read buffer's window.
 * No SCALE-Sim conv run is in ../shared/reference: cycles are checked against SCALE-Sim's mapping
 * rule (the rule every GEMM reference row agrees with, test/scalesim-reference.test.ts) and against
 * the same layer imported as a GEMM topology.
 */
import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";
import { parseScalesimConfig, scalesimDesign } from "../hardware-models/scalesim-config.js";
import { loadTopology, parseTopology, topologyTrace } from "../workloads/scalesim-topology.js";
import { parseTrace } from "../workloads/trace-io.js";
import { simulate } from "../sim/engine.js";
import { InputError } from "../common/input-error.js";

const HEADER = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,";

function config(dataflow: "os" | "ws" | "is", mode: "CALC" | "USER", kb = 64): string {
  return [
    "[general]", "run_name = conv",
    "[architecture_presets]", "ArrayHeight: 32", "ArrayWidth: 32",
    `IfmapSramSzkB: ${kb}`, `FilterSramSzkB: ${kb}`, `OfmapSramSzkB: ${kb}`,
    "IfmapOffset: 0", "FilterOffset: 10000000", "OfmapOffset: 20000000",
    "Bandwidth: 10", `Dataflow: ${dataflow}`, "MemoryBanks: 1",
    "[run_presets]", `InterfaceBandwidth: ${mode}`,
  ].join("\n");
}

/** SCALE-Sim's stall-free cycles for (Sr, Sc, T) on R x C (README of ../shared/reference/scalesim), as a count. */
function scalesimCycles(df: "os" | "ws" | "is", M: number, N: number, K: number, R = 32, C = 32): number {
  const [sr, sc, t] = df === "os" ? [M, N, K] : df === "ws" ? [K, N, M] : [K, M, N];
  const folds = Math.ceil(sr / R) * Math.ceil(sc / C);
  return folds * (df === "os" ? t + R + C - 2 : t + 2 * R + C - 2);
}

describe("SCALE-Sim conv topologies", () => {
  it("parses SCALE-Sim's own test layer (topologies/conv_nets/test.csv): 7x7, 3x3, 192 -> 384, stride 1", () => {
    const [l] = parseTopology(`${HEADER}\nInc5b_3x3, 7, 7, 3, 3, 192, 384, 1,\n`, "test.csv");
    // ofmap = ceil((7 - 3 + 1) / 1) = 5: M = 25 pixels, N = 384 filters, K = 3 x 3 x 192.
    expect(l).toMatchObject({ m: 25, n: 384, k: 1728 });
    expect(l!.conv).toMatchObject({ inH: 7, inChannels: 192, outChannels: 384, strideH: 1, strideW: 1 });
  });

  it("strides per axis, SCALE-Sim's ceil((H - R + s) / s), a #comment and a missing trailing comma", () => {
    const [a, b] = parseTopology(`${HEADER}\nc1, 225, 225, 3, 3, 3, 32, 2,#stem\nc2, 20, 30, 5, 3, 8, 16, 3, 1\n`, "t.csv");
    expect(a).toMatchObject({ m: 112 * 112, n: 32, k: 27 });
    // H: ceil((20 - 5 + 3) / 3) = 6; W: ceil((30 - 3 + 1) / 1) = 28.
    expect(b).toMatchObject({ m: 6 * 28, n: 16, k: 5 * 3 * 8 });
  });

  it("a DP layer is depthwise: one GEMM per channel (SCALE-Sim runs `channels` one-channel layers)", () => {
    const [l] = parseTopology(`${HEADER}\nConv2_DP, 114, 114, 3, 3, 32, 1, 1,\n`, "t.csv");
    expect(l).toMatchObject({ m: 112 * 112, n: 1, k: 9 });
    expect(l!.conv).toMatchObject({ groups: 32, outChannels: 32 });
    expect(topologyTrace([l!], "dp").ops[0]).toMatchObject({ batchCount: 32 });
  });

  it("rejects a filter larger than the IFMAP and a row of the wrong width, naming the line", () => {
    const bad = (text: string) => {
      try {
        parseTopology(text, "t.csv");
      } catch (err) {
        return err instanceof InputError ? err.message : String(err);
      }
      return "no error";
    };
    expect(bad(`${HEADER}\nc, 3, 3, 5, 5, 8, 8, 1,\n`)).toMatch(/line 2.*filter height/s);
    expect(bad(`${HEADER}\nc, 3, 3, 1, 1, 8,\n`)).toMatch(/line 2/);
    expect(bad("Layer, a, b, c, d, e,\n")).toMatch(/line 1/);
  });

  it("the example topology loads as a valid trace", () => {
    const layers = loadTopology(join(packageRoot(), "examples", "scalesim", "mobilenet-v1-head.csv"));
    expect(layers).toHaveLength(7);
    const trace = topologyTrace(layers, "mobilenet");
    expect(() => parseTrace(JSON.parse(JSON.stringify(trace)), "mobilenet.json")).not.toThrow();
  });

  for (const df of ["os", "ws", "is"] as const) {
    it(`${df}: compute cycles are SCALE-Sim's im2col GEMM's; CALC IFMAP DRAM reads are the IFMAP once`, () => {
      const design = scalesimDesign(parseScalesimConfig(config(df, "CALC"), "c.cfg"), "c.cfg");
      const layers = parseTopology(`${HEADER}\nInc5b_3x3, 7, 7, 3, 3, 192, 384, 1,\nc3s2, 29, 29, 3, 3, 16, 40, 2,\ndp, 16, 16, 3, 3, 24, 1, 1,\n`, "t.csv");
      const conv = simulate(design, topologyTrace(layers, "conv"));
      const gemm = simulate(design, topologyTrace(layers.map(({ conv: _c, ...g }) => g), "gemm"));
      if (!conv.ok || !gemm.ok) throw new Error("infeasible");
      layers.forEach((l, i) => {
        const groups = l.conv!.groups ?? 1;
        expect(conv.result.ops[i]!.computeCycles).toBe(scalesimCycles(df, l.m, l.n, l.k) * groups);
        expect(conv.result.ops[i]!.computeCycles).toBe(gemm.result.ops[i]!.computeCycles);
      });
      // IFMAP words: 7x7x192 (every pixel in a window); 29x29x16 (stride 2 reaches the last row
      // and column: (14 - 1) x 2 + 3 = 29); 16x16 per depthwise channel.
      const ifmap = (i: number) => conv.result.ops[i]!.bytesByLevel["array.ifmap"]!.writeBytes;
      expect(ifmap(0)).toBe(7 * 7 * 192);
      expect(ifmap(1)).toBe(29 * 29 * 16);
      expect(ifmap(2)).toBe(16 * 16 * 24);
      // As a GEMM the same layers read the im2col matrix.
      expect(gemm.result.ops[0]!.bytesByLevel["array.ifmap"]!.writeBytes).toBeGreaterThanOrEqual(25 * 1728);
    });
  }
});
