import { describe, expect, it } from "vitest";
import { energyFactor, energyScaleFrom45nm } from "./node-scaling.js";
import { sramEnergy45nmPjPerByte } from "./sram-energy.js";
import { EnergyTable } from "./energy-table.js";
import { macEnergy45nmPj } from "./operation-energy.js";
import { bitcellAreaUm2, macArea40nmUm2 } from "./area.js";

describe("Stillmaker & Baas scaling", () => {
  it("reproduces the authors' corrigendum values", () => {
    expect(energyFactor(32, 0.9, "hp")).toBeCloseTo(0.4571, 4);
    expect(energyFactor(65, 1.3)).toBeCloseTo(2.604, 3);
  });
  it("is the identity at Horowitz's operating point", () => {
    expect(energyScaleFrom45nm(45, 0.9, "hp")).toBe(1);
  });
  it("dynamic energy falls with voltage within a node, and with the node at fixed voltage", () => {
    expect(energyScaleFrom45nm(16, 0.7)).toBeLessThan(energyScaleFrom45nm(16, 0.8));
    expect(energyScaleFrom45nm(7, 0.8)).toBeLessThan(energyScaleFrom45nm(16, 0.8));
    expect(energyScaleFrom45nm(16, 0.8)).toBeLessThan(energyScaleFrom45nm(28, 0.8));
  });
  it("interpolates untabulated nodes between their neighbours", () => {
    const f28 = energyFactor(28, 0.9);
    expect(f28).toBeLessThan(energyFactor(32, 0.9));
    expect(f28).toBeGreaterThan(energyFactor(20, 0.9));
  });
  it("refuses nodes outside the fitted range", () => {
    expect(() => energyFactor(5, 0.7)).toThrow(/7-180 nm/);
  });
});

describe("Horowitz tables", () => {
  it("SRAM curve passes through the three published points", () => {
    expect(sramEnergy45nmPjPerByte(8 * 1024)).toBeCloseTo(10 / 8, 10);
    expect(sramEnergy45nmPjPerByte(32 * 1024)).toBeCloseTo(20 / 8, 10);
    expect(sramEnergy45nmPjPerByte(1024 * 1024)).toBeCloseTo(100 / 8, 10);
  });
  it("SRAM energy grows with capacity", () => {
    let last = 0;
    for (let c = 256; c <= 64 * 2 ** 20; c *= 2) {
      const e = sramEnergy45nmPjPerByte(c);
      expect(e).toBeGreaterThan(last);
      last = e;
    }
  });
  it("an int8 MAC is an 8-bit multiply plus a 32-bit accumulate: 0.2 + 0.1 pJ", () => {
    expect(macEnergy45nmPj("int8")).toBeCloseTo(0.3, 12);
    expect(macEnergy45nmPj("fp16")).toBeCloseTo(1.1 + 0.9, 12);
  });
});

describe("energy table", () => {
  it("scales every entry by the node factor", () => {
    const t = new EnergyTable({ nodeNm: 16, voltageV: 0.8, flavor: "lp" });
    const s = energyScaleFrom45nm(16, 0.8, "lp");
    expect(t.macPj("int8")).toBeCloseTo(0.3 * s, 12);
    expect(t.get("instruction")).toBeCloseTo(70 * s, 12);
    expect(t.sramPjPerByte(8192)).toBeCloseTo(1.25 * s, 12);
  });
  it("a user's value beats the table, and a user's multiply feeds the MAC", () => {
    const t = new EnergyTable({ nodeNm: 45, voltageV: 0.9, flavor: "hp" }, { user: { "mac.fp16": 1.5, "mult.int8": 0.5 } });
    expect(t.macPj("fp16")).toBe(1.5);
    expect(t.macPj("int8")).toBeCloseTo(0.5 + 0.1, 12);
    expect(t.entry("mac.fp16")!.origin).toBe("user");
    expect(t.entry("mac.int8")!.origin).toBe("user");
  });
  it("user beats calibrated beats table, entry by entry", () => {
    const t = new EnergyTable({ nodeNm: 45, voltageV: 0.9, flavor: "hp" }, { calibrated: { "mult.int8": 0.4, "add.fp32": 1.2 }, user: { "mult.int8": 0.5 } });
    expect(t.entry("mult.int8")).toMatchObject({ valuePj: 0.5, origin: "user" });
    expect(t.entry("add.fp32")).toMatchObject({ valuePj: 1.2, origin: "calibrated" });
    expect(t.entry("mult.fp32")).toMatchObject({ valuePj: 3.7, origin: "table" });
    // A MAC built from parts carries the highest origin among them.
    expect(t.entry("mac.fp16")).toMatchObject({ valuePj: 1.1 + 1.2, origin: "calibrated" });
  });
  it("off-chip memory kinds are entries too (pJ per bit, not scaled with the node)", () => {
    const t = new EnergyTable({ nodeNm: 7, voltageV: 0.7, flavor: "hp" }, { user: { "dram.hbm2": 5 } });
    expect(t.get("dram.hbm2")).toBe(5);
    expect(t.get("dram.gddr6")).toBe(7.5);
    expect(t.get("flash.nor-flash")).toBeGreaterThan(0);
  });
});

describe("area", () => {
  it("uses the published bitcell areas at their nodes", () => {
    expect(bitcellAreaUm2(45)).toBeCloseTo(0.346, 6);
    expect(bitcellAreaUm2(7)).toBeCloseTo(0.027, 6);
  });
  it("an int8 MAC at 40 nm is an 8x8 multiplier plus a 32-bit adder (Aladdin)", () => {
    expect(macArea40nmUm2("int8")).toBeCloseTo(6350 / 16 + 278, 6);
  });
});
