/**
 * SCALE-Sim v2's DRAM accounting, for `trafficModel: scalesim-v2` (to compare with SCALE-Sim runs;
 * it is not our physical model). Words are one byte. Derived from how SCALE-Sim v2's double-buffered
 * read buffer behaves (scalesim/memory/read_buffer.py), re-expressed as a walk over fold segments
 * instead of an element-by-element replay; it reproduces every DRAM read count of
 * ../shared/reference/scalesim exactly (see docs/scalesim-interop.md).
 *
 * CALC mode (no bandwidth given; scalesim/memory/read_buffer_estimate_bw.py): the demand stream
 * of an operand is cut into groups of 50 sets of E = floor(S/100) distinct words (half the SRAM);
 * within a group a word already seen is a hit, and when a group fills the window jumps to the next
 * (empty) group, so everything seen before is forgotten. An operand that fits in half its SRAM is
 * read once; a larger one is re-read on every pass that revisits it (issue 15: we used to read it
 * once regardless). Counted as a walk over fold visits (calcReads); the stationary operand (ws
 * filter, is ifmap) is visited once per element and read once.
 *
 * USER mode (Bandwidth = BW words/cycle), per read operand with S SRAM words:
 *   active half act = ceil(S/2), prefetch half pre = S - act; the prefetch stream (the operand
 *   in fold order, padded with null requests to whole folds along one dimension) is cut, over its
 *   real elements, into sets of E = ceil(S/100) elements: n = floor(real/E) + 1 sets.
 *   The active window holds A = min(ceil(act/E), n) sets, circularly; a miss moves it forward by
 *   P = min(ceil(pre/E), n - A) sets and costs ceil(pre/BW) x BW words. It never moves back, so a
 *   request just behind the window costs a whole lap (that is where 16x and 72x re-reads come from).
 *   reads = min(ceil(act/BW), ceil(padded/BW)) x BW  +  advances x ceil(pre/BW) x BW
 *   Demand order, per operand: folds visited in SCALE-Sim's loop order; within a fold the skewed
 *   streams (os ifmap/filter, ws ifmap, is filter) walk an anti-diagonal layout forwards, the
 *   stationary-operand streams (ws filter, is ifmap) read row-major rows from the bottom of the
 *   fold up.
 * Ofmap: every partial sum is written to DRAM: os M*N, ws/is M*N*ceil(K/R). (SCALE-Sim adds a few
 *   words when a half-full line lands mid-drain, up to 0.009% in the reference rows; not copied.)
 *
 * Convolutions (issue 15): SCALE-Sim's ifmap operand matrix holds im2col *addresses* into the real
 * IFMAP (operand_matrix.py, calc_ifmap_elem_addr), and its read buffers hit on addresses already
 * held. While the IFMAP's distinct words fit the window that never forgets (CALC: the 50-set group,
 * 50 floor(S/100) words; USER: the active half), its DRAM reads are those words once (USER: in
 * whole Bandwidth-word lines). Beyond that the hit pattern depends on the address order within the
 * window; it is not reproduced, and the im2col GEMM's count (no address reuse) is charged: an upper
 * bound. No SCALE-Sim conv run is in ../shared/reference, so these conv counts are unvalidated.
 */
import type { MatmulOp } from "../../workloads/trace.js";
import { matmulAElements } from "../../workloads/conv.js";
import type { Dataflow } from "./systolic-array.js";

export interface ScalesimBufferSpec {
  rows: number;
  cols: number;
  dataflow: Dataflow;
  ifmapBufferBytes: number;
  filterBufferBytes: number;
  /** DRAM words per cycle; undefined = CALC mode. */
  scalesimBandwidthWords?: number;
}

export interface ScalesimWords {
  ifmapReads: number;
  filterReads: number;
  ofmapWrites: number;
  /** USER mode: the words each read buffer prefetches before cycle 0 (its first active half, or the
   *  whole padded operand when smaller, in Bandwidth-word lines); 0 in CALC mode. */
  ifmapPrefetchWords: number;
  filterPrefetchWords: number;
}

const cdiv = (a: number, b: number) => Math.ceil(a / b);

export function scalesimDramWords(spec: ScalesimBufferSpec, op: Pick<MatmulOp, "m" | "n" | "k" | "conv">): ScalesimWords {
  const { m: M, n: N, k: K } = op;
  const R = spec.rows;
  const ofmapWrites = spec.dataflow === "os" ? M * N : M * N * cdiv(K, R);
  const bw = spec.scalesimBandwidthWords;
  const S = Math.floor(spec.ifmapBufferBytes);
  // A conv's distinct IFMAP words, when they fit the window that never forgets (header).
  const convWords = op.conv ? matmulAElements(op) : Infinity;
  if (bw === undefined) {
    const E = Math.floor(S / 100);
    return {
      ifmapReads: convWords <= (E >= 1 ? 50 * E : Infinity) ? convWords : calcReads(spec, op, "ifmap", spec.ifmapBufferBytes),
      filterReads: calcReads(spec, op, "filter", spec.filterBufferBytes),
      ofmapWrites, ifmapPrefetchWords: 0, filterPrefetchWords: 0,
    };
  }
  const convLines = convWords <= Math.ceil(S / 2) ? cdiv(convWords, bw) * bw : Infinity;
  return {
    ifmapReads: Math.min(convLines, userReads(spec, op, "ifmap", spec.ifmapBufferBytes, bw)),
    filterReads: userReads(spec, op, "filter", spec.filterBufferBytes, bw),
    ofmapWrites,
    ifmapPrefetchWords: Math.min(convLines, firstFetch(spec, op, "ifmap", spec.ifmapBufferBytes, bw)),
    filterPrefetchWords: firstFetch(spec, op, "filter", spec.filterBufferBytes, bw),
  };
}

