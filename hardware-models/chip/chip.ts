/**
 * The whole chip around the units and memory levels: die area by block, and the power components
 * a datapath + SRAM + DRAM model leaves out (docs/energy.md, "The whole chip"). Resolved once per
 * design; sim/chip-energy.ts charges a run with it.
 *
 * Components (each a line of a Result's `breakdown.byComponent`):
 *   clock.<unit>       flip-flops of the unit's datapath pipeline, per clocked cycle
 *   clock.global       global clock tree, C/mm^2 x die area x V^2 x f, while the chip runs
 *   noc                bytes between a level and the units: wire pJ/bit/mm x distance + routers x hops
 *   phy.<level>        memory PHY: pJ/bit on the bytes moved, static power per PHY
 *   dram-activation.<level>  row activations: bytes / burst x (1 - row hit rate) x E(ACT+PRE)
 *   dram-background.<level>  standby + refresh power of the level's devices
 *   uncore.<name>      core PLL, link SerDes, named always-on blocks
 *   leakage.uncounted  leakage of the die area outside units and SRAM levels
 *   power-gating.<unit> entry/exit energy of power-gated idle intervals
 */
import { InputError } from "../../common/input-error.js";
import { parseQuantity, QUANTITY } from "../../common/quantity.js";
import { bitsOf } from "../../workloads/precision.js";
import { ACCUMULATOR } from "../technology/operation-energy.js";
import { leakagePowerW, sramAreaMm2, transistorAreaMm2 } from "../technology/area.js";
import { memoryKindInfo, type OffChipKind } from "../technology/memory-kinds.js";
import type { Flavor } from "../technology/node-scaling.js";
import { phyKey, type EnergyTable } from "../technology/energy-table.js";
import type { MemoryLevel } from "../memory-hierarchy.js";
import type { UnitSpec } from "../unit-registry.js";
import type { ChipSection, IdleState, MemoryIdleState } from "./chip-schema.js";
import {
  CONTROL_PER_LANE, CORE_PLL, GLOBAL_CLOCK_PF_PER_MM2, LAYOUT_OVERHEAD, LINKS,
  NETWORK_PER_CORE, POWER_GATE_BREAK_EVEN_CYCLES, POWER_GATE_WAKE_CYCLES, SERDES_MW_PER_GBPS_90NM,
} from "./components.js";

export const DIE_BLOCKS = ["cores", "interconnect", "global-buffer", "memory-phy", "memory-control", "link-phy", "link-control", "other"] as const;
export type DieBlock = (typeof DIE_BLOCKS)[number];

export interface ChipUnit {
  /** Flip-flops clocked per cycle in the unit's datapath (all enabled replicas). */
  clockedBits: number;
  /** pJ per unit cycle while computing (data toggling) and while clocked with no work. */
  activePjPerCycle: number;
  idlePjPerCycle: number;
  idleState: IdleState;
  /** Power gating: idle gaps shorter than this (seconds) stay clock-gated; entry + exit energy per gated gap. */
  gateMinSeconds: number;
  gateTransitionPj: number;
}

export interface ChipLevel {
  /** pJ per byte moved at the level: on-chip network, memory PHY, row activations. */
  nocPjPerByte: number;
  phyPjPerByte: number;
  activationPjPerByte: number;
  phys: number;
  phyStaticW: number;
  devices: number;
  /** DRAM background power while the chip runs, and when it idles (memoryIdleState). */
  backgroundW: number;
  backgroundIdleW: number;
}

export interface ChipStatic {
  name: string;
  powerW: number;
  source: string;
}

export interface ChipModel {
  dieAreaMm2: number;
  areaByBlockMm2: Record<DieBlock, number>;
  units: ChipUnit[];
  levels: ChipLevel[];
  /** Global clock tree power while the chip runs. */
  globalClockW: number;
  /** Always-on terms (W): PLL, link SerDes, named blocks, leakage of the area outside units and SRAM. */
  always: ChipStatic[];
  /** Is the global clock stopped when every unit idles (the default idle state is not "on")? */
  clockGatedWhenIdle: boolean;
  memoryIdleState: MemoryIdleState;
  sources: Record<string, string>;
}

