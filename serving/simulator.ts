/**
 * The discrete-event serving loop (Vidur's structure, Agrawal et al. MLSys 2024: requests, a
 * global router, per-replica schedulers and an execution-time predictor; here the predictor is
 * attnsim's engine, serving/iteration-cost.ts, so the device can be one that does not exist yet).
 *
 * Events, in time order (ties by the order they were created, so runs are deterministic):
 *   arrival      a request arrives; a deferrable one may be held for a low-carbon hour; the router
 *                sends it to a replica (round-robin, least-loaded: fewest requests on it, random)
 *   release      a deferred request is routed
 *   done         a replica's iteration ends: tokens produced, first tokens and completions stamped,
 *                blocks of finished requests freed; the replica plans its next iteration
 *   wake         static batching: the oldest waiting request's batch timeout
 *   transferred  disaggregation: a request's KV cache has crossed the link from its prefill
 *                replica to a decode replica
 *
 * A replica is busy from the start of an iteration to its end, at the iteration's energy / latency,
 * and idle otherwise at its idle power (serving/power.ts). Swaps to host memory happen before the
 * iteration that needs them and add bytes / bandwidth to it.
 * Disaggregation (DistServe, Zhong et al. OSDI 2024; Splitwise, Patel et al. ISCA 2024): prefill
 * replicas run prompts only; when a prompt's first token is out, its KV cache (cached tokens x bytes
 * per token) goes over the link (one transfer at a time per prefill replica, latency + bytes /
 * bandwidth) to the least-loaded decode replica, which reserves its blocks before the transfer
 * starts; until then the request keeps its blocks on the prefill replica.
 */
import type { ServingConfig } from "./config.js";
import { BlockManager, kvBytesPerToken } from "./kv-cache.js";
import { PoweredDevice } from "./power.js";
import { planIteration, insertSorted, orderKey, type Plan, type SchedulingState, type Sequence } from "./scheduler.js";
import { addSpread, littlesLaw, percentiles, StepSeries, type LittlesLaw, type Percentiles } from "./metrics.js";
import { GridCarbon } from "./grid-carbon.js";
import { embodiedDieG } from "../sim/carbon.js";
import { mulberry32 } from "../common/random.js";
import type { IterationSequence } from "../workloads/serving-iteration.js";

export interface RequestRecord {
  id: number;
  arrivalSeconds: number;
  promptTokens: number;
  outputTokens: number;
  priority: number;
  status: "completed" | "rejected";
  /** Why a request was not served (it can never fit the KV cache). */
  reason?: string;
  /** Admitted then: its arrival, or the low-carbon hour it was held for (carbon-aware admission). */
  releaseSeconds: number;
  firstScheduledSeconds: number;
  firstTokenSeconds: number;
  completionSeconds: number;
  /** From admission (release) to the first token. */
  ttftSeconds: number;
  /** NaN for a single-token output. */
  tpotSeconds: number;
  /** From admission to the last token. */
  e2eSeconds: number;
  preemptions: number;
  swaps: number;
  replica: number;
  /** Its share of the iterations it ran in (by tokens), plus the swaps and transfers of its KV cache. */
  energyJ: number;
  carbonG: number;
  meetsSlo: boolean;
}

/** One iteration as it ran. */
export interface IterationRecord {
  replica: number;
  startSeconds: number;
  /** Including swaps before it. */
  latencySeconds: number;
  energyJ: number;
  sequences: number;
  tokens: number;
  /** Tokens of prompts (or prompt chunks, or recomputation) in it. */
  promptTokens: number;
  voltageV: number;
}

export interface ReplicaSummary {
  replica: number;
  role: "mixed" | "prefill" | "decode";
  design: string;
  iterations: number;
  busySeconds: number;
  activeEnergyJ: number;
  idlePowerW: number;
  kvBlocks: number;
  kvBlockTokens: number;
  kvCapacityBytes: number;
  engineCalls: number;
  layerReuse: boolean;
  /** Operating points used: voltage -> iterations. */
  iterationsByVoltage: Record<string, number>;
}

