/**
 * Silicon area and the leakage that follows from it.
 *
 * Logic: multiplier and adder areas at 40 nm from the Aladdin library as encoded by Accelergy
 * (32x32-bit multiplier 6350 um^2, 32-bit adder 278 um^2; Shao et al., ISCA 2014), multiplier area
 * ~ width^2 and adder ~ width (the same rules Accelergy applies). Floating point: a multiplier of
 * the mantissa width plus an exponent adder (normalisation/rounding logic not counted: low confidence).
 *
 * SRAM macros: LLMCompass's cost model (Zhang et al., ISCA 2024; PrincetonUniversity/LLMCompass
 * cost_model/cost_model.py @ 2e015fd2): area = bits x cell / efficiency, with an effective cell of
 * 0.170 um^2 at 7 nm (0.140 at 6 nm, 0.125 at 5 nm: ttm-cas supply_chain_model.py) and the array
 * efficiency by macro capacity "derived from CACTI" (4 KiB 0.076 ... 1 MiB 0.561); capacities above
 * 512 KiB are built from 512 KiB macros. The effective cell is ~6x TSMC's 0.027 um^2 high-density
 * bitcell (Chang et al., ISSCC 2017): it stands for what a shipped high-bandwidth SRAM block costs
 * (banking, ports, ECC, redundancy). Other nodes scale it by the published high-density bitcell
 * ratio (45 nm Intel 0.346 um^2, Mistry et al. IEDM 2007; 28 nm TSMC 0.127; 16 nm TSMC 0.07, Chen
 * et al. JSSC 2015; 7 nm TSMC 0.027). Caveat (docs/energy.md): LLMCompass set its constants
 * against the A100 and MI210 die shots that tests/die-area compares with, so for SRAM blocks that
 * comparison is not out of sample.
 *
 * Transistor density by node (MTr/mm^2, for blocks counted in transistors: control, on-chip network,
 * memory controllers): Khan & Mann, "AI Chips: What They Are and Why They Matter" (CSET 2020), as
 * encoded in ttm-cas supply_chain_model.py (LLMCompass's submodule); 6 nm 114.2 as LLMCompass hard-codes.
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

/** High-density 6T bitcell area per node, um^2 (sources in the header). */
const BITCELL_UM2: readonly [number, number][] = [
  [45, 0.346],
  [28, 0.127],
  [16, 0.07],
  [7, 0.027],
];

/**
 * A quantity tabulated by node (descending), log-log interpolated between nodes; outside the table,
 * scaled from the nearest end as (node ratio)^power (area ~ node^2, density ~ node^-2).
 */
function byNode(table: readonly (readonly [number, number])[], nodeNm: number, power: number): number {
  for (let i = 0; i < table.length - 1; i++) {
    const [n0, v0] = table[i]!;
    const [n1, v1] = table[i + 1]!;
    if (nodeNm <= n0 && nodeNm >= n1) {
      const t = Math.log(nodeNm / n0) / Math.log(n1 / n0);
      return Math.exp((1 - t) * Math.log(v0) + t * Math.log(v1));
    }
  }
  const [n, v] = nodeNm > table[0]![0] ? table[0]! : table[table.length - 1]!;
  return v * (nodeNm / n) ** power;
}

/** Bitcell area at any node from 7 to 180 nm: log-log interpolation, (node/45)^2 above 45 nm. */
export function bitcellAreaUm2(nodeNm: number): number {
  return byNode(BITCELL_UM2, nodeNm, 2);
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

/** LLMCompass's effective SRAM cell area at the nodes it tabulates, um^2 (header). */
const EFFECTIVE_CELL_UM2: readonly [number, number][] = [
  [7, 0.170],
  [6, 0.140],
  [5, 0.125],
];

/** Effective SRAM cell area (cell + its share of a shipped macro's array overheads), um^2. */
export function sramCellAreaUm2(nodeNm: number): number {
  const exact = EFFECTIVE_CELL_UM2.find(([n]) => Math.abs(n - nodeNm) < 1e-9);
  if (exact) return exact[1];
  return EFFECTIVE_CELL_UM2[0]![1] * (bitcellAreaUm2(nodeNm) / bitcellAreaUm2(7));
}

/** Array efficiency (cell area / macro area) by macro capacity, LLMCompass's CACTI-derived table. */
const MACRO_EFFICIENCY: readonly [number, number][] = [
  [4 * 1024, 0.076], [8 * 1024, 0.142], [16 * 1024, 0.247], [32 * 1024, 0.393], [64 * 1024, 0.559],
  [128 * 1024, 0.704], [256 * 1024, 0.526], [512 * 1024, 0.602], [1024 * 1024, 0.561],
];
const LARGEST_MACRO_BYTES = 512 * 1024;

/** Efficiency of one macro of `bytes`: the table's entry for the smallest macro that holds it. */
export function macroEfficiency(bytes: number): number {
  for (const [cap, eff] of MACRO_EFFICIENCY) if (bytes <= cap) return eff;
  return MACRO_EFFICIENCY[MACRO_EFFICIENCY.length - 1]![1];
}

/** Area of `bytes` of SRAM at `nodeNm`, mm^2: 512 KiB macros and one remainder macro. */
export function sramAreaMm2(bytes: number, nodeNm: number): number {
  if (bytes <= 0) return 0;
  const cell = sramCellAreaUm2(nodeNm) * 1e-6;
  const full = Math.floor(bytes / LARGEST_MACRO_BYTES);
  const rest = bytes - full * LARGEST_MACRO_BYTES;
  const fullArea = full * (LARGEST_MACRO_BYTES * 8 * cell) / macroEfficiency(LARGEST_MACRO_BYTES);
  return fullArea + (rest > 0 ? (rest * 8 * cell) / macroEfficiency(rest) : 0);
}

/** Logic transistor density, MTr/mm^2 (header): Khan & Mann via ttm-cas; log-interpolated between nodes. */
const TRANSISTOR_DENSITY: readonly [number, number][] = [
  [250, 0.074], [180, 0.39], [130, 0.92], [90, 1.6], [65, 3.3], [45, 7.7], [32, 15.3], [22, 22.1],
  [16, 28.9], [10, 52.5], [7, 96.3], [6, 114.2], [5, 138.2],
];

export function transistorDensityMTrPerMm2(nodeNm: number): number {
  return byNode(TRANSISTOR_DENSITY, nodeNm, -2);
}

/** Area of `transistors` of logic at `nodeNm`, mm^2. */
export function transistorAreaMm2(transistors: number, nodeNm: number): number {
  return transistors / (transistorDensityMTrPerMm2(nodeNm) * 1e6);
}

/** Default leakage of `areaMm2` of on-chip silicon at supply `voltageV`, watts. */
export function leakagePowerW(areaMm2: number, voltageV: number): number {
  return areaMm2 * LEAKAGE_W_PER_MM2_AT_40NM * (voltageV / LEAKAGE_REFERENCE_V);
}
