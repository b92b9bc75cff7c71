/** The sweep the benchmarks time: a bert-base seq 128 grid on edge-npu, 1, 10,000, 100,000 or 1,000,000 points. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Values of rows, cols, bw and kib (each range from its first value in its step). */
const SIZES = { "1": [1, 1, 1, 1], "10k": [10, 10, 10, 10], "100k": [100, 10, 10, 10], "1m": [100, 100, 10, 10] } as const;

/** Writes the spec to a temporary folder and returns its path. */
export function benchSpec(points: keyof typeof SIZES, name = `bench-${points}`): string {
  const dir = mkdtempSync(join(tmpdir(), "attnsim-bench-"));
  const file = join(dir, "sweep.yaml");
  // All on one workload; the last parameter varies fastest (grid order).
  const [rows, cols, bw, kib] = SIZES[points];
  writeFileSync(file, `version: 1
name: ${name}
design: edge-npu
workloads:
  - { model: bert-base, seq: 128 }
parameters:
  rows: { path: design.units.npu.rows, range: { from: 4, to: ${4 * rows}, step: 4 } }
  cols: { path: design.units.npu.cols, range: { from: 4, to: ${4 * cols}, step: 4 } }
  bw: { path: design.memory.0.bandwidth, range: { from: "2 GB/s", to: "${2 * bw} GB/s", step: 2 } }
  kib: { range: { from: 8, to: ${8 * kib}, step: 8 } }
  ifmap: { path: design.units.npu.buffers.ifmap, expr: "kib KiB" }
objectives: [{ minimize: energyJ }, { minimize: latencySeconds }]
sampler: { kind: grid }
`);
  return file;
}
