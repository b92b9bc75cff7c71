/**
 * The README's figures are not stale: they are rebuilt here from the current model and examples
 * (scripts/readme-figures.ts, what `npm run figures` writes) and compared with docs/figures/: the
 * charted data (CSV) exactly on every machine, and the PNG bytes exactly on the platform they were
 * drawn on (docs/figures/platform.txt; the font ships with the package, so only the rasteriser's
 * platform can change pixels). Fails after any change to the model that moves a charted number.
 */
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { csvText } from "../output/charts/chart.js";
import { renderPng } from "../output/charts/render.js";
import { FIGURES_DIR, readmeFigures } from "../scripts/readme-figures.js";

const STALE = "stale: run `npm run figures` and commit docs/figures";
const samePlatform = readFileSync(join(FIGURES_DIR, "platform.txt"), "utf8").trim() === `${process.platform}-${process.arch}`;

describe("README figures (docs/figures)", async () => {
  const charts = await readmeFigures();
  it("are the ones the README shows", () => {
    const readme = readFileSync(join(FIGURES_DIR, "..", "..", "README.md"), "utf8");
    for (const c of charts) expect(readme).toContain(`docs/figures/${c.name}.png`);
  });
  for (const c of charts) {
    it(`${c.name}: the charted data is the current model's`, () => {
      const file = join(FIGURES_DIR, `${c.name}.csv`);
      expect(existsSync(file), `${file} missing: ${STALE}`).toBe(true);
      expect(readFileSync(file, "utf8"), `${c.name}.csv ${STALE}`).toBe(csvText(c.table));
    });
    it.runIf(samePlatform)(`${c.name}: the PNG is byte-identical to a fresh drawing`, async () => {
      expect((await renderPng(c)).equals(readFileSync(join(FIGURES_DIR, `${c.name}.png`))), `${c.name}.png ${STALE}`).toBe(true);
    });
  }
});
