/**
 * What one serving iteration costs on a design: latency and energy from attnsim's engine for the
 * iteration's batch (each sequence's query tokens at its context length), cached by shape.
 *
 * `exact` simulates the iteration's whole trace (workloads/serving-iteration.ts) at the model's full
 * depth, once per distinct batch. `decomposed` (the default) uses the structure of a forward pass:
 * the projections, norms and FFN see only the batch's T tokens, and each decode step's attention
 * sees only its own context, so
 *
 *   cost(batch) = W(prefill chunks, T) + sum over decode steps d of [ F(1 token at c_d) - S(1) ]
 *
 * W: the prefill chunks with their attention plus the decode tokens through the shared ops; F: a
 * single decode step; S(1): one token through the shared ops only. Every term is an engine call on
 * a well-formed trace, cached by its exact shape; the decode terms repeat across iterations (a
 * context length recurs for every request that passes it). What the sum leaves out is how the decode
 * steps' attention interacts with the rest of the batch inside one trace (units overlapping across
 * sequences, tensors competing for on-chip memory); docs/serving.md gives the measured difference
 * from `exact` (within 1% on the example designs; tests hold it).
 *
 * Layer reuse (as LLMServingSim reuses one decoder block's simulation for identical blocks, Cho et al.
 * 2024): a model's layers are identical and run one after another, so a 2-layer trace gives the
 * whole model: its timeline up to the end of the first layer (which reads its input from outside),
 * the second layer's span and energy L - 1 times, then the final norm,
 *
 *   cost(L layers) = cost(2 layers) + (L - 2) x cost(second layer)
 *
 * (one engine call per shape: a simulate() call on a new trace costs mostly per call, and a 2-layer
 * trace is a sixth of a 12-layer one's ops). A decode step's term needs one layer only, L x (F - S)
 * of a 1-layer trace: the first layer's outside input is read by the shared ops, which cancel. Not every design
 * prices layers independently of the model's depth (in-memory-compute residency depends on all the
 * weights), so the shortcuts are checked against full-depth engine calls on probe shapes when the
 * model is set up and used only if they reproduce them to 1e-6; otherwise every call is at full depth.
 *
 * Nothing is interpolated: the engine's costs are not smooth in the context length (a tensor that
 * stops fitting on chip changes an op's traffic), so every shape is priced exactly.
 */
import type { Design } from "../hardware-models/design.js";
import type { WorkloadSpec } from "../workloads/workload-spec.js";
import { buildIterationTrace, type IterationSequence } from "../workloads/serving-iteration.js";
import { presetShape } from "../workloads/transformer-builder.js";
import { simulate } from "../sim/engine.js";
import type { Result } from "../sim/result.js";

export type CostMode = "exact" | "decomposed";

export interface CostModelOptions {
  mode: CostMode;
  /** Price identical layers from 1- and 2-layer traces when that reproduces the engine (default true). */
  layerReuse: boolean;
}

export const DEFAULT_COST_MODEL: CostModelOptions = { mode: "decomposed", layerReuse: true };

/** Latency and energy of one iteration (or one term of it). */
export interface IterationCost {
  latencySeconds: number;
  energyJ: number;
  /** Actions priced (compute, memory, interconnect). */
  dynamicEnergyJ: number;
  /** Leakage and system static power over the iteration's latency. */
  staticEnergyJ: number;
}

/** A batch the design cannot run (a tensor does not fit, an op no unit runs). */
export class InfeasibleIteration extends Error {
  constructor(readonly design: string, readonly batch: string, readonly reason: string) {
    super(`${design} cannot run ${batch}: ${reason}`);
  }
}

export interface CostModelStats {
  /** simulate() calls made (each a 1-layer, 2-layer or full-depth trace). */
  engineCalls: number;
  /** Iterations priced. */
  iterations: number;
  /** Whether layer reuse is in use, and the largest relative difference the probes showed. */
  layerReuse: boolean;
  layerReuseProbeError: number;
}

const ZERO: IterationCost = { latencySeconds: 0, energyJ: 0, dynamicEnergyJ: 0, staticEnergyJ: 0 };

function combine(a: IterationCost, b: IterationCost, k: number): IterationCost {
  return {
    latencySeconds: a.latencySeconds + k * b.latencySeconds, energyJ: a.energyJ + k * b.energyJ,
    dynamicEnergyJ: a.dynamicEnergyJ + k * b.dynamicEnergyJ, staticEnergyJ: a.staticEnergyJ + k * b.staticEnergyJ,
  };
}

