/**
 * A training run from one simulated step: steps x the step's time and energy, and its carbon.
 *
 *   steps        given, or tokens / tokens per step, or examples x epochs / sequences per step (rounded up)
 *   time, energy steps x the system's step (sim/system-sim.ts: every device, idle time, the rest of
 *                the nodes)
 *   operational  E [kWh] x grid intensity [g CO2e/kWh] x PUE (sim/carbon.ts)
 *   embodied     each device's die (ACT, hardware-models/technology/embodied-carbon.ts) amortised over
 *                its service life: devices x die x run time / (lifetime x duty cycle), as an inference's
 *                share is in sim/carbon.ts
 *
 * A flat grid intensity gives the run's carbon if it starts now; a study's schedule section moves the
 * run to low-carbon hours of an hourly series (sim/carbon-schedule.ts).
 */
import type { Design } from "../hardware-models/design.js";
import { embodiedDieG } from "../hardware-models/technology/embodied-carbon.js";
import { J_PER_KWH, operationalG, type CarbonSetting } from "./carbon.js";
import type { SystemResult } from "./system-sim.js";

export interface RunSize {
  steps?: number;
  tokens?: number;
  /** With epochs: passes over a data set of this many sequences. */
  examples?: number;
  epochs?: number;
}

export interface TrainingRun {
  steps: number;
  tokens: number;
  seconds: number;
  energyJ: number;
  energyKWh: number;
  averagePowerW: number;
  carbon?: { gridIntensityGPerKWh: number; pue: number; operationalG: number; embodiedG: number; totalG: number };
}

function runSteps(step: Pick<SystemResult, "tokensPerStep" | "sequencesPerStep">, size: RunSize): number {
  if (size.steps !== undefined) return size.steps;
  if (size.tokens !== undefined) return Math.ceil(size.tokens / step.tokensPerStep);
  if (size.examples !== undefined) return Math.ceil((size.examples * (size.epochs ?? 1)) / step.sequencesPerStep);
  throw new Error("a run needs steps, tokens or examples");
}

export function trainingRun(step: SystemResult, size: RunSize, device: Design, carbon?: CarbonSetting): TrainingRun {
  const steps = runSteps(step, size);
  const seconds = steps * step.stepSeconds;
  const energyJ = steps * step.energyJ;
  const run: TrainingRun = { steps, tokens: steps * step.tokensPerStep, seconds, energyJ, energyKWh: energyJ / J_PER_KWH, averagePowerW: energyJ / seconds };
  if (carbon) {
    const operational = operationalG(energyJ, carbon.gridIntensityGPerKWh, carbon.pue);
    const die = embodiedDieG(device.areaMm2, device.technology.nodeNm, carbon.fabIntensityGPerKWh, carbon.abatement);
    const embodied = (step.devices * die * seconds) / (carbon.lifetimeSeconds * carbon.dutyCycle);
    run.carbon = { gridIntensityGPerKWh: carbon.gridIntensityGPerKWh, pue: carbon.pue, operationalG: operational, embodiedG: embodied, totalG: operational + embodied };
  }
  return run;
}