export interface ChipEnv {
  file: string;
  /** The design's energy table: the chip's per-action prices by name (chip.flip-flop, chip.wire, chip.router, phy.<kind>), overridable and calibratable. */
  energy: EnergyTable;
  nodeNm: number;
  voltageV: number;
  flavor: Flavor;
  frequencyHz: number;
}

/** Flip-flops one replica of a unit clocks every cycle: the datapath's pipeline registers. */
function clockedBitsPerReplica(unit: UnitSpec): number {
  switch (unit.kind) {
    // Each PE latches its activation and weight operands and its accumulator (Eyeriss-style PE registers).
    case "systolic": return unit.rows * unit.cols * (2 * bitsOf(unit.macPrecision) + bitsOf(ACCUMULATOR[unit.macPrecision]));
    // Each lane latches three source operands and a result per issued instruction (assumption: one pipeline stage of operand latches).
    case "dsp": return unit.lanes * unit.laneBits * 4;
    // Each array latches its row inputs (DAC bits per row) and its ADC outputs.
    case "imc": return unit.arrays * (unit.rows * unit.dacBits + (unit.cols / unit.columnsPerAdc) * unit.adcBits);
    // A link's SerDes are priced per bit and as static power (uncore), not as core flip-flops.
    case "link": return 0;
    default: {
      const never: never = unit;
      throw new Error(`unit kind without a clock model: ${JSON.stringify(never)}`);
    }
  }
}

/** Vector lanes of a unit (control logic is counted per lane, LLMCompass). */
function lanesPerReplica(unit: UnitSpec): number {
  return unit.kind === "dsp" ? unit.lanes : 0;
}

