/**
 * Samplers over the discrete parameter space, all seeded and all index-addressable (point i is a
 * pure function of the spec, the seed and i), so shards and resumed runs agree on every point.
 *   grid    the full Cartesian product, in declaration order, the last parameter varying fastest
 *   random  each parameter uniformly, independently per point
 *   lhs     Latin hypercube (McKay, Beckman & Conover 1979): for each parameter the unit interval
 *           is cut into n strata and every stratum holds exactly one of the n samples
 * NSGA-II (nsga2.ts) proposes points generation by generation instead, from what it was told.
 *
 * Every sampler is driven through one ask/tell interface (`Sampler`), by one loop in runner.ts.
 */
import { mulberry32 } from "../common/random.js";
import type { SamplerSpec } from "./spec.js";
import { nsga2Sampler } from "./nsga2.js";

export { mulberry32 };

/** A proposed design point: its number (its rows' index is number x workloads + workload) and a value index per dimension. */
export interface Proposal {
  point: number;
  indices: number[];
}

/** What the runner tells a sampler about a point it proposed: its objectives (minimised; Infinity when the point is not ok). */
export interface Outcome {
  point: number;
  objectives: number[];
}

/** Ask/tell (Timeloop's search interface): the runner asks for points, evaluates them, tells the outcome. */
export interface Sampler {
  /** Points it proposes in all. */
  readonly count: number;
  /** It learns from outcomes (the runner keeps the rows' objectives for it); index samplers do not. */
  readonly learns: boolean;
  /** It may propose a point twice (the runner then evaluates it once). */
  readonly repeats: boolean;
  /** Up to `max` next points; [] while it waits for the outcomes of the ones it proposed; null when done. */
  ask(max: number): Proposal[] | null;
  tell(outcomes: Outcome[]): void;
}

/** An index-addressable sampler driven through ask/tell: points 0..count-1 in order. */
export function askIndices(sampler: IndexSampler, repeats: boolean): Sampler {
  let next = 0;
  return {
    count: sampler.count,
    learns: false,
    repeats,
    ask(max) {
      if (next >= sampler.count) return null;
      const out: Proposal[] = [];
      for (; out.length < max && next < sampler.count; next++) out.push({ point: next, indices: sampler.point(next) });
      return out;
    },
    tell() {
      // index samplers propose independently of outcomes
    },
  };
}

/** The spec's sampler over dimensions of `sizes` values each. */
export function samplerFor(spec: SamplerSpec, sizes: number[]): Sampler {
  switch (spec.kind) {
    case "grid":
      return askIndices(gridSampler(sizes), false);
    case "random":
      return askIndices(randomSampler(sizes, spec.samples!, spec.seed), true);
    case "lhs":
      return askIndices(lhsSampler(sizes, spec.samples!, spec.seed), true);
    case "nsga2":
      return nsga2Sampler(sizes, spec.population!, spec.generations!, spec.seed);
    default: {
      const never: never = spec.kind;
      throw new TypeError(`unknown sampler ${String(never)}`);
    }
  }
}
/** A seeded stream for (seed, a, b): independent draws per point and dimension. */
function streamFor(seed: number, a: number, b = 0): () => number {
  return mulberry32(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(a + 1, 0xc2b2ae35) ^ Math.imul(b + 7, 0x27d4eb2f));
}

export interface IndexSampler {
  /** Points it proposes. */
  readonly count: number;
  /** Value index per dimension of point i. */
  point(i: number): number[];
}

export function gridSampler(sizes: number[]): IndexSampler {
  const count = sizes.reduce((a, b) => a * b, 1);
  return {
    count,
    point(i) {
      const out = new Array<number>(sizes.length);
      let rest = i;
      for (let d = sizes.length - 1; d >= 0; d--) {
        out[d] = rest % sizes[d]!;
        rest = Math.floor(rest / sizes[d]!);
      }
      return out;
    },
  };
}

export function randomSampler(sizes: number[], samples: number, seed: number): IndexSampler {
  return {
    count: samples,
    point(i) {
      const rand = streamFor(seed, i);
      return sizes.map((s) => Math.floor(rand() * s));
    },
  };
}

/** The n x d unit-cube points of a Latin hypercube; exposed for tests of the stratification. */
export function latinHypercubeUnit(n: number, d: number, seed: number): (i: number) => number[] {
  const perms = Array.from({ length: d }, (_, dim) => {
    const rand = streamFor(seed, -1, dim);
    const p = Array.from({ length: n }, (_, k) => k);
    for (let k = n - 1; k > 0; k--) {
      const j = Math.floor(rand() * (k + 1));
      [p[k], p[j]] = [p[j]!, p[k]!];
    }
    return p;
  });
  return (i) => {
    const rand = streamFor(seed, i, 1);
    return perms.map((p) => (p[i]! + rand()) / n);
  };
}

export function lhsSampler(sizes: number[], samples: number, seed: number): IndexSampler {
  const unit = latinHypercubeUnit(samples, sizes.length, seed);
  return {
    count: samples,
    point(i) {
      return unit(i).map((u, d) => Math.min(sizes[d]! - 1, Math.floor(u * sizes[d]!)));
    },
  };
}
