/**
 * Sparse attention as data: a block-mask descriptor on the score matrix (queries x keys) that any
 * hardware model can expand into the exact grid of blocks the pattern touches.
 *
 * Patterns (i = absolute query position, j = key position; `causal` adds j <= i):
 *   block-random    each block row keeps k = max(1, round(density x allowed blocks)) blocks chosen
 *                   by a seeded PRNG (BigBird/Sparse-Transformer style random block layout)
 *   block-diagonal  each block row keeps the k blocks nearest the diagonal (a fixed layout)
 *   local           sliding window: |i - j| <= window/2, or 0 <= i - j < window when causal
 *                   (Beltagy et al. 2020; Child et al. 2019 local heads)
 *   strided         Child et al. 2019 strided: |i - j| < stride or (i - j) mod stride == 0
 *   fixed           Child et al. 2019 fixed: floor(i/stride) == floor(j/stride), or
 *                   j mod stride >= stride - summary
 *   bigbird         Zaheer et al. 2020, in blocks: `global` first block rows/cols, a band of
 *                   `window` blocks, `random` seeded blocks per block row
 *   longformer      Beltagy et al. 2020: |i - j| <= window/2, or i < global, or j < global
 * A block is kept when any element of it is in the pattern; a block-sparse kernel computes whole
 * blocks, so MACs and elements are counted at block granularity (edge blocks are partial).
 */
import { mulberry32 } from "../common/random.js";
import { keyedMemo, objectMemo } from "../common/memo.js";

export const MASK_PATTERNS = ["block-random", "block-diagonal", "local", "strided", "fixed", "bigbird", "longformer"] as const;
export type MaskPattern = (typeof MASK_PATTERNS)[number];

export interface BlockMask {
  pattern: MaskPattern;
  /** Query rows and key columns of the score matrix (per head and batch item). */
  rows: number;
  cols: number;
  /** Absolute position of the first query row (decode: the cached context length). */
  rowOffset: number;
  block: number;
  causal: boolean;
  density?: number;
  window?: number;
  stride?: number;
  summary?: number;
  global?: number;
  random?: number;
  seed?: number;
}

export interface MaskGrid {
  mask: BlockMask;
  rowBlocks: number;
  colBlocks: number;
  /** 1 where the block (row block r, col block c) is kept: cells[r * colBlocks + c]. */
  cells: Uint8Array;
  nnzBlocks: number;
  /** Elements covered by kept blocks (what a block-sparse kernel computes). */
  nnzElements: number;
  /** Kept blocks per block row. */
  rowBlockNnz: Int32Array;
}

