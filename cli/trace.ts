/** `attnsim trace`: build a workload trace from a preset and write it as JSON. */
import { writeFileSync } from "node:fs";
import { MODEL_PRESETS, MODEL_PRESET_NAMES } from "../workloads/model-presets.js";
import { toJson } from "../output/json.js";
import { table } from "../output/format.js";
import { parse, workloadFromArgs, WORKLOAD_OPTIONS } from "./args.js";
import { EXIT, type Io } from "./io.js";

export const TRACE_HELP = `attnsim trace: write a workload trace

  attnsim trace --model M [--seq N] [--batch B] [--phase prefill|decode] [--context L] [--precision P] [-o FILE]
  attnsim trace --list

  -o, --out   write the trace to FILE (default: standard output)
  --list      list the model presets and their shapes`;

export function traceCommand(args: string[], io: Io): number {
  const { values: v } = parse(args, {
    ...WORKLOAD_OPTIONS,
    out: { type: "string", short: "o" },
    list: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  const str = (k: string) => (typeof v[k] === "string" ? (v[k] as string) : undefined);
  if (v.help) {
    io.out(TRACE_HELP);
    return EXIT.ok;
  }
  if (v.list) {
    io.out(table(
      ["model", "layers", "dModel", "heads", "kvHeads", "dFF", "ffn", "norm", "default seq", "source"],
      MODEL_PRESET_NAMES.map((name) => {
        const p = MODEL_PRESETS[name];
        return [name, String(p.layers), String(p.dModel), String(p.heads), String(p.kvHeads), String(p.dFF), p.ffn, `${p.norm}/${p.normPlacement}`, String(p.defaultSeqLen), p.source];
      }),
    ));
    return EXIT.ok;
  }
  const trace = workloadFromArgs(v);
  const json = `${toJson(trace)}\n`;
  if (str("out") !== undefined) {
    writeFileSync(str("out")!, json);
    io.err(`wrote ${str("out")}: ${trace.ops.length} ops, ${trace.tensors.length} tensors`);
  } else io.out(json.trimEnd());
  return EXIT.ok;
}
