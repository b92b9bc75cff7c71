/**
 * In-memory compute crossbars, analog (RRAM/PCM) or digital (SRAM-CIM), mapped weight-stationary.
 *
 * A matmul C = A . B puts B (k x n) into crossbars: each weight of b bits is sliced over
 * ceil(b / cellBits) cells of adjacent columns, so it needs n x slices columns and k rows:
 * rowTiles = ceil(k / rows) x colTiles = ceil(n slices / cols) arrays. Inputs (rows of A) are
 * applied bit-serially, dacBits per cycle: ceil(bits(A) / dacBits) input cycles. Per input cycle,
 * every used array activates its rows; analog columns are read by ADCs shared by `columnsPerAdc`
 * columns (converted one after another: that many cycles per input cycle), digital columns by an
 * adder tree (one cycle). Partial sums across row tiles, slices and input bits are shift-added in
 * digital (int32 adds). Arrays work in parallel; when the op needs more arrays than the unit has,
 * it runs in rounds, reprogramming between them.
 *
 * Actions (per op, batch b, m input rows):
 *   cell reads     m b inputCycles (k x n slices) (1 - inputSparsity)   (a zero input bit drives nothing)
 *   DAC / driver   m b inputCycles k colTiles
 *   ADC            m b inputCycles (n slices) rowTiles                  (analog only)
 *   shift-add      m b n (slices rowTiles inputCycles - 1)
 *   cell writes    k (n slices) per programming of B
 * Weights are programmed once and stay resident when all the weights mapped to this unit fit in
 * its arrays; otherwise every op reprograms its weights (charged, energy and latency). Operands
 * that are not weights (QK^T's K, AV's V) must be written per input (`dynamicOperands: write`) or
 * are refused (`reject`: map `dynamicMatmul` to another unit), and the result shows which.
 *
 * Input sparsity (the fraction of zero input bits) is an explicit input: IMC energy depends on the
 * data, and models that assumed it wrong were off by 7-16x (DESIGN.md). Defaults per technology are
 * in IMC_DEFAULTS with their sources; docs/imc.md discusses them.
 */
import type { Op } from "../../workloads/trace.js";
import { bitsOf, bytesFor, PRECISIONS, type Precision } from "../../workloads/precision.js";
import { energyScaleFrom45nm } from "../technology/node-scaling.js";
import { leakagePowerW, logicAreaScale } from "../technology/area.js";
import { FEASIBLE, zeroCost, type ActionPrice, type Feasibility, type OpContext, type ResolvedUnitBase, type UnitCost, type UnitModel } from "../unit-model.js";
import { parseQuantity, QUANTITY } from "../../common/quantity.js";
import { InputError } from "../../common/input-error.js";
import type { Sourced } from "../technology/source.js";

export type ImcTechnology = "analog" | "digital";

interface ImcDefaults {
  rows: number;
  cols: number;
  cellBits: number;
  dacBits: number;
  adcBits: number;
  columnsPerAdc: number;
  /** At 22 nm; periphery energies scale with the node, cell physics does not. */
  cellReadPj: Sourced;
  dacPj: Sourced;
  /** ADC energy = FOM x 2^bits. */
  adcFomPjPerStep: Sourced;
  writePjPerCell: Sourced;
  writeNsPerRow: Sourced;
  /** Cell footprint in F^2 (F = the node). */
  cellAreaF2: Sourced;
}

