/**
 * Power over time: a device runs iterations at an operating point and idles between them.
 *
 * Idle power is `idlePowerW(design)`: the whole chip with nothing to run, each unit and memory in
 * its idle state (sim/chip-energy.ts: leakage less power-gated units, always-on blocks, PHY static
 * power, DRAM standby or power-down, the system's static power). A serving file may give the idle
 * power instead (a datasheet's figure).
 *
 * Operating points (sim/dvfs.ts): the design's `technology.dvfs` table or voltages with f from the
 * delay fit; each point is the design re-resolved there, with its own iteration-cost cache.
 *   fixed         every iteration at the design's own point; idle at its idle power
 *   race-to-idle  every iteration at the fastest point; idle at the lowest point (a governor drops
 *                 the clock and voltage when the queue is empty)
 *   slo-dvfs      per iteration, the least-energy point whose latency fits the batch's slack (the
 *                 tightest of its sequences' remaining TTFT or TPOT budgets), else the fastest;
 *                 idle at the lowest point
 */
import type { Design } from "../hardware-models/design.js";
import { designAt, operatingPoints } from "../sim/dvfs.js";
import { chipIdlePowerW } from "../sim/chip-energy.js";
import type { WorkloadSpec } from "../workloads/workload-spec.js";
import type { IterationSequence } from "../workloads/serving-iteration.js";
import type { DesignSource, PowerConfig } from "./config.js";
import { IterationCostModel, type CostModelOptions, type IterationCost } from "./iteration-cost.js";

/** What a design draws between iterations (see the header). */
export function idlePowerW(design: Design): number {
  return chipIdlePowerW(design);
}

export interface OperatingMode {
  voltageV: number;
  frequencyHz: number;
  cost: IterationCostModel;
}

/** A device's operating modes under a power policy, and the power it idles at. */
export class PoweredDevice {
  /** Slowest first. */
  readonly modes: OperatingMode[];
  readonly idlePowerW: number;

  constructor(readonly source: DesignSource, readonly power: PowerConfig, model: WorkloadSpec, costOptions: Partial<CostModelOptions>, probe: readonly IterationSequence[]) {
    const d = source.design;
    if (power.policy === "fixed") {
      this.modes = [{ voltageV: d.technology.voltageV, frequencyHz: d.technology.frequencyHz, cost: new IterationCostModel(d, model, costOptions, probe) }];
      this.idlePowerW = power.idlePowerW ?? idlePowerW(d);
      return;
    }
    const points = [...operatingPoints(d, power.voltagesV)].sort((a, b) => a.frequencyHz - b.frequencyHz);
    const designs = points.map((p) => designAt(source.doc, source.file, p));
    const used = power.policy === "race-to-idle" ? [points.length - 1] : points.map((_, i) => i);
    this.modes = used.map((i) => ({ ...points[i]!, cost: new IterationCostModel(designs[i]!, model, costOptions, probe) }));
    this.idlePowerW = power.idlePowerW ?? idlePowerW(designs[0]!);
  }

  /** The mode an iteration runs at, given the batch's slack to its SLOs (seconds; Infinity: none). */
  choose(batch: readonly IterationSequence[], slackSeconds: number): { mode: OperatingMode; cost: IterationCost } {
    const fastest = this.modes[this.modes.length - 1]!;
    if (this.power.policy !== "slo-dvfs") return { mode: fastest, cost: fastest.cost.cost(batch) };
    let best: { mode: OperatingMode; cost: IterationCost } | undefined;
    for (const mode of this.modes) {
      const cost = mode.cost.cost(batch);
      if (cost.latencySeconds <= slackSeconds && (!best || cost.energyJ < best.cost.energyJ)) best = { mode, cost };
    }
    return best ?? { mode: fastest, cost: fastest.cost.cost(batch) };
  }

  /** Predicted latency of a batch at the fastest mode (latency-aware batching). */
  predictSeconds(batch: readonly IterationSequence[]): number {
    return this.modes[this.modes.length - 1]!.cost.cost(batch).latencySeconds;
  }

  engineCalls(): number {
    return this.modes.reduce((s, m) => s + m.cost.stats.engineCalls, 0);
  }
}
