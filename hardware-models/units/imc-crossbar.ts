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
import { Type } from "@sinclair/typebox";
import type { Op } from "../../workloads/trace.js";
import { bitsOf, bytesFor, PRECISION_NAMES, PRECISIONS, type Precision } from "../../workloads/precision.js";
import { matmulAElements } from "../../workloads/conv.js";
import { energyScaleFrom45nm } from "../technology/node-scaling.js";
import { leakagePowerW, logicAreaScale } from "../technology/area.js";
import { actionTable, FEASIBLE, UNIT_COMMON_PROPERTIES, zeroCost, type AssignedOp, type Feasibility, type ResolvedUnitBase, type UnitCost, type UnitModel } from "../unit-model.js";
import { parsePositiveQuantity, parseQuantity, QUANTITY } from "../../common/quantity.js";
import { QuantityString, StringEnum } from "../../common/schema.js";
import { InputError } from "../../common/input-error.js";
import type { Sourced } from "../technology/source.js";

export const IMC_TECHNOLOGIES = ["analog", "digital"] as const;
export type ImcTechnology = (typeof IMC_TECHNOLOGIES)[number];

/**
 * The operating point the IMC defaults were measured or modelled at: 22 nm, 0.85 V, the supply of
 * the 22 nm HP transistor model (PTM 22nm.pm) that DNN+NeuroSim V1.4 uses at 22 nm
 * (Inference_pytorch/NeuroSIM/Technology.cpp: vdd = 0.85). The digital SRAM-CIM figures (Chih et al.,
 * ISSCC 2021, 22 nm) are placed at the same point; the macro's own supply was not read (low confidence).
 */
export const IMC_REFERENCE_POINT = { nodeNm: 22, voltageV: 0.85 } as const;

/** How a default energy moves to the design's node and voltage. */
type Scaling =
  | "none" /* analog cell physics: set by the device, not the logic node */
  | "from-reference" /* periphery logic, from IMC_REFERENCE_POINT by the Stillmaker & Baas energy factor */
  | "from-45nm"; /* an SRAM access from Horowitz's 45 nm / 0.9 V table, scaled like every on-chip SRAM */

interface ScaledDefault extends Sourced {
  scaling: Scaling;
}

interface ImcDefaults {
  rows: number;
  cols: number;
  cellBits: number;
  dacBits: number;
  adcBits: number;
  columnsPerAdc: number;
  cellReadPj: ScaledDefault;
  dacPj: ScaledDefault;
  /** ADC energy = FOM x 2^bits. */
  adcFomPjPerStep: ScaledDefault;
  writePjPerCell: ScaledDefault;
  writeNsPerRow: Sourced;
  /** Cell footprint in F^2 (F = the node). */
  cellAreaF2: Sourced;
}