/** k distinct picks from `candidates`, seeded (partial Fisher-Yates). */
function pick(candidates: number[], k: number, rand: () => number): number[] {
  const a = [...candidates];
  const n = Math.min(k, a.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rand() * (a.length - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, n);
}

/** Is element (i, j) in an element-level pattern (before the causal restriction)? */
function elementIn(m: BlockMask, i: number, j: number): boolean {
  const d = i - j;
  switch (m.pattern) {
    case "local":
      return m.causal ? d >= 0 && d < m.window! : Math.abs(d) <= Math.floor(m.window! / 2);
    case "strided":
      return Math.abs(d) < m.stride! || d % m.stride! === 0;
    case "fixed":
      return Math.floor(i / m.stride!) === Math.floor(j / m.stride!) || j % m.stride! >= m.stride! - (m.summary ?? 1);
    case "longformer":
      return Math.abs(d) <= Math.floor(m.window! / 2) || i < (m.global ?? 0) || j < (m.global ?? 0);
    default:
      throw new Error(`${m.pattern} is a block-level pattern`);
  }
}

/**
 * Does the block of queries [i0, i1] x keys [j0, j1] contain an element of an element-level
 * pattern? Exact; interval arithmetic on d = i - j in [i0 - j1, i1 - j0] where it can be, else a
 * scan (only blocks that straddle the causal diagonal, or patterns with no interval form).
 */
function blockHasElement(m: BlockMask, i0: number, i1: number, j0: number, j1: number): boolean {
  const allowedCausal = !m.causal || i1 >= j0;
  if (!allowedCausal) return false;
  const straddles = m.causal && j1 > i0; // some pairs have j > i
  const lo = i0 - j1, hi = i1 - j0;
  if (!straddles) {
    switch (m.pattern) {
      case "local": {
        const [a, b] = m.causal ? [0, m.window! - 1] : [-Math.floor(m.window! / 2), Math.floor(m.window! / 2)];
        return lo <= b && hi >= a;
      }
      case "strided": {
        const s = m.stride!;
        if (lo < s && hi > -s) return true;
        return Math.floor(hi / s) * s >= lo; // a multiple of s in [lo, hi]
      }
      case "longformer": {
        const h = Math.floor(m.window! / 2);
        const g = m.global ?? 0;
        return (lo <= h && hi >= -h) || i0 < g || j0 < g;
      }
      default:
        break; // "fixed": scan below
    }
  }
  for (let i = i0; i <= i1; i++) {
    for (let j = j0; j <= j1; j++) {
      if (m.causal && j > i) break;
      if (elementIn(m, i, j)) return true;
    }
  }
  return false;
}

function validate(m: BlockMask): void {
  const need = (key: keyof BlockMask) => {
    const v = m[key];
    if (typeof v !== "number" || !(v > 0)) throw new RangeError(`sparsity pattern ${m.pattern} needs a positive ${String(key)}`);
  };
  if (!(m.block >= 1) || !Number.isInteger(m.block)) throw new RangeError("sparsity block size must be a positive integer");
  switch (m.pattern) {
    case "block-random":
    case "block-diagonal":
      need("density");
      if (m.density! > 1) throw new RangeError("density must be at most 1");
      break;
    case "local":
    case "longformer":
      need("window");
      break;
    case "strided":
    case "fixed":
      need("stride");
      break;
    case "bigbird":
      break;
    default: {
      const never: never = m.pattern;
      throw new RangeError(`unknown sparsity pattern ${String(never)}`);
    }
  }
}

const gridsByDescriptor = keyedMemo<string, MaskGrid>("workloads.mask-grid");
const gridsByObject = objectMemo<BlockMask, MaskGrid>("workloads.mask-grid-object");

/** Expand a mask descriptor into its block grid (remembered: the same descriptor expands once). */
export function expandMask(m: BlockMask): MaskGrid {
  const hit = gridsByObject.lookup(m);
  if (hit) return hit;
  const key = JSON.stringify(m);
  return gridsByObject.store(m, gridsByDescriptor.lookup(key) ?? gridsByDescriptor.store(key, buildGrid(m)));
}

function buildGrid(m: BlockMask): MaskGrid {
  validate(m);
  const b = m.block;
  // Blocks are aligned to absolute positions, so a decode step's rows fall in the same blocks as
  // they would in the full prefill matrix.
  const firstRowBlock = Math.floor(m.rowOffset / b);
  const lastRowBlock = Math.floor((m.rowOffset + m.rows - 1) / b);
  const rowBlocks = lastRowBlock - firstRowBlock + 1;
  const colBlocks = Math.ceil(m.cols / b);
  const cells = new Uint8Array(rowBlocks * colBlocks);
  const rowBlockNnz = new Int32Array(rowBlocks);
  const rowRange = (r: number): [number, number] => {
    const abs = firstRowBlock + r;
    return [Math.max(abs * b, m.rowOffset), Math.min(abs * b + b, m.rowOffset + m.rows) - 1];
  };
  const colRange = (c: number): [number, number] => [c * b, Math.min(c * b + b, m.cols) - 1];
  const allowedCols = (r: number): number[] => {
    const [, i1] = rowRange(r);
    const out: number[] = [];
    for (let c = 0; c < colBlocks; c++) if (!m.causal || c * b <= i1) out.push(c);
    return out;
  };
  for (let r = 0; r < rowBlocks; r++) {
    const abs = firstRowBlock + r;
    const set = (c: number) => {
      cells[r * colBlocks + c] = 1;
    };
    switch (m.pattern) {
      case "block-random":
      case "block-diagonal": {
        const allowed = allowedCols(r);
        const k = Math.max(1, Math.round(m.density! * allowed.length));
        const chosen = m.pattern === "block-random"
          ? pick(allowed, k, mulberry32(((m.seed ?? 1) * 2654435761) ^ abs))
          : [...allowed].sort((x, y) => Math.abs(x - abs) - Math.abs(y - abs) || x - y).slice(0, k);
        chosen.forEach(set);
        break;
      }
      case "bigbird": {
        const allowed = allowedCols(r);
        const g = m.global ?? 2, w = m.window ?? 3, rand = m.random ?? 3;
        const half = Math.floor(w / 2);
        const fixed = allowed.filter((c) => abs < g || c < g || Math.abs(c - abs) <= half);
        fixed.forEach(set);
        const rest = allowed.filter((c) => !fixed.includes(c));
        pick(rest, rand, mulberry32(((m.seed ?? 1) * 2654435761) ^ abs)).forEach(set);
        break;
      }
      default: {
        const [i0, i1] = rowRange(r);
        for (let c = 0; c < colBlocks; c++) {
          const [j0, j1] = colRange(c);
          if (blockHasElement(m, i0, i1, j0, j1)) set(c);
        }
      }
    }
  }
  let nnzBlocks = 0, nnzElements = 0;
  for (let r = 0; r < rowBlocks; r++) {
    const [i0, i1] = rowRange(r);
    for (let c = 0; c < colBlocks; c++) {
      if (!cells[r * colBlocks + c]) continue;
      const [j0, j1] = colRange(c);
      nnzBlocks++;
      rowBlockNnz[r]!++;
      nnzElements += (i1 - i0 + 1) * (j1 - j0 + 1);
    }
  }
  return { mask: m, rowBlocks, colBlocks, cells, nnzBlocks, nnzElements, rowBlockNnz };
}

/** Rows (queries) of the block row r, accounting for the first/last partial blocks. */
export function rowsInBlockRow(g: MaskGrid, r: number): number {
  const b = g.mask.block;
  const abs = Math.floor(g.mask.rowOffset / b) + r;
  return Math.min(abs * b + b, g.mask.rowOffset + g.mask.rows) - Math.max(abs * b, g.mask.rowOffset);
}

/** Key columns of block column c. */
export function colsInBlockCol(g: MaskGrid, c: number): number {
  const b = g.mask.block;
  return Math.min(c * b + b, g.mask.cols) - c * b;
}

/** Fraction of the dense score matrix a block-sparse kernel computes. */
export function maskDensity(g: MaskGrid): number {
  return g.nnzElements / (g.mask.rows * g.mask.cols);
}

/**
 * For hardware that tiles the score matrix into tiles of `tileRows` query rows x `tileCols` key
 * columns (row tiles aligned to the first query): how many tiles hold any kept block, and per row
 * tile / per column tile the number of element columns / rows that hold kept blocks. Cached per grid.
 */
export interface TileStats {
  tilesTouched: number;
  tileRowCount: number;
  tileColCount: number;
  /** Per row tile: key columns (elements) with any kept block in that row tile. */
  activeColsPerRowTile: Int32Array;
  /** Per column tile: query rows (elements) with any kept block in that column tile. */
  activeRowsPerColTile: Int32Array;
}

const tileCache = new WeakMap<MaskGrid, Map<string, TileStats>>();

export function tileStats(g: MaskGrid, tileRows: number, tileCols: number): TileStats {
  let perGrid = tileCache.get(g);
  if (!perGrid) tileCache.set(g, (perGrid = new Map()));
  const key = `${tileRows}x${tileCols}`;
  const hit = perGrid.get(key);
  if (hit) return hit;
  const { rows, cols, block: b } = g.mask;
  const rowOffsetInBlock = g.mask.rowOffset - Math.floor(g.mask.rowOffset / b) * b;
  const tileRowCount = Math.ceil(rows / tileRows), tileColCount = Math.ceil(cols / tileCols);
  const touched = new Uint8Array(tileRowCount * tileColCount);
  // Element rows/cols active per tile: mark (row, colTile) and (rowTile, col) at block granularity.
  const rowActive = new Uint8Array(rows * tileColCount);
  const colActive = new Uint8Array(tileRowCount * cols);
  for (let r = 0; r < g.rowBlocks; r++) {
    const rStart = Math.max(0, r * b - rowOffsetInBlock), rEnd = Math.min(rows, (r + 1) * b - rowOffsetInBlock);
    for (let c = 0; c < g.colBlocks; c++) {
      if (!g.cells[r * g.colBlocks + c]) continue;
      const cStart = c * b, cEnd = Math.min(cols, (c + 1) * b);
      for (let tr = Math.floor(rStart / tileRows); tr * tileRows < rEnd; tr++) {
        for (let tc = Math.floor(cStart / tileCols); tc * tileCols < cEnd; tc++) touched[tr * tileColCount + tc] = 1;
        for (let j = cStart; j < cEnd; j++) colActive[tr * cols + j] = 1;
      }
      for (let i = rStart; i < rEnd; i++) {
        for (let tc = Math.floor(cStart / tileCols); tc * tileCols < cEnd; tc++) rowActive[i * tileColCount + tc] = 1;
      }
    }
  }
  const activeColsPerRowTile = new Int32Array(tileRowCount);
  for (let tr = 0; tr < tileRowCount; tr++) for (let j = 0; j < cols; j++) activeColsPerRowTile[tr]! += colActive[tr * cols + j]!;
  const activeRowsPerColTile = new Int32Array(tileColCount);
  for (let i = 0; i < rows; i++) for (let tc = 0; tc < tileColCount; tc++) activeRowsPerColTile[tc]! += rowActive[i * tileColCount + tc]!;
  let tilesTouched = 0;
  for (const t of touched) tilesTouched += t;
  const stats = { tilesTouched, tileRowCount, tileColCount, activeColsPerRowTile, activeRowsPerColTile };
  perGrid.set(key, stats);
  return stats;
}

/** Bytes of the block-CSR index of a grid: row pointers and column indices, int32 each. */
export function blockCsrBytes(g: MaskGrid): number {
  return 4 * (g.rowBlocks + 1 + g.nnzBlocks);
}
