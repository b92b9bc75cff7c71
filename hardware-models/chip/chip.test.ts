import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { loadDesign, locateDesign, resolveDesign } from "../design-loader.js";
import { readDocument } from "../../common/document.js";
import { energyFactor } from "../technology/node-scaling.js";
import { memoryKindInfo } from "../technology/memory-kinds.js";
import { sramAreaMm2, transistorDensityMTrPerMm2 } from "../technology/area.js";
import { simulate } from "../../sim/engine.js";
import { buildPresetTrace } from "../../workloads/transformer-builder.js";
import type { Design } from "../design.js";
import type { Result } from "../../sim/result.js";

function variant(preset: string, edit: (doc: Record<string, any>) => void): Design {
  const file = locateDesign(preset);
  const doc = structuredClone(readDocument(file)) as Record<string, any>;
  edit(doc);
  return resolveDesign(doc, file);
}

function run(design: Design, model = "bert-base", seqLen = 128, idleSeconds = 0): Result {
  const outcome = simulate(design, buildPresetTrace(model, { seqLen }), idleSeconds > 0 ? { idleSeconds } : {});
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.infeasible));
  return outcome.result;
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1e-30, Math.abs(b));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe("chip components against hand formulas", () => {
  const npu = loadDesign("edge-npu"); // 16 nm lp 0.8 V 1 GHz; 32x32 int8 array; 16x32-bit DSP; 4 GiB LPDDR4X at 17.1 GB/s

  it("clock: a systolic PE latches two operands and its accumulator; Aladdin's 9.0 fJ/bit at 40 nm, scaled", () => {
    const bits = 32 * 32 * (8 + 8 + 32);
    const scale = energyFactor(16, 0.8, "lp") / energyFactor(40, 0.9, "hp");
    expect(npu.chip.units[0]!.clockedBits).toBe(bits);
    expect(rel(npu.chip.units[0]!.activePjPerCycle, bits * 9.0e-3 * scale)).toBeLessThan(1e-12);
    expect(rel(npu.chip.units[0]!.idlePjPerCycle, bits * 7.94e-3 * scale)).toBeLessThan(1e-12);
    expect(npu.chip.units[1]!.clockedBits).toBe(16 * 32 * 4);
  });

  it("global clock: C/mm^2 (mean of Niagara's 0.77 and Niagara2's 1.90 pF/mm^2) x die area x V^2 x f", () => {
    const cPerMm2 = (0.5 / (1.44 * 1.2e9 * 378) + 1.1 / (1.21 * 1.4e9 * 342)) / 2;
    expect(cPerMm2 * 1e12).toBeGreaterThan(1.3);
    expect(cPerMm2 * 1e12).toBeLessThan(1.35);
    expect(rel(npu.chip.globalClockW, cPerMm2 * npu.areaMm2 * 0.64 * 1e9)).toBeLessThan(1e-12);
  });

  it("network: 8 x (0.5 x 0.2 pF/mm x V^2 x half the die side) per byte on a one-core design (no routers)", () => {
    const perByte = 8 * 0.5 * 0.2 * 0.64 * Math.sqrt(npu.areaMm2) / 2;
    for (const l of npu.chip.levels) expect(rel(l.nocPjPerByte, perByte)).toBeLessThan(1e-12);
  });

  it("network on a mesh: routers x sqrt(cores)/2 hops (ISAAC's 20.74 pJ per 256-bit flit at 32 nm, scaled)", () => {
    const a100 = loadDesign("a100-like");
    const router = (20.74 / 256) * energyFactor(7, 0.8, "hp") / energyFactor(32, 0.9, "hp");
    const perByte = 8 * (0.5 * 0.2 * 0.64 * Math.sqrt(a100.areaMm2) / 2 + router * Math.sqrt(128) / 2);
    expect(rel(a100.chip.levels[0]!.nocPjPerByte, perByte)).toBeLessThan(1e-12);
  });

  it("DRAM devices: DRAMPower's ACT+PRE and refresh from the DDR4 x16 datasheet currents", () => {
    // E_act = VDD (IDD0 - IDD3N) tRAS + VDD (IDD0 - IDD2N) tRP, + VPP (IPP0 - IPP3N) tRAS ...
    const vdd = 1.2, idd0 = 0.080, idd3n = 0.047, idd2n = 0.034, tRAS = 32e-9, tRP = 14.16e-9;
    const actPre = vdd * (idd0 - idd3n) * tRAS + vdd * (idd0 - idd2n) * tRP;
    const ddr4 = memoryKindInfo("ddr4").device!;
    expect(Math.abs(ddr4.activatePj.value - actPre * 1e12 - 80)).toBeLessThan(5); // + ~0.08 nJ on VPP
    expect(rel(ddr4.refreshW.value, (0.280 - 0.047) * vdd * 350e-9 / 7.8e-6)).toBeLessThan(0.01);
    expect(rel(ddr4.standbyW.value, 0.034 * vdd)).toBeLessThan(1e-9);
  });

  it("DRAM: devices from capacity, background = devices x (standby + refresh), streaming activation = E_act / row", () => {
    const lp = memoryKindInfo("lpddr4x").device!;
    const dram = npu.chip.levels[0]!;
    expect(dram.devices).toBe(4); // 4 GiB of 8 Gb devices
    expect(rel(dram.backgroundW, 4 * (lp.standbyW.value + lp.refreshW.value))).toBeLessThan(1e-12);
    expect(rel(dram.activationPjPerByte, lp.activatePj.value / lp.rowBytes)).toBeLessThan(1e-12);
    const random = variant("edge-npu", (doc) => { doc.memory[0].rowHitRate = 0; });
    expect(rel(random.chip.levels[0]!.activationPjPerByte, lp.activatePj.value / lp.burstBytes)).toBeLessThan(1e-12);
  });

  it("PHY: the fewest PHYs that carry the bandwidth; pJ/bit x 8 per byte; static per PHY", () => {
    const phy = memoryKindInfo("lpddr4x").phy!;
    const perPhy = (phy.bits * phy.pinRateBps) / 8; // 17.06 GB/s
    const dram = npu.chip.levels[0]!;
    expect(17.1e9 / perPhy).toBeGreaterThan(1); // 17.1 GB/s is 17.06 GB/s rounded: one x32 PHY, not two
    expect(dram.phys).toBe(1);
    expect(dram.phyPjPerByte).toBeCloseTo(8 * 0.96, 12);
    expect(dram.phyStaticW).toBeCloseTo(dram.phys * 0.010, 12);
    const hbm = variant("a100-like", (doc) => { delete doc.chip.memoryPhys; });
    expect(hbm.chip.levels[0]!.phys).toBe(5); // 2,039 GB/s over 409.6 GB/s HBM2e stacks
  });

  it("the chip's per-action prices are energy-table entries: overridden by name (user > calibrated > table), origin reported", () => {
    const given = variant("edge-npu", (doc) => { doc.energy = { "chip.wire": "0.2 pJ", "phy.lpddr4x": "2 pJ/bit" }; doc.calibration = { energy: { "chip.flip-flop": "0.01 pJ", "chip.wire": "9 pJ" } }; });
    expect(given.energy.entry("chip.wire")).toMatchObject({ valuePj: 0.2, origin: "user" });
    expect(given.energy.entry("chip.flip-flop")).toMatchObject({ valuePj: 0.01, origin: "calibrated" });
    expect(rel(given.chip.levels[0]!.nocPjPerByte, 8 * 0.2 * Math.sqrt(given.areaMm2) / 2)).toBeLessThan(1e-12);
    expect(given.chip.levels[0]!.phyPjPerByte).toBeCloseTo(16, 12);
    expect(rel(given.chip.units[0]!.activePjPerCycle, 32 * 32 * 48 * 0.01)).toBeLessThan(1e-12);
    expect(given.chip.sources.noc).toMatch(/chip\.wire \(user\)/);
  });

  it("a file's DRAM `leakage` replaces the device background (never both)", () => {
    const given = variant("edge-npu", (doc) => { doc.memory[0].leakage = "0.5 W"; });
    expect(given.chip.levels[0]!.backgroundW).toBe(0);
    expect(given.memory[0]!.leakagePowerW).toBe(0.5);
  });

  it("die area: blocks sum to the die; control per lane and network per core in transistors at the node's density", () => {
    const a100 = loadDesign("a100-like");
    expect(rel(sum(Object.values(a100.chip.areaByBlockMm2)), a100.areaMm2)).toBeLessThan(1e-12);
    expect(rel(a100.chip.areaByBlockMm2.interconnect, (128 * 44.3e6) / (transistorDensityMTrPerMm2(7) * 1e6))).toBeLessThan(1e-12);
    expect(rel(a100.chip.areaByBlockMm2["memory-phy"], 6 * 10.45)).toBeLessThan(1e-12);
    expect(rel(a100.chip.areaByBlockMm2["global-buffer"], sramAreaMm2(40 * 2 ** 20, 7))).toBeLessThan(1e-12);
    const c = a100.chip.areaByBlockMm2;
    expect(rel(c.other, 0.1 * (c.cores + c.interconnect + c["memory-control"] + c["link-control"]))).toBeLessThan(1e-12);
  });

  it("bad chip sections name the path", () => {
    expect(() => variant("edge-npu", (doc) => { doc.chip = { physicalCount: { nope: 2 } }; })).toThrow(/chip\/physicalCount\/nope/);
    expect(() => variant("a100-like", (doc) => { doc.chip.physicalCount.tensor = 100; })).toThrow(/at least the enabled replicas/);
    expect(() => variant("edge-npu", (doc) => { doc.chip = { memoryPhys: { glb: 2 } }; })).toThrow(/an off-chip memory level/);
    expect(() => variant("edge-npu", (doc) => { doc.chip = { uncore: [{ name: "host", power: "3 J", source: "x" }] }; })).toThrow(/chip\/uncore\/0\/power/);
  });
});

