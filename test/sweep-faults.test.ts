/**
 * Sweeps under faults (issue 17): a poison point that kills its worker process or hangs, a second
 * writer on the same folder, a resume into another spec's folder, rows recorded twice, a full disk,
 * and paths that reach Object.prototype. Every point must end up recorded exactly once, the poison
 * as an error row with its reason, and the sweep must finish.
 *
 * The poison is injected from outside the code under test (test/fixtures/poison-point.mjs, loaded
 * with NODE_OPTIONS=--import into the sweep's processes), so no test hook lives in attnsim.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";
import { faultSpec as makeFaultSpec } from "./fault-spec.js";
import { setPath, withValues } from "../common/set-path.js";
import { InputError } from "../common/input-error.js";
import { OutputError } from "../common/output-files.js";
import { loadSweep } from "../sweeps/spec.js";
import { runSweep } from "../sweeps/runner.js";

const root = packageRoot();
const bin = join(root, "bin", "attnsim.js");
const poison = join(root, "test", "fixtures", "poison-point.mjs");
const dir = mkdtempSync(join(tmpdir(), "attnsim-faults-"));

const faultSpec = (name: string, points: number) => makeFaultSpec(dir, name, points);

interface Line { key: string; status: string; reason?: string; params: Record<string, unknown> }
const rows = (out: string): Line[] => readFileSync(join(out, "results.jsonl"), "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as Line);

const children: ReturnType<typeof spawn>[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

function attnsim(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    children.push(child);
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code, stderr }));
  });
}

describe("a poison point in a 1,000-point sweep (local worker processes)", () => {
  it("a point that exhausts its worker's capped heap is an error row with the reason; every other point ok, exactly once; resume has nothing left", async () => {
    const spec = faultSpec("poison-heap", 1000);
    const out = join(dir, "poison-heap");
    const env = { NODE_OPTIONS: `--import=${poison}`, POISON_PARAM: "n", POISON_VALUE: "500", POISON_INDEX: "499", POISON_MODE: "heap" };
    const run = await attnsim(["sweep", spec, "--workers", "2", "--worker-heap", "64", "--out", out], env);
    expect(run.code, run.stderr).toBe(0);
    const all = rows(out);
    expect(all).toHaveLength(1000);
    expect(new Set(all.map((r) => r.key)).size).toBe(1000);
    const bad = all.filter((r) => r.status !== "ok");
    expect(bad).toHaveLength(1);
    expect(bad[0]!.params.n).toBe(500);
    expect(bad[0]!.status).toBe("error");
    expect(bad[0]!.reason).toMatch(/worker process died \(SIGABRT\).*heap out of memory/);
    // The poison row is recorded, so a resume does not run into it again.
    const again = await attnsim(["sweep", spec, "--workers", "2", "--worker-heap", "64", "--out", out, "--resume"], env);
    expect(again.code, again.stderr).toBe(0);
    expect(rows(out)).toHaveLength(1000);
  }, 180_000);

  it("a point that hangs is stopped by the point time limit and recorded as an error row", async () => {
    const spec = faultSpec("poison-hang", 40);
    const out = join(dir, "poison-hang");
    const run = await attnsim(["sweep", spec, "--workers", "1", "--batch", "8", "--point-timeout", "2", "--out", out], { NODE_OPTIONS: `--import=${poison}`, POISON_PARAM: "n", POISON_VALUE: "13", POISON_INDEX: "12", POISON_MODE: "hang" });
    expect(run.code, run.stderr).toBe(0);
    const all = rows(out);
    expect(all).toHaveLength(40);
    expect(new Set(all.map((r) => r.key)).size).toBe(40);
    const bad = all.filter((r) => r.status !== "ok");
    expect(bad.map((r) => r.params.n)).toEqual([13]);
    expect(bad[0]!.reason).toMatch(/no point finished within 2 s/);
  }, 120_000);
});

/** `n` rows in results.jsonl and results.csv, each key once, every one ok, and the summary says so. */
function expectEveryRowOnce(out: string, n: number): void {
  const all = rows(out);
  expect(all).toHaveLength(n);
  expect(new Set(all.map((r) => r.key)).size).toBe(n);
  expect(all.every((r) => r.status === "ok")).toBe(true);
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as { rows: number; ok: number; errors: number };
  expect([summary.rows, summary.ok, summary.errors]).toEqual([n, n, 0]);
  const csv = readFileSync(join(out, "results.csv"), "utf8").trim().split("\n").slice(1);
  expect(csv).toHaveLength(n);
  expect(new Set(csv.map((l) => l.split(",")[1])).size).toBe(n);
}

