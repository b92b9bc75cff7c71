/** Sweeps end to end: outputs, error rows, resume after SIGKILL, shards and merge, spec errors. */
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { assign, dimensions, loadSweep, pointKey } from "../sweeps/spec.js";
import { evaluatePoint } from "../sweeps/evaluate-point.js";
import { gridSampler } from "../sweeps/samplers.js";
import { clearMemos } from "../common/memo.js";
import { failedBatch, IN_THREAD_OBSERVE_SECONDS, mergeSweeps, poolBreakEvenSeconds, POOL_SWITCH_SECONDS, runSweep } from "../sweeps/runner.js";
import { availableParallelism } from "node:os";
import { benchSpec } from "../bench/bench-spec.js";
import { WorkerPool } from "../sweeps/worker-pool.js";
import { packageRoot } from "../common/package-root.js";
import { InputError } from "../common/input-error.js";

const dir = mkdtempSync(join(tmpdir(), "attnsim-sweep-"));

function specFile(name: string, body: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `version: 1\nname: ${name}\ndesign: edge-npu\n${body}`);
  return file;
}

const small = (name: string, extra = "") => specFile(name, `workloads:
  - { model: bert-base, seq: 64 }
  - { model: deit-tiny }
parameters:
  rows: { path: design.units.npu.rows, values: [8, 16, 32] }
  cols: { path: design.units.npu.cols, expr: rows }
  kib: { values: [16, 64] }
  glb: { path: design.memory.1.capacity, expr: "kib KiB" }
objectives: [{ minimize: energyJ }, { minimize: latencySeconds }]
${extra}`);

const jsonl = (out: string) => readFileSync(join(out, "results.jsonl"), "utf8").split("\n").filter((l) => l.trim()).flatMap((l) => {
  try {
    return [JSON.parse(l) as { key: string; status: string; reason?: string; params: Record<string, unknown> }];
  } catch {
    return [];
  }
});

/** The rows of results.jsonl by key (workers write them in any order). */
const byKey = (out: string) => Object.fromEntries(jsonl(out).map((r) => [r.key, r]));

/** SIGKILL a sweep once some, but not all, of its batches are recorded (12 rows), and wait for it to exit. */
async function killMidSweep(child: ChildProcess, out: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if ((existsSync(join(out, "results.jsonl")) ? jsonl(out).length : 0) >= 12) {
        clearInterval(timer);
        child.kill("SIGKILL");
        resolve();
      }
    }, 20);
    child.on("exit", () => {
      clearInterval(timer);
      reject(new Error("the sweep finished before it could be killed"));
    });
  });
  await new Promise((r) => child.once("exit", r));
}

