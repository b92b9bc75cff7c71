/**
 * Dynamic voltage and frequency scaling: the same design and workload at several operating points.
 *
 * An operating point (V, f) is written into the design's `technology` (voltage and the reference
 * clock; units without a clock of their own follow it; memory levels keep their bandwidth, DRAM is
 * on its own clock) and the design is resolved again, so every energy is re-priced at V by the
 * Stillmaker & Baas energy fit (dynamic energy ~ C V^2: hardware-models/technology/node-scaling.ts)
 * and leakage power scales with V (technology/area.ts) and accrues over the run's latency.
 *
 * Operating points come from the design's `technology.dvfs` table (a datasheet's points) or, given
 * only voltages, from the delay fit of the same paper: the highest clock at V is
 *
 *   f_max(V) = f_ref x D(node, V_ref) / D(node, V)
 *
 * with (V_ref, f_ref) the design's own operating point (gate delay D scales the critical path).
 * For a latency target (SLO) the minimum-energy point is the one of least energy among those that
 * meet it; when none does, the study says so and names the fastest.
 */
import { InfeasibleError } from "./errors.js";
import { resolveDesign } from "../hardware-models/design-loader.js";
import { withValues } from "../common/set-path.js";
import type { Design } from "../hardware-models/design.js";
import { delayFactor } from "../hardware-models/technology/node-scaling.js";
import type { Trace } from "../workloads/trace.js";
import { simulate } from "./engine.js";

export interface OperatingPoint {
  voltageV: number;
  frequencyHz: number;
}

/** The highest clock the delay fit allows at `voltageV`, from the design's own operating point. */
export function maxFrequencyHz(design: Design, voltageV: number): number {
  const t = design.technology;
  return (t.frequencyHz * delayFactor(t.nodeNm, t.voltageV, t.flavor)) / delayFactor(t.nodeNm, voltageV, t.flavor);
}

/**
 * The lowest supply voltage at which the delay fit allows `frequencyHz` (the inverse of
 * maxFrequencyHz): the voltage a DVFS governor would set for a clock below the design's own, on a
 * 1 mV grid from 0.5 V (the fits' lower end) to the design's voltage. At or above the design's
 * clock it is the design's voltage (the fit is not extrapolated upward).
 */
export function voltageForFrequency(design: Design, frequencyHz: number): number {
  const t = design.technology;
  if (frequencyHz >= t.frequencyHz) return t.voltageV;
  for (let mv = 500; mv < Math.round(t.voltageV * 1000); mv++) {
    if (maxFrequencyHz(design, mv / 1000) >= frequencyHz) return mv / 1000;
  }
  return t.voltageV;
}

/** The design's DVFS table, or points at the given voltages with f = f_max(V). */
export function operatingPoints(design: Design, voltagesV?: readonly number[]): OperatingPoint[] {
  if (voltagesV && voltagesV.length > 0) return voltagesV.map((v) => ({ voltageV: v, frequencyHz: maxFrequencyHz(design, v) }));
  if (design.technology.dvfs) return design.technology.dvfs.map((p) => ({ ...p }));
  return [{ voltageV: design.technology.voltageV, frequencyHz: design.technology.frequencyHz }];
}

/** The design document at an operating point, resolved. */
export function designAt(doc: unknown, file: string, point: OperatingPoint): Design {
  return resolveDesign(withValues(doc, [[["technology", "voltage"], `${point.voltageV} V`], [["technology", "frequency"], `${point.frequencyHz} Hz`]]), file);
}

export interface DvfsPoint extends OperatingPoint {
  latencySeconds: number;
  energyJ: number;
  dynamicEnergyJ: number;
  /** Leakage, system static and the chip's time-proportional energy (clock tree, PHY static, DRAM background, always-on). */
  staticEnergyJ: number;
  averagePowerW: number;
  meetsSlo: boolean;
}

export interface DvfsStudy {
  points: DvfsPoint[];
  sloSeconds?: number;
  /** The minimum-energy point meeting the SLO (or of all points, without an SLO). */
  best?: DvfsPoint;
  /** Why there is no best point. */
  reason?: string;
}

export function dvfsStudy(doc: unknown, file: string, trace: Trace, points: readonly OperatingPoint[], sloSeconds?: number): DvfsStudy {
  const out: DvfsPoint[] = [];
  for (const p of points) {
    const outcome = simulate(designAt(doc, file, p), trace, { perOp: false });
    if (!outcome.ok) throw new InfeasibleError(outcome.infeasible, `${file} at ${p.voltageV} V, ${p.frequencyHz} Hz`);
    const r = outcome.result;
    out.push({
      // Work-proportional energy (actions, and the chip's per-byte and per-cycle lines) and time-proportional energy.
      ...p, latencySeconds: r.latencySeconds, energyJ: r.energyJ, dynamicEnergyJ: (r.dynamicEnergyPj + r.chipEnergyPj - r.chipStaticEnergyPj) * 1e-12,
      staticEnergyJ: (r.leakageEnergyPj + r.systemEnergyPj + r.chipStaticEnergyPj) * 1e-12, averagePowerW: r.averagePowerW,
      meetsSlo: sloSeconds === undefined || r.latencySeconds <= sloSeconds,
    });
  }
  return { points: out, ...(sloSeconds !== undefined ? { sloSeconds } : {}), ...pickBest(out, sloSeconds) };
}

export function pickBest(points: readonly DvfsPoint[], sloSeconds?: number): { best?: DvfsPoint; reason?: string } {
  const ok = points.filter((p) => p.meetsSlo);
  if (ok.length === 0) {
    const fastest = points.reduce((a, b) => (b.latencySeconds < a.latencySeconds ? b : a));
    return { reason: `no operating point meets the ${sloSeconds} s target; the fastest (${fastest.voltageV} V, ${fastest.frequencyHz} Hz) takes ${fastest.latencySeconds} s` };
  }
  return { best: ok.reduce((a, b) => (b.energyJ < a.energyJ ? b : a)) };
}
