/**
 * Distributed sweeps against a real redis-server (Debian's package; .ci/run installs it), started on
 * a free loopback port: a coordinator and two worker processes, one killed with SIGKILL mid-run; and
 * a coordinator killed mid-run and resumed. Every point must appear exactly once, with the same rows
 * as a local run of the same spec. Skipped with a notice when redis-server is missing
 * (test/support/system-tools.ts), unless ATTNSIM_REQUIRE_SYSTEM_TESTS=1.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";
import { faultSpec as makeFaultSpec } from "./fault-spec.js";
import { missingMessage, systemTool } from "./support/system-tools.js";
import { freePort } from "./support/local-redis.js";
import { loadSweep } from "../sweeps/spec.js";
import { runSweep } from "../sweeps/runner.js";

const root = packageRoot();
const bin = join(root, "bin", "attnsim.js");
const specFile = join(root, "test", "fixtures", "distributed-sweep.yaml");
const dir = mkdtempSync(join(tmpdir(), "attnsim-distributed-"));
const POINTS = 3840;

const REDIS = systemTool("redis-server");
/** Run the Redis tests: redis-server is installed, or CI requires them (then a missing one fails). */
const hasRedis = REDIS.run;
const redisServer = () => {
  if (!REDIS.path) throw new Error(missingMessage("redis-server"));
  return REDIS.path;
};
let redis: ChildProcess | undefined;
let url = "";
const children: ChildProcess[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, seconds = 60): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "") : [];
}

function attnsim(args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  children.push(child);
  return child;
}

/** Everything a child writes on stderr, kept as it comes. */
function stderrOf(child: ChildProcess): { text: string } {
  const sink = { text: "" };
  child.stderr?.on("data", (d: Buffer) => (sink.text += d.toString()));
  return sink;
}

async function startRedis(port: number, extra: string[] = []): Promise<ChildProcess> {
  const server = spawn(redisServer(), ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...extra], { stdio: "ignore" });
  const auth = extra.includes("--requirepass") ? ["-a", extra[extra.indexOf("--requirepass") + 1]!, "--no-auth-warning"] : [];
  await until("redis-server", () => spawnSync("redis-cli", ["-p", String(port), ...auth, "ping"], { encoding: "utf8" }).stdout.trim() === "PONG", 20);
  return server;
}

const faultSpec = (name: string, points: number) => makeFaultSpec(dir, name, points);

const keysOf = (rows: string[]) => rows.map((l) => JSON.parse(l) as { key: string; status: string; reason?: string; params: Record<string, unknown> });

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", (code) => resolve(code))));
}

let localRows: string[] = [];

