/**
 * Quantities with units at the input boundary. Config values carry units as strings
 * ("512 KiB", "1.2 GHz", "4 pJ/bit"); they are parsed here with mathjs, once, and converted to
 * plain numbers in the unit the field's name promises. Nothing inside the simulator sees a unit
 * object.
 */
import { mathInstance as mathjs } from "./mathjs.js";
import { InputError, describeValue } from "./input-error.js";
import { keyedMemo } from "./memo.js";

/** What a field holds, for messages and conversion: target unit plus an example. */
export interface QuantityKind {
  unit: string;
  example: string;
}

export const QUANTITY = {
  bytes: { unit: "B", example: '"512 KiB"' },
  frequencyHz: { unit: "Hz", example: '"1.2 GHz"' },
  bandwidthBytesPerSecond: { unit: "B/s", example: '"34 GB/s"' },
  energyPj: { unit: "pJ", example: '"0.2 pJ"' },
  energyPjPerByte: { unit: "pJ/B", example: '"4 pJ/bit" or "32 pJ/byte"' },
  powerW: { unit: "W", example: '"15 mW"' },
  voltageV: { unit: "V", example: '"0.8 V"' },
  lengthNm: { unit: "nm", example: '"28 nm"' },
  areaMm2: { unit: "mm^2", example: '"0.5 mm^2"' },
  timeSeconds: { unit: "s", example: '"10 ns"' },
  carbonIntensityGPerKWh: { unit: "g/kWh", example: '"400 g/kWh"' },
} as const satisfies Record<string, QuantityKind>;

/** How one quantity string was read: where, the text, the number in the field's unit, and why (spellings). */
export interface QuantityReading {
  file: string;
  path: string;
  text: string;
  value: number;
  unit: string;
  /** How an ambiguous spelling was taken ("KB" as 1024 B, bits in a rate). */
  note?: string;
}

/**
 * Capacities in KB, MB, GB: the JEDEC meaning (JESD100B.01: 1 KB = 1024 B, 1 MB = 1024^2 B,
 * 1 GB = 1024^3 B), as memory datasheets write them; lowercase "kB" keeps its SI meaning (1000 B).
 */
const JEDEC_CAPACITY = /(^|[\d\s.])([KMG])B\b/g;
const JEDEC_NOTE = "KB, MB, GB read with the JEDEC meaning (1 KB = 1024 B), as KiB, MiB, GiB";
const SI_KILOBYTE_NOTE = "kB is SI (1 kB = 1000 B); KB or KiB mean 1024 B";
const BITS_NOTE = "b is bits (8 b = 1 B)";
/** mathjs names of bit units. */
const BIT_UNITS = new Set(["b", "bit", "bits"]);

/** Rewrites of common spellings mathjs does not know, and the note each leaves, for a kind. */
function spelled(text: string, kind: QuantityKind): { text: string; notes: string[] } {
  const notes: string[] = [];
  let out = text.trim();
  if (kind.unit === "B") {
    const jedec = out.replace(JEDEC_CAPACITY, "$1$2iB");
    if (jedec !== out) notes.push(JEDEC_NOTE);
    out = jedec;
    if (/(^|[\d\s.])kB\b/.test(out)) notes.push(SI_KILOBYTE_NOTE);
  }
  // "25 Gbps", "12 GBps": per second.
  if (kind.unit === "B/s") out = out.replace(/([kMGT]?)([bB])ps\b/, "$1$2/s");
  return { text: out, notes };
}

/** Readings collected by recordQuantities (undefined when nobody is listening). */
let readings: QuantityReading[] | undefined;

/**
 * Run `fn` (synchronous: loading a design, say) and return what it returned with every quantity
 * parsed from a string while it ran, in order, so a report can echo how each was read.
 */
export function recordQuantities<T>(fn: () => T): { value: T; quantities: QuantityReading[] } {
  const outer = readings;
  const mine: QuantityReading[] = [];
  readings = mine;
  try {
    return { value: fn(), quantities: mine };
  } finally {
    readings = outer;
    outer?.push(...mine);
  }
}

/**
 * Parse `value` as a quantity of `kind`. Strings must carry a unit; a bare number is accepted
 * only when `allowBareNumber` is set (then it is taken to be in the target unit already).
 * Capacities (bytes) take KB/MB/GB with the JEDEC meaning and refuse bits ("512 kb" is most likely
 * a typo for kibibytes); bits are accepted in rates and per-bit energies, where they are usual.
 */
export function parseQuantity(
  value: unknown,
  kind: QuantityKind,
  where: { file: string; path: string },
  allowBareNumber = false,
): number {
  const units = `in ${kind.unit}-compatible units such as ${kind.example}`;
  const expected = `a quantity ${units}`;
  if (typeof value === "number") {
    if (allowBareNumber && Number.isFinite(value)) {
      if (value < 0) throw new InputError(where.file, { path: where.path, expected: `a non-negative quantity ${units}`, found: describeValue(value) });
      return value;
    }
    throw new InputError(where.file, { path: where.path, expected: `${expected} (a unit is required)`, found: describeValue(value) });
  }
  if (typeof value !== "string") {
    throw new InputError(where.file, { path: where.path, expected, found: describeValue(value) });
  }
  const memoKey = `${value}\u0000${kind.unit}`;
  let memo = parsed.lookup(memoKey);
  if (memo === undefined) {
    const { text, notes } = spelled(value, kind);
    let result: number;
    try {
      const unit = mathjs().unit(text);
      const bits = unit.units.some((u) => BIT_UNITS.has(u.unit.name));
      if (bits && kind.unit === "B") {
        throw new InputError(where.file, {
          path: where.path, expected: `a capacity in bytes such as "512 KiB" or "512 KB" (1 KB = 1024 B)`,
          found: `${describeValue(value)}, which is in bits (b); write KiB or KB for kibibytes`,
        });
      }
      if (bits) notes.push(BITS_NOTE);
      result = unit.toNumber(kind.unit);
    } catch (err) {
      if (err instanceof InputError) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      throw new InputError(where.file, { path: where.path, expected, found: `${describeValue(value)} (${reason})` });
    }
    if (!Number.isFinite(result)) {
      throw new InputError(where.file, { path: where.path, expected: `a finite ${expected}`, found: describeValue(value) });
    }
    // Every kind above (bytes, frequencies, bandwidths, energies, powers, voltages, lengths, areas,
    // times, carbon intensities) is physically non-negative: a negative one gives negative totals.
    if (result < 0) {
      throw new InputError(where.file, { path: where.path, expected: `a non-negative quantity ${units}`, found: describeValue(value) });
    }
    memo = parsed.store(memoKey, { value: result, ...(notes.length > 0 ? { note: notes.join("; ") } : {}) });
  }
  readings?.push({ file: where.file, path: where.path, text: value, value: memo.value, unit: kind.unit, ...(memo.note ? { note: memo.note } : {}) });
  return memo.value;
}

/** Parsed quantities by (text, unit): sweeps resolve the same strings in every design point. */
const parsed = keyedMemo<string, { value: number; note?: string }>("common.quantity");

/** parseQuantity for a field that must be positive (sizes, bandwidths, clocks), else an InputError at its path. */
export function parsePositiveQuantity(value: unknown, kind: QuantityKind, where: { file: string; path: string }): number {
  const parsed = parseQuantity(value, kind, where);
  if (!(parsed > 0)) throw new InputError(where.file, { path: where.path, expected: `a positive quantity in ${kind.unit}-compatible units such as ${kind.example}`, found: describeValue(value) });
  return parsed;
}