export const IMC_DEFAULTS: Record<ImcTechnology, ImcDefaults> = {
  analog: {
    rows: 128, cols: 128, cellBits: 2, dacBits: 1, adcBits: 5, columnsPerAdc: 8,
    cellReadPj: { value: 0.013, unit: "pJ per cell per input pulse", confidence: "medium", source: "DNN+NeuroSim V1.4 Param.cpp (0.5 V read, 100 kOhm / 1.7 MOhm, 10 ns): 25 fJ ON, 1.5 fJ OFF, 50% ON" },
    dacPj: { value: 0.05, unit: "pJ per row per input bit", confidence: "low", source: "NeuroSim word-line wire model (~8-15 fJ at 22 nm) x ~3 for the driver and gate load (estimate); ISAAC's 1-bit DAC is 0.33-0.42 pJ at 32 nm" },
    adcFomPjPerStep: { value: 0.01, unit: "pJ per conversion step", confidence: "medium", source: "Murmann ADC survey, moderate-speed SAR ADCs at 14-65 nm: ~6-20 fJ/conversion-step (Walden FOM), 10 fJ used (5-bit: 0.32 pJ)" },
    writePjPerCell: { value: 1.1, unit: "pJ per cell", confidence: "medium", source: "NeuroSim write model V_w^2 (1/R_on + 1/R_off)/2 t: 2 V, 100 kOhm / 1 MOhm, 50 ns" },
    writeNsPerRow: { value: 50, unit: "ns per row (cells of a row in parallel)", confidence: "medium", source: "DNN+NeuroSim V2.1 Param.cpp writePulseWidth = 50 ns (one pulse; multi-level cells need write-verify: up to microseconds)" },
    cellAreaF2: { value: 48, unit: "F^2", confidence: "medium", source: "DNN+NeuroSim V1.4 1T1R cell 4F x 12F (industrial macros are several times larger)" },
  },
  digital: {
    rows: 128, cols: 128, cellBits: 1, dacBits: 1, adcBits: 0, columnsPerAdc: 1,
    cellReadPj: { value: 0.0014, unit: "pJ per cell per input bit (AND + adder tree)", confidence: "low", source: "Chih et al., ISSCC 2021 (TSMC 22 nm digital SRAM-CIM, 89 TOPS/W): 0.0225 pJ per MAC at 4b x 4b (4b unverified) / 16 bit-products" },
    dacPj: { value: 0.005, unit: "pJ per row per input bit", confidence: "low", source: "word-line driver estimate (NeuroSim wire model, 22 nm)" },
    adcFomPjPerStep: { value: 0, unit: "pJ per conversion step", confidence: "high", source: "digital CIM has no ADC" },
    writePjPerCell: { value: 0.02, unit: "pJ per cell", confidence: "low", source: "an SRAM write of one bit at 22 nm (Horowitz 45 nm 8 KB curve, 1.25 pJ/B / 8, scaled)" },
    writeNsPerRow: { value: 1, unit: "ns per row", confidence: "low", source: "one SRAM write cycle at ~1 GHz" },
    cellAreaF2: { value: 2569, unit: "F^2 per bit with its compute logic", confidence: "medium", source: "DNN+NeuroSim V1.4 SRAM-CIM bit cell with compute (280 F^2 storage)" },
  },
};

export interface ImcSpec extends ResolvedUnitBase {
  kind: "imc";
  technology: ImcTechnology;
  rows: number;
  cols: number;
  arrays: number;
  cellBits: number;
  dacBits: number;
  adcBits: number;
  columnsPerAdc: number;
  inputSparsity: number;
  writeSecondsPerRow: number;
  dynamicOperands: "write" | "reject";
  /** Weight bytes the arrays hold at once. */
  capacityBytes: number;
}

// Action indices.
const CELL = 0, DAC = 1, ADC = 2, SHIFT_ADD = 3, WRITE = 4;

