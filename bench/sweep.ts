/**
 * Sweep throughput (issue targets): points/s of a >= 10,000-point bert-base sweep with 1 and 2
 * workers (target speed-up >= 1.7x on 2 cores), and, with --million, the peak RSS of a
 * 1,000,000-point sweep (target < 500 MB). Run through `npm run bench` (10k points) or
 * `node dist/bench/sweep.js --million`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { benchSpec } from "./bench-spec.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSweep } from "../sweeps/spec.js";
import { runSweep } from "../sweeps/runner.js";

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
const file = benchSpec(million ? "1m" : "10k");
const one = await timed(file, 1);
console.log(`1 worker : ${Math.round(one.rate).toLocaleString("en-US").padStart(7)} points/s, peak RSS ${one.rssMb.toFixed(0)} MB`);
const two = await timed(file, 2);
console.log(`2 workers: ${Math.round(two.rate).toLocaleString("en-US").padStart(7)} points/s, peak RSS ${two.rssMb.toFixed(0)} MB, speed-up ${(two.rate / one.rate).toFixed(2)}x (target >= 1.7x)`);
if (million) {
  const capped = await timed(file, 2, 160);
  console.log(`2 workers, --worker-heap 160: ${Math.round(capped.rate).toLocaleString("en-US").padStart(7)} points/s, peak RSS ${capped.rssMb.toFixed(0)} MB (target < 500 MB)`);
}
