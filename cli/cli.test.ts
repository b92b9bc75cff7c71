import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "./main.js";
import type { Io } from "./io.js";

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const io: Io = { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) };
  const code = await main(argv, io);
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), "attnsim-cli-"));

describe("attnsim run", () => {
  it("prints totals, per-layer, per-unit and per-level tables", async () => {
    const r = await cli("run", "--design", "examples/designs/edge-npu.yaml", "--model", "bert-base", "--seq", "128");
    expect(r.code).toBe(0);
    for (const word of ["latency", "energy", "peak power", "layer", "unit", "memory level", "dram", "glb", "npu", "dsp"]) expect(r.out).toContain(word);
  });

  it("--json gives the full Result", async () => {
    const r = await cli("run", "--design", "edge-npu", "--model", "bert-base", "--seq", "64", "--json");
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    for (const key of ["latencyCycles", "latencySeconds", "energyJ", "averagePowerW", "peakPowerW", "macs", "bytesByLevel", "peakMemoryBytes", "areaMm2", "ops"]) {
      expect(result).toHaveProperty(key);
    }
    const op = result.ops[0];
    for (const key of ["id", "kind", "unit", "latencyCycles", "computeCycles", "stallCycles", "energyPj", "bytesByLevel"]) expect(op).toHaveProperty(key);
  });

  it("runs a trace file written by attnsim trace", async () => {
    const file = join(dir, "gpt2-decode.json");
    expect((await cli("trace", "--model", "gpt2-small", "--phase", "decode", "--context", "256", "-o", file)).code).toBe(0);
    const r = await cli("run", "--design", "tpuv1-like", "--trace", file, "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).workload).toBe("gpt2-small decode ctx 256 batch 1");
  });

  it("reads SCALE-Sim config and topology files", async () => {
    const r = await cli("run", "--scalesim-config", "examples/scalesim/edge-32x32-ws.cfg", "--topology", "examples/scalesim/bert-base-s128-attention.csv", "--json");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out);
    expect(out.ops.length).toBeGreaterThan(0);
    expect(out.scalesim[0]).toHaveProperty("totalCyclesScalesimConvention");
  });

  it("--csv writes per-layer, per-op, per-unit and per-level CSVs whose energies add up to the total", async () => {
    const out = join(dir, "run-csv");
    const json = await cli("run", "--design", "heterogeneous", "--model", "bert-base", "--seq", "128", "--json", "--csv", out);
    expect(json.code, json.err).toBe(0);
    const result = JSON.parse(json.out) as { energyJ: number; ops: unknown[]; breakdown: { byLayer: unknown[]; byUnit: unknown[]; byLevel: { level: string; readBytes: number }[] } };
    const table = (name: string) => {
      const [header, ...lines] = readFileSync(join(out, `${name}.csv`), "utf8").trim().split("\n");
      const columns = header!.split(",");
      return { columns, rows: lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [columns[i]!, v]))) };
    };
    const sum = (rows: Record<string, string>[], column: string) => rows.reduce((s, r) => s + Number(r[column]), 0);
    const layers = table("layers"), ops = table("ops"), units = table("units"), levels = table("levels"), components = table("components");
    expect(layers.rows).toHaveLength(result.breakdown.byLayer.length);
    expect(ops.rows).toHaveLength(result.ops.length);
    expect(units.rows.map((u) => u.unit)).toEqual(["cim", "npu", "dsp"]);
    expect(levels.rows.map((l) => l.level)).toEqual(result.breakdown.byLevel.map((l) => l.level));
    expect(sum(layers.rows, "energy_J") / result.energyJ).toBeCloseTo(1, 9);
    expect(sum(ops.rows, "energy_J") / result.energyJ).toBeCloseTo(1, 9);
    expect((sum(units.rows, "energy_J") + sum(levels.rows, "energy_J") + sum(components.rows, "energy_J")) / result.energyJ).toBeCloseTo(1, 9);
    expect(sum(ops.rows, "dram_read_B")).toBeCloseTo(result.breakdown.byLevel[0]!.readBytes, 0);
    expect(ops.columns).toContain("npu.ifmap_read_B"); // unit buffers too
  });

  it("--set changes the design as a sweep parameter would; quantities read from strings are echoed, KB as JEDEC", async () => {
    const r = await cli("run", "--design", "edge-npu", "--set", "units.npu.rows=64", "--set", "memory.1.capacity=1 MB", "--model", "bert-base", "--seq", "64");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/quantities read from .*edge-npu\.yaml:/);
    expect(r.out).toMatch(/\/memory\/1\/capacity +1 MB +1,048,576 B +KB, MB, GB read with the JEDEC meaning/);
    expect(r.out).toMatch(/\/technology\/frequency +1 GHz +1,000,000,000 Hz/);
    const json = (...set: string[]) => cli("run", "--design", "edge-npu", ...set, "--model", "bert-base", "--seq", "64", "--json").then((x) => JSON.parse(x.out) as { breakdown: { byUnit: { unit: string; peakMacsPerSecond: number }[] } });
    const [base, wide] = [await json(), await json("--set", "units.npu.rows=64")];
    const npu = (x: typeof base) => x.breakdown.byUnit.find((u) => u.unit === "npu")!.peakMacsPerSecond;
    expect(npu(wide)).toBe(2 * npu(base)); // 64 rows instead of 32
    const bad = await cli("run", "--design", "edge-npu", "--set", "units.npu.rows", "--model", "bert-base");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--set: expected PATH=VALUE/);
    const bits = await cli("run", "--design", "edge-npu", "--set", "memory.1.capacity=512 kb", "--model", "bert-base");
    expect(bits.code).toBe(2);
    expect(bits.err).toMatch(/\/memory\/1\/capacity: expected a capacity in bytes .* which is in bits \(b\); write KiB or KB/);
  });

  it("an infeasible design exits 3 with the reason", async () => {
    const r = await cli("run", "--design", "mcu-class", "--model", "llama2-7b", "--seq", "16");
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/do not fit in flash/);
  });
});

