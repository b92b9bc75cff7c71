/**
 * Carbon of a serving run over an hourly grid-intensity series (the CSV format of studies'
 * schedule sections, sim/carbon-schedule.ts parseIntensityCsv):
 *
 *   operational [g] = PUE x integral of P(t) I(t) dt / 3.6e6      (P in W, t in s, I in g CO2e/kWh)
 *   embodied [g]    = die carbon (ACT, sim/carbon.ts) x devices x run time / lifetime
 *
 * I(t) is constant within each hour of the series; the run starts at `startHour`. Embodied carbon is
 * amortised over wall-clock time, busy or idle: the devices exist for the whole run.
 * Carbon-aware admission: a deferrable request starts at the beginning of the least-intensity hour
 * within its window (perfect forecast, as the carbon-aware scheduler assumes), or at once when the
 * current hour is already the least.
 */
import { J_PER_KWH } from "../sim/carbon.js";
import type { GridCarbonConfig } from "./config.js";

export class GridCarbon {
  constructor(readonly config: GridCarbonConfig) {}

  /** Hours of the series covered; a run past the end is an input error the caller reports. */
  get hours(): number {
    return this.config.hourlyGPerKWh.length - this.config.startHour;
  }

  intensityAt(seconds: number): number {
    const h = this.config.startHour + Math.floor(seconds / 3600);
    const series = this.config.hourlyGPerKWh;
    return series[Math.min(h, series.length - 1)]!;
  }

  /** Operational carbon of drawing `powerW` from `fromS` to `toS`, g CO2e. */
  operationalG(fromS: number, toS: number, powerW: number): number {
    let g = 0;
    for (let a = fromS; a < toS;) {
      const b = Math.min(toS, (Math.floor(a / 3600) + 1) * 3600);
      g += (powerW * (b - a) * this.intensityAt(a)) / J_PER_KWH;
      a = b;
    }
    return g * this.config.pue;
  }

  /** When a deferrable request that arrived at `arrivalS` with `windowS` to spare should start. */
  releaseSeconds(arrivalS: number, windowS: number): number {
    const first = Math.floor(arrivalS / 3600);
    const last = Math.floor((arrivalS + windowS) / 3600);
    let best = first;
    for (let h = first + 1; h <= last; h++) if (this.intensityAt(h * 3600) < this.intensityAt(best * 3600)) best = h;
    return best === first ? arrivalS : best * 3600;
  }
}