describe("sweep outputs", () => {
  it("a grid over 6 design points x 2 workloads gives 12 rows, a CSV pandas can load, a front and a summary", async () => {
    const out = join(dir, "grid");
    const summary = await runSweep(loadSweep(small("grid")), { outDir: out, workers: 0 });
    expect(summary.rows).toBe(12);
    expect(summary.ok).toBe(12);
    const csv = readFileSync(join(out, "results.csv"), "utf8").trim().split("\n");
    expect(csv[0]).toBe("index,key,workload,workload_label,status,reason,rows,cols,kib,glb,latencySeconds,latencyCycles,energyJ,averagePowerW,peakPowerW,macs,areaMm2,peakMemoryBytes,peakActivationBytes,weightBytes,leakagePowerW,utilization,opsPerByte,outerBytes,edpJs");
    expect(csv).toHaveLength(13);
    expect(csv.every((line) => line.split(",").length === csv[0]!.split(",").length)).toBe(true);
    expect(readFileSync(join(out, "pareto.csv"), "utf8").trim().split("\n").length).toBeGreaterThan(1);
    expect(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).best["minimize energyJ"].value).toBeGreaterThan(0);
  });

  it("a point that throws becomes an error row with the message; the sweep goes on", async () => {
    const file = specFile("errors", `workloads: [{ model: bert-base, seq: 32 }]
parameters:
  rows: { path: design.units.npu.rows, values: [16, -4, 32] }
objectives: [{ minimize: energyJ }]`);
    const out = join(dir, "errors");
    const summary = await runSweep(loadSweep(file), { outDir: out, workers: 0 });
    expect(summary.ok).toBe(2);
    expect(summary.errors).toBe(1);
    const bad = jsonl(out).find((r) => r.status === "error")!;
    expect(bad.params.rows).toBe(-4);
    expect(bad.reason).toMatch(/\/units\/npu\/rows: expected a value that must be >= 1/);
  });

  it("a point whose metrics overflow double precision is an error row naming the metric, not a front point", async () => {
    // 1e-300 GB/s: latency ~1e298 s is still finite, energy (leakage x time) is not.
    const file = specFile("overflow", `workloads: [{ model: bert-base, seq: 32 }]
parameters:
  bw: { path: design.memory.0.bandwidth, values: ["1e-300 GB/s", "8 GB/s"] }
objectives: [{ minimize: energyJ }]`);
    const out = join(dir, "overflow");
    const summary = await runSweep(loadSweep(file), { outDir: out, workers: 0 });
    expect([summary.ok, summary.errors, summary.paretoPoints]).toEqual([1, 1, 1]);
    const bad = jsonl(out).find((r) => r.status === "error")!;
    expect(bad.params.bw).toBe("1e-300 GB/s");
    expect(bad.reason).toBe("energyJ is Infinity: the point's sizes overflow double precision");
  });

  it("constraints mark violating points; infeasible points carry their reason", async () => {
    const file = specFile("constrained", `workloads: [{ model: bert-base, seq: 64 }, { model: llama2-7b, seq: 16 }]
parameters:
  rows: { path: design.units.npu.rows, values: [8, 64] }
constraints: ["areaMm2 < 20 and rows < 32"]
objectives: [{ minimize: energyJ }]`);
    const summary = await runSweep(loadSweep(file), { outDir: join(dir, "constrained"), workers: 0 });
    expect(summary.violates).toBe(1);
    expect(summary.infeasible).toBe(2);
    expect(summary.reasons.map((r) => r.status)).toEqual(expect.arrayContaining(["violates", "infeasible"]));
  });

  it("runs in worker processes with the same results as in this thread", async () => {
    const spec = loadSweep(small("workers"));
    await runSweep(spec, { outDir: join(dir, "w0"), workers: 0 });
    await runSweep(spec, { outDir: join(dir, "w2"), workers: 2, batchSize: 2 });
    expect(byKey(join(dir, "w2"))).toEqual(byKey(join(dir, "w0")));
  });

  it("a worker heap cap gives the same results; a cap too small to load a worker is refused", async () => {
    const spec = loadSweep(small("heap"));
    await runSweep(spec, { outDir: join(dir, "h0"), workers: 0 });
    await runSweep(spec, { outDir: join(dir, "h1"), workers: 1, batchSize: 3, workerHeapMb: 64 });
    expect(byKey(join(dir, "h1"))).toEqual(byKey(join(dir, "h0")));
    await expect(runSweep(spec, { outDir: join(dir, "h2"), workers: 1, workerHeapMb: 8 })).rejects.toThrow(/at least 64 MB/);
  });

  it("a batch whose worker died becomes error rows naming every point", () => {
    const points = [0, 1, 2].map((i) => ({ index: i, key: `k${i}`, workload: 0, params: { rows: 8 * (i + 1) } }));
    const result = failedBatch(points, "worker failed on a batch of 3 points: out of memory", true);
    expect(result.count).toBe(3);
    expect(result.errors).toBe(3);
    const lines = result.lines.trimEnd().split("\n").map((l) => JSON.parse(l) as { key: string; status: string; reason: string });
    expect(lines.map((r) => r.key)).toEqual(["k0", "k1", "k2"]);
    expect(lines.every((r) => r.status === "error" && r.reason.includes("out of memory"))).toBe(true);
    expect(result.rows?.map((r) => r.params.rows)).toEqual([8, 16, 24]);
  });

  it("shards partition the points and merge joins them into the same result set", async () => {
    const spec = loadSweep(small("shards"));
    await runSweep(spec, { outDir: join(dir, "all"), workers: 0 });
    await runSweep(spec, { outDir: join(dir, "s0"), workers: 0, shard: { index: 0, count: 2 } });
    await runSweep(spec, { outDir: join(dir, "s1"), workers: 0, shard: { index: 1, count: 2 } });
    const merged = await mergeSweeps([join(dir, "s0"), join(dir, "s1")], join(dir, "merged"));
    expect(merged.rows).toBe(12);
    const keys = (out: string) => jsonl(out).map((r) => r.key).sort();
    expect(keys(join(dir, "merged"))).toEqual(keys(join(dir, "all")));
    expect(jsonl(join(dir, "s0")).length + jsonl(join(dir, "s1")).length).toBe(12);
  });

  // ZDT1 (Zitzler, Deb & Thiele 2000) written as sweep expressions over six free parameters on a
  // 21-value grid: f1 = x1, g = 1 + 9/5 (x2 + ... + x6), f2 = g (1 - sqrt(f1/g)); the front is
  // f2 = 1 - sqrt(f1) (g = 1). The distance of the sweep's Pareto rows to it tells a search that
  // learns from its outcomes from one that does not: with the same budget of proposals, a random
  // sampler's front stays far (g ~ 2), NSGA-II's reaches it.
  const zdt1 = (name: string, sampler: string) => specFile(name, `workloads: [{ operator: matmul, m: 16, n: 16, k: 16, precision: int8 }]
parameters:
${[1, 2, 3, 4, 5, 6].map((i) => `  x${i}: { range: { from: 0, to: 1, step: 0.05 } }`).join("\n")}
  g: { expr: "1 + 9 / 5 * (x2 + x3 + x4 + x5 + x6)" }
  f2: { expr: "g * (1 - sqrt(x1 / g))" }
objectives: [{ minimize: x1 }, { minimize: f2 }]
sampler: ${sampler}`);
  const frontDistance = (out: string) => {
    const [header, ...lines] = readFileSync(join(out, "pareto.csv"), "utf8").trim().split("\n");
    const cols = header!.split(",");
    const [i1, i2] = [cols.indexOf("x1"), cols.indexOf("f2")];
    const d = lines.map((l) => Number(l.split(",")[i2]) - (1 - Math.sqrt(Number(l.split(",")[i1]))));
    return d.reduce((a, b) => a + b, 0) / d.length;
  };

  it("NSGA-II, driven by the ask/tell loop, reaches ZDT1's front where a random sampler with the same budget does not", async () => {
    const population = 40, generations = 30;
    await runSweep(loadSweep(zdt1("zdt1-nsga", `{ kind: nsga2, population: ${population}, generations: ${generations}, seed: 3 }`)), { outDir: join(dir, "zdt1-nsga"), workers: 0 });
    await runSweep(loadSweep(zdt1("zdt1-random", `{ kind: random, samples: ${(generations + 1) * population}, seed: 3 }`)), { outDir: join(dir, "zdt1-random"), workers: 0 });
    const nsga = frontDistance(join(dir, "zdt1-nsga")), random = frontDistance(join(dir, "zdt1-random"));
    expect(nsga).toBeLessThan(0.05);
    expect(random).toBeGreaterThan(0.3);
  });

  it("NSGA-II gives the same rows when a generation's batches run at once on two worker processes", async () => {
    const file = zdt1("zdt1-small", "{ kind: nsga2, population: 8, generations: 3, seed: 3 }");
    await runSweep(loadSweep(file), { outDir: join(dir, "nsga"), workers: 0 });
    await runSweep(loadSweep(file), { outDir: join(dir, "nsga2w"), workers: 2, batchSize: 2 });
    const rows = (out: string) => readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n").sort();
    expect(rows(join(dir, "nsga2w"))).toEqual(rows(join(dir, "nsga")));
    expect(rows(join(dir, "nsga")).length).toBeGreaterThan(8);
  });

  it("NSGA-II takes no shards (each generation is bred from the whole previous one)", async () => {
    await expect(runSweep(loadSweep(zdt1("zdt1-shard", "{ kind: nsga2, population: 8, generations: 1 }")), { outDir: join(dir, "nsga-shard"), workers: 0, shard: { index: 0, count: 2 } })).rejects.toThrow(/shard: expected no shards with the nsga2 sampler/);
  });
});

