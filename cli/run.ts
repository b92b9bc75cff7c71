/** `attnsim run`: one design, one workload, one Result. */
import { existsSync, readFileSync } from "node:fs";
import { makeFolder, writeOutputFile } from "../common/output-files.js";
import { writeRunPlots } from "../output/plots.js";
import { InputError } from "../common/input-error.js";
import { loadDesign } from "../hardware-models/design-loader.js";
import { loadScalesimConfig, scalesimDesign } from "../hardware-models/scalesim-config.js";
import { simulate } from "../sim/engine.js";
import { loadTopology, topologyTrace } from "../workloads/scalesim-topology.js";
import { toJson } from "../output/json.js";
import { infeasibleReport, textReport } from "../output/text-report.js";
import { scalesimReport } from "../output/scalesim-report.js";
import { chromeTrace } from "../output/chrome-trace.js";
import { parseQuantity, QUANTITY } from "../common/quantity.js";
import { CLI, parse, workloadFromArgs, WORKLOAD_HELP, WORKLOAD_OPTIONS } from "./args.js";
import { EXIT, type Io } from "./io.js";

export const RUN_HELP = `attnsim run: simulate one workload on one design

  attnsim run --design FILE|PRESET WORKLOAD [--json] [--out FILE]
  attnsim run --scalesim-config FILE.cfg --topology FILE.csv [--json]

  --design      a design file (YAML/JSON) or a preset in examples/designs
${WORKLOAD_HELP}
  --json        print the full Result as JSON; --out FILE writes it to FILE instead
  --timeline F  write the op timeline (Chrome trace-event JSON; open in ui.perfetto.dev)
  --plots DIR   write charts (PNG + CSV: energy breakdowns, roofline, power over time) and report.html
  --power-window T   window of the peak-power average, e.g. "10 us" (default 1 us)
  --serial      run one op at a time (no overlap between units)
  --scalesim-config, --topology
                SCALE-Sim v2 config and GEMM topology files; each topology row runs as one matmul

Exit codes: 0 ok, 2 bad input, 3 the design cannot run the workload (reasons printed).`;

export async function runCommand(args: string[], io: Io): Promise<number> {
  const { values: v, str } = parse(args, {
    ...WORKLOAD_OPTIONS,
    design: { type: "string" },
    json: { type: "boolean" },
    out: { type: "string" },
    "scalesim-config": { type: "string" },
    topology: { type: "string" },
    timeline: { type: "string" },
    plots: { type: "string" },
    "power-window": { type: "string" },
    serial: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (v.help) {
    io.out(RUN_HELP);
    return EXIT.ok;
  }
  const scalesim = str("scalesim-config") !== undefined || str("topology") !== undefined;
  let design, trace;
  if (scalesim) {
    if (str("scalesim-config") === undefined || str("topology") === undefined) {
      throw new InputError(CLI, { path: str("topology") === undefined ? "--topology" : "--scalesim-config", expected: "both --scalesim-config and --topology", found: "only one" });
    }
    const cfg = loadScalesimConfig(str("scalesim-config")!);
    design = scalesimDesign(cfg, str("scalesim-config")!);
    trace = topologyTrace(loadTopology(str("topology")!), cfg.runName);
  } else {
    if (str("design") === undefined) throw new InputError(CLI, { path: "--design", expected: "a design file or preset name", found: "nothing" });
    design = loadDesign(str("design")!);
    trace = workloadFromArgs(v);
  }
  const timelineFile = str("timeline");
  const window = str("power-window");
  const outcome = simulate(design, trace, {
    keepTimeline: timelineFile !== undefined || str("plots") !== undefined,
    concurrency: !v.serial,
    ...(window !== undefined ? { powerWindowSeconds: positiveWindow(parseQuantity(window, QUANTITY.timeSeconds, { file: CLI, path: "--power-window" }), window) } : {}),
  });
  if (!outcome.ok) {
    if (v.json) io.out(toJson({ infeasible: outcome.infeasible }));
    io.err(infeasibleReport(outcome.infeasible));
    return EXIT.infeasible;
  }
  const payload = scalesim ? { ...outcome.result, scalesim: scalesimReport(outcome.result) } : outcome.result;
  if (timelineFile !== undefined) {
    writeOutputFile(timelineFile, `${JSON.stringify(chromeTrace(outcome.result))}\n`, "--timeline");
    io.err(`wrote ${timelineFile} (Chrome trace-event format: open it in ui.perfetto.dev)`);
  }
  if (str("plots") !== undefined) {
    const inputs: Record<string, string> = { workload: outcome.result.workload };
    if (design.origin && existsSync(design.origin)) inputs[design.origin] = readFileSync(design.origin, "utf8");
    makeFolder(str("plots")!, "--plots");
    const files = await writeRunPlots(str("plots")!, outcome.result, inputs);
    io.err(`wrote ${str("plots")}/: ${files.join(", ")}`);
  }
  if (str("out") !== undefined) {
    writeOutputFile(str("out")!, `${toJson(payload)}\n`);
    io.err(`wrote ${str("out")}`);
  }
  if (v.json && str("out") === undefined) io.out(toJson(payload));
  else if (!v.json) io.out(textReport(outcome.result));
  return EXIT.ok;
}

/** The peak-power window must have a length: a zero window averages nothing (peakPowerW would be null). */
function positiveWindow(seconds: number, text: string): number {
  if (!(seconds > 0)) throw new InputError(CLI, { path: "--power-window", expected: 'a positive duration such as "10 us"', found: JSON.stringify(text) });
  return seconds;
}
