/**
 * Moving 45 nm / 0.9 V energies to another node and supply voltage with the polynomial fits of
 * Stillmaker & Baas, "Scaling equations for the accurate prediction of CMOS device performance
 * from 180 nm to 7 nm", Integration, the VLSI Journal 58 (2017) 74-81, Tables 4-5 (coefficients as
 * transcribed in the public nodeScale tool; they reproduce the authors' corrigendum values
 * EnergyFactor(HP32, 0.9 V) = 0.4571 and EnergyFactor(65 nm, 1.3 V) = 2.604, checked in tests).
 *
 *   energy factor  E(node, V) = e V^2 + f V + g
 *   delay factor   D(node, V) = a V^3 + b V^2 + c V + d
 *   X(node, V) = X(45 nm HP, 0.9 V) * E(node, V) / E(45 nm HP, 0.9 V)
 *
 * Nodes between tabulated ones (28 nm, 22 nm, 12 nm ...) are interpolated in log(node) on log(factor).
 * The same energy polynomial, evaluated at several voltages of one node, is the DVFS model.
 */
export type Flavor = "hp" | "lp";

interface Fit {
  node: number;
  delay: [number, number, number, number];
  energy: [number, number, number];
}

// One row per node; 180-65 nm have a single (bulk) fit, 45-7 nm separate HP and LP fits.
const COMMON: Fit[] = [
  { node: 180, delay: [0, 97.09, -356.7, 406.5], energy: [0, 24.64, -17.98] },
  { node: 130, delay: [-76.65, 334.9, -493.4, 275.8], energy: [7.171, -6.709, 2.904] },
  { node: 90, delay: [-60.34, 262.5, -384.2, 210.9], energy: [4.762, -4.781, 2.092] },
  { node: 65, delay: [-53.3, 230.4, -333.9, 178.6], energy: [3.755, -4.398, 1.975] },
];
const HP: Fit[] = [
  { node: 45, delay: [-501.6, 1567, -1619, 566.1], energy: [1.018, -0.3107, 0.1539] },
  { node: 32, delay: [-1047, 2982, -2797, 873.5], energy: [0.8367, -0.4341, 0.1701] },
  { node: 20, delay: [0, 34.63, -66.37, 41.15], energy: [0.373, -0.1582, 0.04104] },
  { node: 16, delay: [0, 24.8, -47.52, 28.87], energy: [0.2958, -0.1241, 0.03024] },
  { node: 14, delay: [-40.66, 109.2, -100.6, 35.92], energy: [0.2363, -0.09675, 0.02239] },
  { node: 10, delay: [-34.95, 93.65, -85.99, 30.4], energy: [0.2068, -0.09311, 0.02375] },
  { node: 7, delay: [-28.58, 76.6, -70.26, 24.69], energy: [0.1776, -0.09097, 0.02447] },
];
const LP: Fit[] = [
  { node: 45, delay: [-285.7, 1239, -1795, 898.8], energy: [1.103, -0.362, 0.2767] },
  { node: 32, delay: [-325.9, 1374, -1922, 913.2], energy: [0.9559, -0.7823, 0.471] },
  { node: 20, delay: [-160.5, 514.1, -558.6, 217.5], energy: [0.2632, -0.14, 0.06841] },
  { node: 16, delay: [-114.6, 366.7, -397.4, 153.6], energy: [0.2139, -0.1187, 0.05639] },
  { node: 14, delay: [-85.37, 271.6, -292.2, 111.4], energy: [0.1556, -0.06472, 0.03066] },
  { node: 10, delay: [-71.76, 228.6, -246.3, 93.91], energy: [0.1261, -0.0518, 0.02769] },
  { node: 7, delay: [-61.79, 196.1, -210.3, 79.55], energy: [0.09365, -0.03409, 0.02043] },
];

export const NODE_RANGE_NM = { min: 7, max: 180 } as const;

function fitsFor(flavor: Flavor): Fit[] {
  return [...COMMON, ...(flavor === "hp" ? HP : LP)];
}

function energyPoly(fit: Fit, v: number): number {
  const [e, f, g] = fit.energy;
  return e * v * v + f * v + g;
}

function delayPoly(fit: Fit, v: number): number {
  const [a, b, c, d] = fit.delay;
  return ((a * v + b) * v + c) * v + d;
}

function interpolate(nodeNm: number, flavor: Flavor, poly: (fit: Fit) => number): number {
  if (!(nodeNm >= NODE_RANGE_NM.min && nodeNm <= NODE_RANGE_NM.max)) {
    throw new RangeError(`technology node ${nodeNm} nm is outside the Stillmaker & Baas range ${NODE_RANGE_NM.min}-${NODE_RANGE_NM.max} nm`);
  }
  const fits = fitsFor(flavor); // descending node
  for (let i = 0; i < fits.length; i++) {
    const hi = fits[i]!;
    if (nodeNm === hi.node) return poly(hi);
    const lo = fits[i + 1];
    if (lo && nodeNm < hi.node && nodeNm > lo.node) {
      const t = Math.log(nodeNm / hi.node) / Math.log(lo.node / hi.node);
      return Math.exp((1 - t) * Math.log(poly(hi)) + t * Math.log(poly(lo)));
    }
  }
  throw new RangeError(`no scaling fit for ${nodeNm} nm`);
}

/** Raw Stillmaker & Baas energy factor at a node and voltage. */
export function energyFactor(nodeNm: number, voltageV: number, flavor: Flavor = "hp"): number {
  return interpolate(nodeNm, flavor, (fit) => energyPoly(fit, voltageV));
}

/** Raw Stillmaker & Baas delay factor at a node and voltage. */
export function delayFactor(nodeNm: number, voltageV: number, flavor: Flavor = "hp"): number {
  return interpolate(nodeNm, flavor, (fit) => delayPoly(fit, voltageV));
}

/** Multiplier taking a 45 nm HP / 0.9 V energy (Horowitz's operating point) to (node, V, flavor). */
export function energyScaleFrom45nm(nodeNm: number, voltageV: number, flavor: Flavor = "hp"): number {
  return energyFactor(nodeNm, voltageV, flavor) / energyFactor(45, 0.9, "hp");
}