describe("resume after a kill", () => {
  it("SIGKILL mid-sweep, then --resume: every point exactly once", async () => {
    const file = specFile("killed", `workloads: [{ model: bert-base, seq: 64 }]
parameters:
  rows: { path: design.units.npu.rows, range: { from: 2, to: 80, step: 2 } }
  kib: { values: [8, 16, 32, 64, 128] }
  ifmap: { path: design.units.npu.buffers.ifmap, expr: "kib KiB" }
objectives: [{ minimize: energyJ }]`);
    const out = join(dir, "killed");
    const bin = join(packageRoot(), "bin", "attnsim.js");
    await killMidSweep(spawn(process.execPath, [bin, "sweep", file, "--workers", "1", "--batch", "4", "--out", out], { stdio: "ignore" }), out);
    const before = jsonl(out).length;
    expect(before).toBeLessThan(200);
    const summary = await runSweep(loadSweep(file), { outDir: out, workers: 0, resume: true });
    const rows = jsonl(out);
    const keys = rows.map((r) => r.key);
    expect(new Set(keys).size).toBe(200);
    expect(keys.length).toBe(200); // nothing recorded twice
    expect(summary.rows).toBe(200);
    expect(summary.evaluatedThisRun).toBe(200 - before);
  });

  it("a last line torn mid-write is re-evaluated, and the next row is not glued to it", async () => {
    const spec = loadSweep(small("torn"));
    const out = join(dir, "torn");
    await runSweep(spec, { outDir: out, workers: 0 });
    const text = readFileSync(join(out, "results.jsonl"), "utf8");
    const lines = text.trimEnd().split("\n");
    expect(lines.length).toBe(12);
    // keep 9 whole rows and half of the 10th, no newline after it: what a kill mid-write leaves
    writeFileSync(join(out, "results.jsonl"), `${lines.slice(0, 9).join("\n")}\n${lines[9]!.slice(0, 40)}`);
    const summary = await runSweep(spec, { outDir: out, workers: 0, resume: true });
    expect(summary.evaluatedThisRun).toBe(3);
    const keys = jsonl(out).map((r) => r.key);
    expect(keys.length).toBe(12);
    expect(new Set(keys).size).toBe(12);
    expect(summary.rows).toBe(12);
  });
});

