/** The sweep the fault tests poison: `points` matmul workloads (n = 1..points), cheap to evaluate, one parameter to poison. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export function faultSpec(dir: string, name: string, points: number): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `version: 1
name: ${name}
design: edge-npu
workloads: [{ operator: matmul, m: 64, n: 64, k: 64, precision: int8 }]
parameters:
  n: { path: workload.n, range: { from: 1, to: ${points}, step: 1 } }
objectives: [{ minimize: energyJ }]
`);
  return file;
}
