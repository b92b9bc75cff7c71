/**
 * The op timeline: ops become events on their units, start when their inputs are ready and their
 * unit is free (each unit runs its ops in trace order), and run concurrently on different units.
 * Memory bandwidth is shared, not double-counted: a fluid model in which, at every moment, the ops
 * running on a level draw bytes at their standalone rate (their bytes / their standalone duration);
 * when the sum exceeds the level's bandwidth, every op on it slows by the same factor, and an op
 * progresses at the speed of its most contended level.
 *
 * Batched producer-consumer chains on different units (QK^T on the array, softmax on the DSP, AV on
 * the array) are split into chunks of their batch (heads) so that they pipeline: the DSP's softmax
 * of one chunk of heads runs beside the array's QK^T of the next. A chunk costs its share of the op
 * (the unit models are linear in the batch).
 *
 * Invariants (tested): makespan <= the sum of standalone durations and >= the busiest unit's busy
 * time; the dynamic energy of a run does not depend on the schedule; peak power >= average power.
 */
import { objectMemo, ownedMemo } from "../common/memo.js";
import { sameNumbers } from "../common/numbers.js";

/** The arrays are not changed after a call: the plan is remembered by the unit array's identity. */
export interface TimelineInput {
  /** Unit index per op. */
  unit: number[];
  /** Standalone duration (reference cycles) per op (already weighted and summed over repeats). */
  duration: number[];
  /** Bytes per level per op: bytes[op * levels + level]. */
  bytes: number[];
  /** Dynamic energy per op, pJ. */
  dynamicPj: number[];
  /** Batch items per op that may be split into chunks (1 = do not split). */
  batch: number[];
  /** Producer op indices per op. */
  deps: number[][];
  levels: number;
  /** Bandwidth per level, bytes per reference cycle. */
  bandwidth: number[];
  /** Largest number of chunks an op is split into. */
  maxChunks: number;
}

export interface TimelineEvent {
  op: number;
  chunk: number;
  chunks: number;
  unit: number;
  start: number;
  end: number;
}

export interface TimelineResult {
  makespan: number;
  /** First start and last end per op. */
  start: Float64Array;
  end: Float64Array;
  events: TimelineEvent[];
  /** Piecewise-constant dynamic power: [t0, t1, pJ per cycle] per segment. */
  segments: Float64Array;
  segmentCount: number;
}

/** Largest divisor of n that is at most cap. */
function chunksFor(n: number, cap: number): number {
  for (let c = Math.min(n, cap); c > 1; c--) if (n % c === 0) return c;
  return 1;
}

/** The schedule's structure: tasks (op chunks), their dependencies and unit queues. Depends only on
 *  the trace, the op-to-unit assignment and which ops may be split, so it is cached across runs. */
interface TimelinePlan {
  chunks: Int32Array;
  taskOp: Int32Array;
  taskChunk: Int32Array;
  /** Dependencies per task (CSR), and dependents per task (CSR). */
  depCount: Int32Array;
  dependentsStart: Int32Array;
  dependents: Int32Array;
  /** Tasks per unit in issue order (CSR). */
  queueStart: Int32Array;
  queue: Int32Array;
  units: number;
}

/** Plans by the trace's dependency lists, then by a hash of the assignment; a bucket holds the plans whose hashes collide. */
const plans = ownedMemo<number[][], number, { unit: number[]; batch: number[]; maxChunks: number; plan: TimelinePlan }[]>("sim.timeline-plan");

/** FNV-1a over the unit and batch arrays: a cheap key; hits are confirmed element by element. */
function planKey(t: TimelineInput): number {
  let h = 0x811c9dc5 ^ t.maxChunks;
  for (let i = 0; i < t.unit.length; i++) {
    h = Math.imul(h ^ t.unit[i]!, 0x01000193);
    h = Math.imul(h ^ t.batch[i]!, 0x01000193);
  }
  return h >>> 0;
}

/** The last plan made or found for a unit array (an engine's per-op inputs are shared by the evaluations of a design): no hashing on a repeat. */
const lastPlans = objectMemo<number[], { deps: number[][]; batch: number[]; maxChunks: number; plan: TimelinePlan }>("sim.timeline-last-plan");