describe("spec errors", () => {
  const bad = (name: string, body: string) => () => loadSweep(specFile(name, body));
  it("an expression may only use parameters declared before it", () => {
    expect(bad("later", `workloads: [{ model: bert-base }]
parameters:
  cols: { path: design.units.npu.cols, expr: rows }
  rows: { path: design.units.npu.rows, values: [8] }
objectives: [{ minimize: energyJ }]`)).toThrow(/expr: expected an expression over parameters declared before cols/);
  });
  it("an unknown objective lists the metrics", () => {
    expect(bad("objective", `workloads: [{ model: bert-base }]
parameters:
  rows: { path: design.units.npu.rows, values: [8] }
objectives: [{ minimize: joules }]`)).toThrow(/\/objectives\/0: expected a metric/);
  });
  it("a malicious constraint is refused", () => {
    expect(bad("evil", `workloads: [{ model: bert-base }]
parameters:
  rows: { path: design.units.npu.rows, values: [8] }
constraints: ['import({x: 1}, {override: true})']
objectives: [{ minimize: energyJ }]`)).toThrow(InputError);
  });
  it("a parameter needs exactly one of values, range, expr", () => {
    expect(bad("two", `workloads: [{ model: bert-base }]
parameters:
  rows: { path: design.units.npu.rows, values: [8], expr: "8" }
objectives: [{ minimize: energyJ }]`)).toThrow(/exactly one of values, range or expr/);
  });
});

