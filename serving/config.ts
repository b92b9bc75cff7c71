/**
 * A serving run, resolved: every quantity a plain number in the unit its name says. Built from a
 * serving file by serving/spec.ts, or directly by library users. docs/serving.md describes each
 * setting and where its default comes from.
 */
import type { Design } from "../hardware-models/design.js";
import type { WorkloadSpec } from "../workloads/workload-spec.js";
import type { CostModelOptions } from "./iteration-cost.js";
import type { Request } from "./requests.js";

/** A design and the document it was resolved from (DVFS re-resolves it at other operating points). */
export interface DesignSource {
  design: Design;
  doc: unknown;
  file: string;
}

export type SchedulerKind = "static" | "continuous" | "chunked";

export interface SchedulerConfig {
  /**
   * static: request-level batches (a batch runs to its last token before the next one forms);
   * continuous: iteration-level (Orca): every iteration runs the running decodes plus whole prompts
   * admitted now; chunked: Sarathi-Serve's stall-free batching, decodes first and prompt chunks
   * filling a token budget.
   */
  kind: SchedulerKind;
  /** Sequences per iteration (vLLM max_num_seqs). */
  maxBatch: number;
  /** Tokens per iteration (vLLM max_num_batched_tokens); a prompt longer than this runs as its iteration's only prefill. */
  maxBatchTokens: number;
  /** Chunked: the token budget of an iteration. */
  chunkTokens: number;
  /** fcfs: by arrival; priority: by (priority, arrival), and preemption takes the lowest priority first. */
  order: "fcfs" | "priority";
  /** Static: the longest a request waits for its batch to fill. */
  batchTimeoutSeconds: number;
  /** Latency-aware batching: admit prompts only while the iteration's predicted latency stays below this. */
  maxIterationLatencySeconds?: number;
}

export interface KvCacheConfig {
  /** Tokens per block (vLLM's default 16). */
  blockTokens: number;
  /** KV-cache bytes per device; default: memoryFraction x the outermost writable level, less the weights if they live there. */
  capacityBytes?: number;
  memoryFraction: number;
  /** When a running sequence needs a block and none is free: recompute (free and prefill again) or swap to host memory. */
  preemption: "recompute" | "swap";
  /** Swap: the host link (no default: give the link's bandwidth and energy) and the host space (vLLM's default 4 GiB). */
  swap?: LinkConfig & { capacityBytes: number };
}

export interface LinkConfig {
  bandwidthBytesPerSecond: number;
  latencySeconds: number;
  energyPjPerByte: number;
}

export interface PoolConfig {
  /** mixed: prefill and decode on one device; prefill/decode: a disaggregated pool (DistServe, Splitwise). */
  role: "mixed" | "prefill" | "decode";
  device: DesignSource;
  replicas: number;
}

export type PowerPolicy = "fixed" | "race-to-idle" | "slo-dvfs";

export interface PowerConfig {
  /**
   * fixed: the design's operating point; race-to-idle: the fastest operating point; slo-dvfs: per
   * iteration, the least-energy operating point whose latency fits the batch's slack to its SLOs.
   */
  policy: PowerPolicy;
  /** Operating-point voltages (f from the delay fit); default the design's technology.dvfs table. */
  voltagesV?: number[];
  /** Power between iterations; default idlePowerW(design). */
  idlePowerW?: number;
}

export interface SloConfig {
  ttftSeconds?: number;
  tpotSeconds?: number;
  e2eSeconds?: number;
}

export interface GridCarbonConfig {
  /** g CO2e per kWh, one value per hour, for the region the devices run in. */
  hourlyGPerKWh: number[];
  region: string;
  /** Hour of the series at which the run starts. */
  startHour: number;
  pue: number;
  /** Embodied carbon of the modelled silicon (ACT), amortised over the lifetime: fab intensity and abatement. */
  fabIntensityGPerKWh: number;
  abatement: 95 | 97 | 99;
  lifetimeSeconds: number;
  /** Carbon-aware admission: deferrable requests start in the least-carbon hour of their window. */
  deferAdmission: boolean;
}

export interface ServingConfig {
  name: string;
  /** The served model: a decoder preset and its variants (no per-inference shape). */
  model: WorkloadSpec;
  requests: Request[];
  pools: PoolConfig[];
  /** Disaggregated pools: the link the KV cache crosses from a prefill to a decode device. */
  link?: LinkConfig;
  router: "round-robin" | "least-loaded" | "random";
  seed: number;
  scheduler: SchedulerConfig;
  kvCache: KvCacheConfig;
  power: PowerConfig;
  slo: SloConfig;
  carbon?: GridCarbonConfig;
  costModel: CostModelOptions;
  /** Points of the time series (queue length, power over time). */
  timeBins: number;
}

export const DEFAULT_SCHEDULER: SchedulerConfig = {
  kind: "continuous", maxBatch: 64, maxBatchTokens: 4096, chunkTokens: 512, order: "fcfs", batchTimeoutSeconds: 0.1,
};

/** vLLM's defaults: block_size 16, gpu_memory_utilization 0.9, swap_space 4 GiB (vllm/config.py, v0.4). */
export const DEFAULT_KV_CACHE: KvCacheConfig = { blockTokens: 16, memoryFraction: 0.9, preemption: "recompute" };
export const DEFAULT_SWAP_SPACE_BYTES = 4 * 2 ** 30;