describe("bad input: one clear message, exit 2, no stack trace", () => {
  const cases: [string, string[], RegExp][] = [
    ["unknown preset", ["run", "--design", "edge-npu", "--model", "bert-huge"], /\/model: expected a model preset: bert-base/],
    ["unknown design", ["run", "--design", "nope", "--model", "bert-base"], /nope: \(document\): expected a design file or a preset name/],
    ["bad number", ["run", "--design", "edge-npu", "--model", "bert-base", "--seq", "0"], /--seq: expected a positive integer, found "0"/],
    
    ["unknown option", ["run", "--design", "edge-npu", "--modle", "bert-base"], /expected known options/],
    ["missing trace file", ["run", "--design", "edge-npu", "--trace", "missing.json"], /missing.json: \(document\): expected a readable file, found no such file/],
    ["unknown command", ["simulate"], /unknown command "simulate"/],
  ];
  for (const [name, argv, message] of cases) {
    it(name, async () => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
    });
  }

  it("malformed JSON trace", async () => {
    const file = join(dir, "bad.json");
    writeFileSync(file, '{"version": 1, "model": ');
    const r = await cli("run", "--design", "edge-npu", "--trace", file);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file}: line`);
  });

  it("a design with a wrong unit", async () => {
    const file = join(dir, "bad-unit.yaml");
    writeFileSync(file, readFileSync("examples/designs/edge-npu.yaml", "utf8").replace('frequency: "1 GHz"', 'frequency: "1 GB"'));
    const r = await cli("run", "--design", file, "--model", "bert-base");
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file}: /technology/frequency: expected a quantity in Hz-compatible units`);
  });
});

