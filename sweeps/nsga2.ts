/**
 * NSGA-II (Deb, Pratap, Agarwal & Meyarivan, IEEE TEVC 2002) over genes in [0, 1]^d, minimising every
 * objective. Ask/tell: `ask()` returns the genes to evaluate, `tell()` their objective vectors
 * (Infinity for a point that is infeasible or breaks a constraint: it is dominated by every feasible
 * point). Variation: binary tournament on (rank, crowding), simulated binary crossover (eta 15, p 0.9)
 * and polynomial mutation (eta 20, p 1/d), the paper's operators and usual parameters. Seeded.
 *
 * Over a discrete space many genes map to one point. Duplicates are eliminated, as pymoo does for
 * discrete problems (Blank & Deb 2020, `eliminate_duplicates`): a child that is a point already in
 * the population or among its siblings is bred again (up to MAX_REBREEDS times), and the pool a
 * generation is selected from keeps one individual per point, so the population spreads over
 * distinct points instead of filling with copies of the best one.
 */
import { mulberry32 } from "../common/random.js";
import type { Outcome, Proposal, Sampler } from "./samplers.js";

export interface Individual {
  genes: number[];
  objectives: number[];
  rank: number;
  crowding: number;
}

export class Nsga2 {
  private readonly rand: () => number;
  private population: Individual[] = [];
  private pending: number[][] = [];
  generation = 0;

  /** Individuals per generation (the population asked for, made even for pairwise crossover). */
  readonly size: number;

  /**
   * `point` names the point genes stand for (the discrete indices of a sweep); by default every
   * gene vector is its own point (a continuous problem).
   */
  constructor(private readonly dims: number, size: number, seed: number, private readonly point: (genes: number[]) => string = (g) => g.join(",")) {
    this.rand = mulberry32(seed);
    this.size = size % 2 === 0 ? size : size + 1;
  }

  /** Genes to evaluate next: the initial population, then each generation's offspring, without repeated points where it can. */
  ask(): number[][] {
    const seen = new Set(this.population.map((p) => this.point(p.genes)));
    const fresh = (breed: () => number[][]): number[][] => {
      let genes = breed();
      for (let tries = 0; tries < MAX_REBREEDS && genes.some((g) => seen.has(this.point(g))); tries++) genes = breed();
      for (const g of genes) seen.add(this.point(g));
      return genes;
    };
    const children: number[][] = [];
    while (children.length < this.size) {
      if (this.population.length === 0) children.push(...fresh(() => [Array.from({ length: this.dims }, () => this.rand())]));
      else {
        children.push(...fresh(() => {
          const [a, b] = this.crossover(this.tournament().genes, this.tournament().genes);
          return [this.mutate(a), this.mutate(b)];
        }));
      }
    }
    this.pending = children.slice(0, this.size);
    return this.pending;
  }

  /** Objective vectors of the last `ask()`, in order. */
  tell(objectives: number[][]): void {
    const evaluated = this.pending.map((genes, i) => ({ genes, objectives: objectives[i]!, rank: 0, crowding: 0 }));
    const points = new Set<string>();
    const pool = [...this.population, ...evaluated].filter((p) => {
      const key = this.point(p.genes);
      return !points.has(key) && points.add(key);
    });
    this.population = select(pool, this.size);
    this.generation++;
  }

  /** The current first front. */
  front(): Individual[] {
    return this.population.filter((p) => p.rank === 0);
  }

  private tournament(): Individual {
    const a = this.population[Math.floor(this.rand() * this.population.length)]!;
    const b = this.population[Math.floor(this.rand() * this.population.length)]!;
    if (a.rank !== b.rank) return a.rank < b.rank ? a : b;
    return a.crowding >= b.crowding ? a : b;
  }

  private crossover(p1: number[], p2: number[]): [number[], number[]] {
    const c1 = [...p1], c2 = [...p2];
    if (this.rand() > 0.9) return [c1, c2];
    const eta = 15;
    for (let i = 0; i < this.dims; i++) {
      if (this.rand() > 0.5 || Math.abs(p1[i]! - p2[i]!) < 1e-14) continue;
      const u = this.rand();
      const beta = u <= 0.5 ? (2 * u) ** (1 / (eta + 1)) : (1 / (2 * (1 - u))) ** (1 / (eta + 1));
      c1[i] = clamp(0.5 * ((1 + beta) * p1[i]! + (1 - beta) * p2[i]!));
      c2[i] = clamp(0.5 * ((1 - beta) * p1[i]! + (1 + beta) * p2[i]!));
    }
    return [c1, c2];
  }

