/**
 * Error bars from the energy tables' own confidence. Every priced action of a Result (and its
 * leakage) belongs to one uncertain table number, a *group*: the SRAM curve, an arithmetic precision's
 * entries, the instruction overhead, an off-chip memory kind, a unit's device figures. Each group
 * has a confidence (hardware-models/technology/source.ts: high = read in the primary source, medium
 * = secondary or derived, low = best-known value without a readable source) and so a range:
 *
 *   the true value is nominal x f, f log-uniform on [1/k, k], k = RANGE_FACTORS[confidence]
 *
 * high k = 1.1, medium k = 1.3, low k = 2 (a factor of two either way covers the 4x spread the
 * peers' defaults show for one entry, DESIGN.md "Defaults that disagree by 4x"). Log-uniform keeps
 * the nominal value the median of each factor. One factor per group per sample, shared by every
 * action and every design point that uses the number (it is one number in one table), so fronts
 * are compared under the same draw.
 *
 * Energy is linear in the prices (Result.breakdown.byAction: counts x price), so a sample reprices
 * the nominal run's groups: E = sum_g E_g f_g; latency does not depend on the table and stays. The
 * metrics resampled are energyJ, averagePowerW (E / t) and edpJs (E t); peak power and the rest
 * stay nominal. The whole chip's lines (breakdown.byComponent) are grouped by the table number they
 * rest on (componentGroup); whatever of the total no group explains (a term a later model adds) is
 * a group of its own, "other", with low confidence.
 */
import { ADD_ENERGY_45NM, INSTRUCTION_OVERHEAD_45NM, MULT_ENERGY_45NM } from "../hardware-models/technology/operation-energy.js";
import { MEMORY_KINDS, memoryKindInfo, type OffChipKind } from "../hardware-models/technology/memory-kinds.js";
import { FLIP_FLOP_ACTIVE_40NM, GLOBAL_CLOCK_PF_PER_MM2, ROUTER_32NM, WIRE_PF_PER_MM } from "../hardware-models/chip/components.js";
import { isPrecision } from "../workloads/precision.js";
import type { Sourced } from "../hardware-models/technology/source.js";
import type { Design } from "../hardware-models/design.js";
import type { Result } from "./result.js";
import { mulberry32 } from "../common/random.js";

export type Confidence = Sourced["confidence"];

/** k of each confidence: the range is [nominal / k, nominal x k]. */
export const RANGE_FACTORS: Readonly<Record<Confidence, number>> = { high: 1.1, medium: 1.3, low: 2 };

/** The uncertain numbers a run's energy depends on, with their nominal energy in this run. */
export interface EnergyGroup {
  name: string;
  confidence: Confidence;
  energyJ: number;
}

const ORDER: Record<Confidence, number> = { low: 0, medium: 1, high: 2 };
const weakest = (...c: Confidence[]): Confidence => c.reduce((a, b) => (ORDER[a] <= ORDER[b] ? a : b));

/** An arithmetic action (`mac.int8`, `add.fp16`, `shift-add.int32`): its precision's add and multiply entries. */
function arithmetic(action: string): { group: string; confidence: Confidence } | undefined {
  const m = /^(?:mac|add|mul|mult|max|copy|dot|shift-add)\.([a-z0-9]+)$/.exec(action);
  if (!m || !isPrecision(m[1]!)) return undefined;
  const p = m[1]!;
  return { group: `arithmetic.${p}`, confidence: weakest(ADD_ENERGY_45NM[p].confidence, MULT_ENERGY_45NM[p].confidence) };
}

/**
 * The SRAM curve: its 8 KB point is read in the source (SRAM_CURVE_SOURCE, high) but its 32 KB and
 * 1 MB points are a transcription (medium), and buffers sit between them: the curve is medium.
 */
const SRAM_GROUP = { group: "sram", confidence: "medium" } as const satisfies { group: string; confidence: Confidence };

