/**
 * Sweep throughput (issue 16): a bert-base seq 128 grid on edge-npu (bench-spec.ts).
 *
 *   node dist/bench/sweep.js            (npm run bench) worker start-up; the README quickstart;
 *                                       10,000 points in this thread, on 1 and on 2 workers; then
 *                                       again in this thread and on 2 workers kept from an earlier sweep
 *   node dist/bench/sweep.js --100k     100,000 points, 1 and 2 workers interleaved (1, 2, 1, 2)
 *   node dist/bench/sweep.js --million  1,000,000 points on 2 workers: time and peak RSS
 *   --machine                            with --100k or --million: also the machine's own 2-process scaling
 *
 * Every line carries the machine's load (os.loadavg, 1 minute) at its start and end: the project's
 * machines have 2 cores shared with other work, and a ratio of wall times measured under load says
 * little on its own. CPU per point (this process plus its worker processes, which are counted when
 * they exit: /proc/self/stat cutime + cstime) is the figure that load changes least. Peak RSS is
 * the whole process tree's (this process and its worker processes), sampled every 100 ms.
 */
import { readFileSync, readdirSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { benchSpec } from "./bench-spec.js";
import { packageRoot } from "../common/package-root.js";
import { loadSweep } from "../sweeps/spec.js";
import { runSweep } from "../sweeps/runner.js";
import { WorkerPool } from "../sweeps/worker-pool.js";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux (sysconf(_SC_CLK_TCK)), the unit of /proc/*/stat times

/** The fields of /proc/PID/stat after the command name (proc(5)'s field n is at index n - 3). */
function statFields(pid: string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** CPU seconds of the worker processes this process has waited for (cutime + cstime). */
function exitedChildrenCpuSeconds(): number {
  try {
    const fields = statFields("self");
    return (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND; // fields 16 and 17 of proc(5)
  } catch {
    return NaN; // not Linux
  }
}

/** The PIDs of this process's children (its worker processes). */
function childPids(): string[] {
  const pids: string[] = [];
  try {
    for (const task of readdirSync("/proc/self/task")) pids.push(...readFileSync(`/proc/self/task/${task}/children`, "utf8").trim().split(/\s+/).filter(Boolean));
  } catch {
    // not Linux
  }
  return pids;
}

/**
 * CPU seconds of this process's children: those it has waited for (cutime + cstime) and those still
 * running (their utime + stime: a pool kept across sweeps outlives the sweep that is timed).
 */
function childrenCpuSeconds(): number {
  let seconds = exitedChildrenCpuSeconds();
  for (const pid of childPids()) {
    try {
      const fields = statFields(pid);
      seconds += (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // fields 14 and 15 of proc(5)
    } catch {
      // exited just now: counted by the next reading of cutime
    }
  }
  return seconds;
}

/** RSS of this process and its children, bytes. */
function treeRss(): number {
  let rss = process.memoryUsage.rss();
  for (const child of childPids()) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child}/status`, "utf8"));
      if (m) rss += Number(m[1]) * 1024;
    } catch {
      // a child that just exited
    }
  }
  return rss;
}

interface Run {
  wallSeconds: number;
  sweepSeconds: number;
  points: number;
  cpuMicrosPerPoint: number;
  /** This (the main) process's share of cpuMicrosPerPoint. */
  mainCpuMicrosPerPoint: number;
  peakRssMb: number;
  workers: number;
  load: string;
}

const load = () => loadavg()[0]!.toFixed(2);

/** Sweeps run with the runner's default batches (sized by time: sweeps/batch-size.ts) unless `batchSize` is given. */
async function timed(file: string, workers: number | undefined, options: { workerHeapMb?: number; batchSize?: number; pool?: WorkerPool } = {}): Promise<Run> {
  const out = mkdtempSync(join(tmpdir(), "attnsim-bench-out-"));
  const loadBefore = load();
  let peak = treeRss();
  const timer = setInterval(() => (peak = Math.max(peak, treeRss())), 100);
  const cpu0 = process.cpuUsage(), children0 = childrenCpuSeconds(), t0 = performance.now();
  const summary = await runSweep(loadSweep(file), { outDir: out, ...(workers !== undefined ? { workers } : {}), ...options });
  const wallSeconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, treeRss());
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6 + (childrenCpuSeconds() - children0);
  rmSync(out, { recursive: true, force: true });
  const points = summary.evaluatedThisRun!;
  return { wallSeconds, sweepSeconds: summary.wallSeconds!, points, cpuMicrosPerPoint: (cpuSeconds / points) * 1e6, mainCpuMicrosPerPoint: (cpu.user + cpu.system) / points, peakRssMb: peak / 2 ** 20, workers: summary.workers ?? 0, load: `${loadBefore}-${load()}` };
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US").padStart(7);
function line(label: string, r: Run, extra = ""): void {
  console.log(`${label.padEnd(22)} ${fmt(r.points / r.sweepSeconds)} points/s, ${r.sweepSeconds.toFixed(2).padStart(6)} s, CPU ${fmt(r.cpuMicrosPerPoint)} us/point (all processes; main ${fmt(r.mainCpuMicrosPerPoint).trim()}), peak RSS ${r.peakRssMb.toFixed(0)} MB (process tree), load ${r.load}${extra}`);
}

/**
 * What 2 processes at once give on this machine, whatever attnsim does: a fixed kernel run in one
 * process, then in two at once (V8 --single-threaded, as the workers run), throughput ratio. Two
 * kernels: arithmetic on locals (no memory traffic) and allocation of short-lived objects (what an
 * evaluation does: ~70-150 KB per point). On this project's 2 vCPUs (2026-12-01) the first gives
 * ~2.0x and the second ~1.4-1.6x: the 2-worker figures below cannot exceed the second by much.
 */
async function machineScaling(): Promise<void> {
  const { spawn } = await import("node:child_process");
  const kernels = {
    arithmetic: "let x = 0; for (let i = 0; i < 1e8; i++) x = (x * 1103515245 + 12345 + i) % 2147483647; if (x < 0) console.log(x);",
    allocation: "let s = 0; for (let r = 0; r < 20; r++) { const a = []; for (let i = 0; i < 200000; i++) a.push({ i, v: [i, i + 1], k: 'k' + (i % 100) }); s += a.length; } if (s < 0) console.log(s);",
  };
  const run = (code: string, n: number) => new Promise<number>((resolve, reject) => {
    const t0 = performance.now();
    let left = n;
    for (let k = 0; k < n; k++) {
      spawn(process.execPath, ["--single-threaded", "-e", code], { stdio: "ignore" }).on("exit", (c) => (c === 0 ? --left === 0 && resolve((performance.now() - t0) / 1000) : reject(new Error(`kernel exit ${c}`))));
    }
  });
  for (const [name, code] of Object.entries(kernels)) {
    const loadBefore = load();
    const one = await run(code, 1), two = await run(code, 2);
    console.log(`machine: ${name.padEnd(10)} kernel, 1 process ${one.toFixed(2)} s, 2 at once ${two.toFixed(2)} s: ${((2 * one) / two).toFixed(2)}x the throughput of one, load ${loadBefore}-${load()}`);
  }
}

const hundred = process.argv.includes("--100k");
const million = process.argv.includes("--million");

if (!hundred && !million || process.argv.includes("--machine")) {
  console.log("\nWhat two processes at once give on this machine (the ceiling of a 2-worker speed-up)");
  await machineScaling();
}

if (!hundred && !million) {
  console.log("\nSweep start-up and small sweeps (bert-base seq 128 on edge-npu; load = os.loadavg 1-minute, before-after)");
  // Worker start-up: a 1-point sweep on 1 and 2 worker processes against the same point in this
  // thread. The difference is what a pool costs before its first point (part of POOL_SWITCH_SECONDS
  // in sweeps/runner.ts; the rest is the workers' warm-up).
  const one = benchSpec("1");
  await timed(one, 0); // this thread's own first-point warm-up, not counted below
  const here = await timed(one, 0);
  for (const workers of [1, 2]) {
    const pool = await timed(one, workers);
    const workerCpu = (pool.cpuMicrosPerPoint - here.cpuMicrosPerPoint) / 1e6 / workers;
    console.log(`worker start-up, ${workers} process${workers > 1 ? "es" : "  "}: ${(pool.sweepSeconds - here.sweepSeconds).toFixed(2)} s wall, ${workerCpu.toFixed(2)} s CPU per process (a 1-point sweep: ${pool.sweepSeconds.toFixed(2)} s on workers, ${here.sweepSeconds.toFixed(2)} s in this thread), load ${pool.load}`);
  }
  const quickstart = await timed(join(packageRoot(), "examples", "sweeps", "systolic-sizing.yaml"), undefined);
  line("README quickstart", quickstart, ` (72 points, --workers unset: ran on ${quickstart.workers} workers; target < 1 s)`);
  console.log("\nSweep throughput (10,000-point bert-base seq 128 grid on edge-npu)");
  const file = benchSpec("10k");
  const inThread = await timed(file, 0);
  line("in this thread", inThread);
  const w1 = await timed(file, 1);
  line("1 worker", w1);
  const w2 = await timed(file, 2);
  line("2 workers", w2, `, speed-up ${(inThread.sweepSeconds / w2.sweepSeconds).toFixed(2)}x over this thread, ${(w1.sweepSeconds / w2.sweepSeconds).toFixed(2)}x over 1 worker`);
  // The same sweep on 2 worker processes kept from an earlier sweep (runSweep's pool option: a
  // script or service that runs sweep after sweep), against this thread, which has run it above.
  console.log("\nThe 10,000-point grid again: this thread, and 2 workers kept from an earlier sweep (their start-up and compilation paid there)");
  const pool = new WorkerPool({ processes: 2 });
  try {
    await timed(file, undefined, { pool }); // the pool's first sweep: start-up and V8's compilation
    for (let round = 1; round <= 2; round++) {
      const here = await timed(file, 0);
      line(`this thread (${round})`, here);
      const kept = await timed(file, undefined, { pool });
      line(`2 kept workers (${round})`, kept, `, speed-up ${(here.sweepSeconds / kept.sweepSeconds).toFixed(2)}x over this thread's run before it`);
    }
  } finally {
    await pool.destroy();
  }
}

if (hundred) {
  console.log("\n100,000-point bert-base seq 128 grid on edge-npu, 1 and 2 workers interleaved (batches sized by time), then 2 workers in fixed batches of 64 (the default before 2026-12-01's fifth pass)");
  const file = benchSpec("100k");
  const ones: Run[] = [], twos: Run[] = [];
  for (let round = 0; round < 2; round++) {
    ones.push(await timed(file, 1));
    line(`1 worker (round ${round + 1})`, ones[round]!);
    twos.push(await timed(file, 2));
    line(`2 workers (round ${round + 1})`, twos[round]!, `, ${(ones[round]!.sweepSeconds / twos[round]!.sweepSeconds).toFixed(2)}x the 1-worker run before it`);
  }
  const fixed = await timed(file, 2, { batchSize: 64 });
  line("2 workers, batches 64", fixed, `, ${(fixed.sweepSeconds / twos[1]!.sweepSeconds).toFixed(2)}x the time of round 2's`);
}

if (million) {
  console.log("\n1,000,000-point bert-base seq 128 grid on edge-npu, 2 workers (targets: < 60 s, peak RSS < 500 MB)");
  line("2 workers", await timed(benchSpec("1m"), 2));
}
