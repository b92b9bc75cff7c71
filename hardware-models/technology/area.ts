/**
 * Silicon area and the leakage that follows from it.
 *
 * Logic: multiplier and adder areas at 40 nm from the Aladdin library as encoded by Accelergy
 * (32x32-bit multiplier 6350 um^2, 32-bit adder 278 um^2; Shao et al., ISCA 2014), multiplier area
 * ~ width^2 and adder ~ width (the same rules Accelergy applies). Floating point: a multiplier of
 * the mantissa width plus an exponent adder (normalisation/rounding logic not counted: low confidence).
 *
 * SRAM: published high-density bitcell areas (45 nm Intel 0.346 um^2, Mistry et al. IEDM 2007; 28 nm
 * TSMC 0.127 um^2; 16 nm TSMC 0.07 um^2, Chen et al. JSSC 2015; 7 nm TSMC 0.027 um^2, Chang et al.
 * ISSCC 2017) x 1.45 array-to-macro overhead (TSMC N3E: 0.021 um^2 cell, ~31.8 Mib/mm^2 macro,
 * IEDM 2022). Small macros (KB-class) have far more periphery; this is optimistic for them.
 *
 * Node scaling of logic uses the same bitcell-area ratio as a density proxy (45 -> 7 nm: 0.078,
 * close to the 0.059 of Stillmaker & Baas' area table). Nodes above 45 nm scale as (node/45)^2.
 *
 * Leakage: the Aladdin 40 nm 32-bit multiplier leaks 0.08 mW over 6350 um^2 = 12.6 mW/mm^2. We apply
 * that density to all on-chip area (logic and SRAM), proportional to supply voltage, and keep it
 * constant per mm^2 across nodes (leakage per device shrinks about as fast as its area). It is a
 * first-order default: set `leakage` on a memory level or unit to use a measured figure.
 */
import { bitsOf, PRECISIONS, type Precision } from "../../workloads/precision.js";
import { ACCUMULATOR } from "./operation-energy.js";

const MULT32_AREA_40NM_UM2 = 6350;
const ADD32_AREA_40NM_UM2 = 278;
const LEAKAGE_W_PER_MM2_AT_40NM = 0.08e-3 / (MULT32_AREA_40NM_UM2 * 1e-6);
const LEAKAGE_REFERENCE_V = 0.9;
const SRAM_MACRO_OVERHEAD = 1.45;

/** High-density 6T bitcell area per node, um^2 (sources in the header). */
const BITCELL_UM2: readonly [number, number][] = [
  [45, 0.346],
  [28, 0.127],
  [16, 0.07],
  [7, 0.027],
];

/** Bitcell area at any node from 7 to 180 nm: log-log interpolation, (node/45)^2 above 45 nm. */
export function bitcellAreaUm2(nodeNm: number): number {
  const first = BITCELL_UM2[0]!;
  if (nodeNm >= first[0]) return first[1] * (nodeNm / first[0]) ** 2;
  for (let i = 0; i < BITCELL_UM2.length - 1; i++) {
    const [n0, a0] = BITCELL_UM2[i]!;
    const [n1, a1] = BITCELL_UM2[i + 1]!;
    if (nodeNm <= n0 && nodeNm >= n1) {
      const t = Math.log(nodeNm / n0) / Math.log(n1 / n0);
      return Math.exp((1 - t) * Math.log(a0) + t * Math.log(a1));
    }
  }
  const last = BITCELL_UM2[BITCELL_UM2.length - 1]!;
  return last[1] * (nodeNm / last[0]) ** 2;
}

/** Area scale factor for logic from 40 nm to `nodeNm`. */
export function logicAreaScale(nodeNm: number): number {
  return bitcellAreaUm2(nodeNm) / bitcellAreaUm2(40);
}

function multiplierBits(p: Precision): number {
  // Floats multiply mantissas (with the hidden bit): fp32 24, fp16 11, bf16 8.
  if (p === "fp32") return 24;
  if (p === "fp16") return 11;
  if (p === "bf16") return 8;
  return bitsOf(p);
}

function exponentBits(p: Precision): number {
  if (p === "fp32" || p === "bf16") return 8;
  if (p === "fp16") return 5;
  return 0;
}

/** Area of one MAC (multiplier + accumulator adder) at 40 nm, um^2. */
export function macArea40nmUm2(p: Precision): number {
  const mult = MULT32_AREA_40NM_UM2 * (multiplierBits(p) / 32) ** 2 + ADD32_AREA_40NM_UM2 * (exponentBits(p) / 32);
  const acc = ACCUMULATOR[p];
  const addBits = PRECISIONS[acc].family === "float" ? multiplierBits(acc) + exponentBits(acc) : bitsOf(acc);
  return mult + ADD32_AREA_40NM_UM2 * (addBits / 32);
}

export function macAreaMm2(p: Precision, nodeNm: number): number {
  return macArea40nmUm2(p) * logicAreaScale(nodeNm) * 1e-6;
}

/** Area of `bytes` of SRAM as macros at `nodeNm`, mm^2. */
export function sramAreaMm2(bytes: number, nodeNm: number): number {
  return bytes * 8 * bitcellAreaUm2(nodeNm) * SRAM_MACRO_OVERHEAD * 1e-6;
}

/** Default leakage of `areaMm2` of on-chip silicon at supply `voltageV`, watts. */
export function leakagePowerW(areaMm2: number, voltageV: number): number {
  return areaMm2 * LEAKAGE_W_PER_MM2_AT_40NM * (voltageV / LEAKAGE_REFERENCE_V);
}
