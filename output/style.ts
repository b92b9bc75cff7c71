/**
 * The look of every figure attnsim draws, in one place: the font (Inter, shipped as an npm package
 * and registered with the canvas, so the same inputs draw the same pixels on every machine), the
 * colours, human axis titles with units whose SI prefix is chosen from the data, legend order,
 * readable logarithmic ticks, and the layout options every chart starts from. Charts (charts/),
 * report.html and the sweep explorer take their style from here.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ChartConfiguration } from "chart.js";

// ---------------------------------------------------------------------------------------------
// Font

/**
 * Registered under its own family name, so a system-installed Inter (or any other font) can never
 * stand in for it: the canvas draws with exactly these files.
 */
export const FONT_FAMILY = "attnsim Inter";
/** Body text and titles. The latin subset has the characters axis titles use (µ, ², ³, ·, ×, −). */
export const FONT_WEIGHTS = { regular: 400, title: 600 } as const;

/** The Inter woff2 files of @fontsource/inter (SIL Open Font License 1.1), by weight. */
export function fontFiles(): { weight: number; file: string }[] {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve("@fontsource/inter/package.json")), "files");
  return Object.values(FONT_WEIGHTS).map((weight) => ({ weight, file: join(dir, `inter-latin-${weight}-normal.woff2`) }));
}

/** @font-face rules with the font inlined (data: URLs), for self-contained HTML pages. */
export function fontFaceCss(): string {
  return fontFiles().map(({ weight, file }) =>
    `@font-face { font-family: "${FONT_FAMILY}"; font-weight: ${weight}; font-style: normal; src: url(data:font/woff2;base64,${readFileSync(file).toString("base64")}) format("woff2"); }`).join("\n");
}

/** The CSS font stack of HTML pages: the inlined font first. */
export const CSS_FONT_STACK = `"${FONT_FAMILY}", system-ui, sans-serif`;

// ---------------------------------------------------------------------------------------------
// Colours

/** The Okabe-Ito palette: distinguishable with colour-vision deficiencies, prints in greyscale. */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];
/** Pareto fronts, reference lines and other marks that are not a data series. */
export const INK = "#000000";
const GRID = "#e3e3e3";
export const TEXT = "#222222";