/** Which table number a priced action's energy rests on, and how sure the table is of it. */
export function actionGroup(design: Design, key: string): { group: string; confidence: Confidence } {
  for (const level of design.memory) {
    if (key !== `${level.name}.read` && key !== `${level.name}.write`) continue;
    const source = key.endsWith(".read") ? level.sources.readEnergy : level.sources.writeEnergy;
    if (source.startsWith("design file")) return { group: key, confidence: "high" };
    if (level.kind === "sram") return SRAM_GROUP;
    return { group: `memory.${level.kind}`, confidence: MEMORY_KINDS[level.kind as OffChipKind].energyPjPerBit.confidence };
  }
  for (const unit of design.units) {
    if (!key.startsWith(`${unit.name}.`)) continue;
    const name = key.slice(unit.name.length + 1);
    const action = unit.actions.list.find((a) => a.name === name);
    if (!action) break;
    if (action.origin === "user") return { group: key, confidence: "high" };
    if (action.origin === "calibrated") return { group: key, confidence: "medium" };
    if (action.per === "byte") return SRAM_GROUP;
    if (action.per === "instruction") return { group: "instruction", confidence: INSTRUCTION_OVERHEAD_45NM.confidence };
    return arithmetic(name) ?? { group: `${unit.kind}.${name}`, confidence: "low" };
  }
  return { group: key, confidence: "low" };
}

/** A Result's energy split into uncertain groups (leakage and the unexplained rest included); they sum to energyJ. */
export function energyGroups(design: Design, result: Result): EnergyGroup[] {
  const groups = new Map<string, EnergyGroup>();
  const add = (name: string, confidence: Confidence, energyJ: number) => {
    const g = groups.get(name);
    if (g) g.energyJ += energyJ;
    else groups.set(name, { name, confidence, energyJ });
  };
  let explained = 0;
  for (const [key, { energyPj }] of Object.entries(result.breakdown.byAction)) {
    const { group, confidence } = actionGroup(design, key);
    add(group, confidence, energyPj * 1e-12);
    explained += energyPj * 1e-12;
  }
  // Leakage: one density per node and flavor times area (hardware-models/technology/area.ts), low confidence.
  const leakageJ = result.leakageEnergyPj * 1e-12;
  add("leakage", "low", leakageJ);
  explained += leakageJ;
  // The whole chip's lines (sim/chip-energy.ts), each with the confidence of the number it rests on.
  for (const [name, { energyPj }] of Object.entries(result.breakdown.byComponent)) {
    const { group, confidence } = componentGroup(design, name);
    add(group, confidence, energyPj * 1e-12);
    explained += energyPj * 1e-12;
  }
  // The design's system static power: a number the design file (or a calibration) states.
  if (result.systemEnergyPj > 0) {
    add("system", "medium", result.systemEnergyPj * 1e-12);
    explained += result.systemEnergyPj * 1e-12;
  }
  const rest = result.energyJ - explained;
  if (Math.abs(rest) > 1e-9 * result.energyJ) add("other", "low", rest);
  return [...groups.values()].sort((a, b) => b.energyJ - a.energyJ);
}

/** Draws of the group factors: sample s gives every group name its factor, the same for every point. */
export class FactorDraws {
  private readonly factors = new Map<string, Float64Array>();
  constructor(readonly samples: number, readonly seed: number, readonly ranges: Readonly<Record<Confidence, number>> = RANGE_FACTORS) {}

  /** The factors of one group (seeded by the seed and the group's name, so adding a group changes no other). */
  of(group: string, confidence: Confidence): Float64Array {
    const key = `${group}|${confidence}`;
    let f = this.factors.get(key);
    if (!f) {
      let h = this.seed >>> 0;
      for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 2654435761) >>> 0;
      const random = mulberry32(h);
      const logK = Math.log(this.ranges[confidence]);
      f = new Float64Array(this.samples);
      for (let s = 0; s < this.samples; s++) f[s] = Math.exp((2 * random() - 1) * logK);
      this.factors.set(key, f);
    }
    return f;
  }

  /** Energy of each sample: sum over groups of nominal x factor. */
  energies(groups: readonly EnergyGroup[]): Float64Array {
    const out = new Float64Array(this.samples);
    for (const g of groups) {
      const f = this.of(g.name, g.confidence);
      for (let s = 0; s < this.samples; s++) out[s]! += g.energyJ * f[s]!;
    }
    return out;
  }
}

export interface Interval {
  nominal: number;
  mean: number;
  low: number;
  median: number;
  high: number;
}