export interface ServingSummary {
  requests: number;
  completed: number;
  rejected: number;
  preemptions: number;
  swaps: number;
  iterations: number;
  meanBatchSequences: number;
  /** From the first arrival to the last completion. */
  horizonSeconds: number;
  throughputRequestsPerSecond: number;
  throughputTokensPerSecond: number;
  goodputRequestsPerSecond: number;
  /** Fraction of completed requests meeting every SLO. */
  sloAttainment: number;
  ttft: Percentiles;
  tpot: Percentiles;
  e2e: Percentiles;
  /** First scheduled - release: time in the queue before any compute. */
  queueing: Percentiles;
  energyJ: number;
  activeEnergyJ: number;
  idleEnergyJ: number;
  /** KV transfers (disaggregation) and swaps. */
  linkEnergyJ: number;
  energyPerRequestJ: number;
  energyPerTokenJ: number;
  averagePowerW: number;
  /** Busy time / (replicas x horizon). */
  utilization: number;
  littlesLaw: LittlesLaw;
  carbon?: { operationalG: number; embodiedG: number; totalG: number; perRequestG: number; deferred: number; meanDeferralSeconds: number };
  /** simulate() calls made by the iteration-cost models. */
  engineCalls: number;
}

export interface ServingSeries {
  timeSeconds: number[];
  waiting: number[];
  running: number[];
  inSystem: number[];
  powerW: number[];
  kvUsedFraction: number[];
}

export interface ServingResult {
  name: string;
  model: string;
  designs: string[];
  /** The SLOs requests were judged against. */
  slo: ServingConfig["slo"];
  summary: ServingSummary;
  replicas: ReplicaSummary[];
  requests: RequestRecord[];
  iterations: IterationRecord[];
  series: ServingSeries;
}

interface Replica {
  id: number;
  role: "mixed" | "prefill" | "decode";
  device: PoweredDevice;
  st: SchedulingState;
  busy: boolean;
  current?: { plan: Plan; startSeconds: number; latencySeconds: number; energyJ: number };
  wakeAtSeconds?: number;
  linkFreeAtSeconds: number;
  pendingHandoffs: Sequence[];
  /** Iterations as (start, end, energy J) triples. */
  busy3: number[];
  /** Sequences run, summed over iterations. */
  batchSequences: number;
  summary: ReplicaSummary;
}

type EventBody =
  | { t: number; kind: "arrival" | "release"; seq: Sequence }
  | { t: number; kind: "done" | "wake"; replica: Replica }
  | { t: number; kind: "transferred"; seq: Sequence; from: Replica; to: Replica; reserved: number };
type Event = EventBody & { n: number };

