/**
 * Vector DSP with a baseline ISA (SIMD lanes, one ALU slot and one load/store slot per cycle):
 * softmax, layernorm/RMSNorm, GELU, SiLU, residual adds and (slowly) matmuls lower to instruction
 * counts per element and per row.
 *
 * Instruction table (cycles per vector instruction; energy per active lane = the primitive's
 * energy from the technology table + register-file accesses at the RF's SRAM energy). Functions the
 * baseline ISA lacks are instruction sequences:
 *   exp(x)   Cody-Waite range reduction (x*log2e: 1 mul; floor and subtract: 2 add-class) + degree-4
 *            Horner polynomial for 2^f (4 mac) + exponent insert (1 add-class)    = 1 mul 3 add 4 mac
 *   1/x      bit-trick/LUT seed (1 add-class) + 2 Newton-Raphson steps y(2 - xy) (per step 1 mac + 1 mul)
 *   1/sqrt x seed (1 add) + x/2 (1 mul) + 2 NR steps y(1.5 - (x/2) y^2) (per step 2 mul + 1 mac)
 * A design may give any of exp / reciprocal / rsqrt as native instructions in `instructions:`,
 * and the lowering then uses them (attention-specific instructions build on this).
 *
 * Lowerings (per element unless "per row"; L = lanes at the op's precision, v = ceil(cols/L)):
 *   softmax     max; sub, exp, add (accumulate); mul by 1/sum        per row: 2 log2(L) reductions, 1 reciprocal
 *   layernorm   add (sum), mac (sum of squares); sub, mul, mac      per row: 2 log2(L) reductions, 2 mul + 1 mac, 1 rsqrt
 *   rmsnorm     mac; mul, mul                                        per row: log2(L) reduction, 1 mul, 1 rsqrt
 *   gelu (tanh) 6 mul, 2 mac, 2 add, exp, reciprocal (0.5x(1+tanh(c(x+0.044715x^3))), tanh via exp)
 *   silu        x / (1 + exp(-x)): 1 add, 1 mul, exp, reciprocal
 *   add/mul/relu 1 add / 1 mul / 1 max;  copy: loads and stores only
 *   matmul      m*n*k mac lane-ops, vectorised along n
 * Each vector instruction also pays the per-instruction overhead (fetch/decode/control) of the
 * energy table. Loads and stores move bytes between the DSP's local memory and the registers
 * (priced at the local memory's SRAM energy) in their own slot, overlapped with the ALU.
 *
 * Traffic to home levels: inputs are read and outputs written once when a row (plus its output)
 * fits in half the local memory; otherwise softmax streams the row three times (max, exp-sum,
 * normalise: the exponentials are written out and read back) and the norms twice; the passes after
 * the first, and the exponentials, go to the innermost on-chip shared level that holds a row (the
 * L2 or global buffer the first pass staged it through), or home when there is none. Matmul keeps
 * B resident when it fits in half the local memory, otherwise re-reads B for every block of A rows
 * that fits in the other quarter.
 */
import { matmulOutputElements, opMacs, type ElementwiseFn, type MatmulOp, type Op, type OpKind } from "../../workloads/trace.js";
import { convDims, convInputFootprintElements } from "../../workloads/conv.js";
import { colsInBlockCol, expandMask, maskDensity, rowsInBlockRow } from "../../workloads/sparsity.js";
import { bitsOf, bytesFor, perPrecision, precisionFits, PRECISION_NAMES, type Precision } from "../../workloads/precision.js";
import { macAreaMm2, sramAreaMm2, leakagePowerW } from "../technology/area.js";
import { ACCUMULATOR } from "../technology/operation-energy.js";
import { actionTable, chargeFetch, FEASIBLE, innerLevelHolding, UNIT_COMMON_PROPERTIES, zeroCost, type ActionPrice, type Feasibility, type ResolvedUnitBase, type UnitCost, type UnitModel } from "../unit-model.js";
import { parsePositiveQuantity, parseQuantity, QUANTITY } from "../../common/quantity.js";
import { NumberEnum, OptionalFields, QuantityString, StringEnum } from "../../common/schema.js";
import { Type } from "@sinclair/typebox";
import { keyedMemo, ownedMemo } from "../../common/memo.js";
import { InputError } from "../../common/input-error.js";
import type { EnergyTable } from "../technology/energy-table.js";
import { gradientLowering, TRAINING_ELEMENTWISE_LOWERING } from "./vector-dsp-training.js";

