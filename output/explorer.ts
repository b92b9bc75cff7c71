/**
 * explorer.html: an interactive view of one sweep, in one self-contained file (d3 and the font
 * inlined from the installed packages, the rows as JSON; no network). Parallel coordinates over
 * every varying parameter and metric with a brush on each axis; a scatter of any two of them with
 * the Pareto front of the selected points highlighted; hover shows a point's parameters; a sortable
 * table of the selected points; and, per point, the `attnsim run` command that reruns it.
 * The page's script is output/explorer-page.js (plain browser JavaScript).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";
import type { Row } from "../sweeps/evaluate-point.js";
import { escapeHtml, packageFile, pageCss, scriptJson } from "./report.js";
import { axisType, FONT_FAMILY, formatMetric, INK, metricAxis, metricStyle, naturalSort, PALETTE } from "./style.js";
import { derivedParameters } from "./sweep-folder.js";
import type { SweepMeta } from "../sweeps/sweep-folder.js";

/** Rows embedded at most (the file stays a few MB; results.csv has them all). */
export const EXPLORER_MAX_ROWS = 20_000;

/** One axis of the explorer. Values are divided by `factor` for display in `unit`. */
export interface ExplorerDimension {
  name: string;
  kind: "parameter" | "metric" | "workload";
  title: string;
  unit: string;
  factor: number;
  scale: "linear" | "log" | "point";
  /** Point scales: the values in axis order. */
  domain?: string[];
  /** Objectives: which way is better. */
  sense?: "minimize" | "maximize";
  /** A parameter computed from another: in the table, not an axis of its own. */
  derived?: boolean;
}

export interface ExplorerData {
  name: string;
  totalOk: number;
  dimensions: ExplorerDimension[];
  constants: { title: string; value: string }[];
  workloads: string[];
  /** Per row: key, workload, the values of each dimension, on the sweep's Pareto front, rerun command. */
  rows: { key: string; w: number; v: (number | string)[]; front: boolean; cmd: string }[];
}

export function explorerData(input: { meta: SweepMeta; rows: Row[]; front: Set<string>; totalOk: number; commands?: string[] | undefined }): ExplorerData {
  const { meta, rows } = input;
  const objectives = new Map(meta.objectives.map((o) => [o.metric, o.sense]));
  const dimensions: ExplorerDimension[] = [];
  const constants: ExplorerData["constants"] = [];
  const workloads = [...new Set(rows.map((r) => r.workload))].sort((a, b) => a - b);
  const labels = workloads.map((w) => meta.workloads?.[w] ?? `workload ${w}`);
  const getters: ((r: Row) => number | string)[] = [];
  const derived = new Set(Object.values(derivedParameters(meta)).flat());
  if (workloads.length > 1) {
    dimensions.push({ name: "workload", kind: "workload", title: "Workload", unit: "", factor: 1, scale: "point", domain: labels });
    getters.push((r) => meta.workloads?.[r.workload] ?? `workload ${r.workload}`);
  }
  for (const p of meta.parameters) {
    const values = rows.map((r) => r.params[p.name]!);
    const distinct = [...new Set(values.map(String))];
    if (distinct.length <= 1) {
      if (distinct.length === 1) constants.push({ title: p.name, value: distinct[0]! });
      continue;
    }
    const numeric = values.every((v) => typeof v === "number");
    const common = { name: p.name, kind: "parameter" as const, title: p.name, unit: "", factor: 1, ...(derived.has(p.name) ? { derived: true } : {}) };
    dimensions.push(numeric
      ? { ...common, scale: axisType(values as number[]) === "logarithmic" ? "log" : "linear" }
      : { ...common, scale: "point", domain: naturalSort(distinct) });
    getters.push(numeric ? (r) => r.params[p.name] as number : (r) => String(r.params[p.name]));
  }
  const metricNames = [...new Set(rows.flatMap((r) => Object.keys(r.metrics ?? {})))];
  // Objectives first, in the spec's order, then the other metrics.
  const ordered = [...meta.objectives.map((o) => o.metric).filter((m) => metricNames.includes(m)), ...metricNames.filter((m) => !objectives.has(m))];
  for (const m of ordered) {
    const values = rows.map((r) => r.metrics?.[m] ?? NaN);
    if (new Set(values).size <= 1) {
      if (values.length > 0) constants.push({ title: metricStyle(m).title.toLowerCase(), value: formatMetric(m, values[0]!) });
      continue;
    }
    const type = axisType(values);
    const axis = metricAxis(m, values, type);
    dimensions.push({ name: m, kind: "metric", title: metricStyle(m).title, unit: axis.unit, factor: axis.factor, scale: type === "logarithmic" ? "log" : "linear", ...(objectives.has(m) ? { sense: objectives.get(m)! } : {}) });
    getters.push((r) => r.metrics?.[m] ?? NaN);
  }
  return {
    name: meta.name, totalOk: input.totalOk, dimensions, constants, workloads: labels,
    rows: rows.map((r, i) => ({ key: r.key, w: r.workload, v: getters.map((g) => g(r)), front: input.front.has(r.key), cmd: input.commands?.[i] ?? "" })),
  };
}

