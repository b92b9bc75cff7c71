/**
 * The per-design energy table: every primitive action's energy at the design's node and voltage,
 * with the source of each number, after overrides. Precedence, per entry: a value in the design
 * file's `energy:` section (origin "user") beats one in its `calibration.energy:` section (origin
 * "calibrated", written by `attnsim calibrate`), which beats the scaled base table ("table").
 *
 * Entries: `add.<p>`, `mult.<p>`, `mac.<p>` per precision and `instruction` (on-chip, scaled with
 * node and voltage), `dram.<kind>` / `flash.<kind>` per off-chip memory kind (pJ per bit, not
 * scaled: the memory has its own process and I/O supply), and the whole chip's per-action prices
 * (hardware-models/chip): `chip.flip-flop` and `chip.flip-flop-idle` (pJ per bit per cycle),
 * `chip.wire` (pJ per bit per mm), `chip.router` (pJ per bit per hop), `phy.<kind>` (pJ per bit). A unit's own actions and a memory level's
 * read/write energy are overridden by name in the same sections (hardware-models/design-loader.ts).
 */
import { PRECISION_NAMES, type Precision } from "../../workloads/precision.js";
import { ADD_ENERGY_45NM, INSTRUCTION_OVERHEAD_45NM, MULT_ENERGY_45NM, ACCUMULATOR } from "./operation-energy.js";
import { sramEnergy45nmPjPerByte, SRAM_CURVE_SOURCE } from "./sram-energy.js";
import { energyScaleFrom45nm, type Flavor } from "./node-scaling.js";
import { MEMORY_KINDS, OFF_CHIP_KINDS, memoryKindInfo, type OffChipKind } from "./memory-kinds.js";
import { energyFactor } from "./node-scaling.js";
import { ALADDIN_NODE, FLIP_FLOP_ACTIVE_40NM, FLIP_FLOP_IDLE_40NM, ROUTER_32NM, ROUTER_NODE, WIRE_ACTIVITY, WIRE_PF_PER_MM } from "../chip/components.js";

export type EnergyOrigin = "table" | "calibrated" | "user";

export interface EnergyEntry {
  /** pJ per op for arithmetic and instructions; pJ per bit for off-chip memory kinds. */
  valuePj: number;
  origin: EnergyOrigin;
  source: string;
}

export interface OperatingPoint {
  nodeNm: number;
  voltageV: number;
  flavor: Flavor;
}

/** Overrides by entry key, in the entry's own unit (pJ, or pJ/bit for memory kinds). */
export interface EnergyOverrides {
  user?: Readonly<Record<string, number>>;
  calibrated?: Readonly<Record<string, number>>;
}

/** The table key of an off-chip memory kind's access energy (pJ per bit). */
export function memoryKindKey(kind: OffChipKind): string {
  return `${MEMORY_KINDS[kind].writable ? "dram" : "flash"}.${kind}`;
}

/** The table key of a memory kind's PHY energy on the accelerator's die (pJ per bit). */
export function phyKey(kind: OffChipKind): string {
  return `phy.${kind}`;
}

/** Kinds with a PHY model (DRAMs; not flash). */
const PHY_KINDS = OFF_CHIP_KINDS.filter((k) => memoryKindInfo(k).phy !== undefined);

/** The whole chip's per-action entries (pJ per bit per cycle, per bit per mm, per bit per hop). */
export const CHIP_KEYS = ["chip.flip-flop", "chip.flip-flop-idle", "chip.wire", "chip.router"] as const;

const ORIGIN_SOURCE: Record<Exclude<EnergyOrigin, "table">, string> = {
  user: "design file energy section",
  calibrated: "design file calibration.energy section (attnsim calibrate)",
};

export class EnergyTable {
  readonly scale: number;
  private readonly entries = new Map<string, EnergyEntry>();

