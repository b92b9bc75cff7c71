/**
 * Quantities with units at the input boundary. Config values carry units as strings
 * ("512 KiB", "1.2 GHz", "4 pJ/bit"); they are parsed here with mathjs, once, and converted to
 * plain numbers in the unit the field's name promises. Nothing inside the simulator sees a unit
 * object.
 */
import { create, all, type MathJsInstance } from "mathjs";
import { InputError, describeValue } from "./input-error.js";

let math: MathJsInstance | undefined;
function mathjs(): MathJsInstance {
  math ??= create(all!);
  return math;
}

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

/**
 * Parse `value` as a quantity of `kind`. Strings must carry a unit; a bare number is accepted
 * only when `allowBareNumber` is set (then it is taken to be in the target unit already).
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
  const memo = parsed.get(memoKey);
  if (memo !== undefined) return memo;
  let result: number;
  try {
    result = mathjs().unit(value.trim()).toNumber(kind.unit);
  } catch (err) {
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
  if (parsed.size > 10_000) parsed.clear();
  parsed.set(memoKey, result);
  return result;
}

/** Parsed quantities by (text, unit): sweeps resolve the same strings in every design point. */
const parsed = new Map<string, number>();
