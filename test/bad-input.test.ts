/**
 * Bad input of every kind (designs, workload files, traces, sweep specs, studies, measured data and
 * calibration specs, intensity CSVs, SCALE-Sim files, sweep folders, command-line flags), as a
 * careless or hostile user gives it (issue 17). Every case must exit 2 with a message naming the
 * file and the path inside it, print no stack trace, finish in bounded time (no hang), and write
 * nothing outside the output folder it names (most write nothing at all).
 *
 * The cases run in one process (test/fixtures/bad-input-harness.mjs, one start-up for all); a case
 * that hangs is killed after CASE_SECONDS and the rest run on in a new process.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";
import { buildWorkload } from "../workloads/transformer-builder.js";

const root = packageRoot();
const CASE_SECONDS = 30;

interface Case {
  name: string;
  argv: string[];
  files?: Record<string, string>;
  fifos?: string[];
  /** The file and the path the message must name (`<command line>` and a flag for flags). */
  file: string;
  path: string;
  /** A folder (relative to the case's folder) the case may write in. */
  out?: string;
}

const design = readFileSync(join(root, "examples", "designs", "edge-npu.yaml"), "utf8");
const d = (from: string, to: string) => {
  if (!design.includes(from)) throw new Error(`edge-npu.yaml has no ${from}`);
  return design.replace(from, to);
};
const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n`;
const runDesign = (name: string, text: string, path: string): Case => ({ name: `design: ${name}`, argv: ["run", "--design", "d.yaml", "--model", "bert-base", "--seq", "32"], files: { "d.yaml": text }, file: "d.yaml", path });
const workloadFile = (name: string, section: string, path: string): Case => ({ name: `workload file: ${name}`, argv: ["run", "--design", "edge-npu", "--workload", "w.yaml"], files: { "w.yaml": `version: 1\nworkload: ${section}\n` }, file: "w.yaml", path });

const trace = buildWorkload({ model: "bert-base", seq: 16 });
const traceText = (edit: (t: Record<string, unknown> & { ops: Record<string, unknown>[]; tensors: Record<string, unknown>[] }) => void): string => {
  const t = structuredClone(trace) as unknown as Record<string, unknown> & { ops: Record<string, unknown>[]; tensors: Record<string, unknown>[] };
  edit(t);
  return JSON.stringify(t);
};
const firstMatmul = trace.ops.findIndex((o) => o.kind === "matmul");
const traceCase = (name: string, text: string, path: string): Case => ({ name: `trace: ${name}`, argv: ["run", "--design", "edge-npu", "--trace", "t.json"], files: { "t.json": text }, file: "t.json", path });

const sweepBody = (o: { name?: string; workloads?: string; parameters?: string; constraints?: string; objectives?: string; sampler?: string; extra?: string } = {}) => `version: 1
name: ${o.name ?? "bad"}
design: edge-npu
workloads: ${o.workloads ?? "[{ model: bert-base, seq: 32 }]"}
parameters:
${o.parameters ?? "  rows: { path: design.units.npu.rows, values: [8, 16] }"}
constraints: ${o.constraints ?? "[]"}
objectives: ${o.objectives ?? "[{ minimize: energyJ }]"}
${o.sampler ? `sampler: ${o.sampler}\n` : ""}${o.extra ?? ""}`;
const sweep = (name: string, body: string, path: string, flags: string[] = []): Case => ({ name: `sweep spec: ${name}`, argv: ["sweep", "s.yaml", "--workers", "0", "--out", "out", ...flags], files: { "s.yaml": body }, file: "s.yaml", path, out: "out" });
const sweepFlag = (name: string, flags: string[], path: string, files: Record<string, string> = {}): Case => ({ name: `sweep flag: ${name}`, argv: ["sweep", "s.yaml", ...flags], files: { "s.yaml": sweepBody(), ...files }, file: "<command line>", path, out: "out" });

const study = (o: { workload?: string; carbon?: string; sections?: string; claims?: string }) => `version: 1
name: bad-study
design: edge-npu
workload: ${o.workload ?? "{ model: bert-base, seq: 32 }"}
${o.carbon ? `carbon: ${o.carbon}\n` : ""}sections:
${o.sections ?? "  - { kind: compare, name: cases, cases: [{ name: base }] }"}
${o.claims ? `claims: ${o.claims}\n` : ""}`;
const studyCase = (name: string, text: string, path: string, files: Record<string, string> = {}, file = "st.yaml"): Case => ({ name: `study: ${name}`, argv: ["study", "st.yaml", "--out", "out", "--no-plots"], files: { "st.yaml": text, ...files }, file, path, out: "out" });
const intensityStudy = (csv: string) => studyCase(`intensity CSV ${JSON.stringify(csv.split("\n")[2])}`, study({
  carbon: "{ gridIntensity: \"380 g/kWh\" }",
  sections: "  - { kind: compare, name: cases, cases: [{ name: base }] }\n  - kind: schedule\n    name: batch\n    intensity: grid.csv\n    jobs: [{ id: j, case: cases.base, inferences: 1000, duration: \"1 h\", release: 0, deadline: 3, home: r }]",
}), "line 3, column r", { "grid.csv": csv }, "grid.csv");

const measured = (rows: string, extra = "") => `version: 1
description: bad rows
defaults: { board: b, design: edge-npu, metric: latency }
rows:
${rows}
${extra}`;
const okRow = "  - { id: r1, workload: { operator: matmul, m: 64, n: 64, k: 64, precision: int8 }, value: 1 ms, source: s }";
const measuredCase = (name: string, text: string, path: string, command = "validate"): Case => ({ name: `${command}: ${name}`, argv: [command, "m.yaml", "--out", "out", "--no-plots"], files: { "m.yaml": text }, file: "m.yaml", path, out: "out" });

const sweepJson = (o: Record<string, unknown> = {}) => JSON.stringify({ version: 1, name: "s", specHash: "0".repeat(64), file: "s.yaml", specText: "x", parameters: [{ name: "rows" }], objectives: [{ metric: "energyJ", sense: "minimize" }], ...o });
const summaryJson = JSON.stringify({ name: "s", rows: 0, ok: 0, violates: 0, infeasible: 0, errors: 0, reasons: [], best: {}, paretoPoints: 0 });
const folder = (meta: string | undefined, summary = summaryJson) => ({ ...(meta !== undefined ? { "f/sweep.json": meta } : {}), "f/summary.json": summary, "f/results.jsonl": "", "f/pareto.csv": "index\n" });
const flag = (name: string, argv: string[], path: string, files: Record<string, string> = {}, out?: string): Case => ({ name: `flags: ${name}`, argv, files, file: "<command line>", path, ...(out ? { out } : {}) });

const accuracyTable = "accuracy: { table: { inputs: [layers], rows: [{ layers: 12, value: 80 }] } }\n";
const CASES: Case[] = [
  // designs
  runDesign("negative frequency", d('frequency: "1 GHz"', 'frequency: "-1 GHz"'), "/technology/frequency"),
  runDesign("a 1 THz clock at 0.8 V", d('frequency: "1 GHz"', 'frequency: "1 THz"'), "/technology/frequency"),
  runDesign("5 V supply", d('voltage: "0.8 V"', 'voltage: "5 V"'), "/technology/voltage"),
  runDesign("frequency without a unit", d('frequency: "1 GHz"', "frequency: 1000000000"), "/technology/frequency"),
  runDesign("negative capacity", d('capacity: "4 GiB"', 'capacity: "-4 GiB"'), "/memory/0/capacity"),
  runDesign("negative bandwidth", d('bandwidth: "17.1 GB/s"', 'bandwidth: "-17.1 GB/s"'), "/memory/0/bandwidth"),
  runDesign("negative read energy", d('bandwidth: "64 GB/s"', 'bandwidth: "64 GB/s"\n    readEnergy: "-1 pJ/B"'), "/memory/1/readEnergy"),
  runDesign("negative leakage", d('bandwidth: "64 GB/s"', 'bandwidth: "64 GB/s"\n    leakage: "-1 mW"'), "/memory/1/leakage"),
  runDesign("negative energy override", `${design}\nenergy:\n  mac.int8: "-0.25 pJ"\n`, "/energy/mac.int8"),
  runDesign("negative grid carbon intensity", `${design}\nsystem:\n  carbon: { gridIntensity: "-400 g/kWh" }\n`, "/system/carbon/gridIntensity"),
  runDesign("zero rows", d("rows: 32", "rows: 0"), "/units/npu/rows"),
  runDesign("rows as a word", d("rows: 32", "rows: many"), "/units/npu/rows"),
  runDesign("unknown unit kind", d("kind: systolic", "kind: tpu"), "/units/npu/kind"),
  runDesign("unknown dataflow", d("dataflow: ws", "dataflow: xs"), "/units/npu/dataflow"),
  runDesign("negative buffer", d('ifmap: "64 KiB"', 'ifmap: "-64 KiB"'), "/units/npu/buffers/ifmap"),
  runDesign("unknown top-level key", d("memory:", "memroy:"), "/memroy"),
  runDesign("missing version", d("version: 1\n", ""), "/version"),
  runDesign("duplicate key", d("rows: 32", "rows: 32\n    rows: 64"), "line "),
  runDesign("mapping to a unit that does not exist", d("default: npu", "default: gpu"), "/mapping/default"),
  runDesign("YAML alias bomb", bomb, "(document)"),
  runDesign("not YAML at all", "{{{ [", "line 1"),
  { name: "design: a FIFO", argv: ["run", "--design", "d.yaml", "--model", "bert-base"], fifos: ["d.yaml"], file: "d.yaml", path: "(document)" },
  { name: "design: /dev/zero", argv: ["run", "--design", "/dev/zero", "--model", "bert-base"], file: "/dev/zero", path: "(document)" },
  // workload files
  workloadFile("a misspelt key (sequnce)", "{ model: bert-base, sequnce: 128 }", "/workload/sequnce"),
  workloadFile("a key the simulator does not know (depth)", "{ model: bert-base, depth: 4 }", "/workload/depth"),
  workloadFile("a model config that does not exist", "{ modelConfig: missing.json }", "/workload/modelConfig"),
  workloadFile("a model config of an unknown model_type", "{ modelConfig: { model_type: t5, d_model: 512 } }", "/workload/modelConfig/model_type"),
  workloadFile("a model config without its layers", "{ modelConfig: { model_type: bert, hidden_size: 768 } }", "/workload/modelConfig/num_attention_heads"),
  workloadFile("heads that do not divide the width", "{ model: bert-base, heads: 7 }", "/heads"),
  workloadFile("a patch on a text model", "{ model: bert-base, patch: 8 }", "/patch"),
  workloadFile("a shape field on Mamba", "{ model: mamba-130m, layers: 4 }", "/layers"),
  workloadFile("precison", "{ model: bert-base, precison: int8 }", "/workload/precison"),
  workloadFile("elements: 1e300", "{ operator: elementwise, elements: 1e300, fn: gelu }", "/workload/elements"),
  workloadFile("generate: 1e9", "{ model: gpt2-small, seq: 16, generate: 1000000000 }", "/workload/generate"),
  workloadFile("MoE top-k above the expert count", "{ model: bert-base, ffn: { kind: moe, experts: 2, topk: 4 } }", "/workload/ffn/topk"),
  workloadFile("density 2", "{ model: bert-base, attention: { kind: block-sparse, density: 2 } }", "/workload/attention/density"),
  workloadFile("unknown model", "{ model: bert-huge }", "/model"),
  workloadFile("negative seq", "{ model: bert-base, seq: -1 }", "/workload/seq"),
  workloadFile("model and operator", "{ model: bert-base, operator: matmul, m: 1, n: 1, k: 1 }", "/workload"),
  workloadFile("unknown precision", "{ model: bert-base, precision: int3 }", "/workload/precision"),
  workloadFile("unknown variant key", "{ model: bert-base, attention: { kind: local, windw: 8 } }", "/workload/attention/windw"),
  { name: "workload file: missing version", argv: ["run", "--design", "edge-npu", "--workload", "w.yaml"], files: { "w.yaml": "workload: { model: bert-base }\n" }, file: "w.yaml", path: "/version" },
  { name: "workload file: a FIFO", argv: ["run", "--design", "edge-npu", "--workload", "w.yaml"], fifos: ["w.yaml"], file: "w.yaml", path: "(document)" },
  { name: "workload file: /dev/zero", argv: ["run", "--design", "edge-npu", "--workload", "/dev/zero"], file: "/dev/zero", path: "(document)" },
  { name: "workload file: a folder", argv: ["run", "--design", "edge-npu", "--workload", "sub"], files: { "sub/x": "" }, file: "sub", path: "(document)" },
  { name: "workload file: YAML alias bomb", argv: ["run", "--design", "edge-npu", "--workload", "w.yaml"], files: { "w.yaml": bomb }, file: "w.yaml", path: "(document)" },
  // traces
  traceCase("an op repeated 10^9 times", traceText((t) => void (t.ops[0]!.repeat = { count: 1_000_000_000 })), "/ops/0/repeat/count"),
  traceCase("unknown op kind", traceText((t) => void (t.ops[0]!.kind = "convolution")), "/ops/0"),
  traceCase("a conv whose m is not its im2col GEMM's", traceText((t) => void (t.ops[firstMatmul]!.conv = { batch: 1, inH: 5, inW: 5, inChannels: 768, outChannels: 768, kernelH: 1, kernelW: 1 })), `/ops/${firstMatmul}/m`),
  traceCase("a conv whose groups do not divide its channels", traceText((t) => void (t.ops[firstMatmul]!.conv = { batch: 1, inH: 4, inW: 4, inChannels: 768, outChannels: 768, kernelH: 1, kernelW: 1, groups: 5 })), `/ops/${firstMatmul}/conv`),
  traceCase("a conv with a negative padding", traceText((t) => void (t.ops[firstMatmul]!.conv = { batch: 1, inH: 4, inW: 4, inChannels: 768, outChannels: 768, kernelH: 1, kernelW: 1, padH: -1 })), `/ops/${firstMatmul}/conv/padH`),
  traceCase("negative tensor dimension", traceText((t) => void ((t.tensors[0]!.shape as number[])[0] = -4)), "/tensors/0/shape/0"),
  traceCase("version 2", traceText((t) => void (t.version = 2)), "/version"),
  traceCase("no ops", traceText((t) => void delete (t as Record<string, unknown>).ops), "/ops"),
  traceCase("truncated JSON", traceText(() => undefined).slice(0, 200), "line 1"),
  { name: "trace: a FIFO", argv: ["run", "--design", "edge-npu", "--trace", "t.json"], fifos: ["t.json"], file: "t.json", path: "(document)" },
  { name: "trace: missing file", argv: ["run", "--design", "edge-npu", "--trace", "missing.json"], file: "missing.json", path: "(document)" },
  // sweep specs
  sweep("a name that climbs out (../escape)", sweepBody({ name: "../escape" }), "/name"),
  sweep("a name with a slash", sweepBody({ name: "a/b" }), "/name"),
  sweep("an accuracy row without its source", sweepBody({ extra: accuracyTable }), "/accuracy/table/rows/0/source"),
  sweep("an accuracy file that does not exist", sweepBody({ extra: "accuracy: acc.yaml\n" }), "/accuracy"),
  sweep("an accuracy expression without a source", sweepBody({ extra: "accuracy: { expr: \"80 - layers\" }\n" }), "/accuracy/source"),
  sweep("a workload path to a misspelt shape field", sweepBody({ parameters: "  x: { path: workload.layerz, values: [4] }" }), "/workloads/0"),
  { name: "sweep spec: a name that climbs out, default --out", argv: ["sweep", "s.yaml", "--workers", "0"], files: { "s.yaml": sweepBody({ name: "x/../../../escaped" }) }, file: "s.yaml", path: "/name" },
  sweep("a value listed twice", sweepBody({ parameters: "  x: { path: design.units.npu.rows, values: [8, 16, 8] }" }), "/parameters/x/values/2"),
  sweep("a path through __proto__", sweepBody({ parameters: "  x: { path: design.__proto__.polluted, values: [1] }" }), "/parameters/x/path"),
  sweep("a path through constructor.prototype", sweepBody({ parameters: "  x: { path: design.constructor.prototype.polluted, values: [1] }" }), "/parameters/x/path"),
  sweep("a workload path through __proto__", sweepBody({ parameters: "  x: { path: workload.__proto__.polluted, values: [1] }" }), "/parameters/x/path"),
  sweep("a constraint that sums range(1, macs)", sweepBody({ constraints: '["sum(range(1, macs)) > 0"]' }), "/constraints/0"),
  sweep("a constraint that builds a 100,000 x 100,000 matrix", sweepBody({ constraints: '["size(zeros(100000, 100000))[1] > 0"]' }), "/constraints/0"),
  sweep("a constraint with a broadcast of 10^6 elements", sweepBody({ constraints: '["sum(ones(1000, 1) + ones(1, 1000)) > 0"]' }), "/constraints/0"),
  sweep("a constraint with a broadcast of 10^4 elements", sweepBody({ constraints: '["sum(ones(100, 1) + ones(1, 100)) > 0"]' }), "/constraints/0"),
  sweep("a constraint that defines a function", sweepBody({ constraints: '["f(x) = x"]' }), "/constraints/0"),
  sweep("a constraint with random()", sweepBody({ constraints: '["random() > 0.5"]' }), "/constraints/0"),
  sweep("a constraint that imports", sweepBody({ constraints: "['import({x: 1}, {override: true})']" }), "/constraints/0"),
  sweep("a constraint that is not a comparison", sweepBody({ constraints: '["areaMm2 + 1"]' }), "/constraints/0"),
  sweep("a constraint of 3,000 characters", sweepBody({ constraints: `["${"1 + ".repeat(750)}1 > 0"]` }), "/constraints/0"),
  sweep("a range of 10^9 values", sweepBody({ parameters: "  rows: { path: design.units.npu.rows, range: { from: 1, to: 1000000000, step: 1 } }" }), "/parameters/rows/range"),
  sweep("a geometric range from 0", sweepBody({ parameters: "  rows: { path: design.units.npu.rows, range: { from: 0, to: 64, factor: 2 } }" }), "/parameters/rows/range/from"),
  sweep("a range that runs backwards", sweepBody({ parameters: "  rows: { path: design.units.npu.rows, range: { from: 64, to: 8, step: 8 } }" }), "/parameters/rows/range"),
  sweep("a grid of 10^25 points", sweepBody({ parameters: ["a", "b", "c", "d", "e"].map((p) => `  ${p}: { range: { from: 1, to: 100000, step: 1 } }`).join("\n") }), "/parameters"),
  sweep("a workload key the simulator does not know (depth)", sweepBody({ workloads: "[{ model: bert-base, depth: 4 }]" }), "/workloads/0/depth"),
  sweep("a misspelt workload key (sequnce)", sweepBody({ workloads: "[{ model: bert-base, sequnce: 128 }]" }), "/workloads/0/sequnce"),
  sweep("precison", sweepBody({ workloads: "[{ model: bert-base }, { model: bert-base, precison: int8 }]" }), "/workloads/1/precison"),
  sweep("a workload parameter at a misspelt path", sweepBody({ parameters: "  s: { path: workload.sequnce, values: [64, 128] }" }), "/workloads/0"),
  sweep("MoE top-k above the expert count", sweepBody({ workloads: "[{ model: bert-base, ffn: { kind: moe, experts: 2, topk: 4 } }]" }), "/workloads/0/ffn/topk"),
  sweep("an unknown objective", sweepBody({ objectives: "[{ minimize: joules }]" }), "/objectives/0"),
  sweep("an expression over a later parameter", sweepBody({ parameters: "  cols: { path: design.units.npu.cols, expr: rows }\n  rows: { path: design.units.npu.rows, values: [8] }" }), "/parameters/cols/expr"),
  sweep("random without samples", sweepBody({ sampler: "{ kind: random }" }), "/sampler/samples"),
  sweep("an unknown sampler", sweepBody({ sampler: "{ kind: annealing }" }), "/sampler/kind"),
  sweep("values and expr together", sweepBody({ parameters: '  rows: { path: design.units.npu.rows, values: [8], expr: "8" }' }), "/parameters/rows"),
  sweep("an empty value list", sweepBody({ parameters: "  rows: { path: design.units.npu.rows, values: [] }" }), "/parameters/rows/values"),
  sweep("no objectives", sweepBody().replace("objectives: [{ minimize: energyJ }]\n", ""), "/objectives"),
  sweep("an unknown top-level key", sweepBody({ extra: "budget: 3\n" }), "/budget"),
  sweep("a design that does not exist", sweepBody().replace("design: edge-npu", "design: nowhere.yaml"), "/design"),
  sweep("YAML alias bomb", bomb, "(document)"),
  { name: "sweep spec: a FIFO", argv: ["sweep", "s.yaml", "--workers", "0", "--out", "out"], fifos: ["s.yaml"], file: "s.yaml", path: "(document)" },
  { name: "sweep spec: /dev/zero", argv: ["sweep", "/dev/zero", "--workers", "0", "--out", "out"], file: "/dev/zero", path: "(document)" },
  sweepFlag("--shard 3/2", ["--shard", "3/2"], "--shard"),
  sweepFlag("--uncertainty 0", ["--uncertainty", "0"], "--uncertainty"),
  sweepFlag("--shard with nsga2", ["--shard", "0/2"], "--shard", { "s.yaml": sweepBody({ sampler: "{ kind: nsga2, population: 4, generations: 1 }" }) }),
  sweepFlag("--workers -1", ["--workers", "-1"], "(document)"),
  sweepFlag("--workers two", ["--workers", "two"], "--workers"),
  sweepFlag("--worker-heap 8", ["--worker-heap", "8"], "--worker-heap"),
  sweepFlag("--point-timeout 0", ["--point-timeout", "0"], "--point-timeout"),
  sweepFlag("--batch 0", ["--batch", "0"], "--batch"),
  sweepFlag("--out /proc/x", ["--workers", "0", "--out", "/proc/x"], "--out"),
  sweepFlag("--out a file", ["--workers", "0", "--out", "out"], "--out", { out: "not a folder" }),
  sweepFlag("--resume into another spec's folder", ["--workers", "0", "--out", "out", "--resume"], "--resume", { "out/sweep.json": sweepJson({ name: "other" }) }),
  sweepFlag("--out held by another sweep", ["--workers", "0", "--out", "out"], "--out", { "out/.attnsim.lock": JSON.stringify({ pid: 1, host: hostname(), since: "now" }) }),
  sweepFlag("--backend http://", ["--backend", "http://localhost:6379"], "--backend"),
  sweepFlag("--backend with --workers", ["--backend", "redis://127.0.0.1:1", "--workers", "2"], "--backend"),
  sweepFlag("--backend malformed with a password", ["--backend", "redis://:pass word@host name:1"], "--backend"),
  sweepFlag("an unknown flag", ["--wrokers", "2"], "(document)"),
  // studies
  studyCase("a set: path through __proto__", study({ sections: '  - { kind: compare, name: cases, cases: [{ name: base, set: { "__proto__.polluted": 1 } }] }' }), "/sections/0/cases/0/set/__proto__.polluted"),
  studyCase("a set: path through constructor", study({ sections: '  - { kind: compare, name: cases, cases: [{ name: base, set: { "units.constructor.prototype.x": 1 } }] }' }), "/sections/0/cases/0/set/units.constructor.prototype.x"),
  studyCase("a workload key the simulator does not know (depth)", study({ workload: "{ model: bert-base, depth: 4 }" }), "/workload/depth"),
  studyCase("a misspelt case workload key", study({ sections: "  - { kind: compare, name: cases, cases: [{ name: base, workload: { model: bert-base, sequnce: 64 } }] }" }), "/sections/0/cases/0/workload/sequnce"),
  studyCase("a negative carbon intensity", study({ carbon: '{ gridIntensity: "-380 g/kWh" }' }), "/carbon/gridIntensity"),
  studyCase("a claim with a disabled function", study({ claims: '[{ name: c, predicted: "random()", claimed: 1 }]' }), "/claims/0/predicted"),
  studyCase("an unknown section kind", study({ sections: "  - { kind: magic, name: m }" }), "/sections/0"),
  studyCase("a design that does not exist", study({}).replace("design: edge-npu", "design: nowhere"), "/sections/0/cases/0/design"),
  studyCase("YAML alias bomb", bomb, "(document)"),
  { name: "study: a FIFO", argv: ["study", "st.yaml", "--out", "out"], fifos: ["st.yaml"], file: "st.yaml", path: "(document)" },
  intensityStudy("time,r\n2026-01-01T00:00Z,100\n2026-01-01T01:00Z,\n2026-01-01T02:00Z,100\n2026-01-01T03:00Z,100\n"),
  intensityStudy("time,r\n2026-01-01T00:00Z,100\n2026-01-01T01:00Z,-50\n2026-01-01T02:00Z,100\n2026-01-01T03:00Z,100\n"),
  intensityStudy("time,r\n2026-01-01T00:00Z,100\n2026-01-01T01:00Z,lots\n2026-01-01T02:00Z,100\n2026-01-01T03:00Z,100\n"),
  // measured data and calibration specs
  measuredCase("a negative measured value", measured("  - { id: r1, workload: { operator: matmul, m: 64, n: 64, k: 64, precision: int8 }, value: -1 ms, source: s }"), "/rows/0/value"),
  measuredCase("a misspelt workload key", measured("  - { id: r1, workload: { model: bert-base, sequnce: 64 }, value: 1 ms, source: s }"), "/rows/0/workload/sequnce"),
  measuredCase("an unknown metric", measured("  - { id: r1, workload: { model: bert-base }, metric: joy, value: 1 ms, source: s }"), "/rows/0/metric"),
  measuredCase("a row without a value", measured("  - { id: r1, workload: { model: bert-base }, source: s }"), "/rows/0/value"),
  measuredCase("YAML alias bomb", bomb, "(document)"),
  measuredCase("a calibration path through __proto__", measured(okRow, "calibration:\n  parameters:\n    - { path: __proto__.polluted, min: 0, max: 1 }\n"), "/calibration/parameters/0/path", "calibrate"),
  measuredCase("a calibration path through constructor", measured(okRow, "calibration:\n  parameters:\n    - { path: design.system.constructor.prototype.x, min: 0, max: 1 }\n"), "/calibration/parameters/0/path", "calibrate"),
  measuredCase("a calibration with min above max", measured(okRow, "calibration:\n  parameters:\n    - { path: system.opOverhead.matmul, unit: us, min: 5, max: 1 }\n"), "/calibration/parameters/0/max", "calibrate"),
  { name: "validate: a FIFO", argv: ["validate", "m.yaml", "--out", "out"], fifos: ["m.yaml"], file: "m.yaml", path: "(document)" },
  // SCALE-Sim files
  { name: "scalesim: a topology row with a word", argv: ["run", "--scalesim-config", join(root, "examples", "scalesim", "edge-32x32-ws.cfg"), "--topology", "t.csv"], files: { "t.csv": "Layer, M, N, K,\nq, 128, many, 768,\n" }, file: "t.csv", path: "line 2" },
  { name: "scalesim: a config with a negative array height", argv: ["run", "--scalesim-config", "c.cfg", "--topology", join(root, "examples", "scalesim", "bert-base-s128-attention.csv")], files: { "c.cfg": readFileSync(join(root, "examples", "scalesim", "edge-32x32-ws.cfg"), "utf8").replace("ArrayHeight:    32", "ArrayHeight:    -32") }, file: "c.cfg", path: "[architecture_presets] ArrayHeight" },
  { name: "scalesim: a FIFO topology", argv: ["run", "--scalesim-config", join(root, "examples", "scalesim", "edge-32x32-ws.cfg"), "--topology", "t.csv"], fifos: ["t.csv"], file: "t.csv", path: "(document)" },
  flag("--scalesim-config without --topology", ["run", "--scalesim-config", "c.cfg"], "--topology"),
  // command-line flags of run and trace
  flag('--power-window "0 s"', ["run", "--design", "edge-npu", "--model", "bert-base", "--seq", "32", "--power-window", "0 s"], "--power-window"),
  flag('--power-window "-1 us"', ["run", "--design", "edge-npu", "--model", "bert-base", "--seq", "32", "--power-window=-1 us"], "--power-window"),
  flag("--seq 1e300", ["run", "--design", "edge-npu", "--model", "bert-base", "--seq", "1e300"], "--seq"),
  flag("--uncertainty 0", ["run", "--design", "edge-npu", "--model", "bert-base", "--uncertainty", "0"], "--uncertainty"),
  flag("--model and --model-config", ["run", "--design", "edge-npu", "--model", "bert-base", "--model-config", "examples/models/gpt2.json"], "--model-config"),
  flag("--layers 0", ["run", "--design", "edge-npu", "--model", "bert-base", "--layers", "0"], "--layers"),
  flag("sensitivity --metric that is not one", ["sensitivity", "s.yaml", "--metric", "joules"], "--metric", { "s.yaml": sweepBody() }),
  flag("--generate 10^9", ["run", "--design", "edge-npu", "--model", "gpt2-small", "--seq", "16", "--generate", "1000000000"], "--generate"),
  flag("--ffn moe with topk above experts", ["run", "--design", "edge-npu", "--model", "bert-base", "--seq", "32", "--ffn", "moe:experts=2,topk=4"], "--ffn/topk"),
  flag("--attention density 2", ["run", "--design", "edge-npu", "--model", "bert-base", "--attention", "block-sparse:density=2"], "--attention/density"),
  flag("--out is a folder", ["run", "--design", "edge-npu", "--model", "bert-base", "--seq", "32", "--json", "--out", "sub"], "--out", { "sub/x": "" }),
  flag("--out in a missing folder", ["run", "--design", "edge-npu", "--model", "bert-base", "--seq", "32", "--json", "--out", "missing/r.json"], "--out"),
  flag("--timeline is a folder", ["run", "--design", "edge-npu", "--model", "bert-base", "--seq", "32", "--timeline", "sub"], "--timeline", { "sub/x": "" }),
  flag("--plots is a file", ["run", "--design", "edge-npu", "--model", "bert-base", "--seq", "32", "--plots", "p"], "--plots", { p: "a file" }),
  flag("trace -o a folder", ["trace", "--model", "bert-base", "-o", "sub"], "--out", { "sub/x": "" }),
  flag("study --out /proc/x", ["study", join(root, "examples", "studies", "vit-mcu.yaml"), "--out", "/proc/x"], "--out"),
  flag("validate --out a file", ["validate", join(root, "examples", "measured", "tpuv1-jouppi2017.yaml"), "--out", "o"], "--out", { o: "a file" }),
  flag("trace --seq 0", ["trace", "--model", "bert-base", "--seq", "0"], "--seq"),
  // sweep folders (plot, merge)
  flag("plot a folder that does not exist", ["plot", "nowhere"], "SWEEP_DIR"),
  flag("plot a folder without sweep.json", ["plot", "f"], "SWEEP_DIR", folder(undefined)),
  { name: "plot: a corrupt sweep.json", argv: ["plot", "f"], files: folder("{ not json"), file: "f/sweep.json", path: "line 1" },
  { name: "plot: objective names that climb out of the folder", argv: ["plot", "f"], files: folder(sweepJson({ objectives: [{ metric: "../../../pwned", sense: "minimize" }] })), file: "f/sweep.json", path: "/objectives/0/metric" },
  { name: "plot: a sweep.json that names a file to embed", argv: ["plot", "f"], files: { ...folder(JSON.stringify({ name: "s", file: "secret.txt", parameters: [], objectives: [{ metric: "energyJ", sense: "minimize" }] })), "secret.txt": "TOP SECRET" }, file: "f/sweep.json", path: "/specText" },
  { name: "plot: a corrupt summary.json", argv: ["plot", "f"], files: folder(sweepJson(), "[]"), file: "f/summary.json", path: "(document)" },
  flag("merge a folder without sweep.json", ["merge", "f", "--out", "m"], "DIR", folder(undefined)),
  { name: "merge: shards of different specs", argv: ["merge", "f", "g", "--out", "m"], files: { ...folder(sweepJson()), "g/sweep.json": sweepJson({ specHash: "1".repeat(64) }), "g/results.jsonl": "" }, file: "<command line>", path: "DIR" },
  flag("merge without --out", ["merge", "f"], "--out", folder(sweepJson())),
  // worker
  flag("worker with an http URL", ["worker", "http://localhost:6379"], "URL"),
  flag("worker --workers 0", ["worker", "redis://127.0.0.1:1", "--workers", "0"], "--workers"),
  flag("worker --worker-heap 10", ["worker", "redis://127.0.0.1:1", "--worker-heap", "10"], "--worker-heap"),
];

interface Outcome { index: number; code: number; stderr: string; ms: number; created: string[] }

const dir = mkdtempSync(join(tmpdir(), "attnsim-bad-input-"));
const outcomes = new Map<number, Outcome | "hung">();

/** Runs the harness from case `start`; resolves with the index of a case that hung, or undefined. */
function runFrom(start: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, "test", "fixtures", "bad-input-harness.mjs"), join(dir, "cases.json"), String(start)], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    let current = start, buffer = "";
    let timer = setTimeout(() => child.kill("SIGKILL"), CASE_SECONDS * 1000);
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = JSON.parse(buffer.slice(0, nl)) as { start: number } | Outcome;
        buffer = buffer.slice(nl + 1);
        if ("start" in line) {
          current = line.start;
          clearTimeout(timer);
          timer = setTimeout(() => child.kill("SIGKILL"), CASE_SECONDS * 1000);
        } else outcomes.set(line.index, line);
      }
    });
    child.on("exit", () => {
      clearTimeout(timer);
      resolve(outcomes.has(current) ? undefined : current);
    });
  });
}

beforeAll(async () => {
  writeFileSync(join(dir, "cases.json"), JSON.stringify(CASES));
  let start = 0;
  while (start < CASES.length) {
    const hung = await runFrom(start);
    if (hung === undefined) break;
    outcomes.set(hung, "hung");
    start = hung + 1;
  }
}, CASES.length * CASE_SECONDS * 1000);

describe(`bad input: ${CASES.length} cases, each exit 2, the file and path named, no stack trace, no hang, nothing written outside the output folder`, () => {
  it("covers at least 100 cases across every input kind", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(100);
    const kinds = new Set(CASES.map((c) => c.name.split(":")[0]));
    for (const kind of ["design", "workload file", "trace", "sweep spec", "sweep flag", "study", "validate", "calibrate", "scalesim", "flags", "plot", "merge"]) expect(kinds).toContain(kind);
  });
  CASES.forEach((c, i) => {
    it(c.name, () => {
      const o = outcomes.get(i);
      expect(o, "the case hung (killed after the time limit)").not.toBe("hung");
      const { code, stderr, ms, created } = o as Outcome;
      expect(code, stderr).toBe(2);
      expect(stderr).toContain(`${c.file}: ${c.path}`);
      expect(stderr).not.toMatch(/\n\s+at |internal error/);
      expect(ms).toBeLessThan(CASE_SECONDS * 1000);
      const allowed = c.out ? `case-${i}/work/${c.out}` : undefined;
      expect(created.filter((f) => !(allowed && (f === allowed || f.startsWith(`${allowed}/`))))).toEqual([]);
      expect(stderr).not.toContain("pass word");
      expect(stderr).not.toContain("TOP SECRET");
    });
  });
});
