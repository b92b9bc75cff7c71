/**
 * Paged KV cache (vLLM's PagedAttention, Kwon et al. SOSP 2023): the cache is cut into blocks of
 * `blockTokens` tokens; a sequence holds ceil(tokens / blockTokens) blocks and grows one block at a
 * time, so the only waste is the unfilled tail of each sequence's last block. Blocks are counted,
 * not placed: attention cost does not depend on where a block sits.
 *
 *   bytes per token = layers x 2 (K and V) x kvHeads x dHead x bytes(kv precision)
 *   blocks          = floor(capacity / (blockTokens x bytes per token))
 */
import { bytesFor } from "../workloads/precision.js";
import { presetShape } from "../workloads/transformer-builder.js";
import { precisionPolicy } from "../workloads/variants/precision-policy.js";
import { resolveVariant, type WorkloadSpec } from "../workloads/workload-spec.js";
import { DEFAULT_PRECISION } from "../workloads/transformer-builder.js";

/** KV-cache bytes one token takes across all layers of the served model. */
export function kvBytesPerToken(model: WorkloadSpec): number {
  const shape = presetShape(model.model, { kvHeads: model.kvHeads });
  const precision = model.precision ?? resolveVariant("precision", "uniform", { precision: DEFAULT_PRECISION.weights }, { file: "<serving>", path: "" });
  return shape.layers * bytesFor(2 * shape.kvHeads * shape.dHead, precisionPolicy(precision).kv);
}

export class BlockManager {
  readonly totalBlocks: number;
  private freeBlocks: number;

  constructor(readonly capacityBytes: number, readonly blockTokens: number, readonly bytesPerToken: number) {
    this.totalBlocks = Math.floor(capacityBytes / (blockTokens * bytesPerToken));
    this.freeBlocks = this.totalBlocks;
  }

  blocksFor(tokens: number): number {
    return Math.ceil(tokens / this.blockTokens);
  }

  get free(): number {
    return this.freeBlocks;
  }

  get used(): number {
    return this.totalBlocks - this.freeBlocks;
  }

  /** Blocks more a holder of `held` blocks needs for `tokens` tokens (0 if it has them). */
  shortfall(held: number, tokens: number): number {
    return Math.max(0, this.blocksFor(tokens) - held);
  }

  /** Take `n` blocks; false (and nothing taken) if fewer are free. */
  take(n: number): boolean {
    if (n > this.freeBlocks) return false;
    this.freeBlocks -= n;
    return true;
  }

  release(n: number): void {
    if (n < 0 || this.freeBlocks + n > this.totalBlocks) throw new Error(`KV cache: releasing ${n} blocks with ${this.freeBlocks} of ${this.totalBlocks} free`);
    this.freeBlocks += n;
  }
}
