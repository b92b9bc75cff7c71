/// <reference lib="dom" />
/**
 * report.html and explorer.html in a real browser: headless Chromium (Debian's package, driven by
 * playwright-core; one browser for the file) opens them offline. Reports: every chart canvas drew,
 * no console errors, no network. The explorer: it loads, a brush on an axis selects exactly the
 * points inside its range (a second brush narrows it), the table lists the selected points and sorts,
 * hovering a point shows its parameters, and clicking it gives an `attnsim run` command that, run,
 * gives the point's numbers again. Screenshots go to test-output/browser/. Skipped with a notice
 * when Chromium is missing (test/support/system-tools.ts), unless ATTNSIM_REQUIRE_SYSTEM_TESTS=1.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { simulate } from "../sim/engine.js";
import { loadDesign } from "../hardware-models/design-loader.js";
import { buildPresetTrace } from "../workloads/transformer-builder.js";
import { writeRunPlots, writeSweepPlots } from "../output/plots.js";
import { readSweepMeta } from "../sweeps/sweep-folder.js";
import { loadSweep } from "../sweeps/spec.js";
import { runSweep } from "../sweeps/runner.js";
import { packageRoot } from "../common/package-root.js";
import { rerunCommand } from "../cli/args.js";
import { main } from "../cli/main.js";
import type { Row } from "../sweeps/evaluate-point.js";
import { missingMessage, systemTool } from "./support/system-tools.js";
import { shellWords } from "./support/shell-words.js";

const CHROMIUM = systemTool("chromium");
const dir = mkdtempSync(join(tmpdir(), "attnsim-report-"));
/** Screenshots, kept after the run for people to look at. */
export const SCREENSHOTS = join(packageRoot(), "test-output", "browser");

let browser: BrowserContext | undefined;