export function color(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

/** A palette colour with an alpha (0-1), as #rrggbbaa. */
export function translucent(i: number, alpha: number): string {
  return `${color(i)}${Math.round(alpha * 255).toString(16).padStart(2, "0")}`;
}

// ---------------------------------------------------------------------------------------------
// Quantities: titles, units, prefixes

/** A quantity a chart plots: a human title, and its SI unit (or "" for a count, "%" for a fraction). */
export interface QuantityStyle {
  title: string;
  unit: string;
  /** Prefixes: SI (k, M, m, µ...), binary (KiB, MiB; for bytes), or none (mm², fractions). */
  prefixes: "si" | "binary" | "none";
  /** Values are fractions drawn as percentages. */
  percent?: boolean;
}

/** Result and sweep metrics by their field names. */
const METRIC_STYLES: Record<string, QuantityStyle> = {
  energyJ: { title: "Energy per inference", unit: "J", prefixes: "si" },
  latencySeconds: { title: "Latency", unit: "s", prefixes: "si" },
  latencyCycles: { title: "Latency", unit: "cycles", prefixes: "si" },
  averagePowerW: { title: "Average power", unit: "W", prefixes: "si" },
  peakPowerW: { title: "Peak power", unit: "W", prefixes: "si" },
  leakagePowerW: { title: "Leakage power", unit: "W", prefixes: "si" },
  macs: { title: "Multiply-accumulates", unit: "MAC", prefixes: "si" },
  areaMm2: { title: "Area", unit: "mm²", prefixes: "none" },
  peakMemoryBytes: { title: "Peak memory", unit: "B", prefixes: "binary" },
  peakActivationBytes: { title: "Peak activation and KV memory", unit: "B", prefixes: "binary" },
  weightBytes: { title: "Weights", unit: "B", prefixes: "binary" },
  outerBytes: { title: "Off-chip traffic", unit: "B", prefixes: "binary" },
  utilization: { title: "MAC utilization", unit: "%", prefixes: "none", percent: true },
  opsPerByte: { title: "Ops per off-chip byte", unit: "", prefixes: "none" },
  edpJs: { title: "Energy-delay product", unit: "J·s", prefixes: "si" },
  accuracy: { title: "Accuracy", unit: "%", prefixes: "none" },
};

/** The style of a metric, or a plain one named after it (a parameter, say). */
export function metricStyle(metric: string): QuantityStyle {
  return METRIC_STYLES[metric] ?? { title: metric, unit: "", prefixes: "none" };
}

const SI_PREFIXES: [number, string][] = [[1e15, "P"], [1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"], [1, ""], [1e-3, "m"], [1e-6, "µ"], [1e-9, "n"], [1e-12, "p"], [1e-15, "f"]];
const BINARY_PREFIXES: [number, string][] = [[2 ** 50, "Pi"], [2 ** 40, "Ti"], [2 ** 30, "Gi"], [2 ** 20, "Mi"], [2 ** 10, "Ki"], [1, ""]];

/** Divide data by `factor` and label the axis with `unit` (prefixed). */
export interface Scale {
  factor: number;
  unit: string;
}

/**
 * The prefix for a set of values, chosen from the data: the largest value for linear axes (ticks
 * then read 0-999), the geometric middle of the positive range for logarithmic ones.
 */
export function scaleFor(values: readonly number[], style: Pick<QuantityStyle, "unit" | "prefixes" | "percent">, type: AxisType = "linear"): Scale {
  if (style.percent) return { factor: 0.01, unit: "%" };
  const positive = values.map(Math.abs).filter((v) => v > 0 && Number.isFinite(v));
  if (style.prefixes === "none" || positive.length === 0) return { factor: 1, unit: style.unit };
  const max = Math.max(...positive);
  const typical = type === "logarithmic" ? Math.sqrt(Math.min(...positive) * max) : max;
  const table = style.prefixes === "binary" ? BINARY_PREFIXES : SI_PREFIXES;
  const [factor, prefix] = table.find(([p]) => typical >= p) ?? table[table.length - 1]!;
  return { factor, unit: `${prefix}${style.unit}` };
}

/** "Energy per inference (mJ)"; a unitless quantity has no brackets. */
export function axisTitle(title: string, unit: string): string {
  return unit ? `${title} (${unit})` : title;
}

/** A metric's axis: its title with the unit prefixed for these values, and the factor to divide by. */
export function metricAxis(metric: string, values: readonly number[], type: AxisType = "linear"): Scale & { title: string } {
  const style = metricStyle(metric);
  const scale = scaleFor(values, style, type);
  return { ...scale, title: axisTitle(style.title, scale.unit) };
}

/** One value with its unit, prefixed for itself: 0.00123 energyJ -> "1.23 mJ"; "-" when not a number. */
export function formatQuantity(value: number, style: Pick<QuantityStyle, "unit" | "prefixes" | "percent">, digits = 3): string {
  if (!Number.isFinite(value)) return "-";
  const { factor, unit } = scaleFor([value], style);
  const shown = value === 0 ? "0" : String(Number((value / factor).toPrecision(digits)));
  return unit ? `${shown} ${unit}` : shown;
}

export function formatMetric(metric: string, value: number): string {
  return formatQuantity(value, metricStyle(metric));
}

// ---------------------------------------------------------------------------------------------
// Axes, legends, layout

export type AxisType = "linear" | "logarithmic";

/** Logarithmic when the positive data span more than two decades. */
export function axisType(values: readonly number[]): AxisType {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (positive.length < 2) return "linear";
  return Math.max(...positive) / Math.min(...positive) > 100 ? "logarithmic" : "linear";
}

const collator = new Intl.Collator("en", { numeric: true });

/** Legend and category order: numbers by value inside text ("rows = 8" before "rows = 16"). */
function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b);
}

export function naturalSort<T>(items: readonly T[], label: (item: T) => string = String): T[] {
  return [...items].sort((a, b) => naturalCompare(label(a), label(b)));
}

/** Drawing order: lines and points above bars (Chart.js draws the highest `order` first). */
export const DRAW_ORDER = { bars: 2, points: 1, lines: 0 } as const;

export const FONT_SIZES = { title: 15, axisTitle: 13, ticks: 11, legend: 11 } as const;

export interface AxisSpec {
  title: string;
  type: AxisType | "category";
  stacked?: boolean;
}

/** Axis options: titled, the shared grid colour; log axes get readable ticks (see hydrateChartConfig). */
export function axisOptions(axis: AxisSpec): Record<string, unknown> {
  return {
    type: axis.type,
    ...(axis.stacked ? { stacked: true } : {}),
    title: { display: true, text: axis.title, color: TEXT, font: { size: FONT_SIZES.axisTitle } },
    grid: { color: GRID },
    ticks: { color: TEXT, font: { size: FONT_SIZES.ticks }, ...(axis.type === "logarithmic" ? { attnsimLogTicks: true } : {}) },
  };
}

/** Options every chart starts from: no animation (server-side rendering), titled axes, the legend below. */
export function chartOptions(title: string, x: AxisSpec, y: AxisSpec): NonNullable<ChartConfiguration["options"]> {
  return {
    animation: false,
    responsive: false,
    font: { family: FONT_FAMILY, size: FONT_SIZES.ticks },
    color: TEXT,
    plugins: {
      title: { display: true, text: title, color: TEXT, font: { size: FONT_SIZES.title, weight: FONT_WEIGHTS.title } },
      legend: { position: "bottom", labels: { color: TEXT, font: { size: FONT_SIZES.legend }, boxWidth: 14 } },
    },
    scales: { x: axisOptions(x), y: axisOptions(y) },
  } as NonNullable<ChartConfiguration["options"]>;
}

/**
 * Chart configs are data (they are serialised into report.html), so behaviour that needs a
 * function is marked in the config and attached here, both when rendering PNG/SVG/PDF and in the
 * browser (report.ts inlines this function's source). Self-contained: it refers to nothing outside.
 *
 * Logarithmic axes (`ticks.attnsimLogTicks`): a label at each decade only (1, 10, 100) when the
 * axis spans more than one decade, else at 1, 2 and 5 times a power of ten, so labels never crowd;
 * plain decimals between 0.001 and 10000, "1e6" beyond.
 */
export function hydrateChartConfig<T>(config: T): T {
  const label = (value: number, decadesOnly: boolean): string => {
    if (!(value > 0)) return "";
    const exponent = Math.floor(Math.log10(value) + 1e-9);
    const mantissa = Math.round(value / 10 ** exponent);
    if (decadesOnly ? mantissa !== 1 : mantissa !== 1 && mantissa !== 2 && mantissa !== 5) return "";
    if (Math.abs(value / (mantissa * 10 ** exponent) - 1) > 1e-6) return "";
    if (exponent >= -3 && exponent <= 4) return String(Number((mantissa * 10 ** exponent).toPrecision(1)));
    return `${mantissa}e${exponent}`;
  };
  type Options = { scales?: Record<string, { ticks?: Record<string, unknown> }>; plugins?: { legend?: { labels?: Record<string, unknown> } } };
  const options = (config as { options?: Options }).options ?? {};
  for (const scale of Object.values(options.scales ?? {})) {
    if (!scale.ticks || scale.ticks.attnsimLogTicks !== true) continue;
    scale.ticks.autoSkip = false;
    scale.ticks.maxRotation = 0;
    scale.ticks.callback = function (this: { min: number; max: number }, value: number | string) {
      return label(Number(value), this.max / this.min > 20);
    };
    // Grid lines at decades as other grid lines, the ones between them fainter.
    const grid = ((scale as { grid?: Record<string, unknown> }).grid ??= {});
    const major = typeof grid.color === "string" ? grid.color : "#e3e3e3";
    grid.color = (context: { tick?: { value: number } }) => (context.tick && label(context.tick.value, true) !== "" ? major : "#f4f4f4");
  }
  // Legends list series in the order they were given (not in drawing order), and panels
  // repeating the same series (a scatter matrix) give one entry per label.
  const labels = options.plugins?.legend?.labels;
  if (labels) labels.sort = (a: { datasetIndex: number }, b: { datasetIndex: number }) => a.datasetIndex - b.datasetIndex;
  if (labels?.attnsimFirstPerLabel === true) {
    labels.filter = (item: { text: string; datasetIndex: number }, data: { datasets: { label?: string }[] }) =>
      data.datasets.findIndex((d) => d.label === item.text) === item.datasetIndex;
  }
  return config;
}
