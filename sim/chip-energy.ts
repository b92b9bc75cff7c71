/**
 * A run's whole-chip energy (hardware-models/chip): what the datapath, SRAM and DRAM access energies
 * leave out, charged from the run's facts (makespan, each unit's compute and occupied time and idle
 * gaps, bytes per level). One function for every evaluation path.
 *
 *   clock.<unit>     = compute cycles x active pJ/cycle + stalled cycles x idle pJ/cycle
 *                      + idle cycles x idle pJ/cycle when the unit's idle state is "on"
 *   clock.global     = P_clock x makespan                 (the tree runs while the chip runs)
 *   noc              = sum over levels of bytes x pJ/byte (wire x half the die side + routers x hops)
 *   phy.<level>      = bytes x PHY pJ/byte + PHYs x static power x makespan
 *   dram-activation.<level> = bytes x activation pJ/byte (burst-sized accesses x (1 - hit rate) x E_ACT+PRE)
 *   dram-background.<level> = devices x (standby + refresh) x makespan
 *   uncore.*, leakage.uncounted = always-on power x makespan
 *   power-gating.<unit> = gated gaps x transition energy; the gated time's leakage is taken off the unit's leakage
 *
 * Idle power (nothing running): leakage (less power-gated units), always-on terms, PHY static, DRAM
 * background in its idle state, the global clock unless gated, units idling "on", and the design's
 * system static power. Power at load x: x P_run + (1 - x) P_idle, with P_run this run's average power.
 */
import type { Design } from "../hardware-models/design.js";
import { objectMemo } from "../common/memo.js";

const PJ_PER_J = 1e12;

export interface ChipRun {
  fRef: number;
  makespanCycles: number;
  /** Per unit: seconds computing (the unit's own cycles / its clock), and seconds occupied (its ops' standalone durations). */
  unitBusySeconds: readonly number[];
  unitOccupiedSeconds: readonly number[];
  /** Per level: bytes read + written. */
  levelBytes: readonly number[];
  /** Idle gaps of a unit in seconds (asked only for power-gated units). */
  unitGaps: (u: number) => number[];
  /** Idle time after the run (waiting for the next request): charged at idle power, line `idle`. */
  idleSeconds?: number;
}

export interface ChipEnergyLine {
  name: string;
  energyPj: number;
  source: string;
}

export interface ChipEnergy {
  lines: ChipEnergyLine[];
  totalPj: number;
  /** Per level, pJ per byte moved (network + PHY + activation): an op's share is its bytes x this. */
  trafficPjPerByte: number[];
  /** Per unit, pJ per reference cycle of compute, and of stall (occupied, not computing): an op's share is its cycles x these. */
  unitActivePjPerRefCycle: number[];
  unitStallPjPerRefCycle: number[];
  /** The rest (time-proportional): shared among ops by standalone time, as leakage is. */
  staticPj: number;
  /** Leakage the power-gated idle intervals save, per unit (pJ; the engine subtracts it). */
  leakageSavedPj: number[];
  /** Chip power that does not depend on the work while the chip runs (clock tree, PHY static, DRAM background, always-on), W. */
  runStaticPowerW: number;
  idlePowerW: number;
}

