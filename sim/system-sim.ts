/**
 * A whole system running a workload (hardware-models/system.ts; workloads/parallel/): the engine
 * runs one device of each pipeline stage (its compute and its collectives on one timeline), and
 * the stages are composed by the pipeline schedule.
 *
 *   one stage     a step takes the stage trace's latency (micro-batches accumulated in it)
 *   p stages      training, m micro-batches per step, 1F1B (PipeDream-Flush, Narayanan et al., SC
 *                 2021, sec. 2.2) or GPipe (Huang et al. 2019): every stage runs m forward-backward
 *                 slots; the pipeline fills and drains, so the step takes (m + p - 1) slots of the
 *                 slowest stage, t_slot = max_s t_s (its one-micro-batch forward, backward and
 *                 point-to-point transfers), then the tail of the slowest stage (gradient all-reduce
 *                 and optimizer after the flush):
 *
 *                   T = (m + p - 1) t_slot + max_s (t_last,s - t_s)
 *
 *                 The bubble is (p - 1) / (m + p - 1) of the pipeline's time (the paper's (p - 1) / m
 *                 of the ideal). In flight on stage s: min(m, p - s) micro-batches' activations
 *                 with 1F1B, all m with GPipe.
 *                 Inference: one batch passes the stages in turn: T = sum_s t_s.
 *
 * Energy: each device's own work (the engine's dynamic, leakage and static energy over its busy
 * time), its leakage and the design's static power while it idles in the step (bubbles, waiting
 * for the slowest stage), and the rest of each node (`nodeStaticPower`) for the whole step.
 */
import { InputError } from "../common/input-error.js";
import type { DeviceSystem } from "../hardware-models/system.js";
import { deviceCount, PARALLEL_KEYS, type Parallelism } from "../workloads/parallel/parallelism.js";
import { partitionWorkload, type ParallelWorkload } from "../workloads/parallel/partition.js";
import type { WorkloadSpec } from "../workloads/workload-spec.js";
import { storedActivations } from "../workloads/training/training-trace.js";
import { simulate, workloadName } from "./engine.js";
import { engineTrace } from "./attention-fusion.js";
import type { Infeasible, Result } from "./result.js";

export const SCHEDULES = ["1f1b", "gpipe"] as const;
export type Schedule = (typeof SCHEDULES)[number];

export interface StageResult {
  stage: number;
  layers: [number, number];
  /** Devices running this stage (data x tensor ranks). */
  devices: number;
  /** One device's whole step trace (with the micro-batches, the gradient all-reduce and the optimizer when one stage). */
  step: Result;
  /** Several stages: one micro-batch's forward and backward (a pipeline slot). */
  microBatch?: Result;
  /** Time this device works in a step, and idles. */
  busySeconds: number;
  idleSeconds: number;
  /** Per device: dynamic + leakage + static energy of its work, and idle energy. */
  workEnergyJ: number;
  idleEnergyJ: number;
  /** Per device, with every micro-batch in flight the schedule keeps. */
  peakMemoryBytes: number;
  inFlightMicroBatches: number;
}

export interface SystemResult {
  system: string;
  workload: string;
  parallelism: Parallelism;
  schedule: Schedule;
  devices: number;
  nodes: number;
  training: boolean;
  microBatches: number;
  sequencesPerStep: number;
  tokensPerStep: number;
  stepSeconds: number;
  /** Fraction of the pipeline's time a stage idles in fill and drain (0 with one stage). */
  bubbleFraction: number;
  energyJ: number;
  energyBreakdownJ: { work: number; idle: number; nodeStatic: number };
  averagePowerW: number;
  tokensPerSecond: number;
  energyPerTokenJ: number;
  /** Largest over the stages, per device; and one device's outermost memory. */
  peakMemoryBytes: number;
  memoryCapacityBytes: number;
  stages: StageResult[];
}

export type SystemOutcome = { ok: true; result: SystemResult } | { ok: false; infeasible: Infeasible };

export interface SystemOptions {
  parallelism?: Partial<Parallelism>;
  schedule?: Schedule;
}

