/**
 * Numeric precisions a tensor or MAC can have. Bits per element set bytes moved and the MAC kind
 * priced by the energy table. Sub-byte precisions pack (int4: two per byte; binary: eight).
 */
export const PRECISIONS = {
  fp32: { bits: 32, family: "float" },
  fp16: { bits: 16, family: "float" },
  bf16: { bits: 16, family: "float" },
  int32: { bits: 32, family: "int" },
  int16: { bits: 16, family: "int" },
  int8: { bits: 8, family: "int" },
  int4: { bits: 4, family: "int" },
  ternary: { bits: 2, family: "int" },
  binary: { bits: 1, family: "int" },
} as const satisfies Record<string, { bits: number; family: "float" | "int" }>;

export type Precision = keyof typeof PRECISIONS;
export const PRECISION_NAMES = Object.keys(PRECISIONS) as Precision[];

export function isPrecision(name: string): name is Precision {
  return Object.hasOwn(PRECISIONS, name);
}

export function bitsOf(p: Precision): number {
  return PRECISIONS[p].bits;
}

/** Bytes for `elements` values stored densely packed. */
export function bytesFor(elements: number, p: Precision): number {
  return Math.ceil((elements * PRECISIONS[p].bits) / 8);
}

/**
 * Can hardware built for `supported` execute values of `needed` without loss? Integers fit in a
 * wider or equal integer; floats need a float unit at least as wide (bf16 and fp16 are not
 * interchangeable: different exponent ranges); integers up to 8 bits fit in fp16/bf16 mantissas.
 */
export function precisionFits(needed: Precision, supported: Precision): boolean {
  if (needed === supported) return true;
  const n = PRECISIONS[needed];
  const s = PRECISIONS[supported];
  if (n.family === "int" && s.family === "int") return n.bits <= s.bits;
  if (n.family === "float" && s.family === "float") return supported === "fp32";
  if (n.family === "int" && s.family === "float") return n.bits <= (supported === "fp32" ? 24 : 8);
  return false;
}

/** A value for every precision, computed by `f` (a complete record, checked by the compiler). */
export function perPrecision<T>(f: (p: Precision) => T): Record<Precision, T> {
  return {
    fp32: f("fp32"), fp16: f("fp16"), bf16: f("bf16"), int32: f("int32"), int16: f("int16"),
    int8: f("int8"), int4: f("int4"), ternary: f("ternary"), binary: f("binary"),
  };
}
