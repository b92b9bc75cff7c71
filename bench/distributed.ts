/**
 * Distributed sweep throughput (issue 9): points/s of a 10,000-point bert-base sweep through a local
 * redis-server with 1, 2 and 4 `attnsim worker` processes of one thread each, against the same sweep
 * in-process with 1 local worker thread; then 100,000 points in batches sized by time against
 * batches of 64 (issue 16). On one machine the workers share its cores (this one has 2), so the
 * figures say what the queue costs, not how a cluster scales. Needs redis-server on PATH.
 * Run: `npm run build && node dist/bench/distributed.js`. Each line carries the machine's load
 * (os.loadavg, 1 minute, before-after): on a shared machine a figure taken under load says little
 * on its own.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { benchSpec } from "./bench-spec.js";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { packageRoot } from "../common/package-root.js";
import { loadSweep } from "../sweeps/spec.js";
import { runSweep } from "../sweeps/runner.js";
import { redisBackend } from "../sweeps/distributed.js";

const file = benchSpec("10k", "bench-distributed");
const dir = dirname(file);

if (spawnSync("redis-server", ["--version"]).status !== 0) {
  console.log("\nDistributed sweep throughput: skipped (redis-server not on PATH; apt-get install redis-server)");
  process.exit(0);
}
const port = await new Promise<number>((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const p = (s.address() as { port: number }).port;
    s.close(() => resolve(p));
  });
});
const redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
const url = `redis://127.0.0.1:${port}`;
await new Promise((r) => setTimeout(r, 500));
const bin = join(packageRoot(), "bin", "attnsim.js");
const spec = loadSweep(file);

const load = () => loadavg()[0]!.toFixed(2);

async function run(workers: number): Promise<number> {
  const procs: ChildProcess[] = Array.from({ length: workers }, () => spawn(process.execPath, [bin, "worker", url, "--workers", "1"], { stdio: "ignore" }));
  await new Promise((r) => setTimeout(r, 1500)); // workers load the models before the clock starts
  const out = mkdtempSync(join(tmpdir(), "attnsim-bench-dist-out-"));
  const backend = await redisBackend(url, spec, { maxInFlight: 64 });
  const summary = await runSweep(spec, { outDir: out, batchSize: 64, backend });
  for (const p of procs) p.kill("SIGTERM");
  rmSync(out, { recursive: true, force: true });
  return summary.pointsPerSecond!;
}

/**
 * 100,000 points on one `attnsim worker --workers 2`, in batches sized by time (the default) and in
 * fixed batches of 64, alternating, the worker warmed by a first sweep: each batch is a job with its
 * Redis round trips, which larger batches pay less often.
 */
async function batching(): Promise<void> {
  const big = loadSweep(benchSpec("100k", "bench-distributed-100k"));
  const worker = spawn(process.execPath, [bin, "worker", url, "--workers", "2"], { stdio: "ignore" });
  try {
    await new Promise((r) => setTimeout(r, 1500));
    const sweep = async (batchSize: number | undefined) => {
      const out = mkdtempSync(join(tmpdir(), "attnsim-bench-dist-out-"));
      const backend = await redisBackend(url, big, { maxInFlight: 64 });
      let jobs = 0;
      const evaluate = backend.evaluate.bind(backend);
      backend.evaluate = (points, wantRows) => (jobs++, evaluate(points, wantRows));
      const before = load();
      const summary = await runSweep(big, { outDir: out, ...(batchSize ? { batchSize } : {}), backend });
      rmSync(out, { recursive: true, force: true });
      return { seconds: summary.wallSeconds!, jobs, load: `${before}-${load()}` };
    };
    await sweep(undefined); // the worker's processes start and compile
    for (let round = 1; round <= 2; round++) {
      for (const batchSize of [undefined, 64]) {
        const r = await sweep(batchSize);
        console.log(`100,000 points, ${batchSize ? "batches of 64      " : "batches sized by time"} (round ${round}): ${r.seconds.toFixed(2).padStart(6)} s, ${r.jobs} jobs, load ${r.load}`);
      }
    }
  } finally {
    worker.kill("SIGTERM");
  }
}

try {
  console.log("\nDistributed sweep throughput (10,000-point bert-base seq 128 grid on edge-npu, batches of 64, local redis-server)");
  let before = load();
  const local = await runSweep(spec, { outDir: join(dir, "local"), workers: 1, batchSize: 64 });
  console.log(`in-process, 1 worker process: ${Math.round(local.pointsPerSecond!).toLocaleString("en-US").padStart(6)} points/s, load ${before}-${load()}`);
  for (const n of [1, 2, 4]) {
    before = load();
    const rate = await run(n);
    console.log(`${n} worker process${n > 1 ? "es" : "  "} x 1 thread : ${Math.round(rate).toLocaleString("en-US").padStart(6)} points/s, load ${before}-${load()}`);
  }
  console.log("\nDistributed batches: one attnsim worker with 2 processes, local redis-server");
  await batching();
} finally {
  redis.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