export function simulateSystem(system: DeviceSystem, spec: WorkloadSpec, options: SystemOptions = {}, where = "<workload>"): SystemOutcome {
  const p: Parallelism = { ...system.parallelism, ...options.parallelism };
  const schedule = options.schedule ?? "1f1b";
  const devices = deviceCount(p);
  const available = system.devicesPerNode * system.nodes;
  if (devices > available) {
    throw new InputError(where, { path: "/parallelism", expected: `at most ${available} devices (${system.nodes} node(s) of ${system.devicesPerNode})`, found: `${PARALLEL_KEYS.map((k) => `${k} ${p[k]}`).join(" x ")} = ${devices} devices` });
  }
  const work = partitionWorkload(spec, p, { devicesPerNode: system.devicesPerNode, hostLink: system.hostLink }, where);
  const design = system.device;
  const reasons: Infeasible["reasons"] = [];
  const run = (trace: ParallelWorkload["stages"][number]["trace"]): Result | undefined => {
    const outcome = simulate(design, trace, { perOp: false });
    if (outcome.ok) return outcome.result;
    reasons.push(...outcome.infeasible.reasons);
    return undefined;
  };
  const results = work.stages.map((s) => ({ s, step: run(s.trace), micro: s.microBatch ? run(s.microBatch) : undefined }));
  const name = workloadName(work.stages[0]!.trace);
  if (reasons.length > 0) return { ok: false, infeasible: { design: system.name, workload: name, reasons } };

  const P = p.pipeline, m = work.microBatches;
  const pipelined = work.training && P > 1;
  let stepSeconds: number, bubbleFraction = 0;
  if (pipelined) {
    const slot = Math.max(...results.map((r) => r.micro!.latencySeconds));
    const tail = Math.max(...results.map((r) => r.step!.latencySeconds - r.micro!.latencySeconds));
    stepSeconds = (m + P - 1) * slot + tail;
    bubbleFraction = (P - 1) / (m + P - 1);
  } else if (P > 1) {
    stepSeconds = results.reduce((t, r) => t + r.step!.latencySeconds, 0);
  } else {
    stepSeconds = results[0]!.step!.latencySeconds;
  }
  const capacity = design.memory[0]!.capacityBytes;
  const perStage = p.data * p.tensor;
  const stages: StageResult[] = results.map(({ s, step, micro }) => {
    const r = step!;
    const busySeconds = pipelined ? (m - 1) * micro!.latencySeconds + r.latencySeconds : r.latencySeconds;
    const workEnergyJ = pipelined ? (m - 1) * micro!.energyJ + r.energyJ : r.energyJ;
    const idleSeconds = Math.max(0, stepSeconds - busySeconds);
    const idleEnergyJ = idleSeconds * (r.leakagePowerW + design.system.staticPowerW);
    const inFlight = pipelined ? (schedule === "gpipe" ? m : Math.min(m, P - s.stage)) : 1;
    const stored = pipelined ? storedActivations(engineTrace(s.microBatch!, design)).bytes : 0;
    const peakMemoryBytes = r.peakMemoryBytes + (inFlight - 1) * stored;
    if (peakMemoryBytes > capacity) {
      reasons.push({
        class: "capacity", level: design.memory[0]!.name, neededBytes: peakMemoryBytes, capacityBytes: capacity,
        reason: `stage ${s.stage} needs ${(peakMemoryBytes / 1e9).toFixed(1)} GB per device with ${inFlight} micro-batches in flight; ${design.memory[0]!.name} holds ${(capacity / 1e9).toFixed(1)} GB`,
      });
    }
    return {
      stage: s.stage, layers: s.layers, devices: perStage, step: r, ...(micro ? { microBatch: micro } : {}),
      busySeconds, idleSeconds, workEnergyJ, idleEnergyJ, peakMemoryBytes, inFlightMicroBatches: inFlight,
    };
  });
  if (reasons.length > 0) return { ok: false, infeasible: { design: system.name, workload: name, reasons } };
  const nodes = Math.ceil(devices / system.devicesPerNode);
  const work_ = stages.reduce((e, s) => e + s.devices * s.workEnergyJ, 0);
  const idle = stages.reduce((e, s) => e + s.devices * s.idleEnergyJ, 0);
  const nodeStatic = nodes * system.nodeStaticPowerW * stepSeconds;
  const energyJ = work_ + idle + nodeStatic;
  return {
    ok: true,
    result: {
      system: system.name, workload: name, parallelism: p, schedule, devices, nodes, training: work.training, microBatches: m,
      sequencesPerStep: work.sequencesPerStep, tokensPerStep: work.tokensPerStep, stepSeconds, bubbleFraction, energyJ,
      energyBreakdownJ: { work: work_, idle, nodeStatic },
      averagePowerW: energyJ / stepSeconds, tokensPerSecond: work.tokensPerStep / stepSeconds, energyPerTokenJ: energyJ / work.tokensPerStep,
      peakMemoryBytes: Math.max(...stages.map((s) => s.peakMemoryBytes)), memoryCapacityBytes: capacity,
      stages,
    },
  };
}