  constructor(readonly point: OperatingPoint, overrides: EnergyOverrides = {}) {
    this.scale = energyScaleFrom45nm(point.nodeNm, point.voltageV, point.flavor);
    const scaled = `scaled from 45 nm/0.9 V by Stillmaker & Baas 2017 energy factor x${this.scale.toPrecision(4)}`;
    for (const p of PRECISION_NAMES) {
      this.entries.set(`add.${p}`, { valuePj: ADD_ENERGY_45NM[p].value * this.scale, origin: "table", source: `${ADD_ENERGY_45NM[p].source}; ${scaled}` });
      this.entries.set(`mult.${p}`, { valuePj: MULT_ENERGY_45NM[p].value * this.scale, origin: "table", source: `${MULT_ENERGY_45NM[p].source}; ${scaled}` });
    }
    this.entries.set("instruction", {
      valuePj: INSTRUCTION_OVERHEAD_45NM.value * this.scale, origin: "table", source: `${INSTRUCTION_OVERHEAD_45NM.source}; ${scaled}`,
    });
    for (const kind of OFF_CHIP_KINDS) {
      const e = MEMORY_KINDS[kind].energyPjPerBit;
      this.entries.set(memoryKindKey(kind), { valuePj: e.value, origin: "table", source: e.source });
      const phy = memoryKindInfo(kind).phy;
      if (phy) this.entries.set(phyKey(kind), { valuePj: phy.pjPerBit.value, origin: "table", source: phy.pjPerBit.source });
    }
    // The whole chip: flip-flops from Aladdin's 40 nm library and routers from ISAAC's 32 nm figure,
    // scaled by the energy fits; wires as C V^2 (capacitance per mm barely moves with the node).
    const from = (ref: { nodeNm: number; voltageV: number }) => energyFactor(point.nodeNm, point.voltageV, point.flavor) / energyFactor(ref.nodeNm, ref.voltageV, "hp");
    const ff = from(ALADDIN_NODE), router = from(ROUTER_NODE);
    this.entries.set("chip.flip-flop", { valuePj: FLIP_FLOP_ACTIVE_40NM.value * ff, origin: "table", source: `${FLIP_FLOP_ACTIVE_40NM.source}; scaled from 40 nm / 0.9 V x${ff.toPrecision(4)}` });
    this.entries.set("chip.flip-flop-idle", { valuePj: FLIP_FLOP_IDLE_40NM.value * ff, origin: "table", source: `${FLIP_FLOP_IDLE_40NM.source}; scaled from 40 nm / 0.9 V x${ff.toPrecision(4)}` });
    this.entries.set("chip.wire", { valuePj: WIRE_ACTIVITY * WIRE_PF_PER_MM.value * point.voltageV ** 2, origin: "table", source: `${WIRE_PF_PER_MM.source}; activity ${WIRE_ACTIVITY} x C V^2 at ${point.voltageV} V` });
    this.entries.set("chip.router", { valuePj: ROUTER_32NM.value * router, origin: "table", source: `${ROUTER_32NM.source}; scaled from 32 nm / 0.9 V x${router.toPrecision(4)}` });
    // Calibrated values first, then the user's: the user's win where both are given.
    for (const origin of ["calibrated", "user"] as const) {
      for (const [key, valuePj] of Object.entries(overrides[origin] ?? {})) {
        this.entries.set(key, { valuePj, origin, source: ORIGIN_SOURCE[origin] });
      }
    }
    // A MAC is its multiply plus its accumulator add, unless a MAC value is given outright: so an
    // overridden mult/add feeds the MAC, and the MAC carries the highest origin of its parts.
    for (const p of PRECISION_NAMES) {
      const key = `mac.${p}`;
      if (this.entries.has(key)) continue;
      const mult = this.entries.get(`mult.${p}`)!, add = this.entries.get(`add.${ACCUMULATOR[p]}`)!;
      const origin = rank(mult.origin) >= rank(add.origin) ? mult.origin : add.origin;
      this.entries.set(key, {
        valuePj: mult.valuePj + add.valuePj, origin,
        source: `mult.${p} + add.${ACCUMULATOR[p]} (accumulator)${origin === "table" ? "" : ` (${origin} parts)`}`,
      });
    }
  }

  /** Known entry keys (for validating a design's `energy:` and `calibration.energy:` sections). */
  static keys(): string[] {
    return [...PRECISION_NAMES.flatMap((p) => [`add.${p}`, `mult.${p}`, `mac.${p}`]), "instruction", ...OFF_CHIP_KINDS.map(memoryKindKey), ...PHY_KINDS.map(phyKey), ...CHIP_KEYS];
  }

  get(key: string): number {
    const e = this.entries.get(key);
    if (!e) throw new Error(`no energy entry ${key}`);
    return e.valuePj;
  }

  entry(key: string): EnergyEntry | undefined {
    return this.entries.get(key);
  }

  /** An entry as a unit's action price: energy, source and origin. */
  priced(key: string): { energyPj: number; source: string; origin: EnergyOrigin } {
    const e = this.entries.get(key);
    if (!e) throw new Error(`no energy entry ${key}`);
    return { energyPj: e.valuePj, source: e.source, origin: e.origin };
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
  list(): { key: string; valuePj: number; origin: EnergyOrigin; source: string }[] {
    return [...this.entries.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, e]) => ({ key, ...e }));
  }
}

function rank(o: EnergyOrigin): number {
  return o === "user" ? 2 : o === "calibrated" ? 1 : 0;
}