/** Words a read buffer fetches before cycle 0: its active half, or the padded operand if smaller, in lines. */
function firstFetch(spec: ScalesimBufferSpec, op: Pick<MatmulOp, "m" | "n" | "k">, which: Which, bufferWords: number, bw: number): number {
  const act = Math.ceil(Math.floor(bufferWords) * 0.5);
  const padded = paddedSize(spec.dataflow, spec.rows, spec.cols, op.m, op.n, op.k, which);
  return Math.min(cdiv(act, bw), cdiv(padded, bw)) * bw;
}

type Which = "ifmap" | "filter";

function paddedSize(df: Dataflow, R: number, C: number, M: number, N: number, K: number, which: Which): number {
  if (which === "ifmap") {
    if (df === "os") return cdiv(M, R) * R * K;
    if (df === "ws") return M * cdiv(K, R) * R;
    return cdiv(M, C) * C * K;
  }
  if (df === "is") return cdiv(K, R) * R * N;
  return K * cdiv(N, C) * C;
}

function userReads(spec: ScalesimBufferSpec, op: Pick<MatmulOp, "m" | "n" | "k">, which: Which, bufferWords: number, bw: number): number {
  const { m: M, n: N, k: K } = op;
  const S = Math.floor(bufferWords);
  const act = Math.ceil(S * 0.5);
  const pre = S - act;
  const E = Math.ceil(S / 100);
  const real = which === "ifmap" ? M * K : K * N;
  const n = Math.floor(real / E) + 1;
  const A = Math.min(cdiv(act, E), n);
  const P = Math.min(cdiv(pre, E), n - A);
  const first = firstFetch(spec, op, which, bufferWords, bw);
  if (A === n) return first;
  let start = 0;
  let advances = 0;
  const mod = (x: number) => ((x % n) + n) % n;
  forEachSegment(spec, op, which, (lo, hi) => {
    let s = Math.floor(lo / E);
    const b = Math.floor(hi / E);
    for (;;) {
      while (mod(s - start) >= A) {
        start = (start + P) % n;
        advances++;
      }
      const e = s + (A - 1 - mod(s - start));
      if (e >= b) break;
      s = e + 1;
    }
  });
  return first + advances * cdiv(pre, bw) * bw;
}

/**
 * CALC-mode DRAM reads of one operand (header). The state is the group's word count and, per fold
 * tile in it, the suffix of the tile's demand order it holds (a visit misses the rest; a group that
 * fills mid-visit forgets everything, so the visit's remaining words all miss).
 */
function calcReads(spec: ScalesimBufferSpec, op: Pick<MatmulOp, "m" | "n" | "k">, which: Which, bufferWords: number): number {
  const real = which === "ifmap" ? op.m * op.k : op.k * op.n;
  const tiles = skewedTiles(spec, op, which);
  if (!tiles) return real; // the stationary operand: every word demanded once
  const E = Math.floor(Math.floor(bufferWords) / 100);
  const cap = E >= 1 ? 50 * E : Infinity; // with no whole set, a set never closes: nothing is forgotten
  const held = new Map<number, number>(); // tile -> first position of the suffix the group holds
  let count = 0, reads = 0;
  tiles.forEach((tile) => {
    const size = tiles.size(tile);
    const misses = held.get(tile) ?? size;
    if (count + misses < cap) {
      reads += misses;
      count += misses;
      held.set(tile, 0);
      return;
    }
    // The group fills during this visit's misses; every word after that misses too.
    reads += size;
    const after = size - (cap - count);
    held.clear();
    count = after % cap;
    if (count > 0) held.set(tile, size - count);
  });
  return reads;
}

/** The fold tiles a skewed (streamed) operand's demand visits, in SCALE-Sim's loop order. */
interface FoldTiles {
  size(tile: number): number;
  forEach(visit: (tile: number) => void): void;
}

function skewedTiles(spec: ScalesimBufferSpec, op: Pick<MatmulOp, "m" | "n" | "k">, which: Which): FoldTiles | undefined {
  const g = skewedGeometry(spec, op, which);
  if (!g) return undefined;
  const { nf, L, W, dim, passes, foldOuter } = g;
  const vLast = dim - (nf - 1) * W;
  return {
    size: (tile) => L * (tile < nf - 1 ? W : vLast),
    forEach(visit) {
      if (foldOuter) {
        for (let t = 0; t < nf; t++) for (let p = 0; p < passes; p++) visit(t);
      } else {
        for (let p = 0; p < passes; p++) for (let t = 0; t < nf; t++) visit(t);
      }
    },
  };
}

