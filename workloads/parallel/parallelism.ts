/**
 * How a workload is split over devices (a system file's `parallelism:`, or the command line's
 * --parallel): data parallel replicas, tensor-parallel shards of each layer (Megatron-LM, Shoeybi
 * et al. 2019), pipeline stages (GPipe, Huang et al. 2019; the 1F1B schedule of PipeDream-Flush,
 * Narayanan et al. 2021), and expert-parallel groups for mixture-of-experts layers (GShard, Lepikhin
 * et al. 2021). data x tensor x pipeline devices; the expert groups are taken from the data-parallel
 * replicas (expert must divide data).
 */
export interface Parallelism {
  data: number;
  tensor: number;
  pipeline: number;
  expert: number;
}

export const PARALLEL_DEFAULTS: Parallelism = { data: 1, tensor: 1, pipeline: 1, expert: 1 };
export const PARALLEL_KEYS = ["data", "tensor", "pipeline", "expert"] as const;

export function deviceCount(p: Parallelism): number {
  return p.data * p.tensor * p.pipeline;
}