/** The central `level` interval (default 95%) of samples, with the nominal value and mean. */
export function interval(nominal: number, samples: ArrayLike<number>, level = 0.95): Interval {
  const sorted = Float64Array.from(samples).sort();
  const q = (p: number) => {
    const x = p * (sorted.length - 1);
    const i = Math.floor(x);
    return i + 1 < sorted.length ? sorted[i]! + (sorted[i + 1]! - sorted[i]!) * (x - i) : sorted[i]!;
  };
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { nominal, mean, low: q((1 - level) / 2), median: q(0.5), high: q(1 - (1 - level) / 2) };
}

export const UNCERTAIN_METRICS = ["energyJ", "averagePowerW", "edpJs"] as const;
export type UncertainMetric = (typeof UNCERTAIN_METRICS)[number];

/** Samples of the energy-dependent metrics of one run (average power and EDP scale with its energy). */
export function sampleMetrics(groups: readonly EnergyGroup[], nominal: { energyJ: number; averagePowerW: number; latencySeconds: number }, draws: FactorDraws): Record<UncertainMetric, Float64Array> {
  const energyJ = draws.energies(groups);
  return { energyJ, averagePowerW: energyJ.map((e) => (nominal.averagePowerW * e) / nominal.energyJ), edpJs: energyJ.map((e) => e * nominal.latencySeconds) };
}

/** Monte Carlo over the energy tables' ranges for one run: an interval per energy-dependent metric, and the groups. */
export function energyUncertainty(design: Design, result: Result, options: { samples: number; seed: number; level?: number; ranges?: Record<Confidence, number> }): { metrics: Record<UncertainMetric, Interval>; groups: EnergyGroup[] } {
  const groups = energyGroups(design, result);
  const draws = new FactorDraws(options.samples, options.seed, options.ranges);
  const s = sampleMetrics(groups, result, draws);
  const nominal: Record<UncertainMetric, number> = { energyJ: result.energyJ, averagePowerW: result.averagePowerW, edpJs: result.energyJ * result.latencySeconds };
  return {
    metrics: { energyJ: interval(nominal.energyJ, s.energyJ, options.level), averagePowerW: interval(nominal.averagePowerW, s.averagePowerW, options.level), edpJs: interval(nominal.edpJs, s.edpJs, options.level) },
    groups,
  };
}

/** The uncertain table number a whole-chip line rests on, and its confidence. */
export function componentGroup(design: Design, line: string): { group: string; confidence: Confidence } {
  const [head, ...rest] = line.split(".");
  const tail = rest.join(".");
  const entry = (key: string, table: Confidence): { group: string; confidence: Confidence } => {
    const origin = design.energy.entry(key)?.origin;
    return { group: key, confidence: origin === "user" ? "high" : origin === "calibrated" ? "medium" : table };
  };
  const kindOf = (level: string) => design.memory.find((l) => l.name === level)?.kind;
  switch (head) {
    case "clock":
      return tail === "global" ? { group: "chip.clock-tree", confidence: GLOBAL_CLOCK_PF_PER_MM2.confidence } : entry("chip.flip-flop", FLIP_FLOP_ACTIVE_40NM.confidence);
    case "noc":
      return entry("chip.wire", weakest(WIRE_PF_PER_MM.confidence, ROUTER_32NM.confidence));
    case "phy": {
      const kind = kindOf(tail);
      const phy = kind && kind !== "sram" ? memoryKindInfo(kind).phy : undefined;
      return kind && kind !== "sram" && phy ? entry(`phy.${kind}`, phy.pjPerBit.confidence) : { group: line, confidence: "low" };
    }
    case "dram-activation":
    case "dram-background": {
      const kind = kindOf(tail);
      const device = kind && kind !== "sram" ? memoryKindInfo(kind).device : undefined;
      if (!device) return { group: line, confidence: "low" };
      return { group: `${head}.${kind}`, confidence: head === "dram-activation" ? device.activatePj.confidence : weakest(device.standbyW.confidence, device.refreshW.confidence) };
    }
    case "uncore":
      // The PLL and SerDes come from tool constants (medium); a block the design names carries its own source.
      return tail === "pll" || tail === "serdes" ? { group: line, confidence: "medium" } : { group: line, confidence: "high" };
    case "leakage":
      return { group: "leakage", confidence: "low" };
    default:
      // power-gating transitions (break-even from a range in the literature) and idle time (a mix of the above).
      return { group: head!, confidence: "low" };
  }
}
