/**
 * Energy of primitive arithmetic at 45 nm, 0.9 V, from Horowitz, "Computing's energy problem (and
 * what we can do about it)", ISSCC 2014, p. 10-14 (the energy table of the keynote). Widths the
 * table does not list are derived by the rule its own numbers follow: integer multiply energy
 * grows with width squared (8-bit 0.2 pJ -> 32-bit 3.1 pJ is 15.5x for 16x the partial
 * products), integer add linearly with width.
 *
 * Peer default for comparison (DESIGN.md "defaults that disagree by 4x"): Accelergy's Aladdin
 * table gives an 8-bit multiply of ~0.79 pJ at 40 nm; we use Horowitz's 0.2 pJ. Override any
 * entry from a design file (`energy:` section) to use another source.
 */
import type { Precision } from "../../workloads/precision.js";
import type { Sourced } from "./source.js";

const HOROWITZ = "Horowitz, ISSCC 2014, 45 nm 0.9 V energy table";

export const ADD_ENERGY_45NM: Record<Precision, Sourced> = {
  fp32: { value: 0.9, unit: "pJ", source: HOROWITZ, confidence: "high" },
  fp16: { value: 0.4, unit: "pJ", source: HOROWITZ, confidence: "high" },
  bf16: { value: 0.4, unit: "pJ", source: `${HOROWITZ} (fp16 value; same adder width class)`, confidence: "medium" },
  int32: { value: 0.1, unit: "pJ", source: HOROWITZ, confidence: "high" },
  int16: { value: 0.05, unit: "pJ", source: `derived: linear in width between ${HOROWITZ} 8-bit 0.03 and 32-bit 0.1`, confidence: "medium" },
  int8: { value: 0.03, unit: "pJ", source: HOROWITZ, confidence: "high" },
  int4: { value: 0.015, unit: "pJ", source: "derived: int8 add x 4/8 (linear in width)", confidence: "medium" },
  ternary: { value: 0.0075, unit: "pJ", source: "derived: int8 add x 2/8 (linear in width)", confidence: "low" },
  binary: { value: 0.00375, unit: "pJ", source: "derived: int8 add x 1/8 (popcount bit)", confidence: "low" },
};

export const MULT_ENERGY_45NM: Record<Precision, Sourced> = {
  fp32: { value: 3.7, unit: "pJ", source: HOROWITZ, confidence: "high" },
  fp16: { value: 1.1, unit: "pJ", source: HOROWITZ, confidence: "high" },
  bf16: {
    value: 1.1 * (8 / 11) ** 2, unit: "pJ", confidence: "medium",
    source: `derived: ${HOROWITZ} fp16 1.1 pJ x (8/11)^2, mantissa multiplier of 8 vs 11 bits`,
  },
  int32: { value: 3.1, unit: "pJ", source: HOROWITZ, confidence: "high" },
  int16: { value: 0.8, unit: "pJ", source: "derived: int8 0.2 pJ x (16/8)^2 (Horowitz's 8->32-bit ratio is 15.5x ~ 16x)", confidence: "medium" },
  int8: { value: 0.2, unit: "pJ", source: HOROWITZ, confidence: "high" },
  int4: { value: 0.05, unit: "pJ", source: "derived: int8 0.2 pJ x (4/8)^2", confidence: "medium" },
  ternary: { value: 0.0125, unit: "pJ", source: "derived: int8 0.2 pJ x (2/8)^2 (sign-select, no real multiplier)", confidence: "low" },
  binary: { value: 0.003125, unit: "pJ", source: "derived: int8 0.2 pJ x (1/8)^2 (XNOR)", confidence: "low" },
};

/** Accumulator precision a MAC of this operand precision adds into. */
export const ACCUMULATOR: Record<Precision, Precision> = {
  fp32: "fp32", fp16: "fp32", bf16: "fp32", int32: "int32", int16: "int32", int8: "int32", int4: "int16", ternary: "int16", binary: "int16",
};

/** A MAC = one multiply at the operand precision + one add at the accumulator precision. */
export function macEnergy45nmPj(p: Precision): number {
  return MULT_ENERGY_45NM[p].value + ADD_ENERGY_45NM[ACCUMULATOR[p]].value;
}

/** The reference operating point of every 45 nm entry above. */
export const REFERENCE_NODE_NM = 45;
export const REFERENCE_VOLTAGE_V = 0.9;

/**
 * Fetch, decode and control of one instruction on a simple in-order core at 45 nm: ~70 pJ, against
 * 0.1 pJ for the 32-bit add it performs (Horowitz, ISSCC 2014, instruction-energy breakdown).
 * A SIMD/VLIW DSP pays this once per vector instruction, amortised over its lanes.
 */
export const INSTRUCTION_OVERHEAD_45NM: Sourced = {
  value: 70, unit: "pJ", confidence: "medium",
  source: "Horowitz, ISSCC 2014: energy of a 32-bit add instruction on a 45 nm RISC core (~70 pJ, dominated by fetch/decode/RF/control)",
};
