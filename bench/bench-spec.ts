/** The sweep the benchmarks time: a bert-base seq 128 grid on edge-npu, 10,000 (or 1,000,000) points. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Writes the spec to a temporary folder and returns its path. */
export function benchSpec(points: "10k" | "1m", name = `bench-${points}`): string {
  const dir = mkdtempSync(join(tmpdir(), "attnsim-bench-"));
  const file = join(dir, "sweep.yaml");
  // 10k: 10 x 10 x 10 x 10 design points; 1m: 100 x 100 x 10 x 10, all on one workload.
  const big = points === "1m";
  writeFileSync(file, `version: 1
name: ${name}
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