describe("a worker that dies after appending its rows, before it replies", () => {
  it("its rows are found in the files and counted once: not evaluated again, not written twice, no error row", async () => {
    const spec = faultSpec("poison-reply", 200);
    const out = join(dir, "poison-reply");
    const env = { NODE_OPTIONS: `--import=${poison}`, POISON_PARAM: "n", POISON_VALUE: "100", POISON_INDEX: "99", POISON_MODE: "heap", POISON_AT: "reply" };
    const run = await attnsim(["sweep", spec, "--workers", "2", "--worker-heap", "64", "--batch", "16", "--out", out], env);
    expect(run.code, run.stderr).toBe(0);
    expectEveryRowOnce(out, 200);
  }, 120_000);
});

describe("a worker that dies between the chunks of its batch's rows", () => {
  it("the chunks it appended are found and counted once, the rest evaluated again: every row once", async () => {
    const spec = faultSpec("poison-chunk", 600);
    const out = join(dir, "poison-chunk");
    // Batches of 300 rows of ~650 bytes: a worker appends ~100 rows at a time; the poisoned batch's
    // worker dies at its third write, with its first chunk in results.jsonl and results.csv.
    const log = join(dir, "poison-chunk.log");
    const env = { NODE_OPTIONS: `--import=${poison}`, POISON_PARAM: "n", POISON_VALUE: "100", POISON_INDEX: "99", POISON_MODE: "heap", POISON_AT: "write:3", POISON_LOG: log };
    const run = await attnsim(["sweep", spec, "--workers", "2", "--worker-heap", "64", "--batch", "300", "--out", out], env);
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(log, "utf8")).toBe("died at write:3\n"); // once: the points left were evaluated again one by one
    expectEveryRowOnce(out, 600);
  }, 120_000);
});

describe("one writer per output folder, one spec per folder", () => {
  it("a second sweep into a folder another sweep holds is refused; the first ends with every row once", async () => {
    const spec = loadSweep(faultSpec("locked", 60));
    const out = join(dir, "locked");
    const first = runSweep(spec, { outDir: out, workers: 0, batchSize: 4 });
    await expect(runSweep(spec, { outDir: out, workers: 0 })).rejects.toThrow(/--out: expected a folder no other sweep or merge is writing, found .* is held by process/);
    expect((await first).rows).toBe(60);
    expect(rows(out)).toHaveLength(60);
    expect(existsSync(join(out, ".attnsim.lock"))).toBe(false);
  });

  it("a lock left by a killed sweep (its process gone) is taken over", async () => {
    const out = join(dir, "stale");
    mkdirSync(out, { recursive: true });
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout;
    writeFileSync(join(out, ".attnsim.lock"), JSON.stringify({ pid: Number(gone), host: (await import("node:os")).hostname(), since: "then" }));
    expect((await runSweep(loadSweep(faultSpec("stale", 5)), { outDir: out, workers: 0 })).rows).toBe(5);
  });

  it("--resume into a folder made by another spec is refused", async () => {
    const out = join(dir, "foreign");
    await runSweep(loadSweep(faultSpec("foreign-a", 5)), { outDir: out, workers: 0 });
    await expect(runSweep(loadSweep(faultSpec("foreign-b", 6)), { outDir: out, workers: 0, resume: true })).rejects.toThrow(/--resume: expected an output folder made by this spec/);
    expect(rows(out)).toHaveLength(5);
  });

  it("rows recorded twice are counted once by the aggregates", async () => {
    const spec = loadSweep(faultSpec("twice", 8));
    const out = join(dir, "twice");
    await runSweep(spec, { outDir: out, workers: 0 });
    const text = readFileSync(join(out, "results.jsonl"), "utf8");
    writeFileSync(join(out, "results.jsonl"), text + text); // what two unlocked writers left
    const summary = await runSweep(spec, { outDir: out, workers: 0, resume: true });
    expect(summary.rows).toBe(8);
    expect(readFileSync(join(out, "results.csv"), "utf8").trim().split("\n")).toHaveLength(9);
  });
});