/** Baseline instructions every DSP has. */
export const BASE_INSTRUCTIONS = ["add", "mul", "mac", "max", "copy"] as const;
/**
 * Optional instructions: functions (exp, 1/x, 1/sqrt x) and attention-specific fused instructions
 * (softmaxStep: subtract-exp-accumulate; onlineSoftmax: one-pass running-max update as in Milakov &
 * Gimelshein 2018 / FlashAttention; layernormStep: (x - mean) * rstd * gamma + beta; dot: 4-way
 * int8 dot product into 32-bit lanes, as Arm SDOT / Hexagon VRMPY). A design lists the ones it has
 * under `instructions:`; the others are lowered to base-instruction sequences (or, for the fused
 * ones, not used).
 */
export const FUNCTION_INSTRUCTIONS = ["exp", "reciprocal", "rsqrt", "softmaxStep", "onlineSoftmax", "layernormStep", "dot"] as const;
export type BaseInstruction = (typeof BASE_INSTRUCTIONS)[number];
export type FunctionInstruction = (typeof FUNCTION_INSTRUCTIONS)[number];
export type Instruction = BaseInstruction | FunctionInstruction;
export const ALL_INSTRUCTIONS = [...BASE_INSTRUCTIONS, ...FUNCTION_INSTRUCTIONS] as const;

export function isBaseInstruction(i: Instruction): i is BaseInstruction {
  switch (i) {
    case "add":
    case "mul":
    case "mac":
    case "max":
    case "copy":
      return true;
    default:
      return false;
  }
}

/**
 * What each optional instruction does, as a sequence of other instructions (recursively down to the
 * base ISA): the lowering when the DSP lacks it, and its default energy when it has it (a fused
 * instruction costs its parts' arithmetic once, with one register-file round trip instead of one
 * per part: compound actions are built from primitive ones).
 */
export const FUNCTION_SEQUENCES: Record<FunctionInstruction, Mix> = {
  exp: { mul: 1, add: 3, mac: 4 },
  reciprocal: { add: 1, mac: 2, mul: 2 },
  rsqrt: { add: 1, mul: 5, mac: 2 },
  softmaxStep: { add: 2, exp: 1 },
  onlineSoftmax: { max: 1, add: 2, exp: 2, mul: 1 },
  layernormStep: { add: 1, mul: 1, mac: 1 },
  dot: { mac: 1 },
};

/** Instruction mix: how many of each instruction (absent: none). */
export type Mix = Partial<Record<Instruction, number>>;

/** The instructions of a mix with their counts, in ISA order (zeros left out). */
export function mixEntries(mix: Mix): [Instruction, number][] {
  const out: [Instruction, number][] = [];
  for (const instr of ALL_INSTRUCTIONS) {
    const n = mix[instr];
    if (n) out.push([instr, n]);
  }
  return out;
}

/** Base instructions of an instruction's full expansion. */
export function baseExpansion(instr: Instruction): Partial<Record<BaseInstruction, number>> {
  if (isBaseInstruction(instr)) return { [instr]: 1 };
  const out: Partial<Record<BaseInstruction, number>> = {};
  for (const [part, count] of mixEntries(FUNCTION_SEQUENCES[instr])) {
    for (const base of BASE_INSTRUCTIONS) {
      const n = baseExpansion(part)[base];
      if (n) out[base] = (out[base] ?? 0) + count * n;
    }
  }
  return out;
}

export interface Lowering {
  perElement: Mix;
  perRow: Mix;
  /** Horizontal reductions per row (each log2(lanes) add/max steps). */
  reductionsPerRow: number;
  /** Times the input streams from its home level when a row does not fit locally. */
  passesIfSpilled: number;
  /** Intermediate bytes written and re-read per pass beyond the first (softmax's exponentials). */
  spillsIntermediate: boolean;
}

const ELEMENTWISE_LOWERING: Record<ElementwiseFn, Mix> = {
  add: { add: 1 },
  mul: { mul: 1 },
  max: { max: 1 },
  relu: { max: 1 },
  exp: { exp: 1 },
  // log(1 + exp(x)): exp, add, and a log by the same range-reduction + polynomial scheme as exp.
  softplus: { exp: 2, add: 1 },
  copy: {},
  gelu: { mul: 6, mac: 2, add: 2, exp: 1, reciprocal: 1 },
  silu: { add: 1, mul: 1, exp: 1, reciprocal: 1 },
  ...TRAINING_ELEMENTWISE_LOWERING,
};

