import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { withValues, withValuesShared } from "./set-path.js";

const base = () => ({
  name: "d",
  memory: [{ name: "dram", bandwidth: "8 GB/s" }, { name: "glb", capacity: "64 KiB" }],
  units: { npu: { rows: 8, cols: 8, buffers: { ifmap: "16 KiB" } }, dsp: { lanes: 4 } },
  note: "text",
});

const paths: string[][] = [
  ["memory", "0", "bandwidth"], ["memory", "1", "capacity"], ["units", "npu", "rows"], ["units", "npu", "buffers", "ifmap"],
  ["units", "dsp", "lanes"], ["units", "npu", "new", "deep"], ["note", "inner"], ["name"],
];

describe("withValuesShared", () => {
  it("gives withValues' document and leaves the base as it was, whatever the paths (fast-check)", () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom(...paths), fc.oneof(fc.integer(), fc.string())), { maxLength: 6 }), (values) => {
      const doc = base();
      const before = JSON.stringify(doc);
      const shared = withValuesShared(doc, values);
      expect(shared).toEqual(withValues(base(), values));
      expect(JSON.stringify(doc)).toBe(before);
    }));
  });

  it("copies only the objects along the paths", () => {
    const doc = base();
    const out = withValuesShared(doc, [[["units", "npu", "rows"], 16]]);
    expect(out.units.npu.rows).toBe(16);
    expect(out.units.npu).not.toBe(doc.units.npu);
    expect(out.units.dsp).toBe(doc.units.dsp); // untouched: shared
    expect(out.memory).toBe(doc.memory);
  });

  it("refuses a path through __proto__", () => {
    expect(() => withValuesShared(base(), [[["__proto__", "polluted"], 1]])).toThrow(/__proto__/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
