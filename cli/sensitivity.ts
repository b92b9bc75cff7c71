/** `attnsim sensitivity`: Sobol' indices of a sweep's objectives over its swept parameters. */
import { InputError } from "../common/input-error.js";
import { loadSweep, metricsOf } from "../sweeps/spec.js";
import { sweepSensitivity } from "../sweeps/sensitivity.js";
import { writeSensitivity } from "../output/co-design-report.js";
import { table } from "../output/format.js";
import { CLI, parse, positiveInt } from "./args.js";
import { EXIT, type Io } from "./io.js";

export const SENSITIVITY_HELP = `attnsim sensitivity: which swept parameters drive each objective (Sobol' indices)

  attnsim sensitivity SPEC.yaml [--samples N] [--seed S] [--metric M ...] [--out DIR]

  SPEC          a sweep spec (docs/sweeps.md); its discrete parameters are the inputs, each drawn
                uniformly from its values; expressions follow them
  --samples N   base samples (default 64): N x (parameters + 2) points per workload, in this process
  --seed S      seed of the samples (default 1)
  --metric M    a metric to analyse (repeatable; default: the spec's objectives)
  --out DIR     write DIR/sensitivity.csv and a chart per workload and metric (PNG, SVG, PDF + CSV)

First-order (Saltelli 2010) and total (Jansen 1999) indices; docs/co-design.md.`;

export async function sensitivityCommand(args: string[], io: Io): Promise<number> {
  const { values: v, positionals, str } = parse(args, {
    samples: { type: "string" }, seed: { type: "string" }, metric: { type: "string", multiple: true }, out: { type: "string", short: "o" }, help: { type: "boolean", short: "h" },
  });
  if (v.help) {
    io.out(SENSITIVITY_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new InputError(CLI, { path: "SPEC", expected: "one sweep spec file", found: `${positionals.length}` });
  const spec = loadSweep(positionals[0]!);
  const metricFlags = v.metric as unknown as string[] | undefined;
  const known = [...metricsOf(spec), ...spec.parameters.map((p) => p.name)];
  for (const m of metricFlags ?? []) if (!known.includes(m)) throw new InputError(CLI, { path: "--metric", expected: `a metric or parameter of the sweep (${metricsOf(spec).join(", ")})`, found: JSON.stringify(m) });
  const rows = sweepSensitivity(spec, { samples: positiveInt(str("samples"), "--samples") ?? 64, seed: positiveInt(str("seed"), "--seed") ?? 1, ...(metricFlags ? { metrics: metricFlags } : {}) });
  io.out(table(["workload", "metric", "parameter", "first order", "total", "samples used"], rows.map((r) => [String(r.workload), r.metric, r.parameter, r.first.toFixed(3), r.total.toFixed(3), `${r.used}/${r.samples}`])));
  if (str("out") !== undefined) {
    const files = await writeSensitivity(str("out")!, spec, rows);
    io.out(`wrote ${str("out")}/: ${files.join(", ")}`);
  }
  return EXIT.ok;
}
