/**
 * What a training step's Result means in training terms: time and energy by pass (forward,
 * backward, recompute, optimizer; collectives as their own line), and memory by what it holds.
 *
 *   weights, gradients, optimizer states   the resident tensors by role (the ZeRO paper's model
 *                                          states: 2 + 2 + 12 bytes per parameter with mixed-
 *                                          precision Adam)
 *   stored activations                     what the forward keeps for the backward
 *                                          (workloads/training/training-trace.ts storedActivations)
 *   workspace                              the rest of the peak: the working set of the op at the
 *                                          peak, gradients in flight
 * Time by pass sums each op's standalone latency (the timeline overlaps them: the step is shorter).
 */
import { bytesFor } from "../workloads/precision.js";
import { elementsOf } from "../workloads/training/autodiff.js";
import { storedActivations } from "../workloads/training/training-trace.js";
import { PASSES, type Pass, type Trace } from "../workloads/trace.js";
import type { Result } from "./result.js";
import type { Design } from "../hardware-models/design.js";
import { engineTrace } from "./attention-fusion.js";

export interface TrainingSummary {
  byPass: Record<Pass | "communication", { latencySeconds: number; energyJ: number; macs: number }>;
  memory: { weightBytes: number; gradientBytes: number; optimizerStateBytes: number; storedActivationBytes: number; workspaceBytes: number; peakBytes: number };
}

export function trainingSummary(given: Trace, design: Design, result: Result): TrainingSummary {
  const trace = engineTrace(given, design);
  const byPass = Object.fromEntries([...PASSES, "communication"].map((p) => [p, { latencySeconds: 0, energyJ: 0, macs: 0 }])) as TrainingSummary["byPass"];
  const ops = new Map(trace.ops.map((o) => [o.id, o]));
  for (const r of result.ops) {
    const op = ops.get(r.id);
    const pass = op?.kind === "collective" ? "communication" : (op?.pass ?? "forward");
    const entry = byPass[pass];
    entry.latencySeconds += r.latencySeconds;
    entry.energyJ += r.energyPj * 1e-12;
    entry.macs += r.macs;
  }
  const role = (r: string) => trace.tensors.filter((t) => t.role === r && !t.onChip).reduce((s, t) => s + bytesFor(elementsOf(t), t.precision), 0);
  const weightBytes = role("weight") + role("index"), gradientBytes = role("gradient"), optimizerStateBytes = role("optimizer-state");
  const storedActivationBytes = storedActivations(trace).bytes;
  const peakBytes = result.peakMemoryBytes;
  return {
    byPass,
    memory: { weightBytes, gradientBytes, optimizerStateBytes, storedActivationBytes, workspaceBytes: Math.max(0, peakBytes - weightBytes - gradientBytes - optimizerStateBytes - storedActivationBytes), peakBytes },
  };
}