describe("workload variants on the command line and in files", () => {
  it("--attention, --precision, --tokens and --ffn compose", async () => {
    const r = await cli("run", "--design", "edge-npu", "--model", "bert-base", "--seq", "256", "--attention", "block-sparse:block=32,density=0.3",
      "--precision", "int8", "--tokens", "prune:keep=0.9", "--ffn", "moe:experts=8,topk=2", "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).workload).toContain("block-sparse:block=32,density=0.3");
  });

  it("a workload file gives the same trace as the equivalent flags", async () => {
    const file = join(dir, "flags.json");
    await cli("trace", "--model", "bert-base", "--seq", "512", "--attention", "block-sparse:block=32,density=0.3", "--precision", "int8", "--tokens", "prune:keep=0.9,start=2", "-o", file);
    const fromFile = join(dir, "file.json");
    expect((await cli("trace", "--workload", "examples/workloads/bert-base-sparse-int8-pruned.yaml", "-o", fromFile)).code).toBe(0);
    expect(readFileSync(fromFile, "utf8")).toBe(readFileSync(file, "utf8"));
  });

  it("every example workload runs", async () => {
    for (const f of ["bert-base-sparse-int8-pruned", "llama2-7b-gqa-generate", "gpt2-moe-early-exit", "resnet50-conv3x3"]) {
      const r = await cli("run", "--design", "tpuv1-like", "--workload", `examples/workloads/${f}.yaml`, "--json");
      expect(r.code, r.err).toBe(0);
    }
  });

  it("trace --list is generated from the registries", async () => {
    const r = await cli("trace", "--list");
    for (const word of ["block-sparse", "density", "linformer", "performer", "reformer", "prune", "early-exit", "moe", "mixed", "mamba-130m", "mobilevit-s-like"]) expect(r.out).toContain(word);
  });

  const bad: [string, string[], RegExp][] = [
    ["unknown variant kind", ["--attention", "sparse"], /--attention: expected a attention kind: dense, block-sparse/],
    ["unknown key", ["--attention", "local:windw=64"], /--attention\/windw: expected a key of local: window, block/],
    ["out of range", ["--attention", "block-sparse:density=1.5"], /--attention\/density: expected a value from 0 to 1, found 1.5/],
    ["malformed", ["--tokens", "prune:keep"], /--tokens: expected KIND:key=value,key=value/],
    ["bad precision", ["--precision", "int3"], /--precision: expected a precision kind: uniform, mixed/],
  ];
  for (const [name, flags, message] of bad) {
    it(`bad variant: ${name}`, async () => {
      const r = await cli("run", "--design", "edge-npu", "--model", "bert-base", ...flags);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
    });
  }

  it("a bad key in a workload file names the file and the path", async () => {
    const file = join(dir, "bad-workload.yaml");
    writeFileSync(file, "version: 1\nworkload:\n  model: bert-base\n  attention: { kind: local, window: 0 }\n");
    const r = await cli("run", "--design", "edge-npu", "--workload", file);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file}: /workload/attention/window: expected a value from 1 to inf, found 0`);
  });
});

describe("training and systems on the command line", () => {
  it("--phase train prints the step's time and energy by pass and its memory by what it holds", async () => {
    const r = await cli("run", "--design", "a100-like", "--model", "bert-base", "--seq", "64", "--batch", "4", "--phase", "train", "--train", "adamw:checkpointing=selective");
    expect(r.code, r.err).toBe(0);
    for (const word of ["forward", "backward", "recompute", "optimizer", "optimizer states", "stored activations", "workspace"]) expect(r.out).toContain(word);
  });
  it("a system file runs the workload over its devices: the step, the bubble, each stage", async () => {
    const r = await cli("run", "--design", "examples/systems/dgx-a100-like.yaml", "--model", "gpt2-small", "--seq", "256", "--batch", "2", "--phase", "train",
      "--train", "adamw:microBatches=4", "--parallel", "data=2,tensor=2,pipeline=2", "--json");
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out);
    expect(result.devices).toBe(8);
    expect(result.bubbleFraction).toBeCloseTo(1 / 5, 12);
    expect(result.stages).toHaveLength(2);
  });
  const bad: [string, string[], RegExp][] = [
    ["a parallel key", ["--parallel", "dta=2"], /--parallel: expected key=value pairs with keys data, tensor, pipeline, expert/],
    ["too many devices", ["--parallel", "data=16"], /\/parallelism: expected at most 8 devices/],
    ["a schedule", ["--schedule", "zigzag"], /--schedule: expected 1f1b or gpipe/],
  ];
  for (const [name, flags, message] of bad) {
    it(`bad system input: ${name}`, async () => {
      const r = await cli("run", "--design", "examples/systems/dgx-a100-like.yaml", "--model", "gpt2-small", "--seq", "64", "--phase", "train", ...flags);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
    });
  }
  it("--parallel on a single design is refused", async () => {
    const r = await cli("run", "--design", "edge-npu", "--model", "bert-base", "--parallel", "data=2");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--parallel: expected a system file as --design/);
  });
});

describe("timeline export", () => {
  it("--timeline writes Chrome trace events: one track per unit, ops as complete events, a power counter", async () => {
    const file = join(dir, "timeline.json");
    const r = await cli("run", "--design", "edge-npu", "--model", "bert-base", "--seq", "128", "--timeline", file);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/area/);
    expect(r.out).toMatch(/peak power/);
    const trace = JSON.parse(readFileSync(file, "utf8")) as { traceEvents: { ph: string; name: string; tid?: number; ts?: number; dur?: number; args?: { name?: string } }[] };
    const threads = trace.traceEvents.filter((e) => e.ph === "M" && e.name === "thread_name").map((e) => e.args!.name);
    expect(threads).toEqual(["npu", "dsp"]);
    const complete = trace.traceEvents.filter((e) => e.ph === "X");
    expect(complete.length).toBeGreaterThan(144);
    expect(complete.every((e) => e.dur! >= 0 && e.ts! >= 0)).toBe(true);
    expect(trace.traceEvents.some((e) => e.ph === "C")).toBe(true);
  });
});

describe("attnsim sweep", () => {
  it("runs an example sweep in 2 workers and prints a summary", async () => {
    const out = join(dir, "sweep-cli");
    const r = await cli("sweep", "examples/sweeps/sram-vs-bandwidth.yaml", "--workers", "2", "--out", out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/sram-vs-bandwidth: 35 rows \(35 ok/);
    expect(readFileSync(join(out, "pareto.csv"), "utf8").split("\n").length).toBeGreaterThan(2);
  });
  it("a bad shard is refused with the flag named", async () => {
    const r = await cli("sweep", "examples/sweeps/sram-vs-bandwidth.yaml", "--shard", "2/2");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--shard: expected i\/N with 0 <= i < N/);
  });
});

describe("attnsim plot", () => {
  it("--compare draws several designs side by side", async () => {
    const out = join(dir, "compare");
    const r = await cli("plot", "--compare", "--designs", "edge-npu,tpuv1-like,heterogeneous", "--model", "bert-base", "--seq", "128", "--out", out);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(out, "energy-by-unit.csv"), "utf8").trim().split("\n")).toHaveLength(4);
  });
  it("--scaling writes latency and energy charts", async () => {
    const out = join(dir, "scaling");
    const r = await cli("plot", "--scaling", "--design", "edge-npu", "--model", "bert-base", "--seqs", "128,256", "--variants", "dense,performer", "--out", out);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(out, "scaling-energy.csv"), "utf8").trim().split("\n")).toHaveLength(5);
  });
});