/** The lowering of an op; `has` says which optional instructions the DSP implements natively. */
export function lowering(op: Op, has: (i: FunctionInstruction) => boolean = () => false): Lowering {
  if ("grad" in op && op.grad) return gradientLowering(op);
  switch (op.kind) {
    case "softmax":
      // One pass with a running max (online softmax), or max then fused subtract-exp-sum, or the
      // baseline three passes; all end with a multiply by 1/sum.
      if (has("onlineSoftmax")) return { perElement: { onlineSoftmax: 1, mul: 1 }, perRow: { reciprocal: 1 }, reductionsPerRow: 2, passesIfSpilled: 2, spillsIntermediate: true };
      if (has("softmaxStep")) return { perElement: { max: 1, softmaxStep: 1, mul: 1 }, perRow: { reciprocal: 1 }, reductionsPerRow: 2, passesIfSpilled: 3, spillsIntermediate: true };
      return { perElement: { max: 1, add: 2, exp: 1, mul: 1 }, perRow: { reciprocal: 1 }, reductionsPerRow: 2, passesIfSpilled: 3, spillsIntermediate: true };
    case "layernorm":
      if (op.norm === "rms") return { perElement: { mac: 1, mul: 2 }, perRow: { mul: 1, rsqrt: 1 }, reductionsPerRow: 1, passesIfSpilled: 2, spillsIntermediate: false };
      if (has("layernormStep")) return { perElement: { add: 1, mac: 1, layernormStep: 1 }, perRow: { mul: 2, mac: 1, rsqrt: 1 }, reductionsPerRow: 2, passesIfSpilled: 2, spillsIntermediate: false };
      return { perElement: { add: 2, mac: 2, mul: 1 }, perRow: { mul: 2, mac: 1, rsqrt: 1 }, reductionsPerRow: 2, passesIfSpilled: 2, spillsIntermediate: false };
    case "elementwise":
      return { perElement: ELEMENTWISE_LOWERING[op.fn], perRow: {}, reductionsPerRow: 0, passesIfSpilled: 1, spillsIntermediate: false };
    case "matmul":
      return { perElement: has("dot") ? { dot: 1 } : { mac: 1 }, perRow: {}, reductionsPerRow: 0, passesIfSpilled: 1, spillsIntermediate: false };
    case "gather":
      // Rows move through loads and stores; one address computation per row.
      return { perElement: {}, perRow: { add: 1 }, reductionsPerRow: 0, passesIfSpilled: 1, spillsIntermediate: false };
    case "sort": {
      // Compare-exchange network: ceil(log2 k) (top-k selection) or ceil(log2 n) (full sort)
      // compare-and-move steps per key (bitonic-style vectorised sort).
      const steps = Math.ceil(Math.log2(Math.max(2, op.topk ?? op.length)));
      return { perElement: { max: steps, copy: steps }, perRow: {}, reductionsPerRow: 0, passesIfSpilled: 1, spillsIntermediate: false };
    }
    case "scan":
      // Per (token, channel, state): dA = dt*A (mul), exp(dA), dB*x (mul), h = exp(dA) h + dBx (mac), y += C h (mac).
      return { perElement: { mul: 2, exp: 1, mac: 2 }, perRow: {}, reductionsPerRow: 0, passesIfSpilled: 1, spillsIntermediate: false };
    case "collective":
      throw new Error("a DSP does not run collectives (a link unit does)");
    default: {
      const never: never = op;
      throw new Error(`unknown op ${(never as Op).kind}`);
    }
  }
}

/**
 * What the DSP iterates over for an op with L lanes: rows (per-row work and reductions), elements
 * (lane-ops of per-element work) and vector instructions per per-element instruction. Block-sparse
 * softmax and matmul iterate over kept blocks only.
 */
export interface IterationSpace {
  rows: number;
  elements: number;
  vectors: number;
  /** Elements of one row (for the does-a-row-fit-locally test). */
  rowElements: number;
}

export function iterationSpace(op: Op, L: number): IterationSpace {
  const dense = (rows: number, cols: number): IterationSpace => ({ rows, elements: rows * cols, vectors: rows * Math.ceil(cols / L), rowElements: cols });
  switch (op.kind) {
    case "softmax": {
      if (!op.sparsity) return dense(op.rows * op.batchCount, op.cols);
      const g = expandMask(op.sparsity.mask);
      let vectors = 0, widest = 0;
      for (let r = 0; r < g.rowBlocks; r++) {
        let cols = 0;
        for (let c = 0; c < g.colBlocks; c++) if (g.cells[r * g.colBlocks + c]) cols += colsInBlockCol(g, c);
        vectors += rowsInBlockRow(g, r) * Math.ceil(cols / L);
        widest = Math.max(widest, cols);
      }
      return { rows: op.rows * op.batchCount, elements: g.nnzElements * op.batchCount, vectors: vectors * op.batchCount, rowElements: widest };
    }
    case "layernorm":
      return dense(op.rows, op.cols);
    case "elementwise":
      return dense(1, op.elements);
    case "gather":
      return dense(op.rows, op.cols);
    case "sort":
      return dense(op.batchCount, op.length);
    case "scan":
      return dense(op.batchCount * op.length, op.channels * op.state);
    case "matmul": {
      if (!op.sparsity) return dense(op.batchCount * op.m * op.k, op.n);
      const macs = opMacs(op);
      return { rows: 0, elements: macs, vectors: Math.ceil(macs / L), rowElements: op.n };
    }
    case "collective":
      throw new Error("a DSP does not run collectives (a link unit does)");
    default: {
      const never: never = op;
      throw new Error(`unknown op ${(never as Op).kind}`);
    }
  }
}