beforeAll(async () => {
  if (!CHROMIUM.run) return;
  if (!CHROMIUM.path) throw new Error(missingMessage("chromium"));
  mkdirSync(SCREENSHOTS, { recursive: true });
  // A fresh profile (user data dir) for this file's browser.
  browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "attnsim-chromium-")), {
    executablePath: CHROMIUM.path,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** A page on a file: console errors, page errors and any request that is not file: are collected. */
async function open(file: string, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser!.newPage();
  await page.setViewportSize(viewport);
  const errors: string[] = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("request", (req) => { if (!req.url().startsWith("file:")) errors.push(`network request: ${req.url()}`); });
  await page.goto(pathToFileURL(file).href);
  return { page, errors };
}

async function openReport(file: string, screenshot: string): Promise<{ errors: string[]; drawn: boolean[]; charts: number }> {
  const { page, errors } = await open(file);
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
  await page.close();
  return { errors, drawn, charts };
}

/** Drag with the mouse along a box from one fraction of its height to another. */
async function dragAlong(page: Page, selector: string, from: number, to: number): Promise<void> {
  const box = (await page.locator(selector).boundingBox())!;
  const x = box.x + box.width / 2;
  await page.mouse.move(x, box.y + box.height * from);
  await page.mouse.down();
  await page.mouse.move(x, box.y + box.height * ((from + to) / 2), { steps: 4 });
  await page.mouse.move(x, box.y + box.height * to, { steps: 4 });
  await page.mouse.up();
}

interface ExplorerApi {
  selectedKeys(): string[];
  filters(): Record<string, (number | string)[]>;
  scatterFront(): string[];
  picked(): string | undefined;
}
type ExplorerWindow = { attnsimExplorer: ExplorerApi; ATTNSIM_EXPLORER: { dimensions: { name: string; factor: number }[] } };

describe.runIf(CHROMIUM.run)("report.html and explorer.html in headless Chromium", () => {
  const sweepDir = join(dir, "sweep");
  let rows: Row[] = [];

  beforeAll(async () => {
    await runSweep(loadSweep(join(packageRoot(), "examples", "sweeps", "systolic-sizing.yaml")), { outDir: sweepDir, workers: 0 });
    await writeSweepPlots(sweepDir, readSweepMeta(sweepDir), undefined, { rerun: rerunCommand });
    rows = readFileSync(join(sweepDir, "results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Row).filter((r) => r.status === "ok");
  }, 60_000);

  it("a run report: every chart drew, no console errors, no network", async () => {
    const o = simulate(loadDesign("heterogeneous"), buildPresetTrace("bert-base", { seqLen: 256 }), { keepTimeline: true });
    if (!o.ok) throw new Error("infeasible");
    const out = join(dir, "run");
    await writeRunPlots(out, o.result, { workload: o.result.workload });
    const r = await openReport(join(out, "report.html"), join(SCREENSHOTS, "run-report.png"));
    expect(r.errors).toEqual([]);
    expect(r.charts).toBe(6);
    expect(r.drawn).toEqual([true, true, true, true, true, true]);
    expect(existsSync(join(SCREENSHOTS, "run-report.png"))).toBe(true);
  });

  it("a sweep report", async () => {
    const r = await openReport(join(sweepDir, "plots", "report.html"), join(SCREENSHOTS, "sweep-report.png"));
    expect(r.errors).toEqual([]);
    expect(r.drawn).toHaveLength(4); // a Pareto chart per workload, a tornado per objective
    expect(r.drawn.every(Boolean)).toBe(true);
  });

  it("the explorer: brush, select, table, sort, hover, and a command that reruns the point", async () => {
    const { page, errors } = await open(join(sweepDir, "plots", "explorer.html"), { width: 1400, height: 1000 });
    await page.waitForFunction(() => (window as unknown as Partial<ExplorerWindow>).attnsimExplorer !== undefined);
    const api = <T>(fn: (e: ExplorerApi) => T) => page.evaluate(fn as never, undefined) as Promise<T>;
    expect(await page.evaluate(() => (window as unknown as ExplorerWindow).attnsimExplorer.selectedKeys().length)).toBe(rows.length);
    const dims = await page.evaluate(() => (window as unknown as ExplorerWindow).ATTNSIM_EXPLORER.dimensions.map((d) => d.name));
    for (const name of ["workload", "rows", "cols", "dataflow", "kib", "energyJ", "areaMm2", "latencySeconds"]) expect(dims).toContain(name);
    void api;

    // Brush the energy axis: the selection is exactly the points whose energy is inside the range.
    await dragAlong(page, 'g.axis[data-dim="energyJ"] .overlay', 0.45, 0.95);
    const factor = await page.evaluate(() => (window as unknown as ExplorerWindow).ATTNSIM_EXPLORER.dimensions.find((d) => d.name === "energyJ")!.factor);
    const energy = (await page.evaluate(() => (window as unknown as ExplorerWindow).attnsimExplorer.filters())).energyJ as [number, number];
    const inEnergy = rows.filter((r) => r.metrics!.energyJ! / factor >= energy[0] && r.metrics!.energyJ! / factor <= energy[1]);
    expect(inEnergy.length).toBeGreaterThan(0);
    expect(inEnergy.length).toBeLessThan(rows.length);
    const selected = await page.evaluate(() => (window as unknown as ExplorerWindow).attnsimExplorer.selectedKeys());
    expect(new Set(selected)).toEqual(new Set(inEnergy.map((r) => r.key)));
    // A second brush on a category axis narrows it: both ranges hold.
    await dragAlong(page, 'g.axis[data-dim="dataflow"] .overlay', 0.0, 0.4);
    const flows = (await page.evaluate(() => (window as unknown as ExplorerWindow).attnsimExplorer.filters())).dataflow as string[];
    expect(flows.length).toBeGreaterThan(0);
    const both = inEnergy.filter((r) => flows.includes(String(r.params.dataflow)));
    expect(new Set(await page.evaluate(() => (window as unknown as ExplorerWindow).attnsimExplorer.selectedKeys()))).toEqual(new Set(both.map((r) => r.key)));

    // The window with two ranges brushed: the axes, the scatter, the top of the table.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(SCREENSHOTS, "explorer.png") });

    // The table lists the selected points; sorting by area orders them.
    const tableKeys = await page.$$eval("#points tbody tr", (trs) => trs.map((tr) => tr.getAttribute("data-key")));
    expect(new Set(tableKeys)).toEqual(new Set(both.map((r) => r.key)));
    const areaColumn = dims.indexOf("areaMm2");
    const column = () => page.$$eval("#points tbody tr", (trs, i) => trs.map((tr) => parseFloat(tr.children[i]!.textContent!)), areaColumn);
    await page.click('#points th[data-dim="areaMm2"]');
    const ascending = await column();
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    await page.click('#points th[data-dim="areaMm2"]');
    const descending = await column();
    expect(descending).toEqual([...ascending].reverse());
    expect(await page.getAttribute('#points th[data-dim="areaMm2"]', "aria-sort")).toBe("descending");

    // The scatter rings the selected points' front for its two axes (energy and area, the objectives).
    const ringed = await page.evaluate(() => (window as unknown as ExplorerWindow).attnsimExplorer.scatterFront());
    const keyed = new Map(both.map((r) => [r.key, r]));
    for (const key of ringed) {
      const r = keyed.get(key)!;
      expect(both.some((o) => o.workload === r.workload && o.metrics!.energyJ! <= r.metrics!.energyJ! && o.metrics!.areaMm2! <= r.metrics!.areaMm2! && (o.metrics!.energyJ! < r.metrics!.energyJ! || o.metrics!.areaMm2! < r.metrics!.areaMm2!))).toBe(false);
    }
    expect(ringed.length).toBeGreaterThan(1);

    // Hover a ringed point: the tooltip shows the nearest drawn point's parameters and key; click:
    // the command that reruns it. Two dataflows can give one design the same area and nearly the
    // same energy (one pixel), so the point shown is the ringed one or one drawn on top of it.
    const target = keyed.get(ringed[0]!)!;
    const point = page.locator(`#scatter g.front circle[data-key="${ringed[0]}"]`);
    const box = (await point.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await expect.poll(() => page.isVisible("#tooltip")).toBe(true);
    const tip = (await page.textContent("#tooltip"))!;
    const shownKey = /key ([0-9a-f]+)/.exec(tip)![1]!;
    const row = rows.find((r) => r.key === shownKey)!;
    expect(Math.abs(row.metrics!.energyJ! / target.metrics!.energyJ! - 1)).toBeLessThan(0.02);
    expect(row.metrics!.areaMm2!).toBeCloseTo(target.metrics!.areaMm2!, 6);
    expect(tip).toContain(`rows${String(row.params.rows)}`);
    expect(tip).toContain(`dataflow${String(row.params.dataflow)}`);
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    expect(await page.evaluate(() => (window as unknown as ExplorerWindow).attnsimExplorer.picked())).toBe(row.key);
    const command = (await page.textContent("#command-text"))!;
    expect(command).toMatch(/^npx attnsim run --design edge-npu --model bert-base --seq (128|512) --set units\.npu\.rows=/);
    expect(errors).toEqual([]);
    await page.close();

    // The command, run, gives the point's numbers: the same design and workload as the sweep's.
    const [npx, name, ...args] = shellWords(command);
    expect([npx, name]).toEqual(["npx", "attnsim"]);
    let out = "";
    expect(await main([...args, "--json"], { out: (t) => void (out += t), err: () => undefined })).toBe(0);
    const result = JSON.parse(out) as { energyJ: number; latencySeconds: number; areaMm2: number };
    expect(result.energyJ).toBe(row.metrics!.energyJ);
    expect(result.latencySeconds).toBe(row.metrics!.latencySeconds);
    expect(result.areaMm2).toBe(row.metrics!.areaMm2);
  });
});
