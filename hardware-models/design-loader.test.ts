import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { designPresetNames, loadDesign, locateDesign } from "./design-loader.js";
import { readFileSync } from "node:fs";
import { InputError } from "../common/input-error.js";

const dir = mkdtempSync(join(tmpdir(), "attnsim-design-"));
const edge = readFileSync(locateDesign("edge-npu"), "utf8");

/** Write a variant of the edge NPU with one YAML path changed (or deleted when value is undefined). */
function variant(name: string, path: (string | number)[], value: unknown): string {
  const doc = parseDocument(edge);
  if (value === undefined) doc.deleteIn(path);
  else doc.setIn(path, value);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, doc.toString());
  return file;
}

function errorOf(file: string): InputError {
  try {
    loadDesign(file);
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error(`${file} loaded without error`);
}

describe("design files", () => {
  it("every preset loads, with area and leakage", () => {
    expect(designPresetNames()).toEqual(expect.arrayContaining(["edge-npu", "tpuv1-like", "mcu-class"]));
    for (const name of designPresetNames()) {
      const d = loadDesign(name);
      expect(d.areaMm2).toBeGreaterThan(0);
      expect(d.leakagePowerW).toBeGreaterThan(0);
      expect(d.memory.length).toBeGreaterThanOrEqual(2);
    }
  });

  it("parses quantities with units", () => {
    const d = loadDesign("edge-npu");
    expect(d.technology.frequencyHz).toBe(1e9);
    expect(d.memory[0]!.bandwidthBytesPerSecond).toBeCloseTo(17.1e9, 0);
    expect(d.memory[1]!.capacityBytes).toBe(320 * 1024);
  });

  it("a missing field names the file and the path", () => {
    const file = variant("missing", ["units", "npu", "rows"], undefined);
    const e = errorOf(file);
    expect(e.file).toBe(file);
    expect(e.message).toContain(`${file}: /units/npu/rows: expected this required field`);
  });

  it("a wrong unit says what was expected", () => {
    const e = errorOf(variant("unit", ["technology", "frequency"], "512 KiB"));
    expect(e.path).toBe("/technology/frequency");
    expect(e.message).toMatch(/expected a quantity in Hz-compatible units such as "1.2 GHz", found "512 KiB"/);
  });

  it("a bare number where a unit is needed is rejected", () => {
    expect(errorOf(variant("bare", ["memory", 0, "bandwidth"], 17)).message).toMatch(/\/memory\/0\/bandwidth: expected a value of type string/);
  });

  it("a negative size is rejected", () => {
    expect(errorOf(variant("negative", ["memory", 1, "capacity"], "-320 KiB")).message).toMatch(/\/memory\/1\/capacity: expected a non-negative quantity in B-compatible units/);
    expect(errorOf(variant("rows", ["units", "npu", "rows"], -4)).message).toMatch(/\/units\/npu\/rows: expected a value that must be >= 1/);
  });

  it("an unknown field lists the allowed ones", () => {
    expect(errorOf(variant("extra", ["units", "npu", "colums"], 32)).message).toMatch(/\/units\/npu\/colums: expected no such field \(allowed: kind, rows, cols/);
  });

  it("mapping to a unit that does not exist names the units", () => {
    expect(errorOf(variant("mapping", ["mapping", "softmax"], "vpu")).message).toMatch(/\/mapping\/softmax: expected a unit defined under \/units \(npu, dsp\), found "vpu"/);
  });

  it("an unknown preset lists the presets", () => {
    expect(() => loadDesign("edge-tpu")).toThrow(/a design file or a preset name \(a100-like, edge-npu, heterogeneous, jetson-orin-like, jetson-orin-nx-like, mcu-class, mcu-helium, mcu-helium-attn, mi210-like, rram-imc-edge, sram-cim, tpuv1-like\)/);
  });

  it("malformed YAML names the line", () => {
    const file = join(dir, "broken.yaml");
    writeFileSync(file, "version: 1\nname: [unclosed\n");
    expect(errorOf(file).message).toMatch(/broken.yaml: line \d+/);
  });

  it("a duplicate key is rejected", () => {
    const file = join(dir, "dup.yaml");
    writeFileSync(file, `${edge}\nname: again\n`);
    expect(errorOf(file).message).toMatch(/Map keys must be unique/);
  });

  it("a node outside the scaling fits is rejected", () => {
    expect(errorOf(variant("node", ["technology", "node"], "3 nm")).message).toMatch(/a node from 7 to 180 nm/);
  });
});

describe("energy overrides by name: user > calibrated > table, for every priced action", () => {
  const withEnergy = (name: string, energy?: Record<string, string>, calibrated?: Record<string, string>) => {
    const doc = parseDocument(edge);
    if (energy) doc.setIn(["energy"], energy);
    if (calibrated) doc.setIn(["calibration"], { from: "test", energy: calibrated });
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, doc.toString());
    return file;
  };
  const action = (file: string, unit: string, name: string) => loadDesign(file).units.find((u) => u.name === unit)!.actions.list.find((a) => a.name === name)!;

  it("a unit's buffer action and a DSP lane-op take a user value; their origin says so", () => {
    const file = withEnergy("unit-actions", { "npu.ifmap.read": "0.5 pJ/byte", "dsp.mac.fp16": "2 pJ" });
    expect(action(file, "npu", "ifmap.read")).toMatchObject({ energyPj: 0.5, origin: "user" });
    expect(action(file, "npu", "ifmap.write").origin).toBe("table");
    expect(action(file, "dsp", "mac.fp16")).toMatchObject({ energyPj: 2, origin: "user" });
  });

  it("a calibrated value beats the table, and the user's beats the calibrated one", () => {
    const file = withEnergy("precedence", { "npu.ofmap.read": "0.7 pJ/byte" }, { "npu.ofmap.read": "0.3 pJ/byte", "npu.ofmap.write": "0.4 pJ/byte", "mult.int8": "0.1 pJ" });
    expect(action(file, "npu", "ofmap.read")).toMatchObject({ energyPj: 0.7, origin: "user" });
    expect(action(file, "npu", "ofmap.write")).toMatchObject({ energyPj: 0.4, origin: "calibrated" });
    expect(loadDesign(file).energy.entry("mult.int8")).toMatchObject({ valuePj: 0.1, origin: "calibrated" });
  });

  it("dram.<kind> prices the memory levels of that kind (pJ/bit, 8 bits a byte)", () => {
    const file = withEnergy("dram-kind", { "dram.lpddr4x": "5 pJ/bit" });
    const dram = loadDesign(file).memory.find((l) => l.kind === "lpddr4x")!;
    expect(dram.readPjPerByte).toBe(40);
  });

  it("an unknown entry or action names what is allowed", () => {
    expect(errorOf(withEnergy("bad-entry", { "mac.int9": "1 pJ" })).message).toMatch(/\/energy\/mac\.int9: expected an energy-table entry .* or a unit action <unit>\.<action>/);
    expect(errorOf(withEnergy("bad-action", { "npu.ifmap.reed": "1 pJ/byte" })).message).toMatch(/\/energy\/npu\.ifmap\.reed: expected an action of unit npu \(mac\.int8, ifmap\.read/);
    expect(errorOf(withEnergy("negative", { "npu.mac.int8": "-1 pJ" })).message).toMatch(/\/energy\/npu\.mac\.int8: expected a non-negative quantity/);
  });
});

import fc from "fast-check";
import { patchedDesignValidator } from "./design-loader.js";
import { designSchema } from "./design-schema.js";
import { readDocument, validateSchema } from "../common/document.js";
import { withValues } from "../common/set-path.js";

describe("a sweep point's design validated in the sections its parameters touch", () => {
  // Paths a sweep sets (inside a unit, a level, a whole section, one absent from the base) and
  // values right and wrong for them.
  const PATHS = [
    ["units", "npu", "rows"], ["units", "npu", "buffers", "ifmap"], ["units", "npu", "kind"], ["units", "dsp", "lanes"], ["units", "dsp", "typo"],
    ["memory", "0", "bandwidth"], ["memory", "1", "capacity"], ["memory", "0", "kind"], ["technology", "frequency"], ["technology", "node"],
    ["mapping", "softmax"], ["system", "staticPower"], ["chip", "layoutOverhead"], ["name"],
  ];
  const VALUES = [16, 0, -3, 1.5, "64 KiB", "2 GB/s", "1 GHz", "x", "", true, "npu", "dsp", "lpddr4x", "sram"];
  const outcome = (validate: () => unknown) => {
    try {
      validate();
      return "ok";
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      return err.message;
    }
  };

  for (const preset of ["edge-npu", "heterogeneous"]) {
    it(`gives the whole schema's outcome, problems and order included (${preset})`, () => {
      const file = locateDesign(preset);
      const base = readDocument(file) as Record<string, any>;
      const paths = PATHS.filter((p) => p[0] !== "units" || p[1]! in base.units);
      let rejected = 0, tried = 0;
      fc.assert(fc.property(fc.uniqueArray(fc.constantFrom(...paths), { minLength: 1, maxLength: 3 }), fc.array(fc.constantFrom(...VALUES), { minLength: 3, maxLength: 3 }), (chosen, values) => {
        const validate = patchedDesignValidator(base, file, chosen)!;
        const doc = withValues(base, chosen.map((p, i) => [p, values[i]] as const));
        const whole = outcome(() => validateSchema(designSchema, doc, file));
        expect(outcome(() => validate(doc))).toBe(whole);
        tried++;
        if (whole !== "ok") rejected++;
      }), { numRuns: 300 });
      expect(rejected).toBeGreaterThan(tried / 3); // most mistakes are caught, by both
      expect(rejected).toBeLessThan(tried); // and some points are fine
    });
  }

  it("is not made when the base is not a valid design or a path leaves the design's sections", () => {
    const file = locateDesign("edge-npu");
    const base = readDocument(file) as Record<string, any>;
    expect(patchedDesignValidator({ ...base, version: 99 }, file, [["units", "npu", "rows"]])).toBeUndefined();
    expect(patchedDesignValidator(base, file, [["nonsense", "x"]])).toBeUndefined();
  });
});
