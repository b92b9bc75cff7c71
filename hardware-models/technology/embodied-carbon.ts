/**
 * Embodied carbon of logic silicon, ACT's model: Gupta et al., "ACT: Designing Sustainable Computer
 * Systems with an Architectural Carbon Modeling Tool", ISCA 2022, parameters as published in the
 * tool's data files (github.com/facebookresearch/ACT, MIT licence: commit 7cdffa3f
 * logic/{epa,gpa_95,gpa_99,materials}.json, logic_model.py, carbon_intensity/location.json;
 * commit b2292905 act/models/logic/*.yaml, "Table 1 in ACT paper", act/core/common.py).
 *
 *   carbon per good cm^2 = (CI_fab x EPA(node) + GPA(node) + MPA) / yield
 *
 * ACT's defaults kept: GPA at 97% abatement (the mean of its 95% and 99% tables, as its code builds
 * it), yield 0.875, fab in Taiwan at 583 g CO2e/kWh (its location_2022 table). A node between
 * tabulated ones takes the next smaller tabulated node's values (more fab energy: conservative); a
 * node above 28 nm takes 28 nm's (ACT has no older logic data).
 */
export interface LogicNode {
  nodeNm: number;
  /** Fab energy per area, kWh/cm^2. */
  epaKWhPerCm2: number;
  /** Fab greenhouse gases per area at 95% and 99% abatement, g CO2e/cm^2. */
  gpa95: number;
  gpa99: number;
}

/** ACT logic/epa.json, gpa_95.json, gpa_99.json (facebookresearch/ACT @ 7cdffa3f). */
export const ACT_LOGIC: readonly LogicNode[] = [
  { nodeNm: 28, epaKWhPerCm2: 0.9, gpa95: 175, gpa99: 100 },
  { nodeNm: 20, epaKWhPerCm2: 1.2, gpa95: 190, gpa99: 110 },
  { nodeNm: 14, epaKWhPerCm2: 1.2, gpa95: 200, gpa99: 125 },
  { nodeNm: 10, epaKWhPerCm2: 1.475, gpa95: 240, gpa99: 150 },
  { nodeNm: 8, epaKWhPerCm2: 1.52, gpa95: 240, gpa99: 150 },
  { nodeNm: 7, epaKWhPerCm2: 2.15, gpa95: 350, gpa99: 200 },
  { nodeNm: 5, epaKWhPerCm2: 2.75, gpa95: 430, gpa99: 225 },
  { nodeNm: 3, epaKWhPerCm2: 3.25, gpa95: 470, gpa99: 275 },
];
/** ACT logic/materials.json: 500 g CO2e/cm^2 at every node. */
export const ACT_MPA_G_PER_CM2 = 500;
/** ACT logic_model.py fab_yield default. */
export const ACT_YIELD = 0.875;
/** ACT carbon_intensity/location.json (location_2022): fab locations, g CO2e/kWh. */
export const ACT_FAB_INTENSITY: Record<string, number> = {
  taiwan: 583, korea: 430, japan: 485, usa: 380, europe: 295, singapore: 495, india: 725, australia: 597, world: 301, brazil: 82, iceland: 28,
};

export type Abatement = 95 | 97 | 99;

export function actLogicNode(nodeNm: number): LogicNode {
  // The largest tabulated node not above nodeNm; above 28 nm, 28 nm.
  const at = ACT_LOGIC.find((n) => n.nodeNm <= nodeNm + 1e-9);
  return at ?? ACT_LOGIC[ACT_LOGIC.length - 1]!;
}

/** Carbon per cm^2 of good logic die, g CO2e (ACT's CPA). */
export function carbonPerAreaGPerCm2(nodeNm: number, fabIntensityGPerKWh = ACT_FAB_INTENSITY.taiwan!, abatement: Abatement = 97, yieldFraction = ACT_YIELD): number {
  const n = actLogicNode(nodeNm);
  const gpa = abatement === 95 ? n.gpa95 : abatement === 99 ? n.gpa99 : (n.gpa95 + n.gpa99) / 2;
  return (fabIntensityGPerKWh * n.epaKWhPerCm2 + gpa + ACT_MPA_G_PER_CM2) / yieldFraction;
}

export function embodiedDieG(areaMm2: number, nodeNm: number, fabIntensityGPerKWh?: number, abatement?: Abatement): number {
  return carbonPerAreaGPerCm2(nodeNm, fabIntensityGPerKWh, abatement) * (areaMm2 / 100);
}