function explorerScript(): string {
  return readFileSync(join(packageRoot(), "output", "explorer-page.js"), "utf8");
}

export function explorerHtml(input: Parameters<typeof explorerData>[0]): string {
  const data = explorerData(input);
  const title = `Sweep ${data.name}: explorer`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>
${pageCss()}
.panel { border: 1px solid #ddd; background: #fff; margin: 0.5rem 0 1rem; position: relative; }
#pc { height: 400px; overflow-x: auto; overflow-y: hidden; } #pc canvas, #pc svg, #scatter canvas, #scatter svg { position: absolute; left: 0; top: 0; }
#scatter { height: 440px; }
.axis text { font-size: 11px; } .axis-title { font-size: 12px; font-weight: 600; cursor: default; }
.controls { display: flex; flex-wrap: wrap; gap: 0.5rem 1.25rem; align-items: center; margin: 0.5rem 0; }
select, button { font: inherit; font-size: 0.875rem; }
#tooltip { position: fixed; pointer-events: none; background: rgba(255,255,255,0.97); border: 1px solid #999; padding: 0.35rem 0.5rem; font-size: 0.8rem; display: none; max-width: 28rem; z-index: 10; }
#tooltip table { margin: 0; font-size: 0.8rem; } #tooltip td { border: none; padding: 0 0.4rem 0 0; }
#table-wrap { overflow: auto; max-height: 70vh; } #points td { white-space: nowrap; }
#points th { cursor: pointer; user-select: none; white-space: nowrap; } #points th[aria-sort="ascending"]::after { content: " \\25B2"; } #points th[aria-sort="descending"]::after { content: " \\25BC"; }
#points tr.front td { font-weight: 600; } #points tr.picked td { background: #fff4d6; }
#command { display: flex; gap: 0.5rem; align-items: flex-start; } #command pre { flex: 1; margin: 0; white-space: pre-wrap; word-break: break-all; }
.note { color: #555; font-size: 0.875rem; }
</style>
<script>${packageFile("d3", "d3.min.js")}</script>
</head><body>
<h1>${escapeHtml(title)}</h1>
<p class="note" id="summary"></p>
<h2>Parallel coordinates</h2>
<p class="note">Drag along an axis to select a range (several axes combine); click an axis outside its range to clear it. Black lines are on the sweep's Pareto front.</p>
<div class="controls"><button id="reset" type="button">Clear all ranges</button><span id="count" class="note"></span></div>
<div class="panel" id="pc"></div>
<h2>Scatter</h2>
<div class="controls">
<label>x <select id="x-dim"></select></label><label>y <select id="y-dim"></select></label>
<span class="note">Selected points in colour by workload; the Pareto front of the selected points (for these two axes) ringed and joined.</span>
</div>
<div class="panel" id="scatter"></div>
<h2>Selected points</h2>
<div id="command"><pre id="command-text" class="note">Click a point or a row for the command that reruns it.</pre><button id="copy" type="button">Copy</button></div>
<div id="table-wrap"></div>
<div id="tooltip" role="tooltip"></div>
<script>
window.ATTNSIM_EXPLORER = ${scriptJson({ ...data, style: { palette: PALETTE, ink: INK, font: FONT_FAMILY } })};
${explorerScript()}
</script>
</body></html>
`;
}