export function resolveChip(section: ChipSection | undefined, memory: readonly MemoryLevel[], units: readonly UnitSpec[], env: ChipEnv): ChipModel {
  const at = (path: string) => ({ file: env.file, path: `/chip/${path}` });
  const unitNames = units.map((u) => u.name);
  for (const [key, path] of [...Object.keys(section?.physicalCount ?? {}).map((k) => [k, `physicalCount/${k}`]), ...Object.keys(section?.idleState ?? {}).filter((k) => k !== "default").map((k) => [k, `idleState/${k}`])] as [string, string][]) {
    if (!unitNames.includes(key)) throw new InputError(env.file, { path: `/chip/${path}`, expected: `a unit name (${unitNames.join(", ")})`, found: JSON.stringify(key) });
  }
  const physical = units.map((u) => {
    const n = section?.physicalCount?.[u.name] ?? u.count;
    if (n < u.count) throw new InputError(env.file, { path: `/chip/physicalCount/${u.name}`, expected: `at least the enabled replicas (units.${u.name}.count = ${u.count})`, found: String(n) });
    return n;
  });

  // --- Die area by block ---
  const density = transistorAreaMm2(1, env.nodeNm);
  const cores = units.reduce((s, u, i) => s + (u.areaMm2 / u.count) * physical[i]!
    + lanesPerReplica(u) * CONTROL_PER_LANE.value * density * physical[i]!, 0);
  const coreCount = Math.max(1, ...physical.filter((_, i) => units[i]!.kind !== "link"));
  const interconnect = coreCount > 1 ? coreCount * NETWORK_PER_CORE.value * density : 0;
  const globalBuffer = memory.filter((l) => l.kind === "sram").reduce((s, l) => s + sramAreaMm2(l.capacityBytes, env.nodeNm), 0);
  const offChip = memory.filter((l): l is MemoryLevel & { kind: OffChipKind } => l.kind !== "sram" && memoryKindInfo(l.kind).phy !== undefined);
  const physOf = new Map<string, number>();
  for (const name of Object.keys(section?.memoryPhys ?? {})) {
    if (!offChip.some((l) => l.name === name)) throw new InputError(env.file, { path: `/chip/memoryPhys/${name}`, expected: `an off-chip memory level (${offChip.map((l) => l.name).join(", ") || "none"})`, found: JSON.stringify(name) });
  }
  let memoryPhy = 0, memoryControl = 0;
  for (const l of offChip) {
    const phy = memoryKindInfo(l.kind).phy!;
    // The fewest PHYs that carry the bandwidth, within 1% (datasheet rates are rounded: LPDDR4X-4266
    // x32 is 17.06 GB/s, written 17.1 GB/s).
    const n = section?.memoryPhys?.[l.name] ?? Math.max(1, Math.ceil(l.bandwidthBytesPerSecond / ((phy.bits * phy.pinRateBps) / 8) - 0.01));
    physOf.set(l.name, n);
    memoryPhy += n * phy.areaMm2.value;
    memoryControl += n * phy.controllerTransistors.value * density;
  }
  let linkPhy = 0, linkControl = 0, serdesW = 0;
  for (const link of section?.links ?? []) {
    const info = LINKS[link.kind];
    linkPhy += link.count * info.phyAreaMm2.value;
    linkControl += link.count * info.controllerTransistors.value * density;
    // Both directions of every link or lane, McPAT's SerDes power scaled by F / 90 nm.
    serdesW += link.count * 2 * (info.bitsPerSecond / 1e9) * SERDES_MW_PER_GBPS_90NM.value * 1e-3 * (env.nodeNm / 90);
  }
  const overhead = section?.layoutOverhead ?? LAYOUT_OVERHEAD.value;
  const other = overhead * (cores + interconnect + memoryControl + linkControl);
  const areaByBlockMm2: Record<DieBlock, number> = {
    cores, interconnect, "global-buffer": globalBuffer, "memory-phy": memoryPhy, "memory-control": memoryControl,
    "link-phy": linkPhy, "link-control": linkControl, other,
  };
  const dieAreaMm2 = DIE_BLOCKS.reduce((s, b) => s + areaByBlockMm2[b], 0);

  // --- Clock and power states per unit ---
  const e = env.energy;
  const ffActive = e.entry("chip.flip-flop")!, ffIdle = e.entry("chip.flip-flop-idle")!;
  const defaultIdle = section?.idleState?.default ?? "clock-gated";
  const chipUnits: ChipUnit[] = units.map((u) => {
    const clockedBits = clockedBitsPerReplica(u) * u.count;
    const idleState = section?.idleState?.[u.name] ?? defaultIdle;
    return {
      clockedBits,
      activePjPerCycle: clockedBits * ffActive.valuePj,
      idlePjPerCycle: clockedBits * ffIdle.valuePj,
      idleState,
      gateMinSeconds: (POWER_GATE_BREAK_EVEN_CYCLES.value + POWER_GATE_WAKE_CYCLES.value) / u.frequencyHz,
      gateTransitionPj: u.leakagePowerW * (POWER_GATE_BREAK_EVEN_CYCLES.value / u.frequencyHz) * 1e12,
    };
  });

  // --- Traffic-proportional terms per level ---
  const sideMm = Math.sqrt(dieAreaMm2);
  const wire = e.entry("chip.wire")!, router = e.entry("chip.router")!;
  const wirePjPerBitMm = wire.valuePj;
  const routerPjPerBit = router.valuePj;
  // From a level (the global buffer at the die's centre, or a PHY at its edge) to a unit: half the
  // die's side on average; on a mesh of N cores, sqrt(N)/2 router hops.
  const hops = coreCount > 1 ? Math.sqrt(coreCount) / 2 : 0;
  const nocPjPerByte = 8 * (wirePjPerBitMm * (sideMm / 2) + routerPjPerBit * hops);
  const memoryIdleState = section?.memoryIdleState ?? "standby";
  const levels: ChipLevel[] = memory.map((l) => {
    const info = l.kind === "sram" ? undefined : memoryKindInfo(l.kind);
    const phy = info?.phy;
    const device = info?.device;
    const phys = physOf.get(l.name) ?? 0;
    const hit = l.rowHitRate ?? (device ? 1 - device.burstBytes / device.rowBytes : 1);
    const devices = device ? Math.ceil((l.capacityBytes * 8) / device.densityBits - 1e-9) : 0;
    // A level whose file gives `leakage` states its background power itself (engine: level leakage).
    const modelled = device && !l.backgroundGiven;
    return {
      nocPjPerByte,
      phyPjPerByte: phy && l.kind !== "sram" ? 8 * e.get(phyKey(l.kind)) : 0,
      activationPjPerByte: device ? (device.activatePj.value * (1 - hit)) / device.burstBytes : 0,
      phys,
      phyStaticW: phy ? phys * phy.staticW.value : 0,
      devices,
      backgroundW: modelled ? devices * (device.standbyW.value + device.refreshW.value) : 0,
      backgroundIdleW: modelled ? devices * ((memoryIdleState === "power-down" ? device.powerDownW.value : device.standbyW.value) + device.refreshW.value) : 0,
    };
  });

  // --- Always-on terms ---
  const unitAndSramArea = units.reduce((s, u) => s + u.areaMm2, 0) + memory.reduce((s, l) => s + l.areaMm2, 0);
  const disabledArea = units.reduce((s, u, i) => s + (u.areaMm2 / u.count) * (physical[i]! - u.count), 0);
  const always: ChipStatic[] = [
    { name: "uncore.pll", powerW: CORE_PLL.value, source: CORE_PLL.source },
    { name: "leakage.uncounted", powerW: leakagePowerW(Math.max(0, dieAreaMm2 - unitAndSramArea - disabledArea), env.voltageV), source: "leakage density (hardware-models/technology/area.ts) x die area outside units, SRAM levels and fused-off replicas" },
  ];
  if (serdesW > 0) always.push({ name: "uncore.serdes", powerW: serdesW, source: SERDES_MW_PER_GBPS_90NM.source });
  (section?.uncore ?? []).forEach((b, i) => {
    const powerW = parseQuantity(b.power, QUANTITY.powerW, at(`uncore/${i}/power`));
    if (!(powerW >= 0)) throw new InputError(env.file, { path: `/chip/uncore/${i}/power`, expected: "a power >= 0", found: b.power });
    always.push({ name: `uncore.${b.name}`, powerW, source: b.source });
  });

  return {
    dieAreaMm2, areaByBlockMm2, units: chipUnits, levels,
    globalClockW: GLOBAL_CLOCK_PF_PER_MM2.value * 1e-12 * dieAreaMm2 * env.voltageV ** 2 * env.frequencyHz,
    always, clockGatedWhenIdle: defaultIdle !== "on", memoryIdleState,
    sources: {
      "clock.<unit>": `chip.flip-flop (${ffActive.origin}): ${ffActive.source}; idle: chip.flip-flop-idle (${ffIdle.origin})`,
      "clock.global": GLOBAL_CLOCK_PF_PER_MM2.source,
      noc: `chip.wire (${wire.origin}): ${wire.source}, ${(sideMm / 2).toFixed(2)} mm; chip.router (${router.origin}): ${router.source}, ${hops.toFixed(2)} hops`,
      "phy.<level>": "phy.<kind> pJ/bit (energy table, CACTI-IO) and static power per PHY (hardware-models/technology/memory-kinds.ts)",
      "dram-activation.<level>": "DRAMPower E(ACT+PRE) from datasheet currents per row opened (memory-kinds.ts)",
      "dram-background.<level>": "standby (IDD2N) + refresh power per device (memory-kinds.ts)",
      "power-gating.<unit>": `${POWER_GATE_BREAK_EVEN_CYCLES.source}; transition energy = leakage x break-even time`,
    },
  };
}