  private mutate(x: number[]): number[] {
    const eta = 20;
    return x.map((v) => {
      if (this.rand() > 1 / this.dims) return v;
      const u = this.rand();
      const delta = u < 0.5 ? (2 * u) ** (1 / (eta + 1)) - 1 : 1 - (2 * (1 - u)) ** (1 / (eta + 1));
      return clamp(v + delta);
    });
  }
}

/** Times a child that repeats a point is bred again before it is taken as it is (a small space may hold no new point). */
const MAX_REBREEDS = 20;

function clamp(v: number): number {
  return Math.min(1, Math.max(0, v));
}

function dominates(a: number[], b: number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false;
    if (a[i]! < b[i]!) better = true;
  }
  return better;
}

/** Fast non-dominated sorting + crowding distance; keep the best `size`. */
export function select(pool: Individual[], size: number): Individual[] {
  const fronts = nonDominatedFronts(pool);
  const next: Individual[] = [];
  for (const front of fronts) {
    assignCrowding(front);
    if (next.length + front.length <= size) next.push(...front);
    else {
      front.sort((a, b) => b.crowding - a.crowding);
      next.push(...front.slice(0, size - next.length));
      break;
    }
  }
  return next;
}

export function nonDominatedFronts(pool: Individual[]): Individual[][] {
  const n = pool.length;
  const dominatedBy: number[][] = Array.from({ length: n }, () => []);
  const count = new Array<number>(n).fill(0);
  const fronts: Individual[][] = [[]];
  for (let p = 0; p < n; p++) {
    for (let q = 0; q < n; q++) {
      if (p === q) continue;
      if (dominates(pool[p]!.objectives, pool[q]!.objectives)) dominatedBy[p]!.push(q);
      else if (dominates(pool[q]!.objectives, pool[p]!.objectives)) count[p]!++;
    }
    if (count[p] === 0) {
      pool[p]!.rank = 0;
      fronts[0]!.push(pool[p]!);
    }
  }
  let i = 0;
  while (fronts[i]!.length > 0) {
    const next: Individual[] = [];
    for (const p of fronts[i]!) {
      for (const q of dominatedBy[pool.indexOf(p)]!) {
        if (--count[q]! === 0) {
          pool[q]!.rank = i + 1;
          next.push(pool[q]!);
        }
      }
    }
    fronts.push(next);
    i++;
  }
  return fronts.filter((f) => f.length > 0);
}

function assignCrowding(front: Individual[]): void {
  for (const p of front) p.crowding = 0;
  const m = front[0]?.objectives.length ?? 0;
  for (let k = 0; k < m; k++) {
    front.sort((a, b) => a.objectives[k]! - b.objectives[k]!);
    const lo = front[0]!.objectives[k]!, hi = front[front.length - 1]!.objectives[k]!;
    front[0]!.crowding = front[front.length - 1]!.crowding = Infinity;
    if (!(hi > lo) || !Number.isFinite(hi - lo)) continue;
    for (let i = 1; i < front.length - 1; i++) front[i]!.crowding += (front[i + 1]!.objectives[k]! - front[i - 1]!.objectives[k]!) / (hi - lo);
  }
}

/**
 * NSGA-II as a sweep sampler over discrete dimensions (gene x in [0, 1] picks value floor(x * size)):
 * the initial population and `generations` offspring generations, each proposed whole and told
 * back whole before the next is bred. Point numbers run on across generations.
 */
export function nsga2Sampler(sizes: number[], population: number, generations: number, seed: number): Sampler {
  const indices = (genes: number[]) => genes.map((x, d) => Math.min(sizes[d]! - 1, Math.floor(x * sizes[d]!)));
  const opt = new Nsga2(sizes.length, population, seed, (genes) => indices(genes).join(","));
  let generation = 0;
  let queue: Proposal[] = [];
  let waiting: Map<number, number[]> | undefined; // point -> objectives, of the generation asked
  let asked = 0;
  return {
    count: (generations + 1) * opt.size,
    learns: true,
    repeats: true,
    ask(max) {
      if (queue.length === 0) {
        if (waiting) return [];
        if (generation > generations) return null;
        const first = generation * opt.size;
        queue = opt.ask().map((genes, p) => ({ point: first + p, indices: indices(genes) }));
        waiting = new Map();
        asked = queue.length;
      }
      return queue.splice(0, max);
    },
    tell(outcomes: Outcome[]) {
      if (!waiting) return;
      for (const o of outcomes) waiting.set(o.point, o.objectives);
      if (waiting.size < asked) return;
      const first = generation * opt.size;
      opt.tell(Array.from({ length: asked }, (_, p) => waiting!.get(first + p)!));
      waiting = undefined;
      generation++;
    },
  };
}
