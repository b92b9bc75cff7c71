/**
 * attnsim's library API: build or load a workload trace, load a design, simulate, read the Result.
 *
 *   import { loadDesign, buildPresetTrace, simulate } from "attnsim";
 *   const outcome = simulate(loadDesign("edge-npu"), buildPresetTrace("bert-base", { seqLen: 128 }));
 *   if (outcome.ok) console.log(outcome.result.energyJ, outcome.result.latencySeconds);
 *
 * Training and many devices (docs/training.md, docs/multi-device.md):
 *
 *   const step = buildPresetTrace("bert-base", { phase: "train", seqLen: 128, batch: 32, precision: "fp16" });
 *   const system = loadSystemFile("examples/systems/dgx-a100-like.yaml");
 *   const run = simulateSystem(system, { model: "gpt2-small", seq: 1024, batch: 8, phase: "train" });
 *
 * Co-design (docs/co-design.md): a model from its config.json, energy intervals from the tables' confidence:
 *
 *   const mistral = readModelConfig(JSON.parse(readFileSync("mistral-7b.json", "utf8")), { file: "mistral-7b.json", path: "" });
 *   const trace = buildPresetTrace(mistral.name, { definition: mistral, seqLen: 8192, shape: { layers: 2 } });
 *   const out = simulate(loadDesign("edge-npu"), trace);
 *   if (out.ok) energyUncertainty(loadDesign("edge-npu"), out.result, { samples: 1000, seed: 1 }).metrics.energyJ;
 *
 * Sweeps (docs/sweeps.md), here on worker processes kept across sweeps, which start and compile once:
 *
 *   const pool = new WorkerPool({ processes: 2 });
 *   try {
 *     for (const file of ["a.yaml", "b.yaml"]) await runSweep(loadSweep(file), { outDir: `out/${file}`, pool });
 *   } finally {
 *     await pool.destroy();
 *   }
 */
export { InputError, type InputProblem } from "./common/input-error.js";
export type { Precision } from "./workloads/precision.js";
export { PRECISIONS } from "./workloads/precision.js";
export type { Trace, Op, MatmulOp, SoftmaxOp, LayerNormOp, ElementwiseOp, CollectiveOp, TensorSpec, ModelShape } from "./workloads/trace.js";
export { MODEL_PRESETS, MODEL_PRESET_NAMES } from "./workloads/model-presets.js";
export { buildPresetTrace, buildTransformerTrace, presetShape, resolveModel, type BuildOptions } from "./workloads/transformer-builder.js";
export { readModelConfig, parameterCount, CONFIG_MODEL_TYPES, type ModelDefinition } from "./workloads/model-config.js";
export { energyUncertainty, energyGroups, RANGE_FACTORS, type EnergyGroup, type Interval } from "./sim/energy-uncertainty.js";
export { sobolIndices, type SobolIndices } from "./sweeps/sobol.js";
export { hypervolume2d, kneeIndex } from "./sweeps/front-measures.js";
export { loadSweep, type ResolvedSweep } from "./sweeps/spec.js";
export { runSweep, mergeSweeps, type SweepOptions, type Progress } from "./sweeps/runner.js";
export { WorkerPool, type WorkerPoolOptions } from "./sweeps/worker-pool.js";
export type { SweepSummary } from "./sweeps/aggregate.js";
export type { Row } from "./sweeps/evaluate-point.js";
export { loadTrace, parseTrace, traceSchema } from "./workloads/trace-io.js";
export { parseTopology, loadTopology, topologyTrace } from "./workloads/scalesim-topology.js";
export { convDims, convGemm, convMacs, convOperandElements, convInputFootprintElements, convOp, convLayerTrace, type ConvShape } from "./workloads/conv.js";
export type { Design } from "./hardware-models/design.js";
export { loadDesign, resolveDesign, designPresetNames } from "./hardware-models/design-loader.js";
export { designSchema } from "./hardware-models/design-schema.js";
export { parseScalesimConfig, loadScalesimConfig, scalesimDesign } from "./hardware-models/scalesim-config.js";
export { UNIT_MODELS, UNIT_KINDS, type UnitKind, type UnitSpec, type UnitConfig } from "./hardware-models/unit-registry.js";
export type { UnitModel, UnitCost, OpContext, Feasibility, ActionPrice, ActionTable } from "./hardware-models/unit-model.js";
export { INFEASIBLE_CLASSES, type InfeasibleClass, type Infeasible as InfeasibleReason } from "./hardware-models/infeasibility.js";
export { simulate, type SimulateOptions } from "./sim/engine.js";
export type { Result, OpResult, SimOutcome, Infeasible } from "./sim/result.js";
export { InfeasibleError, ScheduleError, type ScheduleProblem } from "./sim/errors.js";
export { clearMemos, memoStats } from "./common/memo.js";
export { storedActivations } from "./workloads/training/training-trace.js";
export { partitionWorkload, type ParallelWorkload } from "./workloads/parallel/partition.js";
export type { Parallelism } from "./workloads/parallel/parallelism.js";
export type { WorkloadSpec, ShapeOverrides } from "./workloads/workload-spec.js";
export { loadSystemFile, resolveSystemFile, singleDeviceSystem, type DeviceSystem } from "./hardware-models/system.js";
export { collectiveTime } from "./hardware-models/units/collective-cost.js";
export { simulateSystem, type SystemResult, type SystemOutcome } from "./sim/system-sim.js";
export { trainingSummary, type TrainingSummary } from "./sim/training-summary.js";
export { trainingRun, type TrainingRun, type RunSize } from "./sim/training-run.js";
export { buildIterationTrace, type IterationSequence } from "./workloads/serving-iteration.js";
export { runServingFile, servingMetrics, SERVING_METRICS, type ServeReport } from "./serving/serve.js";
export { loadServingFile, servingSchema } from "./serving/spec.js";
export { simulateServing, type ServingResult, type ServingSummary, type RequestRecord } from "./serving/simulator.js";
export { simulateRealtime, type RealtimeConfig, type RealtimeResult } from "./serving/realtime.js";
export { IterationCostModel, type IterationCost, type CostModelOptions } from "./serving/iteration-cost.js";
export { generateRequests, parseRequestCsv, type Request } from "./serving/requests.js";
export type { ServingConfig } from "./serving/config.js";
