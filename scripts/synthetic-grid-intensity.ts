/**
 * Writes examples/studies/grid-intensity-synthetic.csv: SYNTHETIC hourly grid carbon intensity for
 * two made-up regions over one week, for the carbon-aware scheduling examples and tests. Not
 * measured data; bring real series (Electricity Maps' data portal publishes hourly CSVs under ODbL)
 * with the same layout: `time,<region>,<region>...`, g CO2e/kWh.
 *
 *   solar-heavy  I(h) = 450 - 300 max(0, sin(pi (t - 6) / 12)) + 30 sin(2 pi h / 168) + noise   (midday dip)
 *   wind-hydro   I(h) = 200 + 70 sin(2 pi (t + 7) / 24) + noise                                  (flatter, lower)
 *
 * t = hour of day, h = hour of the week, noise uniform in [-15, 15] from mulberry32(2026), rounded to 1 g.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { mulberry32 } from "../common/random.js";
import { packageRoot } from "../common/package-root.js";

export function syntheticIntensityCsv(): string {
  const random = mulberry32(2026);
  const noise = () => 30 * random() - 15;
  const lines = ["# SYNTHETIC hourly grid carbon intensity (g CO2e/kWh), two made-up regions, one week: scripts/synthetic-grid-intensity.ts says how it is made", "time,solar-heavy,wind-hydro"];
  const start = Date.UTC(2026, 5, 1);
  for (let h = 0; h < 168; h++) {
    const t = h % 24;
    const solar = 450 - 300 * Math.max(0, Math.sin((Math.PI * (t - 6)) / 12)) + 30 * Math.sin((2 * Math.PI * h) / 168) + noise();
    const wind = 200 + 70 * Math.sin((2 * Math.PI * (t + 7)) / 24) + noise();
    lines.push(`${new Date(start + h * 3600e3).toISOString().slice(0, 16)}Z,${Math.round(solar)},${Math.round(wind)}`);
  }
  return `${lines.join("\n")}\n`;
}

if (process.argv[1]?.endsWith("synthetic-grid-intensity.js")) {
  const file = join(packageRoot(), "examples", "studies", "grid-intensity-synthetic.csv");
  writeFileSync(file, syntheticIntensityCsv());
  console.log(`wrote ${file}`);
}
