/** Collective costs against the alpha-beta formulas (Thakur, Rabenseifner & Gropp 2005) and the link unit through the engine. */
import { describe, expect, it } from "vitest";
import { bytesSent, collectiveTime, stepBandwidth, type Fabric, type Protocol } from "./collective-cost.js";
import { loadDesign, resolveDesign } from "../design-loader.js";
import { loadSystemFile } from "../system.js";
import { simulate } from "../../sim/engine.js";
import { buildOperatorTrace } from "../../workloads/operator.js";
import type { CollectiveShape } from "./collective-cost.js";
import type { CollectiveKind } from "../../workloads/collective.js";

const alpha = 2e-6;
const one: Protocol[] = [{ name: "p", baseSeconds: 0, stepSeconds: alpha, networkStepSeconds: 5 * alpha, bandwidthFraction: 1, maxBytesPerSecond: Infinity }];
const switchFabric = (devices: number, B: number): Fabric => ({ topology: "switch", devices, links: 1, linkBytesPerSecond: B });
const time = (c: CollectiveShape, f: Fabric, protocols = one, network?: { nodes: number; bytesPerSecond: number }) => collectiveTime(c, f, protocols, network)!.seconds;
const close = (a: number, b: number) => expect(a).toBeCloseTo(b, 12);

describe("alpha-beta costs (Thakur et al. 2005), on a non-blocking switch", () => {
  const B = 100e9, S = 64e6;
  for (const p of [2, 4, 8]) {
    const f = switchFabric(8, B);
    const lg = Math.log2(p);
    it(`p = ${p}: ring, recursive halving and binomial tree all-reduce`, () => {
      close(time({ collective: "all-reduce", bytes: S, group: p, algorithm: "ring" }, f), 2 * (p - 1) * alpha + (2 * (p - 1) / p) * S / B);
      close(time({ collective: "all-reduce", bytes: S, group: p, algorithm: "recursive-halving" }, f), 2 * lg * alpha + (2 * (p - 1) / p) * S / B);
      close(time({ collective: "all-reduce", bytes: S, group: p, algorithm: "tree" }, f), 2 * lg * (alpha + S / B));
    });
    it(`p = ${p}: reduce-scatter, all-gather, all-to-all, broadcast`, () => {
      for (const c of ["reduce-scatter", "all-gather"] as const) {
        close(time({ collective: c, bytes: S, group: p, algorithm: "ring" }, f), (p - 1) * alpha + ((p - 1) / p) * S / B);
        close(time({ collective: c, bytes: S, group: p, algorithm: "recursive-halving" }, f), lg * alpha + ((p - 1) / p) * S / B);
      }
      close(time({ collective: "all-to-all", bytes: S, group: p }, f), (p - 1) * alpha + ((p - 1) / p) * S / B);
      close(time({ collective: "broadcast", bytes: S, group: p, algorithm: "ring" }, f), (p - 1) * alpha + S / B);
    });
  }
  it("send and recv: one step", () => {
    close(time({ collective: "send", bytes: S, group: 2 }, switchFabric(8, B)), alpha + S / B);
    close(time({ collective: "recv", bytes: S, group: 2 }, switchFabric(8, B)), alpha + S / B);
  });
  it("auto takes the fastest: recursive halving for small buffers, either for large on a switch", () => {
    const f = switchFabric(8, B);
    expect(collectiveTime({ collective: "all-reduce", bytes: 8, group: 8 }, f, one)!.algorithm).toBe("recursive-halving");
    expect(time({ collective: "all-reduce", bytes: 8, group: 8 }, f)).toBeLessThan(time({ collective: "all-reduce", bytes: 8, group: 8, algorithm: "ring" }, f));
  });
  it("nccl-tests' bus bandwidth: for large buffers algbw x 2(p-1)/p -> the per-device bandwidth", () => {
    const p = 8, big = 1e12;
    const t = time({ collective: "all-reduce", bytes: big, group: p, algorithm: "ring" }, switchFabric(8, B));
    expect(((big / t) * 2 * (p - 1)) / p / B).toBeCloseTo(1, 5);
  });
});

describe("protocols: fixed cost, per-step cost, bandwidth fraction and cap; the fastest is used", () => {
  const protocols: Protocol[] = [
    { name: "LL", baseSeconds: 6.6e-6, stepSeconds: 0.6e-6, networkStepSeconds: 2.7e-6, bandwidthFraction: 0.5, maxBytesPerSecond: 87.7e9 },
    { name: "Simple", baseSeconds: 8.4e-6, stepSeconds: 3.4e-6, networkStepSeconds: 14e-6, bandwidthFraction: 1, maxBytesPerSecond: Infinity },
  ];
  const f = switchFabric(4, 240e9);
  it("small buffers take the low-latency protocol at its capped bandwidth, large the full-bandwidth one", () => {
    const small = collectiveTime({ collective: "all-reduce", bytes: 1024, group: 4, algorithm: "ring" }, f, protocols)!;
    expect(small.protocol).toBe("LL");
    close(small.seconds, 6.6e-6 + 6 * 0.6e-6 + (1.5 * 1024) / 87.7e9);
    const large = collectiveTime({ collective: "all-reduce", bytes: 1e9, group: 4, algorithm: "ring" }, f, protocols)!;
    expect(large.protocol).toBe("Simple");
    close(large.seconds, 8.4e-6 + 6 * 3.4e-6 + (1.5 * 1e9) / 240e9);
  });
});