export function chipEnergy(design: Design, run: ChipRun): ChipEnergy {
  const chip = design.chip;
  const T = run.makespanCycles / run.fRef;
  const lines: ChipEnergyLine[] = [];
  const src = chip.sources;
  let staticPj = 0;
  const add = (name: string, energyPj: number, source: string, isStatic: boolean) => {
    if (energyPj === 0) return;
    lines.push({ name, energyPj, source });
    if (isStatic) staticPj += energyPj;
  };

  const unitActivePjPerRefCycle: number[] = [];
  const unitStallPjPerRefCycle: number[] = [];
  const leakageSavedPj: number[] = [];
  design.units.forEach((unit, u) => {
    const c = chip.units[u]!;
    const busy = run.unitBusySeconds[u]!;
    // A unit runs its ops one after another, each at least as long as alone: occupied <= makespan.
    const occupied = Math.max(busy, run.unitOccupiedSeconds[u]!);
    const idle = Math.max(0, T - occupied);
    unitActivePjPerRefCycle.push((c.activePjPerCycle * unit.frequencyHz) / run.fRef);
    unitStallPjPerRefCycle.push((c.idlePjPerCycle * unit.frequencyHz) / run.fRef);
    const activePj = busy * unit.frequencyHz * c.activePjPerCycle;
    const stallPj = (occupied - busy) * unit.frequencyHz * c.idlePjPerCycle;
    let clockedIdlePj = 0;
    let saved = 0, transitionsPj = 0;
    if (c.idleState === "on") {
      clockedIdlePj += idle * unit.frequencyHz * c.idlePjPerCycle;
    } else if (c.idleState === "power-gated") {
      if (idle > 0) {
        for (const gap of run.unitGaps(u)) {
          if (gap < c.gateMinSeconds) continue;
          saved += unit.leakagePowerW * gap * PJ_PER_J;
          transitionsPj += c.gateTransitionPj;
        }
      }
    }
    leakageSavedPj.push(saved);
    if (activePj + stallPj + clockedIdlePj > 0) {
      lines.push({ name: `clock.${unit.name}`, energyPj: activePj + stallPj + clockedIdlePj, source: src["clock.<unit>"]! });
      staticPj += clockedIdlePj;
    }
    add(`power-gating.${unit.name}`, transitionsPj, src["power-gating.<unit>"]!, true);
  });

  add("clock.global", chip.globalClockW * T * PJ_PER_J, src["clock.global"]!, true);
  let nocPj = 0, phyStaticW = 0, backgroundW = 0;
  const trafficPjPerByte = chip.levels.map((c, l) => {
    const bytes = run.levelBytes[l]!;
    const level = design.memory[l]!;
    nocPj += bytes * c.nocPjPerByte;
    phyStaticW += c.phyStaticW;
    backgroundW += c.backgroundW;
    if (bytes * c.phyPjPerByte + c.phyStaticW > 0) {
      lines.push({ name: `phy.${level.name}`, energyPj: bytes * c.phyPjPerByte + c.phyStaticW * T * PJ_PER_J, source: src["phy.<level>"]! });
      staticPj += c.phyStaticW * T * PJ_PER_J;
    }
    add(`dram-activation.${level.name}`, bytes * c.activationPjPerByte, src["dram-activation.<level>"]!, false);
    add(`dram-background.${level.name}`, c.backgroundW * T * PJ_PER_J, src["dram-background.<level>"]!, true);
    return c.nocPjPerByte + c.phyPjPerByte + c.activationPjPerByte;
  });
  add("noc", nocPj, src.noc!, false);
  let alwaysW = 0;
  for (const a of chip.always) {
    alwaysW += a.powerW;
    add(a.name, a.powerW * T * PJ_PER_J, a.source, true);
  }
  const runStaticPowerW = chip.globalClockW + phyStaticW + backgroundW + alwaysW;
  const idlePowerW = chipIdlePowerW(design);
  add("idle", idlePowerW * (run.idleSeconds ?? 0) * PJ_PER_J, "idle power x idle time after the run (SimulateOptions.idleSeconds)", true);
  const totalPj = lines.reduce((s, l) => s + l.energyPj, 0);
  return { lines, totalPj, trafficPjPerByte, unitActivePjPerRefCycle, unitStallPjPerRefCycle, staticPj, leakageSavedPj, runStaticPowerW, idlePowerW };
}

/** Power at a fraction `load` of the time busy with this run, idle otherwise: load x P_run + (1 - load) x P_idle. */
export function powerAtLoadW(runPowerW: number, idlePowerW: number, load: number): number {
  return load * runPowerW + (1 - load) * idlePowerW;
}

/**
 * What the design draws with nothing to run (header): leakage less power-gated units, always-on
 * terms, PHY static, DRAM in its idle state, the global clock unless every unit gates, units that
 * idle "on", and the design's system static power.
 */
export function chipIdlePowerW(design: Design): number {
  return idlePower.get(design, () => idlePowerOf(design));
}

/** Idle power depends on the design alone: computed once per design. */
const idlePower = objectMemo<Design, number>("sim.chip-idle-power");

function idlePowerOf(design: Design): number {
  const chip = design.chip;
  let w = design.leakagePowerW + design.system.staticPowerW + (chip.clockGatedWhenIdle ? 0 : chip.globalClockW);
  design.units.forEach((unit, u) => {
    const c = chip.units[u]!;
    if (c.idleState === "power-gated") w -= unit.leakagePowerW;
    else if (c.idleState === "on") w += (c.idlePjPerCycle * unit.frequencyHz) / PJ_PER_J;
  });
  for (const l of chip.levels) w += l.phyStaticW + l.backgroundIdleW;
  for (const a of chip.always) w += a.powerW;
  return w;
}