function plan(t: TimelineInput): TimelinePlan {
  const last = lastPlans.lookup(t.unit);
  if (last && last.deps === t.deps && last.batch === t.batch && last.maxChunks === t.maxChunks) return last.plan;
  const found = planOf(t);
  lastPlans.store(t.unit, { deps: t.deps, batch: t.batch, maxChunks: t.maxChunks, plan: found });
  return found;
}

function planOf(t: TimelineInput): TimelinePlan {
  const key = planKey(t);
  const bucket = plans.lookup(t.deps, key) ?? plans.store(t.deps, key, []);
  const hit = bucket.find((b) => b.maxChunks === t.maxChunks && sameNumbers(b.unit, t.unit) && sameNumbers(b.batch, t.batch));
  if (hit) return hit.plan;
  const n = t.unit.length;
  const chunks = new Int32Array(n).fill(1);
  const consumers: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) for (const p of t.deps[i]!) consumers[p]!.push(i);
  for (let i = 0; i < n; i++) {
    if (t.batch[i]! <= 1) continue;
    const crossUnit = (j: number) => t.batch[j]! > 1 && t.unit[j] !== t.unit[i];
    if (t.deps[i]!.some(crossUnit) || consumers[i]!.some(crossUnit)) chunks[i] = chunksFor(t.batch[i]!, t.maxChunks);
  }
  const firstTask = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) firstTask[i + 1] = firstTask[i]! + chunks[i]!;
  const tasks = firstTask[n]!;
  const taskOp = new Int32Array(tasks);
  const taskChunk = new Int32Array(tasks);
  for (let i = 0; i < n; i++) for (let c = 0; c < chunks[i]!; c++) {
    taskOp[firstTask[i]! + c] = i;
    taskChunk[firstTask[i]! + c] = c;
  }
  const depCount = new Int32Array(tasks);
  const edges: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    for (const p of t.deps[i]!) {
      const chunkwise = chunks[i] === chunks[p] && chunks[i]! > 1;
      for (let c = 0; c < chunks[i]!; c++) {
        const task = firstTask[i]! + c;
        if (chunkwise) edges.push([firstTask[p]! + c, task]);
        else for (let k = 0; k < chunks[p]!; k++) edges.push([firstTask[p]! + k, task]);
      }
    }
  }
  const dependentsStart = new Int32Array(tasks + 1);
  for (const [from, to] of edges) {
    dependentsStart[from + 1]!++;
    depCount[to]!++;
  }
  for (let k = 0; k < tasks; k++) dependentsStart[k + 1]! += dependentsStart[k]!;
  const fill = dependentsStart.slice(0, tasks);
  const dependents = new Int32Array(edges.length);
  for (const [from, to] of edges) dependents[fill[from]!++] = to;
  const units = t.unit.reduce((m, u) => Math.max(m, u), -1) + 1;
  const queueStart = new Int32Array(units + 1);
  for (let task = 0; task < tasks; task++) queueStart[t.unit[taskOp[task]!]! + 1]!++;
  for (let u = 0; u < units; u++) queueStart[u + 1]! += queueStart[u]!;
  const qfill = queueStart.slice(0, units);
  const queue = new Int32Array(tasks);
  for (let task = 0; task < tasks; task++) queue[qfill[t.unit[taskOp[task]!]!]!++] = task;
  const result = { chunks, taskOp, taskChunk, depCount, dependentsStart, dependents, queueStart, queue, units };
  bucket.push({ unit: t.unit.slice(), batch: t.batch.slice(), maxChunks: t.maxChunks, plan: result });
  return result;
}

/** A plan's reusable run state: one run at a time (simulate is synchronous), so nothing is allocated per run. */
interface Workspace {
  pending: Int32Array;
  head: Int32Array;
  busy: Int32Array;
  running: Int32Array;
  remaining: Float64Array;
  taskStart: Float64Array;
  start: Float64Array;
  end: Float64Array;
  segments: Float64Array;
  speed: Float64Array;
  demand: Float64Array;
  /** Per op, this run's: bytes per cycle at each level (op * levels + level), pJ per cycle, and a chunk's duration. */
  rate: Float64Array;
  power: Float64Array;
  chunkDuration: Float64Array;
}

const workspaces = objectMemo<TimelinePlan, Workspace>("sim.timeline-workspace");