function relativeDifference(a: IterationCost, b: IterationCost): number {
  const rel = (x: number, y: number) => (Math.abs(x - y) / Math.max(Math.abs(y), 1e-300));
  return Math.max(rel(a.latencySeconds, b.latencySeconds), rel(a.energyJ, b.energyJ));
}

const isDecode = (s: IterationSequence) => s.queries === 1 && s.context > 0;
const byShape = (a: IterationSequence, b: IterationSequence) => a.queries - b.queries || a.context - b.context;
const keyOf = (sequences: readonly IterationSequence[], sharedTokens: number) => `${sharedTokens}|${sequences.map((s) => `${s.queries}@${s.context}`).join(",")}`;

export class IterationCostModel {
  readonly options: CostModelOptions;
  readonly layers: number;
  private readonly engineCache = new Map<string, IterationCost>();
  /** A decode step's term, F(1 token at context c) - S(1), by context. */
  private readonly decodeTerms = new Map<number, IterationCost>();
  private reuse = false;
  /** Decode terms from 1-layer traces: L x (F - S) of one layer (checked like layer reuse). */
  private decodeFromOneLayer = false;
  /** Weight bytes of the whole model (from a full-depth probe): what the KV cache cannot use. */
  weightBytes = 0;
  readonly stats: CostModelStats = { engineCalls: 0, iterations: 0, layerReuse: false, layerReuseProbeError: NaN };

  /**
   * `probe`: the largest sequences the run will see (a prompt, a decode at the longest context), on
   * which layer reuse is checked against full-depth calls (and which must be feasible).
   */
  constructor(readonly design: Design, readonly model: WorkloadSpec, options: Partial<CostModelOptions> = {}, probe: readonly IterationSequence[] = [{ queries: 1, context: 1 }]) {
    this.options = { ...DEFAULT_COST_MODEL, ...options };
    this.layers = presetShape(model.model, { kvHeads: model.kvHeads }).layers;
    const mixedPrecision = model.precision?.kind === "mixed";
    if (this.options.layerReuse && !mixedPrecision && this.layers > 2) {
      let worst = 0;
      for (const s of probe) {
        const full = this.simulateAt([s], 0, this.layers);
        const reused = this.reused([s], 0);
        worst = Math.max(worst, relativeDifference(reused, full));
      }
      this.stats.layerReuseProbeError = worst;
      this.reuse = worst <= 1e-6;
      // A decode step's attention costs the same in every layer (the first layer's outside input is
      // read by the shared ops, which cancel): checked on the longest context against full depth,
      // relative to the whole step.
      const d = probe.find(isDecode);
      if (this.reuse && d) {
        const full = this.simulateAt([d], 0, this.layers);
        const term = combine(full, this.simulateAt([], 1, this.layers), -1);
        const oneLayer = this.oneLayerDecodeTerm(d.context);
        const error = Math.max(Math.abs(oneLayer.latencySeconds - term.latencySeconds) / full.latencySeconds, Math.abs(oneLayer.energyJ - term.energyJ) / full.energyJ);
        this.stats.layerReuseProbeError = Math.max(worst, error);
        this.decodeFromOneLayer = error <= 1e-6;
      }
    } else {
      for (const s of probe) this.simulateAt([s], 0, this.layers);
    }
    this.stats.layerReuse = this.reuse;
  }

  /** Latency and energy of one iteration running these sequences together. */
  cost(batch: readonly IterationSequence[]): IterationCost {
    this.stats.iterations++;
    if (this.options.mode === "exact") {
      const sequences = [...batch].sort(byShape);
      return this.engine(sequences, 0);
    }
    const prefills: IterationSequence[] = [];
    let latency = 0, energy = 0, dynamic = 0, stat = 0, decodes = 0;
    for (const s of batch) {
      if (!isDecode(s)) {
        prefills.push(s);
        continue;
      }
      decodes++;
      let d = this.decodeTerms.get(s.context);
      if (!d) {
        d = this.decodeFromOneLayer ? this.oneLayerDecodeTerm(s.context) : combine(this.engine([s], 0), this.engine([], 1), -1);
        this.decodeTerms.set(s.context, d);
      }
      latency += d.latencySeconds;
      energy += d.energyJ;
      dynamic += d.dynamicEnergyJ;
      stat += d.staticEnergyJ;
    }
    const w = this.engine(prefills.length > 1 ? prefills.sort(byShape) : prefills, decodes);
    return { latencySeconds: w.latencySeconds + latency, energyJ: w.energyJ + energy, dynamicEnergyJ: w.dynamicEnergyJ + dynamic, staticEnergyJ: w.staticEnergyJ + stat };
  }