beforeAll(async () => {
  if (!hasRedis) return;
  const port = await freePort();
  redis = spawn(redisServer(), ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  url = `redis://127.0.0.1:${port}`;
  await until("redis-server", () => spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" }).stdout.trim() === "PONG", 20);
  // The reference: the same spec in this process, no workers.
  await runSweep(loadSweep(specFile), { outDir: join(dir, "local"), workers: 0, batchSize: 16 });
  localRows = lines(join(dir, "local", "results.jsonl")).sort();
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  redis?.kill("SIGTERM");
});

describe("distributed sweeps (BullMQ on a real redis-server)", () => {

  it.runIf(hasRedis)("a worker killed with SIGKILL mid-run loses nothing: every point exactly once, the same rows as a local run", async () => {
    const workerA = attnsim(["worker", url, "--workers", "1", "--lock-seconds", "2"]);
    const workerB = attnsim(["worker", url, "--workers", "1", "--lock-seconds", "2"]);
    const out = join(dir, "killed-worker");
    const coordinator = attnsim(["sweep", specFile, "--backend", url, "--out", out, "--batch", "16"]);
    const results = join(out, "results.jsonl");
    await until("the first results", () => lines(results).length >= POINTS * 0.15);
    workerA.kill("SIGKILL");
    const recordedAtKill = lines(results).length;
    expect(recordedAtKill).toBeLessThan(POINTS);
    expect(await exited(coordinator)).toBe(0);
    const rows = lines(results);
    const keys = rows.map((l) => JSON.parse(l).key as string);
    expect(rows).toHaveLength(POINTS);
    expect(new Set(keys).size).toBe(POINTS);
    expect(rows.sort()).toEqual(localRows);
    expect(readFileSync(join(out, "pareto.csv"), "utf8")).toBe(readFileSync(join(dir, "local", "pareto.csv"), "utf8"));
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.backend).toMatch(/queue attnsim-distributed-test-[0-9a-f]{12}$/);
    workerB.kill("SIGTERM");
    expect(await exited(workerB)).toBe(0);
  }, 120_000);

  it.runIf(hasRedis)("a coordinator killed mid-run continues with --resume: every point exactly once", async () => {
    const worker = attnsim(["worker", url, "--workers", "1", "--lock-seconds", "2"]);
    const out = join(dir, "killed-coordinator");
    const results = join(out, "results.jsonl");
    const first = attnsim(["sweep", specFile, "--backend", url, "--out", out, "--batch", "16"]);
    await until("the first results", () => lines(results).length >= POINTS * 0.2);
    first.kill("SIGKILL");
    await exited(first);
    const before = lines(results).length;
    expect(before).toBeLessThan(POINTS);
    const second = attnsim(["sweep", specFile, "--backend", url, "--out", out, "--batch", "16", "--resume"]);
    expect(await exited(second)).toBe(0);
    const rows = lines(results).filter((l) => {
      try {
        JSON.parse(l);
        return true;
      } catch {
        return false; // a line torn by the kill
      }
    });
    const keys = rows.map((l) => JSON.parse(l).key as string);
    expect(new Set(keys).size).toBe(POINTS);
    expect(keys).toHaveLength(POINTS);
    expect(rows.sort()).toEqual(localRows);
    worker.kill("SIGTERM");
    expect(await exited(worker)).toBe(0);
  }, 120_000);

  it.runIf(hasRedis)("a poison point in a 1,000-point sweep on 2 workers is an error row with its reason; every other point ok, exactly once; the coordinator finishes", async () => {
    const env = { NODE_OPTIONS: `--import=${join(root, "test", "fixtures", "poison-point.mjs")}`, POISON_PARAM: "n", POISON_VALUE: "500", POISON_MODE: "heap" };
    const workerA = attnsim(["worker", url, "--workers", "1", "--worker-heap", "64", "--lock-seconds", "2"], env);
    const workerB = attnsim(["worker", url, "--workers", "1", "--worker-heap", "64", "--lock-seconds", "2"], env);
    const out = join(dir, "poison");
    const coordinator = attnsim(["sweep", faultSpec("redis-poison", 1000), "--backend", url, "--out", out, "--batch", "50"]);
    const said = stderrOf(coordinator);
    expect(await exited(coordinator), said.text).toBe(0);
    const rows = keysOf(lines(join(out, "results.jsonl")));
    expect(rows).toHaveLength(1000);
    expect(new Set(rows.map((r) => r.key)).size).toBe(1000);
    const bad = rows.filter((r) => r.status !== "ok");
    expect(bad).toHaveLength(1);
    expect(bad[0]!.params.n).toBe(500);
    expect(bad[0]!.status).toBe("error");
    expect(bad[0]!.reason).toMatch(/worker process died \(SIGABRT\).*heap out of memory/);
    for (const w of [workerA, workerB]) w.kill("SIGTERM");
    expect(await exited(workerA)).toBe(0);
    expect(await exited(workerB)).toBe(0);
  }, 180_000);

  it.runIf(hasRedis)("Redis restarted without its data mid-sweep: the coordinator registers again, re-queues what vanished, reports the outage once, and ends with every point exactly once", async () => {
    const port = await freePort();
    const own = `redis://127.0.0.1:${port}`;
    let server = await startRedis(port);
    try {
      const worker = attnsim(["worker", own, "--workers", "1", "--lock-seconds", "2"]);
      const workerSaid = stderrOf(worker);
      const out = join(dir, "restarted");
      const results = join(out, "results.jsonl");
      const coordinator = attnsim(["sweep", faultSpec("redis-restart", 600), "--backend", own, "--out", out, "--batch", "10", "--in-flight", "4"]);
      const said = stderrOf(coordinator);
      await until("the first results", () => lines(results).length >= 60, 120);
      server.kill("SIGKILL");
      await exited(server);
      await sleep(1500);
      server = await startRedis(port); // empty: no snapshot, no append-only file
      expect(await exited(coordinator), said.text).toBe(0);
      const rows = keysOf(lines(results));
      expect(rows).toHaveLength(600);
      expect(new Set(rows.map((r) => r.key)).size).toBe(600);
      expect(rows.every((r) => r.status === "ok")).toBe(true);
      expect(said.text).toMatch(/Redis lost the sweep's keys/);
      expect(said.text.match(/Redis unreachable/g)?.length ?? 0).toBeLessThanOrEqual(1);
      for (const text of [said.text, workerSaid.text]) expect(text).not.toMatch(/\n\s+at /);
      worker.kill("SIGTERM");
      expect(await exited(worker)).toBe(0);
      expect(workerSaid.text.match(/Redis unreachable/g)?.length ?? 0).toBeLessThanOrEqual(1);
    } finally {
      server.kill("SIGKILL");
    }
  }, 240_000);

  it.runIf(hasRedis)("a wrong password is named as such, and never printed", async () => {
    const port = await freePort();
    const server = await startRedis(port, ["--requirepass", "right-one"]);
    try {
      const r = spawnSync(process.execPath, [bin, "sweep", specFile, "--backend", `redis://:wrong-one@127.0.0.1:${port}`, "--out", join(dir, "wrongpass")], { cwd: root, encoding: "utf8", timeout: 30_000 });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/--backend: expected a reachable Redis server that accepts the password, found redis:\/\/127\.0\.0\.1:\d+: authentication failed/);
      expect(r.stderr).not.toContain("wrong-one");
    } finally {
      server.kill("SIGKILL");
    }
  }, 40_000);

  it("a malformed Redis URL is refused without printing its password", () => {
    const r = spawnSync(process.execPath, [bin, "sweep", specFile, "--backend", "redis://:pass word@host name:6379"], { cwd: root, encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--backend: expected redis:\/\/\[:PASSWORD@\]HOST:PORT/);
    expect(r.stderr).not.toContain("pass word");
  });

  it("an unreachable Redis is an input error naming the URL, not a hang", async () => {
    const port = await freePort();
    const r = spawnSync(process.execPath, [bin, "sweep", specFile, "--backend", `redis://:secret@127.0.0.1:${port}`, "--out", join(dir, "unreachable")], { cwd: root, encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`--backend: expected a reachable Redis server that accepts the password, found redis://127.0.0.1:${port}`);
    expect(r.stderr).not.toContain("secret");
  }, 40_000);

  it("a bad backend URL is refused with the flag named", () => {
    const r = spawnSync(process.execPath, [bin, "sweep", specFile, "--backend", "http://localhost:6379"], { cwd: root, encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--backend: expected a redis:\/\/ or rediss:\/\/ URL, found "http:\/\/localhost:6379"/);
  });
});