describe("chip energy in a run", () => {
  it("breakdowns still sum: components to chipEnergyPj; ops, units + levels + system + chip to the total", () => {
    for (const preset of ["edge-npu", "a100-like", "rram-imc-edge"]) {
      const r = run(loadDesign(preset));
      expect(rel(sum(Object.values(r.breakdown.byComponent).map((c) => c.energyPj)), r.chipEnergyPj)).toBeLessThan(1e-9);
      expect(rel(sum(r.ops.map((o) => o.energyPj)), r.energyPj)).toBeLessThan(1e-9);
      expect(rel(sum(r.ops.map((o) => o.chipEnergyPj)), r.chipEnergyPj)).toBeLessThan(1e-9);
      const parts = sum(r.breakdown.byUnit.map((u) => u.energyPj)) + sum(r.breakdown.byLevel.map((l) => l.energyPj)) + r.systemEnergyPj + r.chipEnergyPj;
      expect(rel(parts, r.energyPj)).toBeLessThan(1e-9);
      expect(rel(sum(Object.values(r.dieAreaByBlockMm2)), r.areaMm2)).toBeLessThan(1e-12);
    }
  });

  it("the traffic lines are bytes x their per-byte price", () => {
    const d = loadDesign("edge-npu");
    const r = run(d);
    const bytes = r.breakdown.byLevel.map((l) => l.readBytes + l.writeBytes);
    expect(rel(r.breakdown.byComponent.noc!.energyPj, sum(bytes.map((b, l) => b * d.chip.levels[l]!.nocPjPerByte)))).toBeLessThan(1e-9);
    expect(rel(r.breakdown.byComponent["dram-activation.dram"]!.energyPj, bytes[0]! * d.chip.levels[0]!.activationPjPerByte)).toBeLessThan(1e-9);
    expect(rel(r.breakdown.byComponent["dram-background.dram"]!.energyPj, d.chip.levels[0]!.backgroundW * r.latencySeconds * 1e12)).toBeLessThan(1e-9);
  });

  it("property: idle time after a run costs exactly idle power x time", () => {
    fc.assert(fc.property(fc.constantFrom("edge-npu", "a100-like", "jetson-orin-like", "mcu-class"), fc.double({ min: 1e-6, max: 10, noNaN: true }), (preset, t) => {
      const d = loadDesign(preset);
      const model = preset === "mcu-class" ? "deit-tiny" : "bert-base";
      const base = run(d, model, 64);
      const idled = run(d, model, 64, t);
      expect(rel(idled.energyPj - base.energyPj, base.idlePowerW * t * 1e12)).toBeLessThan(1e-9);
      expect(idled.latencySeconds).toBe(base.latencySeconds);
    }), { numRuns: 12 });
  });

  it("property: idle power <= the power at any load <= busy power", () => {
    fc.assert(fc.property(fc.constantFrom("edge-npu", "a100-like", "jetson-orin-like", "tpuv1-like", "mi210-like", "rram-imc-edge"), fc.constantFrom(32, 128, 512), fc.constantFrom("on", "clock-gated", "power-gated"), (preset, seq, state) => {
      const d = variant(preset, (doc) => { doc.chip = { ...(doc.chip ?? {}), idleState: { default: state } }; });
      const r = run(d, "bert-base", seq);
      expect(r.idlePowerW).toBeGreaterThan(0);
      expect(r.idlePowerW).toBeLessThanOrEqual(r.powerAtLoadW.load10 + 1e-12);
      expect(r.powerAtLoadW.load10).toBeLessThanOrEqual(r.powerAtLoadW.load50 + 1e-12);
      expect(r.powerAtLoadW.load50).toBeLessThanOrEqual(r.powerAtLoadW.load100 + 1e-12);
      expect(rel(r.powerAtLoadW.load100, r.averagePowerW)).toBeLessThan(1e-9);
    }), { numRuns: 15 });
  });

  it("power states: on > clock-gated > power-gated in energy when units idle; gating saves leakage of long gaps only", () => {
    // The DSP idles while the array runs the matmuls: its idle state decides what that time costs.
    const at = (state: string) => run(variant("edge-npu", (doc) => { doc.chip = { idleState: { dsp: state } }; }));
    const on = at("on"), gated = at("clock-gated"), off = at("power-gated");
    expect(on.energyPj).toBeGreaterThan(gated.energyPj);
    expect(off.energyPj).toBeLessThan(gated.energyPj);
    expect(off.breakdown.byComponent["power-gating.dsp"]!.energyPj).toBeGreaterThan(0);
    expect(off.breakdown.byUnit[1]!.leakageEnergyPj).toBeLessThan(gated.breakdown.byUnit[1]!.leakageEnergyPj);
    // Idle power: a power-gated unit does not leak when idle; an "on" unit's flip-flops still clock.
    expect(off.idlePowerW).toBeLessThan(gated.idlePowerW);
    expect(on.idlePowerW).toBeGreaterThan(gated.idlePowerW);
    const dsp = loadDesign("edge-npu").chip.units[1]!;
    expect(rel(on.idlePowerW - gated.idlePowerW, dsp.idlePjPerCycle * 1e9 * 1e-12)).toBeLessThan(1e-9);
  });

  it("DRAM power-down lowers idle power by devices x (standby - power-down)", () => {
    const base = loadDesign("edge-npu");
    const down = variant("edge-npu", (doc) => { doc.chip = { memoryIdleState: "power-down" }; });
    const lp = memoryKindInfo("lpddr4x").device!;
    const a = run(base), b = run(down);
    expect(rel(a.idlePowerW - b.idlePowerW, 4 * (lp.standbyW.value - lp.powerDownW.value))).toBeLessThan(1e-9);
    expect(rel(a.energyPj, b.energyPj)).toBeLessThan(1e-12); // the run itself keeps DRAM in standby
  });

  it("named always-on blocks are lines of their own and part of idle power", () => {
    const d = variant("edge-npu", (doc) => { doc.chip = { uncore: [{ name: "host", power: "0.25 W", source: "test" }] }; });
    const r = run(d), base = run(loadDesign("edge-npu"));
    expect(rel(r.breakdown.byComponent["uncore.host"]!.energyPj, 0.25 * r.latencySeconds * 1e12)).toBeLessThan(1e-9);
    expect(rel(r.idlePowerW - base.idlePowerW, 0.25)).toBeLessThan(1e-9);
  });
});