  /** F - S of one layer, times the layers. */
  private oneLayerDecodeTerm(context: number): IterationCost {
    let shared = this.engineCache.get("one-layer shared 1");
    if (!shared) this.engineCache.set("one-layer shared 1", (shared = this.simulateAt([], 1, 1)));
    return combine(ZERO, combine(this.simulateAt([{ queries: 1, context }], 0, 1), shared, -1), this.layers);
  }

  /** One engine evaluation (whole model), cached by shape. */
  private engine(sequences: readonly IterationSequence[], sharedTokens: number): IterationCost {
    if (sequences.length === 0 && sharedTokens === 0) return ZERO;
    const key = keyOf(sequences, sharedTokens);
    let cost = this.engineCache.get(key);
    if (!cost) {
      cost = this.reuse ? this.reused(sequences, sharedTokens) : this.simulateAt(sequences, sharedTokens, this.layers);
      this.engineCache.set(key, cost);
    }
    return cost;
  }

  /**
   * The whole model from one 2-layer run: the second layer's span on the timeline (from the end of
   * the first layer's last op to the end of its own) and its dynamic energy, repeated for the
   * layers after it; static power over the longer run.
   */
  private reused(sequences: readonly IterationSequence[], sharedTokens: number): IterationCost {
    const r = this.simulateResult(sequences, sharedTokens, 2, true);
    let end0 = 0, end1 = 0, dynamic1Pj = 0;
    for (const op of r.ops) {
      if (op.layer === 0) end0 = op.endCycles;
      else if (op.layer === 1) {
        end1 = op.endCycles;
        dynamic1Pj += op.dynamicEnergyPj + workPj(r, op);
      }
    }
    const extra = this.layers - 2;
    const latencySeconds = (r.latencyCycles + extra * (end1 - end0)) / r.frequencyHz;
    const dynamicEnergyJ = (r.dynamicEnergyPj + r.chipEnergyPj - r.chipStaticEnergyPj + extra * dynamic1Pj) * 1e-12;
    // Work-independent power over the longer run (leakage, system, clock tree, PHYs, DRAM background, always-on).
    const staticEnergyJ = r.staticPowerW * latencySeconds;
    return { latencySeconds, energyJ: dynamicEnergyJ + staticEnergyJ, dynamicEnergyJ, staticEnergyJ };
  }

  private simulateAt(sequences: readonly IterationSequence[], sharedTokens: number, layers: number): IterationCost {
    const r = this.simulateResult(sequences, sharedTokens, layers, false);
    return {
      latencySeconds: r.latencySeconds, energyJ: r.energyJ, dynamicEnergyJ: (r.dynamicEnergyPj + r.chipEnergyPj - r.chipStaticEnergyPj) * 1e-12,
      staticEnergyJ: (r.leakageEnergyPj + r.systemEnergyPj + r.chipStaticEnergyPj) * 1e-12,
    };
  }

  private simulateResult(sequences: readonly IterationSequence[], sharedTokens: number, layers: number, perOp: boolean): Result {
    this.stats.engineCalls++;
    const trace = buildIterationTrace(this.model, sequences, { sharedTokens, layers });
    const outcome = simulate(this.design, trace, { perOp });
    if (!outcome.ok) {
      const r = outcome.infeasible.reasons[0];
      throw new InfeasibleIteration(this.design.name, trace.model.variants?.iteration ?? "an iteration", `${r?.opId ? `${r.opId}: ` : ""}${r?.reason ?? "infeasible"}`);
    }
    if (layers === this.layers) this.weightBytes = outcome.result.weightBytes;
    return outcome.result;
  }
}

/** An op's share of the chip energy that follows its own bytes and cycles (its time share of the static part taken off). */
function workPj(r: Result, op: Result["ops"][number]): number {
  return op.chipEnergyPj - (r.serialLatencyCycles > 0 ? (r.chipStaticEnergyPj * op.latencyCycles) / r.serialLatencyCycles : 0);
}
