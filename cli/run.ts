/** `attnsim run`: one design, one workload, one Result. */
import { existsSync, readFileSync } from "node:fs";
import { makeFolder, writeOutputFile } from "../common/output-files.js";
import { writeRunPlots } from "../output/plots.js";
import { InputError } from "../common/input-error.js";
import { locateDesign, resolveDesign } from "../hardware-models/design-loader.js";
import { isSystemDocument, loadSystemFile } from "../hardware-models/system.js";
import { readDocument } from "../common/document.js";
import { withValues } from "../common/set-path.js";
import { parse as parseYaml } from "yaml";
import { writeResultCsvs } from "../output/result-csv.js";
import { simulateSystem, SCHEDULES, type Schedule } from "../sim/system-sim.js";
import { systemReport } from "../output/system-report.js";
import { trainingText } from "../output/training-report.js";
import { trainingSummary } from "../sim/training-summary.js";
import { PARALLEL_KEYS, type Parallelism } from "../workloads/parallel/parallelism.js";
import { loadScalesimConfig, scalesimDesign } from "../hardware-models/scalesim-config.js";
import { simulate } from "../sim/engine.js";
import { loadTopology, topologyTrace } from "../workloads/scalesim-topology.js";
import { toJson } from "../output/json.js";
import { infeasibleReport, quantitiesReport, textReport } from "../output/text-report.js";
import { scalesimReport } from "../output/scalesim-report.js";
import { chromeTrace } from "../output/chrome-trace.js";
import { parseQuantity, QUANTITY, recordQuantities, type QuantityReading } from "../common/quantity.js";
import { CLI, parse, positiveInt, specFromArgs, workloadFromArgs, WORKLOAD_HELP, WORKLOAD_OPTIONS, type ArgValues } from "./args.js";
import { loadWorkloadFile } from "../workloads/workload-file.js";
import { EXIT, type Io } from "./io.js";
import { energyUncertainty } from "../sim/energy-uncertainty.js";
import { uncertaintyText } from "../output/co-design-report.js";