export const IMC_DEFAULTS: Record<ImcTechnology, ImcDefaults> = {
  analog: {
    rows: 128, cols: 128, cellBits: 2, dacBits: 1, adcBits: 5, columnsPerAdc: 8,
    cellReadPj: { value: 0.013, unit: "pJ per cell per input pulse", confidence: "medium", scaling: "none", source: "DNN+NeuroSim V1.4 Param.cpp (0.5 V read, 100 kOhm / 1.7 MOhm, 10 ns): 25 fJ ON, 1.5 fJ OFF, 50% ON" },
    dacPj: { value: 0.05, unit: "pJ per row per input bit", confidence: "low", scaling: "from-reference", source: "NeuroSim word-line wire model (~8-15 fJ at 22 nm) x ~3 for the driver and gate load (estimate); ISAAC's 1-bit DAC is 0.33-0.42 pJ at 32 nm" },
    adcFomPjPerStep: { value: 0.01, unit: "pJ per conversion step", confidence: "medium", scaling: "from-reference", source: "Murmann ADC survey, moderate-speed SAR ADCs at 14-65 nm: ~6-20 fJ/conversion-step (Walden FOM), 10 fJ used (5-bit: 0.32 pJ)" },
    writePjPerCell: { value: 1.1, unit: "pJ per cell", confidence: "medium", scaling: "none", source: "NeuroSim write model V_w^2 (1/R_on + 1/R_off)/2 t: 2 V, 100 kOhm / 1 MOhm, 50 ns" },
    writeNsPerRow: { value: 50, unit: "ns per row (cells of a row in parallel)", confidence: "medium", source: "DNN+NeuroSim V2.1 Param.cpp writePulseWidth = 50 ns (one pulse; multi-level cells need write-verify: up to microseconds)" },
    cellAreaF2: { value: 48, unit: "F^2", confidence: "medium", source: "DNN+NeuroSim V1.4 1T1R cell 4F x 12F (industrial macros are several times larger)" },
  },
  digital: {
    rows: 128, cols: 128, cellBits: 1, dacBits: 1, adcBits: 0, columnsPerAdc: 1,
    cellReadPj: { value: 0.0014, unit: "pJ per cell per input bit (AND + adder tree)", confidence: "low", scaling: "from-reference", source: "Chih et al., ISSCC 2021 (TSMC 22 nm digital SRAM-CIM, 89 TOPS/W): 0.0225 pJ per MAC at 4b x 4b (4b unverified) / 16 bit-products" },
    dacPj: { value: 0.005, unit: "pJ per row per input bit", confidence: "low", scaling: "from-reference", source: "word-line driver estimate (NeuroSim wire model, 22 nm)" },
    adcFomPjPerStep: { value: 0, unit: "pJ per conversion step", confidence: "high", scaling: "none", source: "digital CIM has no ADC" },
    writePjPerCell: {
      value: 10 / 64, unit: "pJ per bit at 45 nm / 0.9 V", confidence: "medium", scaling: "from-45nm",
      source: "an SRAM write of one bit: Horowitz ISSCC 2014, 8 KB SRAM 10 pJ per 64-bit access = 0.156 pJ/bit at 45 nm, scaled to the design's node like every on-chip SRAM access",
    },
    writeNsPerRow: { value: 1, unit: "ns per row", confidence: "low", source: "one SRAM write cycle at ~1 GHz" },
    cellAreaF2: { value: 2569, unit: "F^2 per bit with its compute logic", confidence: "medium", source: "DNN+NeuroSim V1.4 SRAM-CIM bit cell with compute (280 F^2 storage)" },
  },
};

/** The actions an IMC unit is priced by. */
export type ImcAction = "cellRead" | "dac" | "adc" | "shiftAdd" | "cellWrite";

export interface ImcSpec extends ResolvedUnitBase<ImcAction> {
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
  /**
   * Set by `bind` for one run: every weight tensor mapped to this unit fits in its arrays at once,
   * so weights are programmed once (not per inference). Unbound (unit tests), they are not.
   */
  weightsResident: boolean;
}

export const imcSchema = Type.Object({
  kind: Type.Literal("imc"),
  technology: StringEnum(IMC_TECHNOLOGIES),
  rows: Type.Optional(Type.Integer({ minimum: 1 })),
  cols: Type.Optional(Type.Integer({ minimum: 1 })),
  arrays: Type.Integer({ minimum: 1 }),
  cellBits: Type.Optional(Type.Integer({ minimum: 1, maximum: 8 })),
  dacBits: Type.Optional(Type.Integer({ minimum: 1, maximum: 8 })),
  adcBits: Type.Optional(Type.Integer({ minimum: 1, maximum: 12 })),
  columnsPerAdc: Type.Optional(Type.Integer({ minimum: 1 })),
  inputSparsity: Type.Number({ minimum: 0, maximum: 1, description: "fraction of zero input bits (IMC energy depends on the data: no default)" }),
  cellReadEnergy: Type.Optional(QuantityString()),
  dacEnergy: Type.Optional(QuantityString()),
  adcEnergy: Type.Optional(QuantityString()),
  writeEnergy: Type.Optional(QuantityString()),
  writeLatency: Type.Optional(QuantityString()),
  dynamicOperands: Type.Optional(StringEnum(["write", "reject"] as const)),
  ...UNIT_COMMON_PROPERTIES,
}, { additionalProperties: false });

type EnergyField = "cellReadEnergy" | "dacEnergy" | "adcEnergy" | "writeEnergy";