/** A binary heap of events by (time, creation order). */
class EventQueue {
  private readonly heap: Event[] = [];
  private count = 0;
  push(e: EventBody): void {
    const ev = e as Event;
    ev.n = this.count++;
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  pop(): Event | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < h.length && less(h[l]!, h[m]!)) m = l;
        if (r < h.length && less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
const less = (a: Event, b: Event) => a.t < b.t || (a.t === b.t && a.n < b.n);

/** Longest sequences the run can see, for the cost models' probes (and the feasibility check). */
function probeShapes(config: ServingConfig): IterationSequence[] {
  const longestPrompt = config.requests.reduce((m, r) => Math.max(m, r.promptTokens), 1);
  const longestContext = config.requests.reduce((m, r) => Math.max(m, r.promptTokens + r.outputTokens - 1), 1);
  const chunk = config.scheduler.kind === "chunked" ? Math.min(longestPrompt, config.scheduler.chunkTokens) : longestPrompt;
  return [{ queries: chunk, context: 0 }, { queries: 1, context: Math.max(1, longestContext) }];
}

export function simulateServing(config: ServingConfig): ServingResult {
  const bytesPerToken = kvBytesPerToken(config.model);
  const probe = probeShapes(config);
  const cmp = orderKey(config.scheduler.order);
  const devices = new Map<unknown, PoweredDevice>();
  const replicas: Replica[] = [];
  for (const pool of config.pools) {
    // Replicas of one pool share the device model (and its cost caches).
    let device = devices.get(pool.device);
    if (!device) devices.set(pool.device, (device = new PoweredDevice(pool.device, config.power, config.model, config.costModel, probe)));
    const d = pool.device.design;
    const cost = device.modes[device.modes.length - 1]!.cost;
    const capacity = config.kvCache.capacityBytes ?? defaultKvCapacity(d, cost.weightBytes, config.kvCache.memoryFraction);
    for (let k = 0; k < pool.replicas; k++) {
      const kv = new BlockManager(capacity, config.kvCache.blockTokens, bytesPerToken);
      const dev = device;
      replicas.push({
        id: replicas.length, role: pool.role, device: dev, busy: false, linkFreeAtSeconds: 0, pendingHandoffs: [], busy3: [], batchSequences: 0,
        st: { scheduler: config.scheduler, kvConfig: config.kvCache, kv, bytesPerToken, waiting: [], running: [], swapped: [], swapUsedBytes: 0, predictSeconds: (b) => dev.predictSeconds(b) },
        summary: {
          replica: replicas.length, role: pool.role, design: d.name, iterations: 0, busySeconds: 0, activeEnergyJ: 0, idlePowerW: dev.idlePowerW,
          kvBlocks: kv.totalBlocks, kvBlockTokens: kv.blockTokens, kvCapacityBytes: capacity, engineCalls: 0, layerReuse: cost.stats.layerReuse, iterationsByVoltage: {},
        },
      });
    }
  }
  const entry = replicas.filter((r) => r.role !== "decode");
  const decoders = replicas.filter((r) => r.role === "decode");
  if (entry.length === 0) throw new Error("a serving run needs a mixed or prefill pool");
  if (decoders.length > 0 && !config.link) throw new Error("disaggregated pools need a link");
  const carbon = config.carbon ? new GridCarbon(config.carbon) : undefined;
  const routerRand = mulberry32(config.seed * 2654435761 + 7);
  let roundRobin = 0;

  const queue = new EventQueue();
  const sequences: Sequence[] = config.requests.map((request) => ({
    request, releaseSeconds: request.arrivalSeconds, target: request.promptTokens, cached: 0, generated: 0, blocks: 0,
    state: "deferred", preemptions: 0, swaps: 0, energyJ: 0, carbonG: 0, replica: -1,
  }));
  const rejected = new Map<number, string>();
  for (const seq of sequences) queue.push({ t: seq.request.arrivalSeconds, kind: "arrival", seq });

  const waitingSeries = new StepSeries(), runningSeries = new StepSeries(), inSystemSeries = new StepSeries(), kvSeries = new StepSeries();
  let inSystem = 0;
  let linkEnergyJ = 0;
  const linkSpans: number[] = [];
  const iterationLog: IterationRecord[] = [];
  const totalBlocks = replicas.reduce((s, r) => s + r.st.kv.totalBlocks, 0);
  const record = (t: number) => {
    let waiting = 0, running = 0, used = 0;
    for (const r of replicas) {
      waiting += r.st.waiting.length + r.st.swapped.length;
      running += r.st.running.length;
      used += r.st.kv.used;
    }
    waitingSeries.set(t, waiting);
    runningSeries.set(t, running);
    inSystemSeries.set(t, inSystem);
    kvSeries.set(t, totalBlocks > 0 ? used / totalBlocks : 0);
  };

  const load = (r: Replica) => r.st.waiting.length + r.st.running.length + r.st.swapped.length + r.pendingHandoffs.length;
  const route = (pool: Replica[]): Replica => {
    switch (config.router) {
      case "round-robin":
        return pool[roundRobin++ % pool.length]!;
      case "random":
        return pool[Math.floor(routerRand() * pool.length)]!;
      case "least-loaded":
        return pool.reduce((best, r) => (load(r) < load(best) ? r : best));
    }
  };

  const admit = (seq: Sequence, t: number) => {
    const r = route(entry);
    seq.replica = r.id;
    seq.state = "waiting";
    insertSorted(r.st.waiting, seq, cmp);
    start(r, t);
  };

  const start = (r: Replica, t: number) => {
    if (r.busy) return;
    const plan = planIteration(r.st, t);
    if (plan.work.length === 0) {
      if (plan.wakeAtSeconds !== undefined && r.wakeAtSeconds !== plan.wakeAtSeconds) {
        r.wakeAtSeconds = plan.wakeAtSeconds;
        queue.push({ t: plan.wakeAtSeconds, kind: "wake", replica: r });
      }
      return;
    }
    const shapes = plan.work.map((w) => ({ queries: w.queries, context: w.seq.cached }));
    const { mode, cost } = r.device.choose(shapes, slackSeconds(plan, t));
    // Swaps go over the host link before the iteration: latency once, then bytes / bandwidth; pJ per byte, charged to the request moved.
    const swap = config.kvCache.swap;
    const swapBytes = plan.swaps.reduce((a, x) => a + x.bytes, 0);
    const swapSeconds = swapBytes > 0 && swap ? swap.latencySeconds + swapBytes / swap.bandwidthBytesPerSecond : 0;
    const swapJ = swapBytes > 0 && swap ? swapBytes * swap.energyPjPerByte * 1e-12 : 0;
    for (const x of plan.swaps) {
      const joules = x.bytes * swap!.energyPjPerByte * 1e-12;
      x.seq.energyJ += joules;
      if (carbon && swapSeconds > 0) x.seq.carbonG += carbon.operationalG(t, t + swapSeconds, joules / swapSeconds);
    }
    const latency = cost.latencySeconds + swapSeconds;
    const energy = cost.energyJ;
    r.busy = true;
    r.current = { plan, startSeconds: t, latencySeconds: latency, energyJ: energy };
    r.summary.iterations++;
    r.batchSequences += plan.work.length;
    r.summary.busySeconds += latency;
    r.summary.activeEnergyJ += energy;
    const v = mode.voltageV.toFixed(3);
    r.summary.iterationsByVoltage[v] = (r.summary.iterationsByVoltage[v] ?? 0) + 1;
    r.busy3.push(t, t + latency, energy);
    if (swapJ > 0) {
      linkEnergyJ += swapJ;
      linkSpans.push(t, t + swapSeconds, swapJ);
    }
    const tokens = plan.work.reduce((s, w) => s + w.queries, 0);
    const promptTokens = plan.work.reduce((s, w) => s + (w.queries === 1 && w.seq.cached > 0 ? 0 : w.queries), 0);
    iterationLog.push({ replica: r.id, startSeconds: t, latencySeconds: latency, energyJ: energy, sequences: plan.work.length, tokens, promptTokens, voltageV: mode.voltageV });
    const co2 = carbon ? carbon.operationalG(t, t + cost.latencySeconds, cost.energyJ / cost.latencySeconds) : 0;
    for (const w of plan.work) {
      w.seq.firstScheduledSeconds ??= t;
      w.seq.energyJ += (energy * w.queries) / tokens;
      w.seq.carbonG += (co2 * w.queries) / tokens;
    }
    queue.push({ t: t + latency, kind: "done", replica: r });
  };

  /** The tightest remaining budget to an SLO among the batch's sequences (slo-dvfs). */
  const slackSeconds = (plan: Plan, t: number): number => {
    let slack = Infinity;
    for (const w of plan.work) {
      const seq = w.seq;
      if (seq.generated === 0 && config.slo.ttftSeconds !== undefined) slack = Math.min(slack, seq.request.arrivalSeconds + config.slo.ttftSeconds - t);
      else if (seq.generated > 0 && config.slo.tpotSeconds !== undefined) slack = Math.min(slack, config.slo.tpotSeconds);
    }
    return slack;
  };

  const finish = (seq: Sequence, r: Replica, t: number) => {
    seq.state = "done";
    seq.completionSeconds = t;
    r.st.kv.release(seq.blocks);
    seq.blocks = 0;
    r.st.running.splice(r.st.running.indexOf(seq), 1);
    inSystem--;
  };

  const handoff = (seq: Sequence, from: Replica, t: number): boolean => {
    const to = route(decoders.length > 0 ? decoders : [from]);
    const need = to.st.kv.blocksFor(seq.cached + 1);
    if (!to.st.kv.take(need)) return false;
    const link = config.link!;
    const bytes = seq.cached * bytesPerToken;
    const begin = Math.max(t, from.linkFreeAtSeconds);
    const end = begin + link.latencySeconds + bytes / link.bandwidthBytesPerSecond;
    from.linkFreeAtSeconds = end;
    const joules = bytes * link.energyPjPerByte * 1e-12;
    linkEnergyJ += joules;
    linkSpans.push(begin, end, joules);
    seq.energyJ += joules;
    if (carbon) seq.carbonG += carbon.operationalG(begin, end, joules / Math.max(end - begin, 1e-300));
    queue.push({ t: end, kind: "transferred", seq, from, to, reserved: need });
    return true;
  };

  const retryHandoffs = (t: number) => {
    for (const r of entry) {
      const pending = r.pendingHandoffs;
      while (pending.length > 0 && handoff(pending[0]!, r, t)) pending.shift();
    }
  };

  for (let ev = queue.pop(); ev; ev = queue.pop()) {
    const t = ev.t;
    switch (ev.kind) {
      case "arrival": {
        const seq = ev.seq;
        const req = seq.request;
        // A request whose whole sequence cannot fit one replica's cache could never finish: refused now, with the reason.
        const tokens = req.promptTokens + req.outputTokens;
        const small = replicas.find((r) => r.st.kv.blocksFor(tokens) > r.st.kv.totalBlocks);
        if (small) {
          rejected.set(req.id, `needs ${tokens} tokens of KV cache; replica ${small.id} holds ${small.st.kv.totalBlocks * small.st.kv.blockTokens}`);
          seq.state = "done";
          break;
        }
        inSystem++;
        if (carbon?.config.deferAdmission && req.deferrableSeconds !== undefined) {
          const release = carbon.releaseSeconds(t, req.deferrableSeconds);
          if (release > t) {
            seq.releaseSeconds = release;
            queue.push({ t: release, kind: "release", seq });
            break;
          }
        }
        admit(seq, t);
        break;
      }
      case "release":
        admit(ev.seq, t);
        break;
      case "wake":
        if (ev.replica.wakeAtSeconds === t) ev.replica.wakeAtSeconds = undefined;
        start(ev.replica, t);
        break;
      case "done": {
        const r = ev.replica;
        const cur = r.current!;
        r.busy = false;
        r.current = undefined;
        for (const w of cur.plan.work) {
          const seq = w.seq;
          if (seq.state !== "running") continue;
          seq.cached += w.queries;
          if (seq.cached < seq.target) continue;
          seq.generated++;
          seq.target++;
          seq.firstTokenSeconds ??= t;
          if (seq.generated >= seq.request.outputTokens) finish(seq, r, t);
          else if (r.role === "prefill") {
            r.st.running.splice(r.st.running.indexOf(seq), 1);
            seq.state = "handoff";
            if (r.pendingHandoffs.length > 0 || !handoff(seq, r, t)) r.pendingHandoffs.push(seq);
          }
        }
        if (r.role === "decode") retryHandoffs(t);
        start(r, t);
        break;
      }
      case "transferred": {
        const { seq, from, to } = ev;
        from.st.kv.release(seq.blocks);
        seq.blocks = ev.reserved;
        seq.replica = to.id;
        seq.state = "running";
        to.st.running.push(seq);
        retryHandoffs(t);
        start(from, t);
        start(to, t);
        break;
      }
    }
    record(t);
  }

  for (const r of replicas) {
    if (r.st.kv.used !== 0 || r.st.swapUsedBytes !== 0) throw new Error(`replica ${r.id} ended holding ${r.st.kv.used} KV blocks and ${r.st.swapUsedBytes} swapped bytes`);
  }
  return summarise(config, sequences, rejected, replicas, { waitingSeries, runningSeries, inSystemSeries, kvSeries }, linkEnergyJ, linkSpans, carbon, iterationLog);
}

/** KV capacity when the file gives none: a fraction of the outermost writable level, less the weights that live there. */
function defaultKvCapacity(design: { memory: { writable: boolean; capacityBytes: number }[]; mapping: { weightsLevel: number } }, weightBytes: number, fraction: number): number {
  const outer = design.memory.findIndex((l) => l.writable);
  const level = design.memory[outer]!;
  return Math.max(0, fraction * level.capacityBytes - (design.mapping.weightsLevel === outer ? weightBytes : 0));
}

function summarise(
  config: ServingConfig, sequences: Sequence[], rejected: Map<number, string>, replicas: Replica[],
  s: { waitingSeries: StepSeries; runningSeries: StepSeries; inSystemSeries: StepSeries; kvSeries: StepSeries },
  linkEnergyJ: number, linkSpans: number[], carbon: GridCarbon | undefined, iterationLog: IterationRecord[],
): ServingResult {
  const slo = config.slo;
  const done = sequences.filter((q) => !rejected.has(q.request.id));
  const firstArrival = config.requests.reduce((m, r) => Math.min(m, r.arrivalSeconds), Infinity);
  const horizon = Math.max(...done.map((q) => q.completionSeconds!), ...config.requests.map((r) => r.arrivalSeconds));
  const span = horizon - Math.min(firstArrival, horizon);
  const records: RequestRecord[] = sequences.map((q) => {
    const r = q.request;
    if (rejected.has(r.id)) {
      return {
        id: r.id, arrivalSeconds: r.arrivalSeconds, promptTokens: r.promptTokens, outputTokens: r.outputTokens, priority: r.priority, status: "rejected", reason: rejected.get(r.id)!,
        releaseSeconds: r.arrivalSeconds, firstScheduledSeconds: NaN, firstTokenSeconds: NaN, completionSeconds: NaN, ttftSeconds: NaN, tpotSeconds: NaN, e2eSeconds: NaN,
        preemptions: 0, swaps: 0, replica: -1, energyJ: 0, carbonG: 0, meetsSlo: false,
      };
    }
    if (q.completionSeconds === undefined) throw new Error(`request ${r.id} neither completed nor rejected`);
    // Latencies run from admission: a deferred request chose to wait (its deferral is reported apart).
    const ttft = q.firstTokenSeconds! - q.releaseSeconds;
    const e2e = q.completionSeconds - q.releaseSeconds;
    const tpot = r.outputTokens > 1 ? (q.completionSeconds - q.firstTokenSeconds!) / (r.outputTokens - 1) : NaN;
    const meetsSlo = (slo.ttftSeconds === undefined || ttft <= slo.ttftSeconds) && (slo.tpotSeconds === undefined || !(tpot > slo.tpotSeconds)) && (slo.e2eSeconds === undefined || e2e <= slo.e2eSeconds);
    return {
      id: r.id, arrivalSeconds: r.arrivalSeconds, promptTokens: r.promptTokens, outputTokens: r.outputTokens, priority: r.priority, status: "completed",
      releaseSeconds: q.releaseSeconds, firstScheduledSeconds: q.firstScheduledSeconds!, firstTokenSeconds: q.firstTokenSeconds!, completionSeconds: q.completionSeconds,
      ttftSeconds: ttft, tpotSeconds: tpot, e2eSeconds: e2e, preemptions: q.preemptions, swaps: q.swaps, replica: q.replica, energyJ: q.energyJ, carbonG: q.carbonG, meetsSlo,
    };
  });
  const completed = records.filter((r) => r.status === "completed");
  const iterations = replicas.reduce((a, r) => a + r.summary.iterations, 0);
  const busySeconds = replicas.reduce((a, r) => a + r.summary.busySeconds, 0);
  const activeEnergyJ = replicas.reduce((a, r) => a + r.summary.activeEnergyJ, 0);
  const idleEnergyJ = replicas.reduce((a, r) => a + r.summary.idlePowerW * Math.max(0, horizon - r.summary.busySeconds), 0);
  const energyJ = activeEnergyJ + idleEnergyJ + linkEnergyJ;
  const outputTokens = completed.reduce((a, r) => a + r.outputTokens, 0);

  // Power over time: iterations at their average power, idle gaps at idle power, link transfers.
  const bins = config.timeBins;
  const width = horizon / bins;
  const power = new Array<number>(bins).fill(0);
  for (const r of replicas) {
    let idleFrom = 0;
    for (let k = 0; k < r.busy3.length; k += 3) {
      const a = r.busy3[k]!, b = r.busy3[k + 1]!, e = r.busy3[k + 2]!;
      addSpread(power, width, idleFrom, a, r.summary.idlePowerW);
      addSpread(power, width, a, b, e / (b - a));
      idleFrom = b;
    }
    addSpread(power, width, idleFrom, horizon, r.summary.idlePowerW);
  }
  for (let k = 0; k < linkSpans.length; k += 3) addSpread(power, width, linkSpans[k]!, linkSpans[k + 1]!, linkSpans[k + 2]! / Math.max(linkSpans[k + 1]! - linkSpans[k]!, 1e-300));

  let carbonSummary: ServingSummary["carbon"];
  if (carbon) {
    let operational = 0;
    for (const r of replicas) {
      let idleFrom = 0;
      for (let k = 0; k < r.busy3.length; k += 3) {
        operational += carbon.operationalG(idleFrom, r.busy3[k]!, r.summary.idlePowerW);
        operational += carbon.operationalG(r.busy3[k]!, r.busy3[k + 1]!, r.busy3[k + 2]! / (r.busy3[k + 1]! - r.busy3[k]!));
        idleFrom = r.busy3[k + 1]!;
      }
      operational += carbon.operationalG(idleFrom, horizon, r.summary.idlePowerW);
    }
    for (let k = 0; k < linkSpans.length; k += 3) operational += carbon.operationalG(linkSpans[k]!, linkSpans[k + 1]!, linkSpans[k + 2]! / Math.max(linkSpans[k + 1]! - linkSpans[k]!, 1e-300));
    const c = config.carbon!;
    const embodied = replicas.reduce((a, r) => {
      const d = r.device.source.design;
      return a + (embodiedDieG(d.areaMm2, d.technology.nodeNm, c.fabIntensityGPerKWh, c.abatement) * horizon) / c.lifetimeSeconds;
    }, 0);
    const deferred = completed.filter((r) => r.releaseSeconds > r.arrivalSeconds);
    carbonSummary = {
      operationalG: operational, embodiedG: embodied, totalG: operational + embodied, perRequestG: (operational + embodied) / Math.max(1, completed.length),
      deferred: deferred.length, meanDeferralSeconds: deferred.length > 0 ? deferred.reduce((a, r) => a + r.releaseSeconds - r.arrivalSeconds, 0) / deferred.length : 0,
    };
  }

  const meets = completed.filter((r) => r.meetsSlo).length;
  const summary: ServingSummary = {
    requests: records.length, completed: completed.length, rejected: records.length - completed.length,
    preemptions: completed.reduce((a, r) => a + r.preemptions, 0), swaps: completed.reduce((a, r) => a + r.swaps, 0),
    iterations, meanBatchSequences: iterations > 0 ? replicas.reduce((a, r) => a + r.batchSequences, 0) / iterations : 0,
    horizonSeconds: span,
    throughputRequestsPerSecond: completed.length / span, throughputTokensPerSecond: outputTokens / span, goodputRequestsPerSecond: meets / span,
    sloAttainment: completed.length > 0 ? meets / completed.length : NaN,
    ttft: percentiles(completed.map((r) => r.ttftSeconds)),
    tpot: percentiles(completed.filter((r) => r.outputTokens > 1).map((r) => r.tpotSeconds)),
    e2e: percentiles(completed.map((r) => r.e2eSeconds)),
    queueing: percentiles(completed.map((r) => r.firstScheduledSeconds - r.releaseSeconds)),
    energyJ, activeEnergyJ, idleEnergyJ, linkEnergyJ,
    energyPerRequestJ: energyJ / Math.max(1, completed.length), energyPerTokenJ: energyJ / Math.max(1, outputTokens),
    averagePowerW: horizon > 0 ? energyJ / horizon : 0,
    utilization: horizon > 0 ? busySeconds / (replicas.length * horizon) : 0,
    // Time in the system runs from arrival (deferral included): the in-system count starts there.
    littlesLaw: littlesLaw(s.inSystemSeries, horizon, completed.map((r) => r.completionSeconds - r.arrivalSeconds)),
    ...(carbonSummary ? { carbon: carbonSummary } : {}),
    engineCalls: [...new Set(replicas.map((r) => r.device))].reduce((a, d) => a + d.engineCalls(), 0),
  };
  for (const r of replicas) r.summary.engineCalls = r.device.engineCalls();
  const series: ServingSeries = {
    timeSeconds: Array.from({ length: bins }, (_, i) => (i + 0.5) * width),
    waiting: s.waitingSeries.binned(horizon, bins), running: s.runningSeries.binned(horizon, bins), inSystem: s.inSystemSeries.binned(horizon, bins),
    powerW: power.map((e) => e / width), kvUsedFraction: s.kvSeries.binned(horizon, bins),
  };
  return {
    name: config.name, model: config.model.model, designs: [...new Set(replicas.map((r) => r.summary.design))], slo: config.slo,
    summary, replicas: replicas.map((r) => r.summary), requests: records, iterations: iterationLog, series,
  };
}