describe("grid sweeps by row index: workers make the points, designs resolved by parts", () => {
  // Design parameters on a unit and on two memory levels, an expression, two workloads: points that
  // share the DSP, the energy table or a memory level reuse them (hardware-models/design-loader.ts).
  const body = (values: string) => `workloads:
  - { model: bert-base, seq: 64 }
  - { model: deit-tiny }
parameters:
  rows: { path: design.units.npu.rows, values: ${values} }
  cols: { path: design.units.npu.cols, expr: rows }
  bw: { path: design.memory.0.bandwidth, values: ["4 GB/s", "8 GB/s"] }
  kib: { values: [16, 64] }
  glb: { path: design.memory.1.capacity, expr: "kib KiB" }
constraints: ["areaMm2 <= 12"]
objectives: [{ minimize: energyJ }, { minimize: latencySeconds }]`;
  const lines = (out: string) => readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n").sort();

  it("0, 1 and 2 workers give the rows of each point resolved and evaluated from scratch", async () => {
    const file = specFile("by-index", body("[8, 16, 256]"));
    for (const workers of [0, 1, 2]) await runSweep(loadSweep(file), { outDir: join(dir, `by-index-${workers}`), workers, batchSize: 5 });
    // Workers unset: this thread first, worker processes once what is left pays for them (either way the same rows).
    await runSweep(loadSweep(file), { outDir: join(dir, "by-index-auto"), batchSize: 5 });
    // Batches sized by time (no batchSize: sweeps/batch-size.ts) on 2 workers.
    await runSweep(loadSweep(file), { outDir: join(dir, "by-index-timed"), workers: 2 });
    // The reference: every row made as the per-point path makes it, with every memo emptied first
    // (no part of another point's design reused).
    const reference: string[] = [];
    const spec = loadSweep(file);
    const grid = gridSampler(dimensions(spec).map((d) => d.values!.length));
    const W = spec.workloads.length;
    for (let index = 0; index < grid.count * W; index++) {
      clearMemos();
      const point = Math.floor(index / W), workload = index % W;
      const params = assign(spec, grid.point(point));
      reference.push(JSON.stringify(evaluatePoint(loadSweep(file), { index, key: pointKey(params, workload), workload, params })));
    }
    reference.sort();
    expect(reference.length).toBe(24);
    expect(reference.filter((l) => l.includes('"status":"ok"')).length).toBeGreaterThan(0);
    expect(reference.filter((l) => l.includes('"status":"violates"')).length).toBeGreaterThan(0);
    for (const out of ["0", "1", "2", "auto", "timed"]) expect(lines(join(dir, `by-index-${out}`))).toEqual(reference);
    // A fresh run aggregates as rows arrive (the workers' digests): the files equal aggregation of its results.jsonl afterwards.
    for (const out of ["0", "2"]) {
      const from = join(dir, `by-index-${out}`), again = join(dir, `by-index-${out}-again`);
      const merged = await mergeSweeps([from], again);
      const summary = JSON.parse(readFileSync(join(from, "summary.json"), "utf8")) as Record<string, unknown>;
      for (const k of ["wallSeconds", "pointsPerSecond", "evaluatedThisRun", "workers"]) delete summary[k];
      expect({ ...merged, shard: undefined }).toEqual({ ...summary, shard: undefined });
      expect(readFileSync(join(again, "pareto.csv"), "utf8")).toBe(readFileSync(join(from, "pareto.csv"), "utf8"));
      // Worker processes append their own CSV lines, in the order their batches finish: the same lines, header first.
      const csvLines = (d: string) => {
        const [header, ...rest] = readFileSync(join(d, "results.csv"), "utf8").split("\n");
        return [header, ...rest.sort()];
      };
      expect(csvLines(again)).toEqual(csvLines(from));
    }
  });

  it("a random sampler's points in batches sized by time on 2 workers: the rows of fixed batches in this thread", async () => {
    const file = specFile("random-timed", `${body("[4, 8, 16, 32, 64]")}\nsampler: { kind: random, samples: 30, seed: 5 }`);
    const fixed = await runSweep(loadSweep(file), { outDir: join(dir, "random-fixed"), workers: 0, batchSize: 7 });
    const summary = await runSweep(loadSweep(file), { outDir: join(dir, "random-timed"), workers: 2 });
    expect(fixed.rows).toBeGreaterThan(20); // 30 draws of 20 points: repeats are evaluated once
    expect(summary.rows).toBe(fixed.rows);
    expect(lines(join(dir, "random-timed"))).toEqual(lines(join(dir, "random-fixed")));
  });

  it("2 workers SIGKILLed mid-sweep, then --resume on 2 workers: the rows of an uninterrupted run, each once", async () => {
    const file = specFile("by-index-killed", body("[2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24]"));
    const out = join(dir, "by-index-killed");
    await killMidSweep(spawn(process.execPath, [join(packageRoot(), "bin", "attnsim.js"), "sweep", file, "--workers", "2", "--batch", "4", "--out", out], { stdio: "ignore" }), out);
    const before = jsonl(out).length;
    expect(before).toBeLessThan(96);
    const summary = await runSweep(loadSweep(file), { outDir: out, workers: 2, batchSize: 4, resume: true });
    expect(summary.evaluatedThisRun).toBe(96 - before);
    await runSweep(loadSweep(file), { outDir: join(dir, "by-index-whole"), workers: 0 });
    // A kill may tear the last line; the resume leaves it as it is (results.jsonl readers skip it).
    const whole = (out: string) => lines(out).filter((l) => l.endsWith("}}") || l.endsWith('"}'));
    expect(whole(out)).toEqual(whole(join(dir, "by-index-whole")));
    expect(whole(out).length).toBe(96);
  });
});