export const imcCrossbar: UnitModel<ImcSpec> = {
  schema: {
    type: "object",
    additionalProperties: false,
    required: ["kind", "technology", "arrays"],
    properties: {
      kind: { const: "imc" },
      description: { type: "string" },
      technology: { enum: ["analog", "digital"] },
      rows: { type: "integer", minimum: 1 },
      cols: { type: "integer", minimum: 1 },
      arrays: { type: "integer", minimum: 1 },
      cellBits: { type: "integer", minimum: 1, maximum: 8 },
      dacBits: { type: "integer", minimum: 1, maximum: 8 },
      adcBits: { type: "integer", minimum: 1, maximum: 12 },
      columnsPerAdc: { type: "integer", minimum: 1 },
      inputSparsity: { type: "number", minimum: 0, maximum: 1 },
      cellReadEnergy: { type: "string" },
      dacEnergy: { type: "string" },
      adcEnergy: { type: "string" },
      writeEnergy: { type: "string" },
      writeLatency: { type: "string" },
      dynamicOperands: { enum: ["write", "reject"] },
      frequency: { type: "string" },
      leakage: { type: "string" },
    },
  },

  kinds: ["matmul"],

  resolve(user, env) {
    const at = (p: string) => ({ file: env.file, path: `${env.path}/${p}` });
    const technology = user.technology as ImcTechnology;
    const d = IMC_DEFAULTS[technology];
    const num = (k: string, fallback: number) => (user[k] as number | undefined) ?? fallback;
    const rows = num("rows", d.rows), cols = num("cols", d.cols), arrays = user.arrays as number;
    const cellBits = num("cellBits", d.cellBits), dacBits = num("dacBits", d.dacBits);
    const adcBits = technology === "analog" ? num("adcBits", d.adcBits) : 0;
    const columnsPerAdc = technology === "analog" ? num("columnsPerAdc", d.columnsPerAdc) : 1;
    if (technology === "digital" && cellBits !== 1) throw new InputError(env.file, { path: `${env.path}/cellBits`, expected: "1 for digital SRAM-CIM", found: String(cellBits) });
    // Periphery (drivers, ADCs, digital CIM logic) scales like logic from 22 nm; analog cell physics does not.
    const periphery = energyScaleFrom45nm(env.nodeNm, env.voltageV) / energyScaleFrom45nm(22, 0.8);
    const e = (key: string, fallback: number, scale: number) => (user[key] === undefined ? fallback * scale : parseQuantity(user[key], QUANTITY.energyPj, at(key)));
    const cellPj = e("cellReadEnergy", d.cellReadPj.value, technology === "digital" ? periphery : 1);
    const dacPj = e("dacEnergy", d.dacPj.value, periphery);
    const adcPj = technology === "analog" ? e("adcEnergy", d.adcFomPjPerStep.value * 2 ** adcBits, periphery) : 0;
    const writePj = e("writeEnergy", d.writePjPerCell.value, technology === "digital" ? periphery : 1);
    const writeSecondsPerRow = user.writeLatency === undefined ? d.writeNsPerRow.value * 1e-9 : parseQuantity(user.writeLatency, QUANTITY.timeSeconds, at("writeLatency"));
    const frequencyHz = user.frequency === undefined ? env.frequencyHz : parseQuantity(user.frequency, QUANTITY.frequencyHz, at("frequency"));
    const src = (s: Sourced, key: string) => (user[key] === undefined ? s.source : "design file");
    const actions: ActionPrice[] = [];
    actions[CELL] = { name: "cell.read", energyPj: cellPj, per: "op", source: src(d.cellReadPj, "cellReadEnergy") };
    actions[DAC] = { name: "dac", energyPj: dacPj, per: "op", source: src(d.dacPj, "dacEnergy") };
    actions[ADC] = { name: "adc", energyPj: adcPj, per: "op", source: technology === "analog" ? `${src(d.adcFomPjPerStep, "adcEnergy")}, ${adcBits} bits` : "none (digital)" };
    actions[SHIFT_ADD] = { name: "shift-add.int32", energyPj: env.energy.get("add.int32"), per: "op", source: env.energy.entry("add.int32")?.source ?? "" };
    actions[WRITE] = { name: "cell.write", energyPj: writePj, per: "op", source: src(d.writePjPerCell, "writeEnergy") };

    // Area: cells at the node's feature size; ADCs ~500 um^2 at 5 bits, 32 nm (ISAAC's SAR ADC
    // scaled; Accelergy ADC plug-in regression), doubling per bit, scaled like logic.
    const f = env.nodeNm * 1e-3; // um
    const cellsMm2 = rows * cols * arrays * d.cellAreaF2.value * f * f * 1e-6;
    const adcs = technology === "analog" ? (arrays * cols) / columnsPerAdc : 0;
    const adcMm2 = adcs * 500e-6 * 2 ** (adcBits - 5) * (logicAreaScale(env.nodeNm) / logicAreaScale(32));
    const areaMm2 = cellsMm2 + adcMm2;
    // Non-volatile analog cells do not leak; their periphery does. Digital CIM leaks like SRAM.
    const leakingMm2 = technology === "analog" ? adcMm2 : areaMm2;
    return {
      name: env.name, kind: "imc", frequencyHz, actions, areaMm2,
      areaByComponentMm2: { cells: cellsMm2, adcs: adcMm2 },
      leakagePowerW: user.leakage === undefined ? leakagePowerW(leakingMm2, env.voltageV) : parseQuantity(user.leakage, QUANTITY.powerW, at("leakage")),
      // Peak: every cell of every array contributes one cell-bit MAC per input cycle.
      peakMacsPerCycle: (rows * cols * arrays * cellBits) / (8 * 8 / dacBits) / columnsPerAdc,
      localBufferBytes: 0,
      technology, rows, cols, arrays, cellBits, dacBits, adcBits, columnsPerAdc,
      inputSparsity: (user.inputSparsity as number | undefined) ?? 0.5,
      writeSecondsPerRow,
      dynamicOperands: (user.dynamicOperands as "write" | "reject" | undefined) ?? "write",
      capacityBytes: (rows * cols * arrays * cellBits) / 8,
    };
  },

  supports(op: Op) {
    return op.kind === "matmul";
  },

  check(spec, op, ctx): Feasibility {
    if (op.kind !== "matmul") return { ok: false, reason: `an IMC crossbar runs matmuls, not ${op.kind}` };
    for (const [i, operand] of ctx.inputs.slice(0, 2).entries()) {
      if (PRECISIONS[operand.precision].family !== "int") {
        return { ok: false, reason: `operand ${i} is ${operand.precision}: IMC crossbars compute integer MACs (quantize the workload, e.g. --precision int8)` };
      }
    }
    if (!ctx.inputs[1]!.isWeight && spec.dynamicOperands === "reject") {
      return { ok: false, reason: `${op.id} has no static weights (its B operand is computed per input): writing it into the crossbars is disabled (dynamicOperands: reject); map dynamic matmuls to another unit with mapping.dynamicMatmul` };
    }
    return FEASIBLE;
  },

  cost(spec, op, ctx, scratch): UnitCost {
    const cost = zeroCost(ctx.memory.length, spec.actions.length, scratch);
    if (op.kind !== "matmul") return cost;
    const [a, b] = ctx.inputs as [OpContext["inputs"][number], OpContext["inputs"][number]];
    const { m, n, k, batchCount } = op;
    const slices = Math.ceil(bitsOf(b.precision) / spec.cellBits);
    const inputCycles = Math.ceil(bitsOf(a.precision) / spec.dacBits);
    const colsNeeded = n * slices;
    const rowTiles = Math.ceil(k / spec.rows), colTiles = Math.ceil(colsNeeded / spec.cols);
    const tiles = rowTiles * colTiles * batchCount;
    const rounds = Math.ceil(tiles / spec.arrays);
    // Program B: weights once if every weight mapped here fits (resident), else per op; dynamic B always.
    const resident = b.isWeight && (ctx.unitWeightBytes ?? Infinity) <= spec.capacityBytes;
    const programs = !resident;
    const cellsWritten = programs ? k * colsNeeded * batchCount : 0;
    const writeCycles = programs ? rounds * Math.min(k, spec.rows) * spec.writeSecondsPerRow * spec.frequencyHz : 0;
    const cyclesPerInputCycle = spec.technology === "analog" ? spec.columnsPerAdc : 1;
    cost.computeCycles = rounds * m * inputCycles * cyclesPerInputCycle + writeCycles;
    cost.macs = m * n * k * batchCount;
    const vectors = m * batchCount * inputCycles;
    const c = cost.actionCounts;
    c[CELL] = vectors * k * colsNeeded * (1 - spec.inputSparsity);
    c[DAC] = vectors * k * colTiles;
    c[ADC] = spec.technology === "analog" ? vectors * colsNeeded * rowTiles : 0;
    c[SHIFT_ADD] = m * batchCount * n * Math.max(0, slices * rowTiles * inputCycles - 1);
    c[WRITE] = cellsWritten;
    // Inputs stream once per round; programmed weights are read from their level; outputs written once.
    cost.readBytes[a.level]! += bytesFor(m * k * batchCount, a.precision) * Math.min(rounds, batchCount > 1 ? 1 : rounds);
    if (programs) cost.readBytes[b.level]! += bytesFor(k * n * batchCount, b.precision);
    cost.writeBytes[ctx.output.level]! += bytesFor(m * n * batchCount, ctx.output.precision);
    return cost;
  },
};

/** An analog/digital IMC's capacity in weights of a given precision (for docs and checks). */
export function imcWeightCapacity(spec: Pick<ImcSpec, "rows" | "cols" | "arrays" | "cellBits">, p: Precision): number {
  return (spec.rows * spec.cols * spec.arrays) / Math.ceil(bitsOf(p) / spec.cellBits);
}