/**
 * Home-level bytes of a conv's input (one group) on a DSP: a line buffer of windowH input rows
 * (each inW x channels) in a quarter of local memory (the share an A row block gets) turns the
 * im2col rows into sliding windows over rows fetched once (the input footprint, workloads/conv.ts);
 * without room for it, the im2col rows are fetched as a GEMM's A.
 */
function convHomeBytes(spec: DspSpec, op: MatmulOp, p: Precision): number {
  const d = convDims(op.conv!);
  const lineBufferBytes = bytesFor(d.windowH * d.inW * d.channelsPerGroup, p);
  const elements = lineBufferBytes <= spec.localMemoryBytes / 4 ? convInputFootprintElements(op.conv!, op.m, op.k) : op.m * op.k;
  return bytesFor(elements, p);
}

/** Elements the op produces (its output, before any sparsity packing). */
function outputElements(op: Op, space: IterationSpace): number {
  switch (op.kind) {
    case "matmul":
      return matmulOutputElements(op);
    case "sort":
      return (op.topk ?? op.length) * op.batchCount;
    case "scan":
      return op.length * op.channels * op.batchCount;
    default:
      return space.elements;
  }
}

/** Elements of the op's first (streamed) input. */
function primaryInputElements(op: Op, space: IterationSpace): number {
  switch (op.kind) {
    case "scan":
      return op.length * op.channels * op.batchCount;
    default:
      return space.elements;
  }
}

export interface InstructionSpec {
  cycles: number;
  /** Energy per active lane at each precision, pJ (without the per-instruction overhead). */
  energyPjPerLane: Record<Precision, number>;
  native: boolean;
}

/** The DSP's fixed actions; its lane-ops are named "<instruction>.<precision>" (one per native instruction and precision). */
export type DspAction = "instruction" | "localRead" | "localWrite" | `${Instruction}.${Precision}`;

export interface DspSpec extends ResolvedUnitBase<string> {
  kind: "dsp";
  lanes: number;
  laneBits: LaneBits;
  subwordSimd: boolean;
  precisions: Precision[];
  localMemoryBytes: number;
  registerFileBytes: number;
  overlapLoadStore: boolean;
  instructions: Record<Instruction, InstructionSpec | undefined>;
  /** Identifies the instruction set for caching compiled lowerings (one number per distinct set). */
  signatureId: number;
}

/** The count index of an action the DSP always has, or of a lane-op it has (undefined when not native). */
function actionIndex(spec: DspSpec, id: DspAction): number | undefined {
  return spec.actions.index[id];
}

/** Lanes available at precision p. */
export function lanesAt(spec: Pick<DspSpec, "lanes" | "laneBits" | "subwordSimd">, p: Precision): number {
  const bits = bitsOf(p);
  if (!spec.subwordSimd || bits >= spec.laneBits) return spec.lanes;
  return spec.lanes * Math.floor(spec.laneBits / bits);
}

/** What an op computes in: its `computePrecision` (a precision policy's nonlinear precision), else its input's. */
function computedIn(op: Op, input: Precision): Precision {
  return (op.kind === "softmax" || op.kind === "layernorm") && op.computePrecision ? op.computePrecision : input;
}

/** The precision the DSP computes an op at: the narrowest supported one that holds the input. */
export function executionPrecision(spec: Pick<DspSpec, "precisions">, needed: Precision): Precision | undefined {
  let best: Precision | undefined;
  for (const p of spec.precisions) {
    if (precisionFits(needed, p) && (best === undefined || bitsOf(p) < bitsOf(best))) best = p;
  }
  return best;
}

/** Arithmetic energy of one base instruction on one lane (no register file): adds at `addP`. */
function baseLaneArithmetic(e: EnergyTable, instr: BaseInstruction, addP: Precision, p: Precision): number {
  switch (instr) {
    case "add":
    case "max":
      return e.get(`add.${addP}`);
    case "mul":
      return e.get(`mult.${p}`);
    case "mac":
      return e.get(`mult.${p}`) + e.get(`add.${addP}`);
    case "copy":
      return 0;
    default: {
      const never: never = instr;
      throw new Error(`unknown instruction ${String(never)}`);
    }
  }
}

