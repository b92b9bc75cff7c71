/**
 * Batch selection: what one device runs in its next iteration, and what it preempts to make room.
 *
 * A sequence must compute `target - cached` more tokens before it produces its next token: a whole
 * prompt (or, after a recompute preemption, the prompt and every token generated so far), a chunk of
 * it, or one decode token. Producing a token makes target grow by one, so target = prompt + generated.
 *
 *   static      request-level batching (FasterTransformer-style): a batch forms when maxBatch
 *               requests wait or the oldest has waited batchTimeout, reserves KV for prompt + output
 *               of each request up front, and runs to its last token before the next batch forms
 *               (finished requests stop computing; new ones do not join)
 *   continuous  iteration-level scheduling (Orca, Yu et al. OSDI 2022; vLLM): every iteration runs
 *               all running decodes plus whole prompts admitted now, within maxBatch sequences and
 *               maxBatchTokens tokens (a prompt longer than that runs as its iteration's only prompt)
 *   chunked     Sarathi-Serve (Agrawal et al. OSDI 2024): decodes first, then prompt chunks filling a
 *               budget of chunkTokens, so a long prompt never stalls the decodes
 *
 * KV blocks are taken before an iteration for the tokens it adds (kv-cache.ts). When a running
 * sequence needs a block and none is free, the sequence last in the order (the newest, or the lowest
 * priority) is preempted, as vLLM's scheduler does: recompute frees its blocks and sends it back to
 * the waiting queue to prefill prompt + generated tokens again; swap moves its blocks to host memory
 * over a link and brings them back before it runs again. A preempted sequence is never dropped.
 * While any sequence is swapped out, no new request is admitted (vLLM's rule against starvation).
 */
import type { KvCacheConfig, SchedulerConfig } from "./config.js";
import type { BlockManager } from "./kv-cache.js";
import type { Request } from "./requests.js";
import type { IterationSequence } from "../workloads/serving-iteration.js";

export interface Sequence {
  request: Request;
  /** When it may be scheduled (its arrival, or the end of a carbon-aware deferral). */
  releaseSeconds: number;
  target: number;
  cached: number;
  generated: number;
  /** KV blocks held on the device it is on. */
  blocks: number;
  state: "deferred" | "waiting" | "running" | "swapped" | "handoff" | "done";
  firstScheduledSeconds?: number;
  firstTokenSeconds?: number;
  completionSeconds?: number;
  preemptions: number;
  swaps: number;
  energyJ: number;
  carbonG: number;
  replica: number;
}

export interface WorkItem {
  seq: Sequence;
  queries: number;
}

/** A device's queues and cache, as the scheduler sees and changes them. */
export interface SchedulingState {
  scheduler: SchedulerConfig;
  kvConfig: KvCacheConfig;
  kv: BlockManager;
  bytesPerToken: number;
  waiting: Sequence[];
  running: Sequence[];
  swapped: Sequence[];
  swapUsedBytes: number;
  /** Static batching: the batch in progress. */
  staticBatch?: Sequence[];
  /** Latency-aware batching: predicted latency of a batch. */
  predictSeconds(batch: readonly IterationSequence[]): number;
}

export interface Plan {
  work: WorkItem[];
  /** Sequences whose KV cache this plan moves over the host link (out or in), and the bytes. */
  swaps: { seq: Sequence; bytes: number }[];
  /** Static batching: nothing to run until then (the oldest request's batch timeout). */
  wakeAtSeconds?: number;
}

/** The order sequences are served in: arrival, or (priority, arrival). */
export function orderKey(order: SchedulerConfig["order"]): (a: Sequence, b: Sequence) => number {
  return order === "priority"
    ? (a, b) => a.request.priority - b.request.priority || a.releaseSeconds - b.releaseSeconds || a.request.id - b.request.id
    : (a, b) => a.releaseSeconds - b.releaseSeconds || a.request.id - b.request.id;
}

/** Insert keeping `list` sorted by `cmp` (after equal keys). */
export function insertSorted(list: Sequence[], s: Sequence, cmp: (a: Sequence, b: Sequence) => number): void {
  let lo = 0, hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cmp(list[mid]!, s) <= 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, s);
}

const isPrompt = (w: WorkItem) => !(w.queries === 1 && w.seq.cached > 0);
const shapeOf = (w: WorkItem): IterationSequence => ({ queries: w.queries, context: w.seq.cached });

/** Take a sequence off the device to free its blocks (see the header). */
function preempt(st: SchedulingState, victim: Sequence, plan: Plan, cmp: (a: Sequence, b: Sequence) => number): void {
  st.running.splice(st.running.indexOf(victim), 1);
  st.kv.release(victim.blocks);
  victim.blocks = 0;
  const bytes = victim.cached * st.bytesPerToken;
  const swap = st.kvConfig.swap;
  if (st.kvConfig.preemption === "swap" && swap && st.swapUsedBytes + bytes <= swap.capacityBytes) {
    st.swapUsedBytes += bytes;
    plan.swaps.push({ seq: victim, bytes });
    victim.state = "swapped";
    victim.swaps++;
    insertSorted(st.swapped, victim, cmp);
    return;
  }
  victim.cached = 0;
  victim.state = "waiting";
  victim.preemptions++;
  insertSorted(st.waiting, victim, cmp);
}

