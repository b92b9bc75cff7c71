/** `npm run figures`: the README's pictures (docs/figures/: PNG and CSV), drawn from the current model (scripts/readme-figures.ts). */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { csvText } from "../output/charts/chart.js";
import { renderFigure } from "../output/charts/render.js";
import { FIGURES_DIR, readmeFigures, README_FORMATS } from "./readme-figures.js";

mkdirSync(FIGURES_DIR, { recursive: true });
for (const chart of await readmeFigures()) {
  const figure = await renderFigure(chart);
  for (const format of README_FORMATS) writeFileSync(join(FIGURES_DIR, `${chart.name}.${format}`), figure[format]);
  writeFileSync(join(FIGURES_DIR, `${chart.name}.csv`), csvText(chart.table));
}
writeFileSync(join(FIGURES_DIR, "platform.txt"), `${process.platform}-${process.arch}\n`);
console.log(`wrote ${FIGURES_DIR}`);