export const RUN_HELP = `attnsim run: simulate one workload on one design

  attnsim run --design FILE|PRESET [--set PATH=VALUE ...] WORKLOAD [--json] [--out FILE] [--csv DIR] [--plots DIR]
  attnsim run --scalesim-config FILE.cfg --topology FILE.csv [--json]

  --design      a design file (YAML/JSON) or a preset in examples/designs, or a system file
                (examples/systems: devices joined by an interconnect; docs/multi-device.md), which
                runs the workload split over its devices:
                --parallel data=D,tensor=T,pipeline=P,expert=E  (default: the file's parallelism)
                --schedule 1f1b|gpipe                           (pipeline schedule, default 1f1b)
  --set PATH=VALUE
                change the design before it is resolved, as a sweep parameter would
                (e.g. --set units.npu.rows=64 --set 'memory.1.capacity=1 MiB'); repeatable
${WORKLOAD_HELP}
  --json        print the full Result as JSON; --out FILE writes it to FILE instead
  --timeline F  write the op timeline (Chrome trace-event JSON; open in ui.perfetto.dev)
  --plots DIR   write charts (PNG, SVG, PDF + CSV: energy breakdowns, roofline, power over time) and report.html
  --csv DIR     write layers.csv, ops.csv, units.csv, levels.csv and actions.csv (SI units in the column names)
  --power-window T   window of the peak-power average, e.g. "10 us" (default 1 us)
  --serial      run one op at a time (no overlap between units)
  --uncertainty N
                Monte Carlo over the energy tables' ranges (from each entry's confidence): 95%
                intervals of energy, average power and EDP, N draws (--seed S, default 1; docs/co-design.md)
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
    csv: { type: "string" },
    set: { type: "string", multiple: true },
    "power-window": { type: "string" },
    serial: { type: "boolean" },
    parallel: { type: "string" },
    schedule: { type: "string" },
    uncertainty: { type: "string" },
    seed: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (v.help) {
    io.out(RUN_HELP);
    return EXIT.ok;
  }
  const scalesim = str("scalesim-config") !== undefined || str("topology") !== undefined;
  if (scalesim && v.set !== undefined) throw new InputError(CLI, { path: "--set", expected: "a design file or preset (--design) to change", found: "--scalesim-config" });
  let design, trace;
  const quantities: QuantityReading[] = [];
  if (scalesim) {
    if (str("scalesim-config") === undefined || str("topology") === undefined) {
      throw new InputError(CLI, { path: str("topology") === undefined ? "--topology" : "--scalesim-config", expected: "both --scalesim-config and --topology", found: "only one" });
    }
    const cfg = loadScalesimConfig(str("scalesim-config")!);
    design = scalesimDesign(cfg, str("scalesim-config")!);
    trace = topologyTrace(loadTopology(str("topology")!), cfg.runName);
  } else {
    if (str("design") === undefined) throw new InputError(CLI, { path: "--design", expected: "a design file or preset name", found: "nothing" });
    const file = locateDesign(str("design")!);
    if (isSystemDocument(readDocument(file))) return runSystem(file, v, io);
    if (str("parallel") !== undefined || str("schedule") !== undefined) {
      throw new InputError(CLI, { path: str("parallel") !== undefined ? "--parallel" : "--schedule", expected: "a system file as --design (one design runs on one device)", found: str("design")! });
    }
    const sets = designSettings(v.set as unknown as string[] | undefined);
    const loaded = recordQuantities(() => resolveDesign(withValues(readDocument(file), sets), file));
    design = loaded.value;
    quantities.push(...loaded.quantities);
    trace = workloadFromArgs(v);
  }
  const timelineFile = str("timeline");
  const window = str("power-window");
  const powerWindow = window === undefined ? undefined : recordQuantities(() => parseQuantity(window, QUANTITY.timeSeconds, { file: CLI, path: "--power-window" }));
  quantities.push(...(powerWindow?.quantities ?? []));
  const outcome = simulate(design, trace, {
    keepTimeline: timelineFile !== undefined || str("plots") !== undefined,
    concurrency: !v.serial,
    ...(powerWindow !== undefined ? { powerWindowSeconds: positiveWindow(powerWindow.value, window!) } : {}),
  });
  if (!outcome.ok) {
    if (v.json) io.out(toJson({ infeasible: outcome.infeasible }));
    io.err(infeasibleReport(outcome.infeasible));
    return EXIT.infeasible;
  }
  const training = trace.model.phase === "train" ? trainingSummary(trace, design, outcome.result) : undefined;
  const samples = positiveInt(str("uncertainty"), "--uncertainty"), seed = positiveInt(str("seed"), "--seed") ?? 1;
  if (samples === undefined && str("seed") !== undefined) throw new InputError(CLI, { path: "--seed", expected: "--uncertainty N (the seed is the Monte Carlo draws')", found: str("seed")! });
  const uncertainty = samples === undefined ? undefined : energyUncertainty(design, outcome.result, { samples, seed });
  const base = scalesim ? { ...outcome.result, scalesim: scalesimReport(outcome.result) } : training ? { ...outcome.result, training } : outcome.result;
  const payload = uncertainty ? { ...base, uncertainty } : base;
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
  if (str("csv") !== undefined) {
    const files = writeResultCsvs(str("csv")!, outcome.result);
    io.err(`wrote ${str("csv")}/: ${files.join(", ")}`);
  }
  if (str("out") !== undefined) {
    writeOutputFile(str("out")!, `${toJson(payload)}\n`);
    io.err(`wrote ${str("out")}`);
  }
  if (v.json && str("out") === undefined) io.out(toJson(payload));
  else if (!v.json) io.out(`${textReport(outcome.result)}${training ? `\n\n${trainingText(training)}` : ""}${uncertainty ? `\n\n${uncertaintyText(uncertainty, samples!, seed)}` : ""}${quantities.length > 0 ? `\n\n${quantitiesReport(quantities)}` : ""}`);
  return EXIT.ok;
}

/** A system file: the workload split over its devices (sim/system-sim.ts). */
function runSystem(file: string, v: ArgValues, io: Io): number {
  const str = (k: string) => v[k] as string | undefined;
  if (str("trace") !== undefined) throw new InputError(CLI, { path: "--trace", expected: "a workload (--model or --workload) for a system: a trace runs on one design", found: str("trace")! });
  for (const flag of ["timeline", "plots", "power-window", "scalesim-config", "topology", "uncertainty"]) {
    if (str(flag) !== undefined) throw new InputError(CLI, { path: `--${flag}`, expected: "no per-device output options for a system (run its device's design for those)", found: str(flag)! });
  }
  const system = loadSystemFile(file);
  const spec = str("workload") !== undefined ? loadWorkloadFile(str("workload")!) : specFromArgs(v);
  const schedule = str("schedule");
  if (schedule !== undefined && !(SCHEDULES as readonly string[]).includes(schedule)) {
    throw new InputError(CLI, { path: "--schedule", expected: SCHEDULES.join(" or "), found: JSON.stringify(schedule) });
  }
  const outcome = simulateSystem(system, spec, { parallelism: parseParallel(str("parallel")), ...(schedule ? { schedule: schedule as Schedule } : {}) }, CLI);
  if (!outcome.ok) {
    if (v.json) io.out(toJson({ infeasible: outcome.infeasible }));
    io.err(infeasibleReport(outcome.infeasible));
    return EXIT.infeasible;
  }
  if (str("out") !== undefined) {
    writeOutputFile(str("out")!, `${toJson(outcome.result)}\n`);
    io.err(`wrote ${str("out")}`);
  }
  if (v.json && str("out") === undefined) io.out(toJson(outcome.result));
  else if (!v.json) io.out(systemReport(outcome.result));
  return EXIT.ok;
}

/** "data=2,tensor=4" -> { data: 2, tensor: 4 }. */
function parseParallel(text: string | undefined): Partial<Parallelism> {
  if (text === undefined) return {};
  const out: Partial<Parallelism> = {};
  for (const pair of text.split(",")) {
    const [key, value] = pair.split("=").map((x) => x.trim());
    if (!key || value === undefined || !(PARALLEL_KEYS as readonly string[]).includes(key)) {
      throw new InputError(CLI, { path: "--parallel", expected: `key=value pairs with keys ${PARALLEL_KEYS.join(", ")}`, found: JSON.stringify(pair) });
    }
    out[key as keyof Parallelism] = positiveInt(value, `--parallel ${key}`)!;
  }
  return out;
}

/** --set PATH=VALUE flags as (path, value) pairs; VALUE is read as YAML (64 is a number, "64 KiB" a string). */
function designSettings(flags: string[] | undefined): [string[], unknown][] {
  return (flags ?? []).map((flag) => {
    const eq = flag.indexOf("=");
    const path = eq > 0 ? flag.slice(0, eq).replace(/^design\./, "").split(".") : [];
    if (eq <= 0 || path.some((p) => p === "")) throw new InputError(CLI, { path: "--set", expected: "PATH=VALUE with a dotted path into the design (units.npu.rows=64)", found: JSON.stringify(flag) });
    let value: unknown;
    try {
      value = parseYaml(flag.slice(eq + 1));
    } catch {
      value = flag.slice(eq + 1);
    }
    return [path, value];
  });
}

/** The peak-power window must have a length: a zero window averages nothing (peakPowerW would be null). */
function positiveWindow(seconds: number, text: string): number {
  if (!(seconds > 0)) throw new InputError(CLI, { path: "--power-window", expected: 'a positive duration such as "10 us"', found: JSON.stringify(text) });
  return seconds;
}
