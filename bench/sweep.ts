/**
 * Sweep throughput (issue targets): points/s of a >= 10,000-point bert-base sweep with 1 and 2
 * workers (target speed-up >= 1.7x on 2 cores), and, with --million, the peak RSS of a
 * 1,000,000-point sweep (target < 500 MB). Run through `npm run bench` (10k points) or
 * `node dist/bench/sweep.js --million`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSweep } from "../sweeps/spec.js";
import { runSweep } from "../sweeps/runner.js";

function spec(points: "10k" | "1m"): string {
  const dir = mkdtempSync(join(tmpdir(), "attnsim-bench-"));
  const file = join(dir, "sweep.yaml");
  // 10k: 10 x 10 x 10 x 10 design points; 1m: 100 x 100 x 10 x 10, all on one workload.
  const big = points === "1m";
  writeFileSync(file, `version: 1
name: bench-${points}
design: edge-npu
workloads:
  - { model: bert-base, seq: 128 }
parameters:
  rows: { path: design.units.npu.rows, range: { from: 4, to: ${big ? 400 : 40}, step: 4 } }
  cols: { path: design.units.npu.cols, range: { from: 4, to: ${big ? 400 : 40}, step: 4 } }
  bw: { path: design.memory.0.bandwidth, range: { from: "2 GB/s", to: "20 GB/s", step: 2 } }
  kib: { range: { from: 8, to: 80, step: 8 } }
  ifmap: { path: design.units.npu.buffers.ifmap, expr: "kib KiB" }
objectives: [{ minimize: energyJ }, { minimize: latencySeconds }]
sampler: { kind: grid }
`);
  return file;
}

async function timed(file: string, workers: number, workerHeapMb?: number): Promise<{ rate: number; rssMb: number }> {
  const out = mkdtempSync(join(tmpdir(), "attnsim-bench-out-"));
  let peakRss = 0;
  const timer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
  const summary = await runSweep(loadSweep(file), { outDir: out, workers, batchSize: 256, ...(workerHeapMb !== undefined ? { workerHeapMb } : {}) });
  clearInterval(timer);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  rmSync(out, { recursive: true, force: true });
  return { rate: summary.pointsPerSecond!, rssMb: peakRss / 2 ** 20 };
}

const million = process.argv.includes("--million");
console.log(`\nSweep throughput (${million ? "1,000,000" : "10,000"}-point bert-base seq 128 grid on edge-npu; RSS of the whole process, main thread and workers)`);
const file = spec(million ? "1m" : "10k");
const one = await timed(file, 1);
console.log(`1 worker : ${Math.round(one.rate).toLocaleString("en-US").padStart(7)} points/s, peak RSS ${one.rssMb.toFixed(0)} MB`);
const two = await timed(file, 2);
console.log(`2 workers: ${Math.round(two.rate).toLocaleString("en-US").padStart(7)} points/s, peak RSS ${two.rssMb.toFixed(0)} MB, speed-up ${(two.rate / one.rate).toFixed(2)}x (target >= 1.7x)`);
if (million) {
  const capped = await timed(file, 2, 160);
  console.log(`2 workers, --worker-heap 160: ${Math.round(capped.rate).toLocaleString("en-US").padStart(7)} points/s, peak RSS ${capped.rssMb.toFixed(0)} MB (target < 500 MB)`);
}