describe("topologies", () => {
  const B = 25e9;
  it("fully connected: a ring over the whole node uses every bundle; a pair uses one", () => {
    const f: Fabric = { topology: "fully-connected", devices: 4, links: 12, linkBytesPerSecond: B };
    expect(stepBandwidth(f, 4, "ring")).toBe(12 * B);
    expect(stepBandwidth(f, 2, "ring")).toBe(4 * B);
    expect(stepBandwidth(f, 4, "one-peer")).toBe(4 * B);
  });
  it("2-D torus: reduce-scatter along x, all-reduce along y on S / x, all-gather along x", () => {
    const f: Fabric = { topology: "torus-2d", devices: 16, dims: [4, 4], links: 4, linkBytesPerSecond: B };
    const S = 64e6, bw = 2 * B; // a 1-D ring uses its dimension's two links
    const rs = 3 * alpha + (3 / 4) * S / bw, ar = 2 * 3 * alpha + 2 * (3 / 4) * (S / 4) / bw;
    close(time({ collective: "all-reduce", bytes: S, group: 16, algorithm: "ring" }, f), rs + ar + rs);
    close(time({ collective: "all-reduce", bytes: S, group: 4, algorithm: "ring" }, f), 6 * alpha + 1.5 * S / bw);
  });
  it("ring: an exchange two hops away shares its links", () => {
    const f: Fabric = { topology: "ring", devices: 8, links: 2, linkBytesPerSecond: B };
    expect(stepBandwidth(f, 8, "ring")).toBe(2 * B);
    expect(stepBandwidth(f, 8, "one-peer", 2)).toBe(B / 2);
  });
  it("two nodes: reduce-scatter in the node, all-reduce of the 1/q share over the network, all-gather", () => {
    const f = switchFabric(4, 200e9), net = { nodes: 2, bytesPerSecond: 25e9 };
    const S = 64e6;
    const inside = 3 * alpha + (3 / 4) * S / 200e9;
    const across = 2 * 5 * alpha + 2 * (1 / 2) * (S / 4) / 25e9;
    close(time({ collective: "all-reduce", bytes: S, group: 8, perNode: 4, algorithm: "ring" }, f, one, net), inside + across + inside);
    expect(bytesSent({ collective: "all-reduce", bytes: S, group: 8 }, 4, 2)).toEqual({ fabric: 2 * S * 3 / 4, network: 2 * (S / 4) / 2 });
    expect(collectiveTime({ collective: "all-reduce", bytes: S, group: 8, perNode: 4 }, f, one)).toBeUndefined();
  });
});

describe("the link unit in a design", () => {
  const system = loadSystemFile("examples/systems/a100x4-nvlink-like.yaml");
  const design = system.device;
  const run = (bytes: number, group = 4, collective: CollectiveKind = "all-reduce") => {
    const outcome = simulate(design, buildOperatorTrace({ operator: "collective", collective, bytes, group, algorithm: "ring", precision: "fp16" }));
    if (!outcome.ok) throw new Error(outcome.infeasible.reasons[0]!.reason);
    return outcome.result;
  };
  it("collectives go to the interconnect; its time is the collective's", () => {
    const r = run(1 << 30);
    expect(r.ops[0]!.unit).toBe("interconnect");
    const link = design.units.find((u) => u.name === "interconnect")!;
    if (link.kind !== "link") throw new Error("the interconnect is a link unit");
    close(r.latencySeconds, collectiveTime({ collective: "all-reduce", bytes: 1 << 30, group: 4, algorithm: "ring" }, link.fabric, link.protocols)!.seconds);
  });
  it("energy: bits sent x pJ/bit, one addition per element reduced, and the staged bytes through HBM", () => {
    const S = 1 << 26;
    const r = run(S);
    expect(r.breakdown.byAction["interconnect.fabric.bit"]!.count).toBe(8 * 2 * S * 3 / 4);
    expect(r.breakdown.byAction["interconnect.fabric.bit"]!.energyPj).toBeCloseTo(8 * 2 * S * 3 / 4 * 5.5, 3);
    expect(r.breakdown.byAction["interconnect.reduce.fp16"]!.count).toBe(Math.round((S * 3) / 4 / 2));
    const received = 2 * S * 3 / 4;
    expect(r.bytesByLevel.hbm).toEqual({ readBytes: S + received, writeBytes: S + received });
  });
  it("infeasible with reasons: more devices than the system has, a collective the algorithm lacks", () => {
    const too = simulate(design, buildOperatorTrace({ operator: "collective", collective: "all-reduce", bytes: 1024, group: 8, precision: "fp16" }));
    expect(too.ok).toBe(false);
    if (!too.ok) expect(too.infeasible.reasons[0]!.reason).toMatch(/needs 8 devices; interconnect joins 4 per node x 1 nodes/);
    const bad = simulate(design, buildOperatorTrace({ operator: "collective", collective: "all-to-all", bytes: 1024, group: 4, algorithm: "tree", precision: "fp16" }));
    expect(bad.ok).toBe(false);
  });
  it("a design without a link unit cannot run a collective", () => {
    const outcome = simulate(loadDesign("a100-like"), buildOperatorTrace({ operator: "collective", collective: "all-reduce", bytes: 1024, group: 4, precision: "fp16" }));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.infeasible.reasons[0]!.reason).toMatch(/does not run collective ops/);
  });
  it("a system file's interconnect errors point into the system file", () => {
    expect(() => resolveDesign({ version: 1, name: "s", device: "a100-like", devicesPerNode: 4, interconnect: { topology: "switch", links: 2, bandwidth: "25 GB/s" } }, "sys.yaml"))
      .toThrow(/sys\.yaml: \/interconnect\/latency: expected a time per step/);
  });
});