export function planIteration(st: SchedulingState, nowSeconds: number): Plan {
  return st.scheduler.kind === "static" ? planStatic(st, nowSeconds) : planIterationLevel(st);
}

function planIterationLevel(st: SchedulingState): Plan {
  const cfg = st.scheduler;
  const cmp = orderKey(cfg.order);
  const chunked = cfg.kind === "chunked";
  const budget = chunked ? cfg.chunkTokens : cfg.maxBatchTokens;
  const plan: Plan = { work: [], swaps: [] };
  let tokens = 0;
  st.running.sort(cmp);
  for (let i = 0; i < st.running.length; i++) {
    const seq = st.running[i]!;
    const q = chunked ? Math.min(seq.target - seq.cached, budget - tokens) : seq.target - seq.cached;
    if (q <= 0 || plan.work.length >= cfg.maxBatch) continue;
    const short = st.kv.shortfall(seq.blocks, seq.cached + q);
    let selfPreempted = false;
    while (short > st.kv.free) {
      const j = st.running.length - 1;
      if (j === i) {
        preempt(st, seq, plan, cmp);
        selfPreempted = true;
        break;
      }
      preempt(st, st.running[j]!, plan, cmp);
    }
    if (selfPreempted) {
      i--;
      continue;
    }
    st.kv.take(short);
    seq.blocks += short;
    plan.work.push({ seq, queries: q });
    tokens += q;
  }
  // Swapped sequences come back before anything new is admitted.
  while (st.swapped.length > 0 && plan.work.length < cfg.maxBatch) {
    const seq = st.swapped[0]!;
    const q = chunked ? Math.min(seq.target - seq.cached, budget - tokens) : seq.target - seq.cached;
    const need = st.kv.blocksFor(seq.cached + q);
    if (q <= 0 || need > st.kv.free) break;
    st.swapped.shift();
    st.kv.take(need);
    seq.blocks = need;
    st.swapUsedBytes -= seq.cached * st.bytesPerToken;
    plan.swaps.push({ seq, bytes: seq.cached * st.bytesPerToken });
    seq.state = "running";
    st.running.push(seq);
    plan.work.push({ seq, queries: q });
    tokens += q;
  }
  if (st.swapped.length > 0) return plan;
  while (st.waiting.length > 0 && plan.work.length < cfg.maxBatch) {
    const seq = st.waiting[0]!;
    const need = seq.target - seq.cached;
    const q = chunked ? Math.min(need, budget - tokens) : need;
    if (q <= 0) break;
    if (!chunked && tokens + q > budget && plan.work.some(isPrompt)) break;
    const short = st.kv.shortfall(seq.blocks, seq.cached + q);
    if (short > st.kv.free) break;
    if (cfg.maxIterationLatencySeconds !== undefined && plan.work.length > 0) {
      const predicted = st.predictSeconds([...plan.work.map(shapeOf), { queries: q, context: seq.cached }]);
      if (predicted > cfg.maxIterationLatencySeconds) break;
    }
    st.waiting.shift();
    st.kv.take(short);
    seq.blocks += short;
    seq.state = "running";
    st.running.push(seq);
    plan.work.push({ seq, queries: q });
    tokens += q;
  }
  return plan;
}

function planStatic(st: SchedulingState, nowSeconds: number): Plan {
  const cfg = st.scheduler;
  const plan: Plan = { work: [], swaps: [] };
  if (!st.staticBatch || st.staticBatch.every((s) => s.state === "done")) {
    st.staticBatch = undefined;
    if (st.waiting.length === 0) return plan;
    const oldest = st.waiting.reduce((m, s) => Math.min(m, s.releaseSeconds), Infinity);
    if (st.waiting.length < cfg.maxBatch && nowSeconds < oldest + cfg.batchTimeoutSeconds) {
      plan.wakeAtSeconds = oldest + cfg.batchTimeoutSeconds;
      return plan;
    }
    const batch: Sequence[] = [];
    let tokens = 0;
    while (st.waiting.length > 0 && batch.length < cfg.maxBatch) {
      const seq = st.waiting[0]!;
      const reserve = st.kv.blocksFor(seq.request.promptTokens + seq.request.outputTokens);
      if (reserve > st.kv.free || (batch.length > 0 && tokens + seq.target > cfg.maxBatchTokens)) break;
      st.waiting.shift();
      st.kv.take(reserve);
      seq.blocks = reserve;
      seq.state = "running";
      st.running.push(seq);
      batch.push(seq);
      tokens += seq.target;
    }
    st.staticBatch = batch;
  }
  for (const seq of st.staticBatch) if (seq.state === "running") plan.work.push({ seq, queries: seq.target - seq.cached });
  return plan;
}
