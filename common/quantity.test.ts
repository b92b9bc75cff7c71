import { describe, expect, it } from "vitest";
import { parseQuantity, QUANTITY, recordQuantities } from "./quantity.js";

const at = { file: "d.yaml", path: "/memory/1/capacity" };

describe("quantities", () => {
  it("KB, MB, GB in a capacity have the JEDEC meaning (powers of 1024), and the reading says so", () => {
    const { value, quantities } = recordQuantities(() => [parseQuantity("512 KB", QUANTITY.bytes, at), parseQuantity("4 MB", QUANTITY.bytes, at), parseQuantity("80 GB", QUANTITY.bytes, at)]);
    expect(value).toEqual([512 * 1024, 4 * 1024 ** 2, 80 * 1024 ** 3]);
    expect(quantities.map((q) => q.note)).toEqual(Array(3).fill(expect.stringMatching(/JEDEC meaning \(1 KB = 1024 B\)/)));
    expect(parseQuantity("512 KiB", QUANTITY.bytes, at)).toBe(parseQuantity("512 KB", QUANTITY.bytes, at));
  });
  it("lowercase kB stays SI (1000 B) and says so", () => {
    const { value, quantities } = recordQuantities(() => parseQuantity("512 kB", QUANTITY.bytes, at));
    expect(value).toBe(512_000);
    expect(quantities[0]!.note).toMatch(/kB is SI/);
  });
  it("bits are refused in a capacity, with the fix in the message", () => {
    expect(() => parseQuantity("512 kb", QUANTITY.bytes, at)).toThrow(/d\.yaml: \/memory\/1\/capacity: expected a capacity in bytes .*found "512 kb", which is in bits \(b\); write KiB or KB/);
  });
  it("bits are accepted in rates and per-bit energies, where they are usual, and noted", () => {
    const { value, quantities } = recordQuantities(() => [
      parseQuantity("25 Gb/s", QUANTITY.bandwidthBytesPerSecond, at), parseQuantity("25 Gbps", QUANTITY.bandwidthBytesPerSecond, at),
      parseQuantity("4 pJ/bit", QUANTITY.energyPjPerByte, at), parseQuantity("34 GB/s", QUANTITY.bandwidthBytesPerSecond, at),
    ]);
    expect(value).toEqual([25e9 / 8, 25e9 / 8, 32, 34e9]);
    expect(quantities.map((q) => q.note)).toEqual(["b is bits (8 b = 1 B)", "b is bits (8 b = 1 B)", "b is bits (8 b = 1 B)", undefined]);
  });
  it("records every string read, memoised or not, with its place, text and value; nested recordings reach the outer one", () => {
    const outer = recordQuantities(() => {
      parseQuantity("1.2 GHz", QUANTITY.frequencyHz, { file: "a", path: "/f" });
      return recordQuantities(() => parseQuantity("1.2 GHz", QUANTITY.frequencyHz, { file: "b", path: "/g" })).quantities;
    });
    expect(outer.value).toEqual([{ file: "b", path: "/g", text: "1.2 GHz", value: 1.2e9, unit: "Hz" }]);
    expect(outer.quantities.map((q) => `${q.file}${q.path}`)).toEqual(["a/f", "b/g"]);
    expect(parseQuantity("2 GHz", QUANTITY.frequencyHz, at)).toBe(2e9); // nobody listening: nothing kept
  });
});
