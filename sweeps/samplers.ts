/**
 * Samplers over the discrete parameter space, all seeded and all index-addressable (point i is a
 * pure function of the spec, the seed and i), so shards and resumed runs agree on every point.
 *   grid    the full Cartesian product, in declaration order, the last parameter varying fastest
 *   random  each parameter uniformly, independently per point
 *   lhs     Latin hypercube (McKay, Beckman & Conover 1979): for each parameter the unit interval
 *           is cut into n strata and every stratum holds exactly one of the n samples
 * NSGA-II (nsga2.ts) proposes points generation by generation instead.
 */
import { mulberry32, permutation } from "../common/random.js";

export { mulberry32 };
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
    return permutation(n, streamFor(seed, -1, dim));
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