function baseLaneEnergy(e: EnergyTable, instr: BaseInstruction, p: Precision, rfPjPerByte: number): number {
  const rf = (accesses: number) => accesses * bytesFor(1, p) * rfPjPerByte;
  switch (instr) {
    case "add":
    case "max":
      return e.get(`add.${p}`) + rf(3);
    case "mul":
      return e.get(`mult.${p}`) + rf(3);
    case "mac":
      return e.get(`mult.${p}`) + e.get(`add.${p}`) + rf(4);
    case "copy":
      return rf(2);
    default: {
      const never: never = instr;
      throw new Error(`unknown instruction ${String(never)}`);
    }
  }
}

export const LANE_BITS = [8, 16, 32, 64] as const;
const DSP_KINDS: readonly OpKind[] = ["matmul", "softmax", "layernorm", "elementwise", "gather", "sort", "scan"];
export type LaneBits = (typeof LANE_BITS)[number];

const instructionSchema = Type.Object({
  cycles: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  energyPerLane: Type.Optional(QuantityString()),
}, { additionalProperties: false });

export const dspSchema = Type.Object({
  kind: Type.Literal("dsp"),
  lanes: Type.Integer({ minimum: 1 }),
  laneBits: Type.Optional(NumberEnum(LANE_BITS)),
  subwordSimd: Type.Optional(Type.Boolean()),
  precisions: Type.Array(StringEnum(PRECISION_NAMES), { minItems: 1, uniqueItems: true }),
  localMemory: QuantityString(),
  registerFile: Type.Optional(QuantityString()),
  overlapLoadStore: Type.Optional(Type.Boolean()),
  instructions: Type.Optional(OptionalFields(ALL_INSTRUCTIONS, instructionSchema)),
  ...UNIT_COMMON_PROPERTIES,
}, { additionalProperties: false });

