/**
 * Server-side rendering of chart specs to PNG with Chart.js on @napi-rs/canvas (prebuilt, no
 * system libraries). Default 1600 x 1000 pixels: 8 x 5 inches at 200 dpi, print-friendly.
 */
import { createCanvas } from "@napi-rs/canvas";
import { Chart, registerables } from "chart.js";
import type { ChartSpec } from "./chart.js";

let registered = false;

export const PNG_WIDTH = 1600;
export const PNG_HEIGHT = 1000;
/** Pixels per CSS pixel: fonts and lines laid out for 800 x 500 and drawn at twice the density. */
export const PNG_SCALE = 2;

export async function renderPng(spec: ChartSpec, width = PNG_WIDTH, height = PNG_HEIGHT): Promise<Buffer> {
  if (!registered) {
    Chart.register(...registerables);
    registered = true;
  }
  // Chart.js lays the chart out at the canvas size and multiplies by devicePixelRatio.
  const canvas = createCanvas(width / PNG_SCALE, height / PNG_SCALE);
  const ctx = canvas.getContext("2d");
  const config = structuredClone(spec.config);
  config.options = { ...config.options, devicePixelRatio: PNG_SCALE, animation: false, responsive: false };
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
  const chart = new Chart(ctx as unknown as ConstructorParameters<typeof Chart>[0], config);
  try {
    return await canvas.encode("png");
  } finally {
    chart.destroy();
  }
}
