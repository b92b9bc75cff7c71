/** Shared CLI argument helpers: typed parsing with InputErrors that name the flag. */
import { basename, dirname, relative, resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { InputError } from "../common/input-error.js";
import { buildWorkload } from "../workloads/transformer-builder.js";
import { loadTrace } from "../workloads/trace-io.js";
import type { Trace, Phase } from "../workloads/trace.js";
import { describeVariant, parseVariantText, type WorkloadSpec } from "../workloads/workload-spec.js";
import { loadWorkloadFile, modelConfigOf, parseWorkloadSection, workloadFieldMaximum } from "../workloads/workload-file.js";
import { readModelConfig } from "../workloads/model-config.js";
import { SHAPE_OVERRIDE_KEYS } from "../workloads/workload-spec.js";
import { VARIANT_CATEGORIES } from "../workloads/variants/registry.js";
import { withValues } from "../common/set-path.js";
import { designPresetDir } from "../hardware-models/design-loader.js";
import type { Row } from "../sweeps/evaluate-point.js";
import type { SweepMeta } from "../sweeps/sweep-folder.js";

export const CLI = "<command line>";

export type ArgValues = Record<string, string | boolean | undefined>;

export function parse(args: string[], options: NonNullable<ParseArgsConfig["options"]>): { values: ArgValues; positionals: string[]; str: (key: string) => string | undefined } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    const v = values as ArgValues;
    return { values: v, positionals, str: (key) => (typeof v[key] === "string" ? (v[key] as string) : undefined) };
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

export const WORKLOAD_OPTIONS = {
  model: { type: "string" },
  "model-config": { type: "string" },
  layers: { type: "string" },
  "d-model": { type: "string" },
  heads: { type: "string" },
  "d-ff": { type: "string" },
  window: { type: "string" },
  experts: { type: "string" },
  topk: { type: "string" },
  image: { type: "string" },
  patch: { type: "string" },
  seq: { type: "string" },
  batch: { type: "string" },
  phase: { type: "string" },
  context: { type: "string" },
  "kv-heads": { type: "string" },
  generate: { type: "string" },
  precision: { type: "string" },
  attention: { type: "string" },
  tokens: { type: "string" },
  exit: { type: "string" },
  ffn: { type: "string" },
  train: { type: "string" },
  trace: { type: "string" },
  workload: { type: "string" },
} as const;

/** The shape fields' flags (workloads/workload-spec.ts SHAPE_OVERRIDE_KEYS), kebab-case. */
const shapeFlag = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const SHAPE_FLAGS = ["model", "model-config", ...SHAPE_OVERRIDE_KEYS.map(shapeFlag), "seq", "batch", "phase", "context", "kv-heads", "generate", "precision", "attention", "tokens", "exit", "ffn", "train"];

export const WORKLOAD_HELP = `  workload (one of):
  --model M     a model preset (attnsim trace --list), or
  --model-config F  a Hugging Face config.json (bert, gpt2, llama, mistral, mixtral, vit, deit,
                whisper; examples/models/), with
                --layers N --d-model D --heads H --d-ff F --window W (sliding window)
                --experts E --topk K (mixture of experts) --image PX --patch PX (vision)
                --seq N  --batch B  --phase prefill|decode|train  --context L (decode: cached tokens)
                --kv-heads H (grouped-query attention)  --generate T (prefill, then T decode steps)
                --precision P | mixed:rest=int4,edge=int8,...    (default int8)
                --attention KIND[:key=value,...]  e.g. block-sparse:block=32,density=0.3
                --tokens prune:keep=0.9   --exit early-exit:layers=4|8,probabilities=0.3|0.3
                --ffn moe:experts=8,topk=2
                --train adamw:microBatches=4,checkpointing=selective  (phase train: one step;
                  default adamw, fp16 with fp32 master weights; docs/training.md)
  --workload F  a workload spec file (YAML/JSON, docs/workloads.md)
  --trace F     a trace file (docs/trace-format.md)`;

/** The workload spec from CLI flags (no --trace / --workload). */
export function specFromArgs(v: ArgValues): WorkloadSpec {
  const str = (k: string) => v[k] as string | undefined;
  const model = str("model"), configFile = str("model-config");
  if (model !== undefined && configFile !== undefined) throw new InputError(CLI, { path: "--model-config", expected: "one of --model and --model-config", found: "both" });
  if (model === undefined && configFile === undefined) throw new InputError(CLI, { path: "--model", expected: "a model preset (or --model-config FILE, --workload FILE, or --trace FILE)", found: "nothing" });
  const phase = str("phase");
  if (phase !== undefined && phase !== "prefill" && phase !== "decode" && phase !== "train") throw new InputError(CLI, { path: "--phase", expected: "prefill, decode or train", found: JSON.stringify(phase) });
  const spec: WorkloadSpec = { model: model ?? "" };
  if (configFile !== undefined) {
    const { config, name } = modelConfigOf(resolve(configFile), "<command line>", "--model-config");
    spec.definition = readModelConfig(config, { file: configFile, path: "" }, name);
    spec.model = spec.definition.name;
  }
  for (const key of SHAPE_OVERRIDE_KEYS) {
    const value = positiveInt(str(shapeFlag(key)), `--${shapeFlag(key)}`);
    if (value !== undefined) (spec.shape ??= {})[key] = value;
  }
  const ints: [keyof WorkloadSpec, string][] = [["seq", "--seq"], ["batch", "--batch"], ["context", "--context"], ["kvHeads", "--kv-heads"], ["generate", "--generate"]];
  for (const [key, flag] of ints) {
    const value = positiveInt(str(flag.slice(2)), flag);
    const maximum = workloadFieldMaximum(key) ?? Number.MAX_SAFE_INTEGER;
    if (value !== undefined && value > maximum) throw new InputError(CLI, { path: flag, expected: `a positive integer up to ${maximum}`, found: JSON.stringify(str(flag.slice(2))) });
    if (value !== undefined) (spec as unknown as Record<string, number>)[key] = value;
  }
  if (phase) spec.phase = phase as Phase;
  for (const category of ["precision", "attention", "tokens", "exit", "ffn", "train"] as const) {
    const text = str(category);
    if (text !== undefined) spec[category] = parseVariantText(category, text, `--${category}`);
  }
  return spec;
}

/** The trace a command works on: a trace file, a workload file, or a preset with flags. */
export function workloadFromArgs(v: ArgValues): Trace {
  const str = (k: string) => v[k] as string | undefined;
  const file = str("trace") ?? str("workload");
  if (file !== undefined) {
    const [flag, other] = str("trace") !== undefined ? ["--trace", "workload"] : ["--workload", "trace"];
    if (str(other) !== undefined) throw new InputError(CLI, { path: flag, expected: "one of --trace and --workload", found: "both" });
    for (const shapeFlag of SHAPE_FLAGS) {
      if (str(shapeFlag) !== undefined) throw new InputError(CLI, { path: `--${shapeFlag}`, expected: `no shape or variant options together with ${flag} (the file has them)`, found: str(shapeFlag) });
    }
    return flag === "--trace" ? loadTrace(file) : buildWorkload(loadWorkloadFile(file), file);
  }
  return buildWorkload(specFromArgs(v));
}

/** The flags of a workload spec (the inverse of specFromArgs); undefined for a single operator. */
export function argsFromSpec(spec: WorkloadSpec): string[] | undefined {
  if (spec.operator || spec.definition) return undefined;
  const args = ["--model", spec.model];
  for (const key of SHAPE_OVERRIDE_KEYS) if (spec.shape?.[key] !== undefined) args.push(`--${shapeFlag(key)}`, String(spec.shape[key]));
  const ints: [keyof WorkloadSpec, string][] = [["seq", "--seq"], ["batch", "--batch"], ["context", "--context"], ["kvHeads", "--kv-heads"], ["generate", "--generate"]];
  for (const [key, flag] of ints) if (spec[key] !== undefined) args.push(flag, String(spec[key]));
  if (spec.phase) args.push("--phase", spec.phase);
  for (const category of VARIANT_CATEGORIES) {
    const choice = spec[category];
    if (choice) args.push(`--${category}`, describeVariant(choice));
  }
  return args;
}

/** A word for a POSIX shell: quoted when it holds anything but safe characters. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_\-.,:=/|+@%]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `attnsim run` command that evaluates one sweep point on its own (with the full report, per-op
 * breakdown and --plots/--csv at hand): the sweep's design with the point's design parameters as
 * --set flags, and its workload (with workload parameters applied) as flags. Undefined when the
 * sweep folder predates recording its design, or the workload is a single operator.
 */
export function rerunCommand(meta: SweepMeta, row: Row): string | undefined {
  const section = meta.workloadSections?.[row.workload];
  if (meta.design === undefined || section === undefined) return undefined;
  const targets = meta.parameters.filter((p) => p.path !== undefined).map((p) => ({ name: p.name, path: p.path!.split(".") }));
  const workloadValues = targets.filter((t) => t.path[0] === "workload").map((t) => [t.path.slice(1), row.params[t.name]] as const);
  let args: string[] | undefined;
  try {
    args = argsFromSpec(parseWorkloadSection(withValues(section, workloadValues), meta.file, `/workloads/${row.workload}`));
  } catch {
    return undefined;
  }
  if (!args) return undefined;
  const preset = resolve(dirname(meta.design)) === resolve(designPresetDir());
  const design = preset ? basename(meta.design, ".yaml") : relative(process.cwd(), meta.design) || meta.design;
  const sets = targets.filter((t) => t.path[0] === "design").flatMap((t) => ["--set", `${t.path.slice(1).join(".")}=${String(row.params[t.name])}`]);
  return ["npx", "attnsim", "run", "--design", design, ...args, ...sets].map(shellWord).join(" ");
}
