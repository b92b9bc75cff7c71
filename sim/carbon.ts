/**
 * Carbon per inference: operational (the energy, at the grid's intensity, through the facility's
 * PUE) and embodied (manufacturing the silicon, amortised over the inferences of its lifetime).
 *
 *   operational [g]  = E [kWh] x I_grid [g CO2e/kWh] x PUE
 *   embodied die [g] = (CI_fab x EPA(node) + GPA(node) + MPA) x area [cm^2] / yield     (ACT)
 *   embodied per inference = embodied die x latency / (lifetime x duty cycle)
 *
 * The ACT model and its data: hardware-models/technology/embodied-carbon.ts. Area is attnsim's (arrays,
 * SRAM, DSP datapaths; no I/O, no control, no packaging: ACT's 150 g per IC package, act/core/common.py CARBON_PER_IC_PACKAGE, is left out).
 */
import type { Design } from "../hardware-models/design.js";
import type { Result } from "./result.js";

export { ACT_LOGIC, ACT_MPA_G_PER_CM2, ACT_YIELD, ACT_FAB_INTENSITY, carbonPerAreaGPerCm2, embodiedDieG, type Abatement } from "../hardware-models/technology/embodied-carbon.js";
import { embodiedDieG, type Abatement } from "../hardware-models/technology/embodied-carbon.js";

export const J_PER_KWH = 3.6e6;

export function operationalG(energyJ: number, gridIntensityGPerKWh: number, pue = 1): number {
  return (energyJ / J_PER_KWH) * gridIntensityGPerKWh * pue;
}

/** Where and how long the chip runs (design `system.carbon` or a study's `carbon:`). */
export interface CarbonSetting {
  gridIntensityGPerKWh: number;
  pue: number;
  /** Fab location's intensity, g CO2e/kWh (default ACT's Taiwan). */
  fabIntensityGPerKWh: number;
  abatement: Abatement;
  lifetimeSeconds: number;
  /** Fraction of the lifetime the chip is running inferences. */
  dutyCycle: number;
}

export interface CarbonResult {
  gridIntensityGPerKWh: number;
  pue: number;
  /** Operational carbon of the run (the workload: the whole batch), g CO2e. */
  operationalG: number;
  /** Embodied carbon of the design's modelled silicon, g CO2e (packaging excluded). */
  embodiedDieG: number;
  /** The run's share of it: embodied x latency / (lifetime x duty cycle). */
  embodiedG: number;
  totalG: number;
  /** Per inference (the run divided by its batch). */
  perInferenceG: number;
}

export function carbonOf(result: Pick<Result, "energyJ" | "latencySeconds">, design: Design, setting: CarbonSetting, batch = 1): CarbonResult {
  const operational = operationalG(result.energyJ, setting.gridIntensityGPerKWh, setting.pue);
  const die = embodiedDieG(design.areaMm2, design.technology.nodeNm, setting.fabIntensityGPerKWh, setting.abatement);
  const embodied = (die * result.latencySeconds) / (setting.lifetimeSeconds * setting.dutyCycle);
  return {
    gridIntensityGPerKWh: setting.gridIntensityGPerKWh, pue: setting.pue, operationalG: operational, embodiedDieG: die, embodiedG: embodied,
    totalG: operational + embodied, perInferenceG: (operational + embodied) / batch,
  };
}