function workspaceOf(p: TimelinePlan, n: number, levels: number): Workspace {
  const w = workspaces.lookup(p);
  if (w && w.demand.length === levels) return w;
  const tasks = p.taskOp.length;
  const fresh: Workspace = {
    pending: new Int32Array(tasks), head: new Int32Array(p.units), busy: new Int32Array(p.units), running: new Int32Array(p.units),
    remaining: new Float64Array(tasks), taskStart: new Float64Array(tasks), start: new Float64Array(n), end: new Float64Array(n),
    segments: new Float64Array(3 * (tasks + 1)), speed: new Float64Array(p.units), demand: new Float64Array(levels),
    rate: new Float64Array(n * levels), power: new Float64Array(n), chunkDuration: new Float64Array(n),
  };
  return workspaces.store(p, fresh);
}

/**
 * Run the timeline. The arrays of the result (start, end, segments) are the plan's workspace:
 * valid until the next run on the same plan, so a caller reads them before it schedules again.
 */
export function schedule(t: TimelineInput, keepEvents = false): TimelineResult {
  const n = t.unit.length;
  const L = t.levels;
  const p = plan(t);
  const { chunks, taskOp, taskChunk, dependentsStart, dependents, queueStart, queue, units } = p;
  const tasks = taskOp.length;
  const { pending, head, busy, running, remaining, taskStart, start, end, segments, speed, demand, rate, power: opPower, chunkDuration } = workspaceOf(p, n, L);
  // Each op's standalone rates, divided once per run rather than at every event.
  for (let op = 0; op < n; op++) {
    const d = t.duration[op]!;
    for (let l = 0; l < L; l++) rate[op * L + l] = t.bytes[op * L + l]! / d;
    opPower[op] = t.dynamicPj[op]! / d;
    chunkDuration[op] = d / chunks[op]!;
  }
  pending.set(p.depCount);
  head.set(queueStart.subarray(0, units));
  busy.fill(-1);
  remaining.fill(1);
  taskStart.fill(0);
  start.fill(Infinity);
  end.fill(0);
  const events: TimelineEvent[] = [];
  let segmentCount = 0;
  let runningCount = 0;
  let now = 0;
  let done = 0;

  let started = true;
  while (done < tasks || started) {
    // Start every task whose unit is free and whose producers are done (a zero-length task finishes at once).
    started = true;
    while (started) {
      started = false;
      for (let u = 0; u < units; u++) {
        while (busy[u] === -1 && head[u]! < queueStart[u + 1]!) {
          const task = queue[head[u]!]!;
          if (pending[task]! > 0) break;
          head[u]!++;
          taskStart[task] = now;
          started = true;
          const op = taskOp[task]!;
          if (chunkDuration[op]! <= 0) {
            if (taskStart[task]! < start[op]!) start[op] = taskStart[task]!;
            if (now > end[op]!) end[op] = now;
            if (keepEvents) events.push({ op, chunk: taskChunk[task]!, chunks: chunks[op]!, unit: t.unit[op]!, start: taskStart[task]!, end: now });
            done++;
            for (let k = dependentsStart[task]!; k < dependentsStart[task + 1]!; k++) pending[dependents[k]!]!--;
            continue;
          }
          busy[u] = task;
          running[runningCount++] = task;
        }
      }
    }
    if (done >= tasks) break;
    if (runningCount === 0) throw new Error("timeline: no runnable op (a dependency cycle?)");
    for (let l = 0; l < L; l++) demand[l] = 0; // a loop, not fill(): the builtin's call costs more than a few stores, at every event
    for (let k = 0; k < runningCount; k++) {
      const op = taskOp[running[k]!]!;
      for (let l = 0; l < L; l++) demand[l]! += rate[op * L + l]!;
    }
    let dt = Infinity;
    let power = 0;
    for (let k = 0; k < runningCount; k++) {
      const task = running[k]!;
      const op = taskOp[task]!;
      let s = 1;
      for (let l = 0; l < L; l++) {
        if (t.bytes[op * L + l]! > 0 && demand[l]! > t.bandwidth[l]!) s = Math.min(s, t.bandwidth[l]! / demand[l]!);
      }
      speed[k] = s;
      power += opPower[op]! * s;
      const left = (remaining[task]! * chunkDuration[op]!) / s;
      if (left < dt) dt = left;
    }
    if (dt > 0) {
      segments[segmentCount * 3] = now;
      segments[segmentCount * 3 + 1] = now + dt;
      segments[segmentCount * 3 + 2] = power;
      segmentCount++;
    }
    now += dt;
    for (let k = runningCount - 1; k >= 0; k--) {
      const task = running[k]!;
      const op = taskOp[task]!;
      remaining[task]! -= (dt * speed[k]!) / chunkDuration[op]!;
      if (remaining[task]! <= 1e-9) {
        running[k] = running[--runningCount]!;
        speed[k] = speed[runningCount]!;
        busy[t.unit[op]!] = -1;
        if (taskStart[task]! < start[op]!) start[op] = taskStart[task]!;
        if (now > end[op]!) end[op] = now;
        if (keepEvents) events.push({ op, chunk: taskChunk[task]!, chunks: chunks[op]!, unit: t.unit[op]!, start: taskStart[task]!, end: now });
        done++;
        for (let j = dependentsStart[task]!; j < dependentsStart[task + 1]!; j++) pending[dependents[j]!]!--;
      }
    }
    started = true;
  }
  for (let i = 0; i < n; i++) if (!Number.isFinite(start[i]!)) start[i] = end[i]!;
  return { makespan: now, start, end, events, segments, segmentCount };
}

