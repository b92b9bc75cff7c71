/** `attnsim serve`: requests served by a design (or a real-time edge run), as a discrete-event simulation. */
import { basename, extname } from "node:path";
import { InputError } from "../common/input-error.js";
import { readTextFile } from "../common/document.js";
import { runServingFile } from "../serving/serve.js";
import { InfeasibleIteration } from "../serving/iteration-cost.js";
import { serveText, writeServe } from "../output/serving-report.js";
import { CLI, parse } from "./args.js";
import { EXIT, type Io } from "./io.js";

export const SERVE_HELP = `attnsim serve: serve a request trace (or real-time input streams) on a design, iteration by iteration

  attnsim serve FILE [--design FILE|PRESET] [--out DIR] [--no-plots]

FILE is a serving file (YAML/JSON, docs/serving.md; examples in examples/serving/): the served model,
the requests (Poisson, bursty, diurnal, periodic, or a trace CSV), the scheduler (static, continuous,
chunked prefill), the paged KV cache and its preemption, replicas or prefill/decode pools, the power
policy, SLOs and grid carbon; or, with realtime:, periodic inputs with deadlines and a battery.
Every iteration's latency and energy come from attnsim's engine for that iteration's batch.
  --design   serve the same traffic on another design (a file or a preset)
Writes DIR/serve.json, requests.csv, the charts (latency CDFs, queue and power over time; PNG + CSV)
and report.html (default DIR: <file name>-serve).

Exit codes: 0 ok, 2 bad input, 3 the design cannot run the model.`;

export async function serveCommand(args: string[], io: Io): Promise<number> {
  const { values: v, positionals, str } = parse(args, { design: { type: "string" }, out: { type: "string", short: "o" }, "no-plots": { type: "boolean" }, help: { type: "boolean", short: "h" } });
  if (v.help) {
    io.out(SERVE_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new InputError(CLI, { path: "FILE", expected: "one serving file", found: `${positionals.length} arguments` });
  const file = positionals[0]!;
  let report;
  try {
    report = runServingFile(file, str("design"));
  } catch (err) {
    if (err instanceof InfeasibleIteration) {
      io.err(`attnsim serve: ${err.message}`);
      return EXIT.infeasible;
    }
    throw err;
  }
  io.out(serveText(report));
  const out = str("out") ?? `${basename(file, extname(file))}-serve`;
  const files = await writeServe(out, report, !v["no-plots"], { [file]: readTextFile(file) });
  io.out(`\nwrote ${out}/: ${files.join(", ")}`);
  return EXIT.ok;
}