export const vectorDsp: UnitModel<typeof dspSchema, DspSpec> = {
  schema: dspSchema,

  resolve(user, env) {
    const at = (p: string) => ({ file: env.file, path: `${env.path}/${p}` });
    const { lanes, precisions } = user;
    const laneBits = user.laneBits ?? 32;
    const subwordSimd = user.subwordSimd ?? true;
    for (const [i, p] of precisions.entries()) {
      if (bitsOf(p) > laneBits) throw new InputError(env.file, { path: `${env.path}/precisions/${i}`, expected: `a precision of at most laneBits (${laneBits}) bits`, found: p });
    }
    const localMemoryBytes = parsePositiveQuantity(user.localMemory, QUANTITY.bytes, at("localMemory"));
    // 32 vector registers unless told otherwise (Hexagon HVX, Tensilica Vision and Helium have 8-32).
    const registerFileBytes = user.registerFile === undefined ? (32 * lanes * laneBits) / 8 : parsePositiveQuantity(user.registerFile, QUANTITY.bytes, at("registerFile"));
    const frequencyHz = user.frequency === undefined ? env.frequencyHz : parsePositiveQuantity(user.frequency, QUANTITY.frequencyHz, at("frequency"));
    const e = env.energy;
    const rfPjPerByte = e.sramPjPerByte(registerFileBytes);
    const userInstr = user.instructions ?? {};

    const instructions: Record<Instruction, InstructionSpec | undefined> = {
      add: undefined, mul: undefined, mac: undefined, max: undefined, copy: undefined,
      exp: undefined, reciprocal: undefined, rsqrt: undefined, softmaxStep: undefined, onlineSoftmax: undefined, layernormStep: undefined, dot: undefined,
    };
    for (const instr of ALL_INSTRUCTIONS) {
      const given = userInstr[instr];
      if (!isBaseInstruction(instr) && given === undefined) continue; // lowered to a sequence
      const givenPj = given?.energyPerLane === undefined ? undefined : parseQuantity(given.energyPerLane, QUANTITY.energyPj, at(`instructions/${instr}/energyPerLane`));
      const lanePj = (p: Precision): number => {
        if (givenPj !== undefined) return givenPj;
        if (isBaseInstruction(instr)) return baseLaneEnergy(e, instr, p, rfPjPerByte);
        // A native compound instruction without a stated energy: its parts' arithmetic once,
        // plus one register-file round trip (3 accesses) instead of one per part.
        const parts = baseExpansion(instr);
        let arithmetic = 0;
        for (const b of BASE_INSTRUCTIONS) arithmetic += (parts[b] ?? 0) * baseLaneArithmetic(e, b, instr === "dot" ? ACCUMULATOR[p] : p, p);
        return arithmetic + 3 * bytesFor(1, p) * rfPjPerByte;
      };
      const energyPjPerLane = perPrecision(lanePj);
      instructions[instr] = { cycles: given?.cycles ?? 1, energyPjPerLane, native: true };
    }

    const localPj = e.sramPjPerByte(localMemoryBytes);
    const local = (access: "read" | "write"): ActionPrice => ({
      name: `local.${access}`, energyPj: localPj, per: "byte", source: e.sramSource(localMemoryBytes), origin: "table", buffer: { name: "local", access },
    });
    const named: Partial<Record<DspAction, ActionPrice>> = {
      instruction: { name: "instruction", per: "instruction", ...e.priced("instruction") },
      localRead: local("read"),
      localWrite: local("write"),
    };
    for (const instr of ALL_INSTRUCTIONS) {
      const spec = instructions[instr];
      if (!spec) continue;
      const fromFile = userInstr[instr]?.energyPerLane !== undefined;
      for (const p of precisions) {
        named[`${instr}.${p}`] = {
          name: `${instr}.${p}`, energyPj: spec.energyPjPerLane[p], per: "op", origin: fromFile ? "user" : "table",
          source: fromFile ? "design file" : `${instr} lane energy from the technology table + ${registerFileBytes} B register file`,
        };
      }
    }
    const actions = actionTable<string>(named);

    const widest = precisions.reduce((a, b) => (bitsOf(b) > bitsOf(a) ? b : a));
    const narrowest = precisions.reduce((a, b) => (bitsOf(b) < bitsOf(a) ? b : a));
    const datapath = macAreaMm2(widest, env.nodeNm) * lanes;
    const storage = sramAreaMm2(localMemoryBytes + registerFileBytes, env.nodeNm);
    const areaMm2 = datapath + storage;
    return {
      name: env.name, kind: "dsp", frequencyHz, count: 1, actions, areaMm2,
      areaByComponentMm2: { datapath, storage },
      leakagePowerW: user.leakage === undefined ? leakagePowerW(areaMm2, env.voltageV) : parseQuantity(user.leakage, QUANTITY.powerW, at("leakage")),
      peakMacsPerCycle: lanesAt({ lanes, laneBits, subwordSimd }, narrowest),
      localBufferBytes: localMemoryBytes,
      lanes, laneBits, subwordSimd, precisions, localMemoryBytes, registerFileBytes,
      overlapLoadStore: user.overlapLoadStore ?? true,
      instructions,
      // What a compiled lowering depends on: lanes, the instructions present, their cycles, and where
      // their lane actions sit in the action table.
      signatureId: signatureIds.get(
        JSON.stringify([lanes, laneBits, subwordSimd, precisions, ALL_INSTRUCTIONS.map((i) => instructions[i]?.cycles ?? null), actions.list.map((a) => a.name)]),
        () => nextSignatureId++,
      ),
    };
  },

  kinds: DSP_KINDS,

  supports(op: Op) {
    return DSP_KINDS.includes(op.kind);
  },

  check(spec, op, ctx): Feasibility {
    const needed = computedIn(op, ctx.inputs[0]?.precision ?? ctx.output.precision);
    if (executionPrecision(spec, needed) === undefined) {
      return { ok: false, reason: { class: "precision", needed, supported: spec.precisions, reason: `${op.kind} ${op.id} needs ${needed}, and the DSP supports only ${spec.precisions.join(", ")}` } };
    }
    return FEASIBLE;
  },

  cost(spec, op, ctx, scratch): UnitCost {
    const cost = zeroCost(ctx.memory.length, spec.actions.list.length, scratch);
    const inPrecision = ctx.inputs[0]?.precision ?? ctx.output.precision;
    const p = executionPrecision(spec, computedIn(op, inPrecision));
    if (p === undefined) return cost;
    // A matmul accumulates in wide lanes: int8 MACs run at int32 lane width unless the DSP has a
    // dot-product instruction that packs four int8 MACs into each 32-bit lane.
    const L = op.kind === "matmul" && !spec.instructions.dot ? lanesAt(spec, ACCUMULATOR[p]) : lanesAt(spec, p);
    const space = iterationSpace(op, L);
    const compiled = compileLowering(spec, op, p, L);
    const low = compiled.lowering;
    const c = cost.counts;
    const instructionsIssued = space.vectors * compiled.perElement.instructions + space.rows * compiled.perRow.instructions;
    const aluCycles = space.vectors * compiled.perElement.cycles + space.rows * compiled.perRow.cycles;
    for (const [index, count] of compiled.perElement.laneOps) c[index]! += space.elements * count;
    for (const [index, count] of compiled.perRow.laneOps) c[index]! += space.rows * count;

    // Bytes in and out of the local memory (registers <-> local SRAM) and home levels.
    const inputs = ctx.inputs.length > 0 ? ctx.inputs : [ctx.output];
    const out = ctx.output;
    const outBytes = bytesFor(outputElements(op, space), out.precision);
    let localRead = 0;
    let homeReadTotal = 0;
    if (op.kind === "matmul") {
      const a = inputs[0]!, b = inputs[1]!;
      const density = op.sparsity ? maskDensity(expandMask(op.sparsity.mask)) : 1;
      const aBytes = bytesFor(op.m * op.k, a.precision) * (op.sparsity?.operand === "a" ? density : 1);
      const bBytes = bytesFor(op.k * op.n, b.precision);
      const rowBytes = bytesFor(op.k, a.precision);
      const rowsPerBlock = Math.max(1, Math.floor(spec.localMemoryBytes / 4 / rowBytes));
      const bPasses = op.fusion ? (op.fusion.inputPasses?.[1] ?? op.fusion.kvPasses) : bBytes <= spec.localMemoryBytes / 2 ? 1 : Math.ceil(op.m / rowsPerBlock);
      const aPasses = op.fusion?.inputPasses?.[0] ?? 1;
      const aHomeBytes = op.conv ? convHomeBytes(spec, op, a.precision) : aBytes;
      cost.read(a.level, aHomeBytes * aPasses * op.batchCount);
      chargeFetch(cost, ctx, b.level, bBytes * bPasses * op.batchCount, bBytes * op.batchCount);
      homeReadTotal = (aHomeBytes * aPasses + bBytes * bPasses) * op.batchCount;
      // Every MAC reads its B element from local memory; A elements are broadcast from registers.
      const macs = opMacs(op);
      localRead = bytesFor(macs, b.precision) + aBytes * op.batchCount;
      cost.macs = macs;
      for (const extra of inputs.slice(2)) {
        cost.read(extra.level, extra.bytes);
        homeReadTotal += extra.bytes;
      }
    } else {
      const rowBytes = bytesFor(space.rowElements, inPrecision) + bytesFor(space.rowElements, out.precision);
      const spilled = rowBytes > spec.localMemoryBytes / 2;
      const passes = spilled ? low.passesIfSpilled : 1;
      const primary = primaryInputElements(op, space);
      for (const [i, input] of inputs.entries()) {
        // The first input streams (elementwise ops stream every input); the others (norm scales,
        // scan parameters, sparse-layout indices) are read once, at most their tensor's size.
        const streamed = i === 0 || op.kind === "elementwise";
        const bytes = streamed ? bytesFor(primary, input.precision) : Math.min(input.bytes, bytesFor(primary, input.precision));
        // In a fused group, each input as often as the group's schedule reads it (0: on chip already).
        const reads = op.fusion?.inputPasses?.[i] ?? (i === 0 ? passes : 1);
        // A spilled row's passes after the first come from an on-chip level that holds the row
        // (the L2 / global buffer the first pass staged it in), else from home again.
        const stage = reads > 1 && input.level >= 0 ? innerLevelHolding(ctx.memory, input.level, rowBytes) : -1;
        if (stage >= 0) {
          cost.read(input.level, bytes);
          cost.write(stage, bytes);
          cost.read(stage, bytes * (reads - 1));
        } else cost.read(input.level, bytes * reads);
        homeReadTotal += bytes * reads;
        localRead += bytes * (i === 0 ? low.passesIfSpilled : 1);
      }
      if (spilled && low.spillsIntermediate) {
        const intermediate = bytesFor(space.elements, p);
        const stage = out.level >= 0 ? innerLevelHolding(ctx.memory, out.level, rowBytes) : -1;
        const level = stage >= 0 ? stage : out.level;
        cost.write(level, intermediate);
        cost.read(level, intermediate);
      }
    }
    const outputPasses = op.fusion?.outputPasses ?? 1;
    cost.write(out.level, outBytes * outputPasses);
    cost.read(out.level, outBytes * (outputPasses - 1));
    c[actionIndex(spec, "instruction")!] = instructionsIssued;
    // Local memory: written with what arrives from home levels, read into registers, then the
    // results are written back and read out to their level.
    c[actionIndex(spec, "localWrite")!] = homeReadTotal + outBytes;
    c[actionIndex(spec, "localRead")!] = localRead + outBytes;
    // Loads and stores move whole vector registers (lanes x laneBits), whatever the element width.
    const vectorBytes = (spec.lanes * spec.laneBits) / 8;
    const loadStoreCycles = Math.ceil((localRead + outBytes) / vectorBytes);
    cost.computeCycles = spec.overlapLoadStore ? Math.max(aluCycles, loadStoreCycles) : aluCycles + loadStoreCycles;
    return cost;
  },
};

