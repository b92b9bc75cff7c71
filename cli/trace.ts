/** `attnsim trace`: build a workload trace from a preset and write it as JSON. */
import { writeOutputFile } from "../common/output-files.js";
import { MODEL_PRESETS, MODEL_PRESET_NAMES } from "../workloads/model-presets.js";
import { toJson } from "../output/json.js";
import { table } from "../output/format.js";
import { parse, workloadFromArgs, WORKLOAD_HELP, WORKLOAD_OPTIONS } from "./args.js";
import { VARIANT_CATEGORIES, VARIANTS, kindsOf } from "../workloads/variants/registry.js";
import { EXIT, type Io } from "./io.js";

export const TRACE_HELP = `attnsim trace: write a workload trace

  attnsim trace WORKLOAD [-o FILE]
  attnsim trace --list

${WORKLOAD_HELP}
  -o, --out     write the trace to FILE (default: standard output)
  --list        list the model presets and every workload variant with its keys`;

export function traceCommand(args: string[], io: Io): number {
  const { values: v, str } = parse(args, {
    ...WORKLOAD_OPTIONS,
    out: { type: "string", short: "o" },
    list: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (v.help) {
    io.out(TRACE_HELP);
    return EXIT.ok;
  }
  if (v.list) {
    io.out(listText());
    return EXIT.ok;
  }
  const trace = workloadFromArgs(v);
  const json = `${toJson(trace)}\n`;
  if (str("out") !== undefined) {
    writeOutputFile(str("out")!, json);
    io.err(`wrote ${str("out")}: ${trace.ops.length} ops, ${trace.tensors.length} tensors`);
  } else io.out(json.trimEnd());
  return EXIT.ok;
}

/** Model presets and every variant kind with its keys, generated from the registries. */
export function listText(): string {
  const out: string[] = ["Model presets", ""];
  out.push(table(
    ["model", "family", "layers", "dModel", "heads", "kvHeads", "dFF", "ffn", "norm", "default seq"],
    MODEL_PRESET_NAMES.map((name) => {
      const p = MODEL_PRESETS[name];
      return [name, p.family, String(p.layers), String(p.dModel), String(p.heads), String(p.kvHeads), String(p.dFF), p.ffn, `${p.norm}/${p.normPlacement}`, String(p.defaultSeqLen)];
    }),
  ));
  for (const category of VARIANT_CATEGORIES) {
    out.push("", `--${category} KIND[:key=value,...]`, "");
    for (const kind of kindsOf(category)) {
      const spec = VARIANTS[kind];
      out.push(`  ${kind}: ${spec.description} (${spec.source})`);
      for (const [key, p] of Object.entries(spec.keys as Record<string, { type: string; description: string; default?: unknown; enum?: readonly string[] }>)) {
        const def = p.default === undefined ? "" : ` [default ${Array.isArray(p.default) ? p.default.join("|") : String(p.default)}]`;
        const choices = p.enum ? ` (${p.enum.join(" | ")})` : "";
        out.push(`      ${key.padEnd(14)}${p.type.padEnd(10)}${p.description}${choices}${def}`);
      }
    }
  }
  return out.join("\n");
}
