/** Shared CLI argument helpers: typed parsing with InputErrors that name the flag. */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { InputError } from "../common/input-error.js";
import { isPrecision, PRECISION_NAMES, type Precision } from "../workloads/precision.js";
import { buildPresetTrace } from "../workloads/transformer-builder.js";
import { loadTrace } from "../workloads/trace-io.js";
import type { Trace, Phase } from "../workloads/trace.js";

export const CLI = "<command line>";

export type ArgValues = Record<string, string | boolean | undefined>;

export function parse(args: string[], options: NonNullable<ParseArgsConfig["options"]>): { values: ArgValues; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: values as ArgValues, positionals };
  } catch (err) {
    throw new InputError(CLI, { path: "", expected: "known options (see --help)", found: err instanceof Error ? err.message : String(err) });
  }
}

export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InputError(CLI, { path: flag, expected: "a positive integer", found: JSON.stringify(value) });
  return n;
}

export function precision(value: string | undefined, flag: string): Precision | undefined {
  if (value === undefined) return undefined;
  if (!isPrecision(value)) throw new InputError(CLI, { path: flag, expected: `one of ${PRECISION_NAMES.join(", ")}`, found: JSON.stringify(value) });
  return value;
}

export const WORKLOAD_OPTIONS = {
  model: { type: "string" },
  seq: { type: "string" },
  batch: { type: "string" },
  phase: { type: "string" },
  context: { type: "string" },
  precision: { type: "string" },
  trace: { type: "string" },
} as const;

/** The trace a command works on: a trace file (--trace) or a preset model with its shape. */
export function workloadFromArgs(v: Record<string, string | boolean | undefined>): Trace {
  const str = (k: string) => v[k] as string | undefined;
  if (str("trace") !== undefined) {
    for (const flag of ["model", "seq", "batch", "phase", "context", "precision"]) {
      if (str(flag) !== undefined) throw new InputError(CLI, { path: `--${flag}`, expected: "no shape options together with --trace (the trace file has its shape)", found: str(flag) });
    }
    return loadTrace(str("trace")!);
  }
  if (str("model") === undefined) throw new InputError(CLI, { path: "--model", expected: "a model preset (or --trace FILE)", found: "nothing" });
  const phase = str("phase") ?? "prefill";
  if (phase !== "prefill" && phase !== "decode") throw new InputError(CLI, { path: "--phase", expected: "prefill or decode", found: JSON.stringify(phase) });
  return buildPresetTrace(str("model")!, {
    seqLen: positiveInt(str("seq"), "--seq"),
    batch: positiveInt(str("batch"), "--batch"),
    phase: phase as Phase,
    contextLen: positiveInt(str("context"), "--context"),
    precision: precision(str("precision"), "--precision"),
  });
}
