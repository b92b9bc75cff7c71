/**
 * Server-side rendering of chart specs with Chart.js on @napi-rs/canvas (prebuilt Skia, no system
 * libraries), in the font of ../style.ts registered from its npm package: the same inputs give the
 * same bytes on every machine of a platform.
 * - PNG: 1600 x 1000 pixels, 8 x 5 inches at 200 dpi (laid out at 800 x 500, drawn at twice the density).
 * - SVG: the same 800 x 500 layout, text converted to paths (no font needed to view it).
 * - PDF: an 8 x 5 inch page (576 x 360 pt), vector, the font subset embedded.
 */
import { createCanvas, GlobalFonts, PDFDocument, SvgExportFlag } from "@napi-rs/canvas";
import { Chart, registerables, type ChartConfiguration } from "chart.js";
import { FONT_FAMILY, fontFiles, hydrateChartConfig } from "../style.js";
import type { ChartSpec } from "./chart.js";

export const PNG_WIDTH = 1600;
export const PNG_HEIGHT = 1000;
/** Pixels per CSS pixel: fonts and lines laid out for 800 x 500 and drawn at twice the density. */
export const PNG_SCALE = 2;
/** Layout size (CSS pixels) of every format. */
export const LAYOUT_WIDTH = PNG_WIDTH / PNG_SCALE;
export const LAYOUT_HEIGHT = PNG_HEIGHT / PNG_SCALE;
/** PDF points per layout pixel: 800 x 500 onto 8 x 5 inches at 72 pt per inch. */
export const PDF_SCALE = 0.72;

export type FigureFormat = "png" | "svg" | "pdf";
export const FIGURE_FORMATS: readonly FigureFormat[] = ["png", "svg", "pdf"];

let ready = false;

function prepare(): void {
  if (ready) return;
  Chart.register(...registerables);
  for (const { file } of fontFiles()) {
    if (!GlobalFonts.registerFromPath(file, FONT_FAMILY)) throw new Error(`attnsim: cannot register the chart font ${file}`);
  }
  Chart.defaults.font.family = FONT_FAMILY;
  ready = true;
}

/** The spec's config for one drawing: hydrated (tick callbacks), at a pixel ratio, on white. */
function drawable(spec: ChartSpec, devicePixelRatio: number): ChartConfiguration {
  const config = hydrateChartConfig(structuredClone(spec.config));
  config.options = { ...config.options, devicePixelRatio, animation: false, responsive: false };
  config.plugins = [...(config.plugins ?? []), {
    id: "white-background",
    beforeDraw: (chart: Chart) => {
      const c = chart.ctx;
      c.save();
      c.fillStyle = "#ffffff";
      c.fillRect(0, 0, chart.width, chart.height);
      c.restore();
    },
  }];
  return config;
}

/** Draw on a context (Chart.js finds the canvas as ctx.canvas) and take the output before the chart is destroyed (which clears it). */
function draw<T>(ctx: unknown, config: ChartConfiguration, output: () => T): T {
  const chart = new Chart(ctx as ConstructorParameters<typeof Chart>[0], config);
  try {
    return output();
  } finally {
    chart.destroy();
  }
}

export async function renderPng(spec: ChartSpec): Promise<Buffer> {
  prepare();
  const canvas = createCanvas(LAYOUT_WIDTH, LAYOUT_HEIGHT);
  const png = draw(canvas.getContext("2d"), drawable(spec, PNG_SCALE), () => canvas.encode("png"));
  return png;
}

export function renderSvg(spec: ChartSpec): Buffer {
  prepare();
  const canvas = createCanvas(LAYOUT_WIDTH, LAYOUT_HEIGHT, SvgExportFlag.ConvertTextToPaths);
  return draw(canvas.getContext("2d"), drawable(spec, 1), () => Buffer.from(renumberSvgIds(canvas.getContent().toString("utf8")), "utf8"));
}

/**
 * Skia numbers an SVG's clip paths (cl_17) with a counter that runs on across documents in a
 * process, so the same chart would differ by its ids (hexadecimal). Renumber them per document, in order of first
 * appearance. (Path data has no underscores, so prefix_number tokens are ids only.)
 */
export function renumberSvgIds(svg: string): string {
  const ids = new Map<string, string>();
  return svg.replace(/\b([A-Za-z]+)_([0-9a-f]+)\b/g, (token, prefix: string) => {
    let id = ids.get(token);
    if (id === undefined) ids.set(token, (id = `${prefix}_${[...ids.keys()].filter((k) => k.startsWith(`${prefix}_`)).length + 1}`));
    return id;
  });
}

export function renderPdf(spec: ChartSpec): Buffer {
  prepare();
  // No creation date and a fixed producer: the same chart gives the same bytes.
  const doc = new PDFDocument({ title: spec.title, creator: "attnsim", producer: "attnsim (Skia PDF)" });
  const ctx = doc.beginPage(LAYOUT_WIDTH * PDF_SCALE, LAYOUT_HEIGHT * PDF_SCALE);
  // A PDF page's context has no canvas; Chart.js sizes the chart from one (width and height are
  // the layout size, which it multiplies by the pixel ratio: 800 x 500 -> 576 x 360 pt).
  const canvas = { width: LAYOUT_WIDTH, height: LAYOUT_HEIGHT, style: {}, getContext: () => ctx };
  Object.defineProperty(ctx, "canvas", { value: canvas });
  return draw(ctx, drawable(spec, PDF_SCALE), () => {
    doc.endPage();
    return doc.close();
  });
}

/** Every format of a chart, by file extension. */
export async function renderFigure(spec: ChartSpec): Promise<Record<FigureFormat, Buffer>> {
  return { png: await renderPng(spec), svg: renderSvg(spec), pdf: renderPdf(spec) };
}
