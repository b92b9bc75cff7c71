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
import { loadSweep } from "../sweeps/spec.js";
import { runSweep } from "../sweeps/runner.js";
import { missingMessage, systemTool } from "./support/system-tools.js";
import { freePort, startRedis } from "./support/local-redis.js";

const root = packageRoot();
const bin = join(root, "bin", "attnsim.js");
const specFile = join(root, "test", "fixtures", "distributed-sweep.yaml");
const dir = mkdtempSync(join(tmpdir(), "attnsim-distributed-"));
const POINTS = 3840;

const REDIS = systemTool("redis-server");
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

function attnsim(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", (code) => resolve(code))));
}

let localRows: string[] = [];

beforeAll(async () => {
  if (!REDIS.run) return;
  if (!REDIS.path) throw new Error(missingMessage("redis-server"));
  const server = await startRedis(REDIS.path);
  redis = server.process;
  url = server.url;
  // The reference: the same spec in this process, no workers.
  await runSweep(loadSweep(specFile), { outDir: join(dir, "local"), workers: 0, batchSize: 16 });
  localRows = lines(join(dir, "local", "results.jsonl")).sort();
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  redis?.kill("SIGTERM");
});

describe.runIf(REDIS.run)("distributed sweeps (BullMQ on a real redis-server)", () => {
  it("a worker killed with SIGKILL mid-run loses nothing: every point exactly once, the same rows as a local run", async () => {
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

  it("a coordinator killed mid-run continues with --resume: every point exactly once", async () => {
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
});

describe("distributed sweeps: connection errors (no Redis needed)", () => {
  it("an unreachable Redis is an input error naming the URL, not a hang", async () => {
    const port = await freePort();
    const r = spawnSync(process.execPath, [bin, "sweep", specFile, "--backend", `redis://:secret@127.0.0.1:${port}`, "--out", join(dir, "unreachable")], { cwd: root, encoding: "utf8", timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`--backend: expected a reachable Redis server, found redis://127.0.0.1:${port}`);
    expect(r.stderr).not.toContain("secret");
  }, 40_000);

  it("a bad backend URL is refused with the flag named", () => {
    const r = spawnSync(process.execPath, [bin, "sweep", specFile, "--backend", "http://localhost:6379"], { cwd: root, encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--backend: expected a redis:\/\/ or rediss:\/\/ URL, found "http:\/\/localhost:6379"/);
  });
});
