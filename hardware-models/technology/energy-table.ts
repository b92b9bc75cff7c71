/**
 * The per-design energy table: every primitive action's energy at the design's node and voltage,
 * with the source of each number, after the user's overrides. Precedence: a value in the design
 * file's `energy:` section beats a calibrated value (later: calibration writes the same section),
 * which beats the scaled base table.
 */
import { PRECISION_NAMES, type Precision } from "../../workloads/precision.js";
import { ADD_ENERGY_45NM, INSTRUCTION_OVERHEAD_45NM, MULT_ENERGY_45NM, ACCUMULATOR } from "./operation-energy.js";
import { sramEnergy45nmPjPerByte, SRAM_CURVE_SOURCE } from "./sram-energy.js";
import { energyScaleFrom45nm, type Flavor } from "./node-scaling.js";

export interface EnergyEntry {
  valuePj: number;
  /** "table" (scaled from the cited base), "user" (design file). */
  origin: "table" | "user";
  source: string;
}

export interface OperatingPoint {
  nodeNm: number;
  voltageV: number;
  flavor: Flavor;
}

export class EnergyTable {
  readonly scale: number;
  private readonly entries = new Map<string, EnergyEntry>();

  constructor(readonly point: OperatingPoint, overridesPj: Readonly<Record<string, number>> = {}) {
    this.scale = energyScaleFrom45nm(point.nodeNm, point.voltageV, point.flavor);
    const scaled = `scaled from 45 nm/0.9 V by Stillmaker & Baas 2017 energy factor x${this.scale.toPrecision(4)}`;
    for (const p of PRECISION_NAMES) {
      this.entries.set(`add.${p}`, { valuePj: ADD_ENERGY_45NM[p].value * this.scale, origin: "table", source: `${ADD_ENERGY_45NM[p].source}; ${scaled}` });
      this.entries.set(`mult.${p}`, { valuePj: MULT_ENERGY_45NM[p].value * this.scale, origin: "table", source: `${MULT_ENERGY_45NM[p].source}; ${scaled}` });
    }
    for (const p of PRECISION_NAMES) {
      const acc = ACCUMULATOR[p];
      this.entries.set(`mac.${p}`, {
        valuePj: this.get(`mult.${p}`) + this.get(`add.${acc}`),
        origin: "table",
        source: `mult.${p} + add.${acc} (accumulator)`,
      });
    }
    this.entries.set("instruction", {
      valuePj: INSTRUCTION_OVERHEAD_45NM.value * this.scale, origin: "table", source: `${INSTRUCTION_OVERHEAD_45NM.source}; ${scaled}`,
    });
    for (const [key, valuePj] of Object.entries(overridesPj)) {
      this.entries.set(key, { valuePj, origin: "user", source: "design file energy section" });
    }
    // A user's MAC value wins over the sum of its parts, but a user's mult/add feeds the MAC sum.
    for (const p of PRECISION_NAMES) {
      if (overridesPj[`mac.${p}`] !== undefined) continue;
      if (overridesPj[`mult.${p}`] !== undefined || overridesPj[`add.${ACCUMULATOR[p]}`] !== undefined) {
        this.entries.set(`mac.${p}`, {
          valuePj: this.get(`mult.${p}`) + this.get(`add.${ACCUMULATOR[p]}`), origin: "user", source: `mult.${p} + add.${ACCUMULATOR[p]} (user-overridden parts)`,
        });
      }
    }
  }

  /** Known entry keys (for validating a design's `energy:` section). */
  static keys(): string[] {
    return [...PRECISION_NAMES.flatMap((p) => [`add.${p}`, `mult.${p}`, `mac.${p}`]), "instruction"];
  }

  get(key: string): number {
    const e = this.entries.get(key);
    if (!e) throw new Error(`no energy entry ${key}`);
    return e.valuePj;
  }

  entry(key: string): EnergyEntry | undefined {
    return this.entries.get(key);
  }

  macPj(p: Precision): number {
    return this.get(`mac.${p}`);
  }

  /** SRAM read/write energy per byte for an on-chip array of `capacityBytes` at this design's point. */
  sramPjPerByte(capacityBytes: number): number {
    return sramEnergy45nmPjPerByte(capacityBytes) * this.scale;
  }

  sramSource(capacityBytes: number): string {
    return `${SRAM_CURVE_SOURCE.source}; interpolated at ${capacityBytes} B; scaled x${this.scale.toPrecision(4)}`;
  }

  /** Entries a result cites (everything in the table), sorted by key. */
  list(): { key: string; valuePj: number; origin: string; source: string }[] {
    return [...this.entries.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, e]) => ({ key, ...e }));
  }
}