describe("a worker pool kept across sweeps (runSweep's pool option)", () => {
  const csvRows = (out: string) => readFileSync(join(out, "results.csv"), "utf8").trim().split("\n").slice(1).sort();

  it("runs sweep after sweep with the rows of this thread; an edited spec and a folder made again are the new ones; the pool outlives the sweeps", async () => {
    const pool = new WorkerPool({ processes: 2 });
    try {
      // Two sweeps of one spec file, edited in between (another workload): a process that kept the
      // spec it loaded by its file name would evaluate the old one.
      const file = small("pooled");
      const first = loadSweep(file);
      await runSweep(first, { outDir: join(dir, "pool-a"), pool, batchSize: 2 });
      await runSweep(first, { outDir: join(dir, "pool-a0"), workers: 0 });
      expect(byKey(join(dir, "pool-a"))).toEqual(byKey(join(dir, "pool-a0")));
      writeFileSync(file, readFileSync(file, "utf8").replace("{ model: deit-tiny }", "{ model: gpt2-small, seq: 32 }"));
      const edited = loadSweep(file);
      // The same output folder, removed and made again: a process that kept its descriptors open
      // would append the new rows to the removed file.
      rmSync(join(dir, "pool-a"), { recursive: true });
      const summary = await runSweep(edited, { outDir: join(dir, "pool-a"), pool, batchSize: 2 });
      await runSweep(edited, { outDir: join(dir, "pool-b0"), workers: 0 });
      expect(summary.workers).toBe(2);
      expect(jsonl(join(dir, "pool-a"))).toHaveLength(12);
      expect(byKey(join(dir, "pool-a"))).toEqual(byKey(join(dir, "pool-b0")));
      expect(csvRows(join(dir, "pool-a"))).toEqual(csvRows(join(dir, "pool-b0")));
      expect(readFileSync(join(dir, "pool-a", "results.csv"), "utf8")).toContain("gpt2-small");
    } finally {
      await pool.destroy();
    }
    await expect(runSweep(loadSweep(small("pool-gone")), { outDir: join(dir, "pool-gone"), pool })).rejects.toThrow(/destroyed/);
  });

  it("one sweep at a time; the pool's own options are not given again; a spec file edited under a running sweep is refused", async () => {
    const pool = new WorkerPool({ processes: 1 });
    try {
      const spec = loadSweep(small("pool-busy"));
      const running = runSweep(spec, { outDir: join(dir, "pool-busy-1"), pool, batchSize: 2 });
      await expect(runSweep(spec, { outDir: join(dir, "pool-busy-2"), pool })).rejects.toThrow(/one sweep at a time/);
      await running;
      await runSweep(spec, { outDir: join(dir, "pool-busy-2"), pool }); // free again once the first has ended
      expect(byKey(join(dir, "pool-busy-2"))).toEqual(byKey(join(dir, "pool-busy-1")));
      await expect(runSweep(spec, { outDir: join(dir, "pool-busy-3"), pool, workers: 2 })).rejects.toThrow(/the pool's size \(1\)/);
      await expect(runSweep(spec, { outDir: join(dir, "pool-busy-3"), pool, pointTimeoutSeconds: 5 })).rejects.toThrow(/pool's own options/);
      // A spec file edited after the sweep loaded it: the workers, which load the file, refuse it.
      const file = small("pool-edited");
      const loaded = loadSweep(file);
      writeFileSync(file, readFileSync(file, "utf8").replace("values: [8, 16, 32]", "values: [8, 16]"));
      await expect(runSweep(loaded, { outDir: join(dir, "pool-edited"), pool })).rejects.toThrow(/not the spec this sweep started with/);
    } finally {
      await pool.destroy();
    }
  });
});

describe("workers unset: this thread, then a pool once what is left would take longer here than the pool's break-even", () => {
  it("the break-even: C s / (s - 1) for a pool s times as fast, never for one core, falling to C with many", () => {
    expect(poolBreakEvenSeconds(1)).toBe(Infinity);
    expect(poolBreakEvenSeconds(2)).toBeCloseTo((POOL_SWITCH_SECONDS * 1.4) / 0.4, 12);
    for (let cores = 2; cores < 64; cores++) {
      expect(poolBreakEvenSeconds(cores + 1)).toBeLessThan(poolBreakEvenSeconds(cores));
      expect(poolBreakEvenSeconds(cores)).toBeGreaterThan(POOL_SWITCH_SECONDS);
    }
  });

  it("a million-point sweep moves to a pool after its first second here (when the machine has the cores); a small one stays", async () => {
    const controller = new AbortController();
    const big = loadSweep(benchSpec("1m", "auto-big"));
    setTimeout(() => controller.abort(), (IN_THREAD_OBSERVE_SECONDS + 2) * 1000);
    const summary = await runSweep(big, { outDir: join(dir, "auto-big"), signal: controller.signal });
    expect(summary.workers).toBe(poolBreakEvenSeconds(availableParallelism()) === Infinity ? 0 : availableParallelism());
    expect(jsonl(join(dir, "auto-big")).length).toBe(summary.rows);
    const few = await runSweep(loadSweep(small("auto-small")), { outDir: join(dir, "auto-small") });
    expect(few.workers).toBe(0);
  });
});