/** An instruction mix resolved to this DSP: instructions and cycles per issue, lane-ops per action. */
interface CompiledMix {
  instructions: number;
  cycles: number;
  /** [action index, lane-ops per element (or per row)]. */
  laneOps: [number, number][];
}

interface CompiledLowering {
  perElement: CompiledMix;
  perRow: CompiledMix;
  /** The lowering it was compiled from (its passes and spills), so a cost does not lower again. */
  lowering: Lowering;
}

/** Compiled lowerings by op, then by the spec's instruction-set signature (designs in a sweep that
 *  differ only elsewhere share them; p and L follow from the two). */
const compiledLowerings = ownedMemo<Op, number, CompiledLowering>("dsp.compiled-lowering");
/** The same by the op's shape (what the lowering reads), for op objects seen for the first time. */
const loweringsByShape = keyedMemo<string, CompiledLowering>("dsp.compiled-lowering-by-shape", 4096);
/** A number per distinct instruction-set signature, so the per-op lookup hashes no string. */
const signatureIds = keyedMemo<string, number>("dsp.signature-id");
let nextSignatureId = 0;

/**
 * The lowering of an op, expanded into this DSP's instructions (native where it has them, baseline
 * sequences otherwise) at precision p with L lanes, per vector of elements and per row (with the
 * tree reductions). Cached per (spec, op): sweeps evaluate the same trace's ops many times.
 */
