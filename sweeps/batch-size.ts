/**
 * How many points go in a batch when the sweep does not say (`--batch`). A batch is the unit of
 * hand-over: a worker process evaluates it, appends its rows, replies, and waits for its next one
 * while its reply crosses to the main process and the next batch crosses back. That trip costs the
 * main process ~0.9 ms of CPU and leaves the worker idle meanwhile, whatever the batch's size, so
 * small batches of fast points spend a large share of a sweep handing over: the 100,000-point bench
 * grid (bert-base seq 128 on edge-npu, ~0.1-0.15 ms a point) on 2 workers, side by side
 * (2026-12-01, load 0.9-1.8), took 13.0-13.6 s in batches of 64, 11.1-11.5 s in 256 and
 * 10.4-10.5 s in 1,024 (main process CPU 2.1-2.3 s -> 0.9-1.0 s), and no less in 2,048 or 4,096.
 *
 * So a batch is sized by time: the points that take about BATCH_TARGET_SECONDS where they run, at
 * the latest batch's time per point (it follows a worker's JIT warm-up, when its first points run
 * 2-5x slower), never more than MAX_BATCH, and never more than a 2 x lanes share of what remains (so
 * the last batches are small and the workers finish together), but never below the smaller of
 * FIRST_BATCH and the timed size for that share: a tail batch then takes at most
 * BATCH_TARGET_SECONDS, and many lanes (a Redis backend's batches in flight, 64 by default) do not
 * end a sweep with hundreds of batches of a few points, each a job with its round trips (100,000
 * bench-grid points through a local redis-server, 2026-12-01: without the floor 1,008 batches, the
 * last few hundred of 1-30 points, and no faster than fixed batches of 64). A slow point (a serving
 * sweep's point takes seconds) goes alone: its batch's hand-over is nothing beside it, and a kill
 * or a failed batch loses or repeats less. Before any batch has returned, FIRST_BATCH.
 *
 * Batches never change what a sweep records, only the order of results.csv's lines when workers
 * return them (aggregation ties by row index, not arrival).
 */

/** Points of a batch before any has been timed (the fixed default before batches were sized by time). */
export const FIRST_BATCH = 64;
/**
 * Largest batch: the 100,000-point grid above ran no faster in batches of 2,048 or 4,096 than of
 * 1,024, and a kill loses (or a failed batch evaluates again one by one) up to a batch per worker.
 * A batch's size costs no memory beyond its row indices: its rows go out as they are made
 * (worker.ts RowSink).
 */
export const MAX_BATCH = 4096;
/** A batch's target evaluation time: ~100x the hand-over, and a fifth of a second of work to lose to a kill. */
export const BATCH_TARGET_SECONDS = 0.2;

export class BatchSizer {
  private latest: number | undefined;

  /** The latest timed batch's seconds per point (undefined before one has returned). */
  get secondsPerPoint(): number | undefined {
    return this.latest;
  }

  /** `lanes()`: where batches run at once now (worker processes, 1 for this thread, a backend's batches in flight). */
  constructor(private readonly lanes: () => number) {}

  /** A batch of `points` took `seconds` to evaluate where it ran. */
  observe(points: number, seconds: number | undefined): void {
    if (seconds === undefined || !(points > 0) || !(seconds > 0) || !Number.isFinite(seconds)) return;
    this.latest = seconds / points;
  }

  /** The next batch's size, with `remaining` points (or rows) left to send. */
  size(remaining: number): number {
    const timed = this.latest === undefined ? FIRST_BATCH : Math.floor(BATCH_TARGET_SECONDS / this.latest);
    const share = Math.ceil(remaining / (2 * Math.max(1, this.lanes())));
    const floor = Math.min(timed, FIRST_BATCH, remaining);
    return Math.max(1, floor, Math.min(timed, MAX_BATCH, share));
  }
}
