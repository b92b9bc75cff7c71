/**
 * Collective communication as a trace op: what one device does in an all-reduce, all-gather,
 * reduce-scatter, all-to-all, broadcast or point-to-point transfer among `group` devices. The op is
 * costed by the unit the design maps collectives to (a `link` unit, hardware-models/units/link.ts),
 * on the same timeline as compute, so communication overlaps with compute on other units.
 *
 * `bytes` follows nccl-tests' convention (NVIDIA/nccl-tests doc/PERFORMANCE.md), the size of the
 * whole buffer, not a device's piece of it:
 *   all-reduce      each device holds and receives S bytes (reduced)
 *   reduce-scatter  each device holds S, receives its reduced S / p share
 *   all-gather      each device holds S / p, receives all S
 *   all-to-all      each device holds S and sends S / p to every other device
 *   broadcast       the root's S bytes to every device
 *   send, recv      S bytes to (from) one other device: pipeline stages; the link energy is the sender's
 *   host-transfer   S bytes between the device and its host over the host link (input batches)
 * The op reads its input tensors and writes its outputs at the levels they live in, like any op.
 */
import type { OpCommon } from "./trace.js";

export const COLLECTIVE_KINDS = ["all-reduce", "reduce-scatter", "all-gather", "all-to-all", "broadcast", "send", "recv", "host-transfer"] as const;
export type CollectiveKind = (typeof COLLECTIVE_KINDS)[number];

/**
 * Algorithms (their cost formulas: hardware-models/units/collective-cost.ts). `auto` takes the
 * fastest that applies, as NCCL's tuner does; a group that spans several nodes runs hierarchically
 * (within nodes, then across, then within) whatever the algorithm.
 */
export const COLLECTIVE_ALGORITHMS = ["auto", "ring", "recursive-halving", "tree", "pairwise"] as const;
export type CollectiveAlgorithm = (typeof COLLECTIVE_ALGORITHMS)[number];

export interface CollectiveOp extends OpCommon {
  kind: "collective";
  collective: CollectiveKind;
  /** Buffer size in bytes (nccl-tests' convention, above). */
  bytes: number;
  /** Devices taking part (1: nothing to exchange). */
  group: number;
  /** Devices of the group on one node (default: the whole group); the rest are reached over the network. */
  perNode?: number;
  algorithm?: CollectiveAlgorithm;
}