function compileLowering(spec: DspSpec, op: Op, p: Precision, L: number): CompiledLowering {
  // A growing op is costed at every step as a new object (opAtStep): remembered by object, each
  // step would add an entry no later cost reads (13% of a new design's gpt2-small 128 + 1,000
  // evaluation went on those stores and lookups), so it is found by shape only.
  const transient = op.repeat?.grow !== undefined;
  if (!transient) {
    const hit = compiledLowerings.lookup(op, spec.signatureId);
    if (hit) return hit;
  }
  // A new op object (a generation's step, a serving iteration's trace) with a known shape: by the
  // fields the lowering reads (kind, fn, norm, grad, sort width) with the precision and lanes.
  const sortWidth = op.kind === "sort" ? (op.topk ?? op.length) : 0;
  const key = `${spec.signatureId}|${p}|${L}|${op.kind}|${"fn" in op ? op.fn : ""}|${"norm" in op ? op.norm : ""}|${"grad" in op && op.grad ? 1 : 0}|${sortWidth}`;
  const compiled = loweringsByShape.lookup(key) ?? loweringsByShape.store(key, compileFresh(spec, op, p, L));
  return transient ? compiled : compiledLowerings.store(op, spec.signatureId, compiled);
}

function compileFresh(spec: DspSpec, op: Op, p: Precision, L: number): CompiledLowering {
  const low = lowering(op, (i) => spec.instructions[i] !== undefined);
  const compile = (mix: Mix, reductions: number): CompiledMix => {
    const out: CompiledMix = { instructions: 0, cycles: 0, laneOps: [] };
    const lane = new Map<number, number>();
    const add = (instr: Instruction, instructions: number, laneOps: number) => {
      const native = spec.instructions[instr];
      if (native) {
        out.instructions += instructions;
        out.cycles += instructions * native.cycles;
        const index = actionIndex(spec, `${instr}.${p}`)!;
        lane.set(index, (lane.get(index) ?? 0) + laneOps);
        return;
      }
      if (isBaseInstruction(instr)) throw new Error(`base instruction ${instr} missing from DSP ${spec.name}`);
      for (const [part, count] of mixEntries(FUNCTION_SEQUENCES[instr])) add(part, instructions * count, laneOps * count);
    };
    for (const [instr, count] of mixEntries(mix)) add(instr, count, count);
    if (reductions > 0 && L > 1) {
      // A tree reduction: log2(L) steps, L/2 + L/4 + ... = L - 1 active lane-ops.
      add("add", reductions * Math.ceil(Math.log2(L)), reductions * (L - 1));
    }
    out.laneOps = [...lane.entries()];
    return out;
  };
  return { perElement: compile(low.perElement, 0), perRow: compile(low.perRow, low.reductionsPerRow), lowering: low };
}