export const imcCrossbar: UnitModel<typeof imcSchema, ImcSpec> = {
  schema: imcSchema,

  kinds: ["matmul"],

  resolve(user, env) {
    const at = (p: string) => ({ file: env.file, path: `${env.path}/${p}` });
    const technology = user.technology;
    const d = IMC_DEFAULTS[technology];
    const rows = user.rows ?? d.rows, cols = user.cols ?? d.cols, arrays = user.arrays;
    const cellBits = user.cellBits ?? d.cellBits, dacBits = user.dacBits ?? d.dacBits;
    const adcBits = technology === "analog" ? user.adcBits ?? d.adcBits : 0;
    const columnsPerAdc = technology === "analog" ? user.columnsPerAdc ?? d.columnsPerAdc : 1;
    if (technology === "digital" && cellBits !== 1) throw new InputError(env.file, { path: `${env.path}/cellBits`, expected: "1 for digital SRAM-CIM", found: String(cellBits) });
    const scale: Record<Scaling, number> = {
      none: 1,
      "from-reference": energyScaleFrom45nm(env.nodeNm, env.voltageV) / energyScaleFrom45nm(IMC_REFERENCE_POINT.nodeNm, IMC_REFERENCE_POINT.voltageV),
      "from-45nm": env.energy.scale,
    };
    /** A default at the design's point, or the design file's value; `times` multiplies the default (ADC: 2^bits steps). */
    const priced = (field: EnergyField, def: ScaledDefault, times = 1) => {
      const given = user[field];
      if (given !== undefined) return { energyPj: parseQuantity(given, QUANTITY.energyPj, at(field)), source: "design file", origin: "user" as const };
      return { energyPj: def.value * times * scale[def.scaling], source: def.source, origin: "table" as const };
    };
    const adc = technology === "analog" ? priced("adcEnergy", d.adcFomPjPerStep, 2 ** adcBits) : { energyPj: 0, source: "none (digital)", origin: "table" as const };
    const writeSecondsPerRow = user.writeLatency === undefined ? d.writeNsPerRow.value * 1e-9 : parsePositiveQuantity(user.writeLatency, QUANTITY.timeSeconds, at("writeLatency"));
    const frequencyHz = user.frequency === undefined ? env.frequencyHz : parsePositiveQuantity(user.frequency, QUANTITY.frequencyHz, at("frequency"));
    const actions = actionTable<ImcAction>({
      cellRead: { name: "cell.read", per: "op", ...priced("cellReadEnergy", d.cellReadPj) },
      dac: { name: "dac", per: "op", ...priced("dacEnergy", d.dacPj) },
      adc: { name: "adc", per: "op", ...adc, source: technology === "analog" ? `${adc.source}, ${adcBits} bits` : adc.source },
      shiftAdd: { name: "shift-add.int32", per: "op", ...env.energy.priced("add.int32") },
      cellWrite: { name: "cell.write", per: "op", ...priced("writeEnergy", d.writePjPerCell) },
    });

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
      name: env.name, kind: "imc", frequencyHz, count: 1, actions, areaMm2,
      areaByComponentMm2: { cells: cellsMm2, adcs: adcMm2 },
      leakagePowerW: user.leakage === undefined ? leakagePowerW(leakingMm2, env.voltageV) : parseQuantity(user.leakage, QUANTITY.powerW, at("leakage")),
      // Peak: every cell of every array contributes one cell-bit MAC per input cycle.
      peakMacsPerCycle: (rows * cols * arrays * cellBits) / (8 * 8 / dacBits) / columnsPerAdc,
      localBufferBytes: 0,
      technology, rows, cols, arrays, cellBits, dacBits, adcBits, columnsPerAdc,
      inputSparsity: user.inputSparsity,
      writeSecondsPerRow,
      dynamicOperands: user.dynamicOperands ?? "write",
      capacityBytes: (rows * cols * arrays * cellBits) / 8,
      weightsResident: false,
    };
  },

  supports(op: Op) {
    return op.kind === "matmul";
  },

  check(spec, op, ctx): Feasibility {
    if (op.kind !== "matmul") return { ok: false, reason: { class: "unsupported-op", opKind: op.kind, reason: `an IMC crossbar runs matmuls, not ${op.kind}` } };
    for (let i = 0; i < 2; i++) {
      const operand = ctx.inputs[i]!;
      if (PRECISIONS[operand.precision].family !== "int") {
        return { ok: false, reason: { class: "precision", needed: operand.precision, supported: INTEGER_PRECISIONS, reason: `operand ${i} is ${operand.precision}: IMC crossbars compute integer MACs (quantize the workload, e.g. --precision int8)` } };
      }
    }
    if (!ctx.inputs[1]!.isWeight && spec.dynamicOperands === "reject") {
      return { ok: false, reason: { class: "dynamic-operand", reason: `${op.id} has no static weights (its B operand is computed per input): writing it into the crossbars is disabled (dynamicOperands: reject); map dynamic matmuls to another unit with mapping.dynamicMatmul` } };
    }
    return FEASIBLE;
  },

  bind(spec, assigned) {
    // Residency: the distinct weight tensors this unit's matmuls hold as B, all at once.
    const weightsResident = residentWeightBytes(assigned) <= spec.capacityBytes;
    return weightsResident === spec.weightsResident ? spec : { ...spec, weightsResident };
  },

  cost(spec, op, ctx, scratch): UnitCost {
    const act = spec.actions.index;
    const cost = zeroCost(ctx.memory.length, spec.actions.list.length, scratch);
    if (op.kind !== "matmul") return cost;
    const a = ctx.inputs[0]!, b = ctx.inputs[1]!;
    const { m, n, k, batchCount } = op;
    const slices = Math.ceil(bitsOf(b.precision) / spec.cellBits);
    const inputCycles = Math.ceil(bitsOf(a.precision) / spec.dacBits);
    const colsNeeded = n * slices;
    const rowTiles = Math.ceil(k / spec.rows), colTiles = Math.ceil(colsNeeded / spec.cols);
    const tiles = rowTiles * colTiles * batchCount;
    const rounds = Math.ceil(tiles / spec.arrays);
    // Program B: weights once if every weight mapped here fits (resident), else per op; dynamic B always.
    const programs = !(b.isWeight && spec.weightsResident);
    const cellsWritten = programs ? k * colsNeeded * batchCount : 0;
    const writeCycles = programs ? rounds * Math.min(k, spec.rows) * spec.writeSecondsPerRow * spec.frequencyHz : 0;
    const cyclesPerInputCycle = spec.technology === "analog" ? spec.columnsPerAdc : 1;
    cost.computeCycles = rounds * m * inputCycles * cyclesPerInputCycle + writeCycles;
    cost.macs = m * n * k * batchCount;
    const vectors = m * batchCount * inputCycles;
    const c = cost.counts;
    c[act.cellRead] = vectors * k * colsNeeded * (1 - spec.inputSparsity);
    c[act.dac] = vectors * k * colTiles;
    c[act.adc] = spec.technology === "analog" ? vectors * colsNeeded * rowTiles : 0;
    c[act.shiftAdd] = m * batchCount * n * Math.max(0, slices * rowTiles * inputCycles - 1);
    c[act.cellWrite] = cellsWritten;
    // Inputs stream once per round; programmed weights are read from their level; outputs written
    // once. A conv's input rows are fetched once per round into the tile's input buffer, which forms
    // the sliding windows (ISAAC's eDRAM input buffer, Shafiee et al., ISCA 2016): its footprint.
    cost.read(a.level, bytesFor(matmulAElements(op) * batchCount, a.precision) * Math.min(rounds, batchCount > 1 ? 1 : rounds));
    if (programs) cost.read(b.level, bytesFor(k * n * batchCount, b.precision));
    cost.write(ctx.output.level, bytesFor(m * n * batchCount, ctx.output.precision));
    return cost;
  },
};

const INTEGER_PRECISIONS: readonly Precision[] = PRECISION_NAMES.filter((p) => PRECISIONS[p].family === "int");

/** Bytes of the distinct weight tensors that a unit's matmuls hold as their B operand. */
export function residentWeightBytes(assigned: readonly AssignedOp[]): number {
  const seen = new Set<number>();
  let bytes = 0;
  for (const { op, ctx } of assigned) {
    const b = ctx.inputs[1];
    if (op.kind !== "matmul" || !b?.isWeight || seen.has(b.tensor)) continue;
    seen.add(b.tensor);
    bytes += b.bytes;
  }
  return bytes;
}

/** An analog/digital IMC's capacity in weights of a given precision (for docs and checks). */
export function imcWeightCapacity(spec: Pick<ImcSpec, "rows" | "cols" | "arrays" | "cellBits">, p: Precision): number {
  return (spec.rows * spec.cols * spec.arrays) / Math.ceil(bitsOf(p) / spec.cellBits);
}