describe("a full disk", () => {
  it("a write that fails stops the sweep with an OutputError naming the file, not a stack trace", async () => {
    const out = join(dir, "full");
    mkdirSync(out, { recursive: true });
    symlinkSync("/dev/full", join(out, "results.jsonl"));
    await expect(runSweep(loadSweep(faultSpec("full", 10)), { outDir: out, workers: 0 })).rejects.toThrow(OutputError);
    const cli = await attnsim(["sweep", faultSpec("full-cli", 10), "--workers", "0", "--out", out]);
    expect(cli.code).toBe(4);
    expect(cli.stderr).toMatch(/cannot write .*results\.jsonl: no space left on the device \(ENOSPC\).*--resume/);
    expect(cli.stderr).not.toMatch(/\n\s+at /);
  });

  // A small tmpfs fills mid-sweep: the progress must count only rows written, the file must hold
  // whole rows only, and a resume with room must end with every row once.
  // With workers 2, the worker processes append their own rows and meet the full disk themselves.
  const mountAt = (workers: number) => join(dir, `tmpfs-${workers}`);
  const mounted = [0, 2].every((workers) => {
    mkdirSync(mountAt(workers), { recursive: true });
    return process.platform === "linux" && spawnSync("mount", ["-t", "tmpfs", "-o", "size=96k", "tmpfs", mountAt(workers)]).status === 0;
  });
  afterAll(() => {
    for (const workers of [0, 2]) spawnSync("umount", [mountAt(workers)]); // a test filtered out leaves its mount
  });
  it.runIf(mounted).each([0, 2])("filling up mid-sweep (workers %i) keeps every whole row, reports only those, and --resume completes it", async (workers) => {
    const mount = mountAt(workers);
    try {
      const spec = faultSpec(`tmpfs-${workers}`, 400);
      const out = join(mount, "out");
      let lastDone = 0;
      await expect(runSweep(loadSweep(spec), { outDir: out, workers, batchSize: 16, onProgress: (p) => (lastDone = p.done) })).rejects.toThrow(/no space left on the device/);
      const text = readFileSync(join(out, "results.jsonl"), "utf8");
      expect(text.endsWith("\n")).toBe(true);
      const whole = text.split("\n").slice(0, -1);
      expect(whole.length).toBeGreaterThan(0);
      expect(whole.length).toBeLessThan(400);
      expect(whole.every((l) => JSON.parse(l))).toBe(true);
      expect(lastDone).toBe(whole.length);
      // Room again: move the folder to the real disk and resume there.
      const moved = join(dir, `tmpfs-resumed-${workers}`);
      mkdirSync(moved);
      for (const f of readdirSync(out)) writeFileSync(join(moved, f), readFileSync(join(out, f)));
      rmSync(join(moved, ".attnsim.lock"), { force: true });
      const summary = await runSweep(loadSweep(spec), { outDir: moved, workers: 0, resume: true });
      expect(summary.rows).toBe(400);
      const keys = rows(moved).map((r) => r.key);
      expect(keys).toHaveLength(400);
      expect(new Set(keys).size).toBe(400);
    } finally {
      spawnSync("umount", [mount]);
    }
  });
});

describe("paths that reach Object.prototype", () => {
  it("setPath refuses __proto__, constructor and prototype, and writes own properties only", () => {
    for (const path of [["__proto__", "polluted"], ["constructor", "prototype", "polluted"], ["a", "prototype"]]) {
      expect(() => setPath({}, path, 1)).toThrow(InputError);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const doc = withValues({ units: {} }, [[["units", "toString", "rows"], 8]]);
    expect(doc).toEqual({ units: { toString: { rows: 8 } } });
    expect(typeof ({} as { toString: unknown }).toString).toBe("function");
  });

  it("a sweep parameter path through __proto__ is refused at load and pollutes nothing", () => {
    const file = join(dir, "proto.yaml");
    writeFileSync(file, `version: 1
name: proto
design: edge-npu
workloads: [{ model: bert-base, seq: 64 }]
parameters:
  x: { path: design.__proto__.polluted, values: [1] }
objectives: [{ minimize: energyJ }]
`);
    expect(() => loadSweep(file)).toThrow(/\/parameters\/x\/path: expected a path whose segments are field names/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