/**
 * A skewed operand's folds: nf fold tiles of L demand rows x W words (the last `dim - (nf-1)W`
 * wide), each visited `passes` times, tile by tile (foldOuter) or pass by pass. Undefined for the
 * stationary operand (ws filter, is ifmap).
 */
function skewedGeometry(spec: ScalesimBufferSpec, op: Pick<MatmulOp, "m" | "n" | "k">, which: Which):
  { nf: number; L: number; W: number; dim: number; passes: number; foldOuter: boolean } | undefined {
  const { m: M, n: N, k: K } = op;
  const R = spec.rows, C = spec.cols, df = spec.dataflow;
  if (df === "os" && which === "ifmap") return { nf: cdiv(M, R), L: K, W: R, dim: M, passes: cdiv(N, C), foldOuter: false };
  if (df === "os") return { nf: cdiv(N, C), L: K, W: C, dim: N, passes: cdiv(M, R), foldOuter: true };
  if (df === "ws" && which === "ifmap") return { nf: cdiv(K, R), L: M, W: R, dim: K, passes: cdiv(N, C), foldOuter: false };
  if (df === "is" && which === "filter") return { nf: cdiv(K, R), L: N, W: R, dim: K, passes: cdiv(M, C), foldOuter: false };
  return undefined;
}

/** Cells (r, c) with r0 <= r < r1, c0 <= c < c1 and r + c < d. */
function rectBelow(r0: number, r1: number, c0: number, c1: number, d: number): number {
  if (r1 <= r0 || c1 <= c0) return 0;
  const h = r1 - r0;
  const clampSum = (x: number) => (x <= 0 ? 0 : x <= h ? (x * (x + 1)) / 2 : (h * (h + 1)) / 2 + (x - h) * h);
  return clampSum(d - r0 - c0) - clampSum(d - r0 - (c1 - 1) - 1);
}

/** Position in prefetch order of cell (r, c) of an (nf*L) x W matrix laid out along anti-diagonals
 *  (rows high to low within a diagonal), whose last fold block has only vLast real columns. */
class DiagonalLayout {
  private readonly rows: number;
  constructor(private readonly nf: number, private readonly L: number, private readonly W: number, private readonly vLast: number) {
    this.rows = nf * L;
  }
  private realBelow(r0: number, d: number): number {
    const full = rectBelow(r0, this.rows, 0, this.W, d);
    const padStart = Math.max(r0, (this.nf - 1) * this.L);
    return full - rectBelow(padStart, this.rows, this.vLast, this.W, d);
  }
  index(r: number, c: number): number {
    const d = r + c;
    return this.realBelow(0, d) + this.realBelow(r + 1, d + 1) - this.realBelow(r + 1, d);
  }
  foldSpan(g: number): [number, number] {
    const v = g < this.nf - 1 ? this.W : this.vLast;
    return [this.index(g * this.L, 0), this.index(g * this.L + this.L - 1, v - 1)];
  }
}

function forEachSegment(spec: ScalesimBufferSpec, op: Pick<MatmulOp, "m" | "n" | "k">, which: Which, visit: (lo: number, hi: number) => void): void {
  const { m: M, n: N, k: K } = op;
  const R = spec.rows, C = spec.cols, df = spec.dataflow;
  const skewed = skewedGeometry(spec, op, which);
  if (skewed) {
    const { nf, L, W, dim, passes, foldOuter } = skewed;
    const layout = new DiagonalLayout(nf, L, W, dim - (nf - 1) * W);
    const spans = Array.from({ length: nf }, (_, g) => layout.foldSpan(g));
    if (foldOuter) {
      for (const [lo, hi] of spans) for (let p = 0; p < passes; p++) visit(lo, hi);
    } else {
      for (let p = 0; p < passes; p++) for (const [lo, hi] of spans) visit(lo, hi);
    }
    return;
  }
  // Stationary operand (ws filter, is ifmap): row-major (nf*K) x C blocks; each fold reads its
  // rows from the bottom of the K-slice up, left to right.
  const dim = df === "ws" ? N : M;
  const nf = cdiv(dim, C);
  const vLast = dim - (nf - 1) * C;
  const lastBlockStart = (nf - 1) * K;
  const index = (r: number, c: number) => (r <= lastBlockStart ? r * C + c : lastBlockStart * C + (r - lastBlockStart) * vLast + c);
  for (let fc = 0; fc < nf; fc++) {
    const v = fc < nf - 1 ? C : vLast;
    for (let fr = 0; fr < cdiv(K, R); fr++) {
      const kHi = Math.min(fr * R + R, K) - 1;
      for (let k = kHi; k >= fr * R; k--) {
        const r = fc * K + k;
        visit(index(r, 0), index(r, v - 1));
      }
    }
  }
}