/** The segment a cursor at `j` moves to for time x (it moves only inside (t0, tEnd)). */
function cursorAt(segments: ArrayLike<number>, t0: number, tEnd: number, x: number, j: number): number {
  if (x <= t0 || x >= tEnd) return j;
  while (segments[j * 3 + 1]! < x) j++;
  return j;
}

/** Energy from t0 to x, given the segment j that holds x. */
function energyTo(segments: ArrayLike<number>, cumulative: Float64Array, count: number, t0: number, tEnd: number, x: number, j: number): number {
  if (x <= t0) return 0;
  if (x >= tEnd) return cumulative[count]!;
  return cumulative[j]! + (x - segments[j * 3]!) * segments[j * 3 + 2]!;
}

/** peakWindowAverage's running sums, reused (it runs to completion before it is called again). */
let cumulativeScratch = new Float64Array(0);

/**
 * Largest average of a piecewise-constant signal over any window of `window` cycles (pJ per
 * cycle). Segments are contiguous. The best window of such a signal starts at a segment start or
 * ends at a segment end, so two monotone sweeps over the segments find it in linear time.
 */
export function peakWindowAverage(segments: ArrayLike<number>, count: number, window: number): number {
  if (count === 0) return 0;
  const t0 = segments[0]!, tEnd = segments[(count - 1) * 3 + 1]!;
  const total = tEnd - t0;
  if (cumulativeScratch.length < count + 1) cumulativeScratch = new Float64Array(2 * (count + 1));
  const cumulative = cumulativeScratch;
  cumulative[0] = 0;
  for (let i = 0; i < count; i++) cumulative[i + 1] = cumulative[i]! + (segments[i * 3 + 1]! - segments[i * 3]!) * segments[i * 3 + 2]!;
  if (window >= total) return total > 0 ? cumulative[count]! / total : 0;
  // Energy from t0 to x, read with two cursors (segment indices) that only move forward. At a
  // segment's own start or end it is the running sum itself (segments are contiguous: each starts
  // at the bit-identical time the one before ends, so it is the same number energyTo would give).
  let jStartsTo = 0, jEndsFrom = 0;
  let best = 0;
  for (let i = 0; i < count; i++) {
    const s = segments[i * 3]!, e = segments[i * 3 + 1]!;
    if (s + window <= tEnd) {
      jStartsTo = cursorAt(segments, t0, tEnd, s + window, jStartsTo);
      best = Math.max(best, energyTo(segments, cumulative, count, t0, tEnd, s + window, jStartsTo) - cumulative[i]!);
    }
    if (e - window >= t0) {
      jEndsFrom = cursorAt(segments, t0, tEnd, e - window, jEndsFrom);
      best = Math.max(best, cumulative[i + 1]! - energyTo(segments, cumulative, count, t0, tEnd, e - window, jEndsFrom));
    }
  }
  return best / window;
}
