/// <reference lib="dom" />
/**
 * report.html in a real browser: headless Chromium (Debian's package, driven by playwright-core)
 * opens the file offline; every chart canvas must have drawn, with no console errors. A screenshot
 * is saved beside the report. `.ci/run` installs Chromium with apt-get.
 */
import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { simulate } from "../sim/engine.js";
import { loadDesign } from "../hardware-models/design-loader.js";
import { buildPresetTrace } from "../workloads/transformer-builder.js";
import { writeRunPlots, writeSweepPlots } from "../output/plots.js";
import { readSweepMeta } from "../sweeps/sweep-folder.js";
import { loadSweep } from "../sweeps/spec.js";
import { runSweep } from "../sweeps/runner.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const dir = mkdtempSync(join(tmpdir(), "attnsim-report-"));

async function openReport(file: string, screenshot: string): Promise<{ errors: string[]; drawn: boolean[]; charts: number }> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("request", (req) => { if (!req.url().startsWith("file:")) errors.push(`network request: ${req.url()}`); });
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => Array.isArray((window as unknown as { attnsimCharts?: unknown[] }).attnsimCharts));
    // A canvas drew if any pixel differs from the first one (not a blank canvas).
    const drawn = await page.$$eval("canvas", (canvases) => canvases.map((c) => {
      const ctx = (c as HTMLCanvasElement).getContext("2d")!;
      const data = ctx.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
      for (let i = 4; i < data.length; i += 4) if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2] || data[i + 3] !== data[3]) return true;
      return false;
    }));
    const charts = await page.evaluate(() => (window as unknown as { attnsimCharts: unknown[] }).attnsimCharts.length);
    await page.screenshot({ path: screenshot, fullPage: true });
    return { errors, drawn, charts };
  } finally {
    await browser.close();
  }
}

describe("report.html in headless Chromium", () => {
  it("a run report: every chart drew, no console errors, no network", async () => {
    const o = simulate(loadDesign("heterogeneous"), buildPresetTrace("bert-base", { seqLen: 256 }), { keepTimeline: true });
    if (!o.ok) throw new Error("infeasible");
    const out = join(dir, "run");
    await writeRunPlots(out, o.result, { workload: o.result.workload });
    const r = await openReport(join(out, "report.html"), join(out, "report.png"));
    expect(r.errors).toEqual([]);
    expect(r.charts).toBe(5);
    expect(r.drawn).toEqual([true, true, true, true, true]);
    expect(existsSync(join(out, "report.png"))).toBe(true);
  });

  it("a sweep report", async () => {
    const out = join(dir, "sweep");
    await runSweep(loadSweep("examples/sweeps/sram-vs-bandwidth.yaml"), { outDir: out, workers: 0 });
    await writeSweepPlots(out, readSweepMeta(out));
    const r = await openReport(join(out, "plots", "report.html"), join(out, "plots", "report.png"));
    expect(r.errors).toEqual([]);
    expect(r.drawn.length).toBeGreaterThanOrEqual(2);
    expect(r.drawn.every(Boolean)).toBe(true);
  });
});
