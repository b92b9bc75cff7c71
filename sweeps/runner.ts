/**
 * Running a sweep: the sampler proposes points, workers (a piscina pool, or this thread with
 * `workers: 0`) evaluate them in batches, and this thread records every finished batch in
 * results.jsonl at once, so a kill (SIGINT, SIGTERM, even SIGKILL) loses at most the points in
 * flight; `resume` skips the keys already recorded, so a resumed sweep ends with every point exactly
 * once. Points in flight are bounded (memory stays flat whatever the sweep's size). A point that
 * throws is an error row; the sweep goes on. `shard: i/N` evaluates the points whose index is
 * i mod N (for batch schedulers); `attnsim merge` joins shards.
 */
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readSync, statSync, writeFileSync, writeSync } from "node:fs";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import { packageRoot } from "../common/package-root.js";
import type { PointTask, Row } from "./evaluate-point.js";
import { aggregate, type SweepSummary } from "./aggregate.js";
import { assign, dimensions, pointKey, workloadLabel, type ResolvedSweep } from "./spec.js";
import { gridSampler, lhsSampler, randomSampler, type IndexSampler } from "./samplers.js";
import { Nsga2 } from "./nsga2.js";
import { evaluateBatch, type WorkerResult, type WorkerTask } from "./worker.js";

export interface Progress {
  done: number;
  total: number;
  skipped: number;
  errors: number;
  ratePerSecond: number;
  etaSeconds: number;
}

export interface SweepOptions {
  outDir: string;
  /** Worker threads; 0 evaluates in this thread. Default: available cores. */
  workers?: number;
  resume?: boolean;
  shard?: { index: number; count: number };
  batchSize?: number;
  /**
   * Cap on each worker's V8 old generation, MB (piscina resourceLimits.maxOldGenerationSizeMb).
   * Unset, V8 lets a worker's heap grow with its garbage (heapUsed ~230 MB after 10k points, ~47 MB
   * of it live); 160 kept a 2-worker 1M-point sweep at 498 MB peak RSS for 13-16% fewer points/s
   * (docs/sweeps.md, Throughput). A batch whose worker
   * runs out of it becomes error rows, and the sweep goes on.
   */
  workerHeapMb?: number;
  onProgress?: (p: Progress) => void;
  /** Stop proposing points; the points in flight are finished and recorded. */
  signal?: AbortSignal;
  /**
   * Evaluate batches somewhere else (sweeps/distributed.ts: a BullMQ queue on Redis) instead of a
   * local pool; sampling, resume, recording and aggregation stay here.
   */
  backend?: SweepBackend;
}

/** Where batches are evaluated when not in this process's pool. */
export interface SweepBackend {
  /** Batches kept in flight (enough to keep every remote worker busy). */
  maxInFlight: number;
  /** What summary.json says ran the sweep. */
  label: string;
  evaluate(points: PointTask[], wantRows: boolean): Promise<WorkerResult>;
  close(): Promise<void>;
}

export const MIN_WORKER_HEAP_MB = 64;

/** True when the file is empty or missing, or its last byte is a newline. */
function endsWithNewline(file: string): boolean {
  const size = existsSync(file) ? statSync(file).size : 0;
  if (size === 0) return true;
  const fd = openSync(file, "r");
  try {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

/** Error rows for a batch whose worker failed as a whole. */
export function failedBatch(points: PointTask[], reason: string, wantRows: boolean): WorkerResult {
  const rows: Row[] = points.map((p) => ({ index: p.index, key: p.key, workload: p.workload, params: p.params, status: "error", reason }));
  return {
    lines: rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length > 0 ? "\n" : ""),
    count: rows.length,
    errors: rows.length,
    ...(wantRows ? { rows } : {}),
  };
}

export function defaultWorkers(): number {
  return availableParallelism();
}

async function recordedRows(file: string, keep: (row: Row) => void): Promise<void> {
  if (!existsSync(file)) return;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    try {
      keep(JSON.parse(line) as Row);
    } catch {
      // torn last line of a killed run: not done
    }
  }
}

export async function runSweep(spec: ResolvedSweep, options: SweepOptions): Promise<SweepSummary> {
  const started = performance.now();
  mkdirSync(options.outDir, { recursive: true });
  const file = join(options.outDir, "results.jsonl");
  const done = new Set<string>();
  const known = new Map<string, Row>(); // NSGA-II only: objectives of recorded points
  if (options.resume) await recordedRows(file, (r) => {
    done.add(r.key);
    if (spec.sampler.kind === "nsga2") known.set(r.key, r);
  });
  else if (existsSync(file)) closeSync(openSync(file, "w"));
  // What merge and later aggregation need to know about the sweep (names, objectives).
  writeFileSync(join(options.outDir, "sweep.json"), `${JSON.stringify({
    name: spec.name, file: spec.file, design: spec.designFile,
    parameters: spec.parameters.map((p) => ({ name: p.name, ...(p.target ? { path: [p.target.root, ...p.target.path].join(".") } : {}), ...(p.expr !== undefined ? { expr: p.expr } : {}) })),
    objectives: spec.objectives, workloads: spec.workloads.map(workloadLabel), workloadSections: spec.workloads,
  }, null, 2)}\n`);
  const fd = openSync(file, "a");
  // A kill can tear the last line mid-write: start on a fresh line, or the first new row would be
  // glued to the fragment and lost with it.
  if (options.resume && !endsWithNewline(file)) writeSync(fd, "\n");
  const backend = options.backend;
  const workers = backend ? 0 : (options.workers ?? defaultWorkers());
  if (options.workerHeapMb !== undefined && !(options.workerHeapMb >= MIN_WORKER_HEAP_MB)) {
    throw new RangeError(`workerHeapMb: at least ${MIN_WORKER_HEAP_MB} MB (a worker's heap holds ~45 MB once it has loaded mathjs, ajv and the models and run one point), got ${options.workerHeapMb}`);
  }
  const batchSize = options.batchSize ?? 64;
  const pool = workers > 0
    ? new Piscina({
      filename: join(packageRoot(), "dist", "sweeps", "worker.js"), minThreads: workers, maxThreads: workers, idleTimeout: 60_000,
      ...(options.workerHeapMb !== undefined ? { resourceLimits: { maxOldGenerationSizeMb: options.workerHeapMb } } : {}),
    })
    : undefined;
  // A worker that dies outside a task (at start-up, say) is replaced by piscina; without a listener
  // its 'error' event would end the process. Workers that keep dying before finishing anything
  // would leave the queued tasks waiting forever: then the pool is destroyed, which rejects them,
  // and they become error rows below.
  let deathsSinceProgress = 0;
  pool?.on("error", () => {
    if (++deathsSinceProgress >= 3 * workers) void pool.destroy();
  });
  const wantRows = spec.sampler.kind === "nsga2";
  const evaluate = async (points: PointTask[]): Promise<WorkerResult> => {
    if (backend) {
      try {
        return await backend.evaluate(points, wantRows);
      } catch (err) {
        return failedBatch(points, `batch of ${points.length} points failed on every attempt: ${err instanceof Error ? err.message : String(err)}`, wantRows);
      }
    }
    if (!pool) return evaluateBatch(spec, points, wantRows);
    try {
      const result = (await pool.run({ specFile: spec.file, points, wantRows } satisfies WorkerTask)) as WorkerResult;
      deathsSinceProgress = 0;
      return result;
    } catch (err) {
      // The worker itself died (out of heap, a native crash): its batch becomes error rows, so
      // the sweep goes on and the record says which points to look at; piscina starts a new worker.
      return failedBatch(points, `worker failed on a batch of ${points.length} points: ${err instanceof Error ? err.message : String(err)}`, wantRows);
    }
  };

  const W = spec.workloads.length;
  const dims = dimensions(spec);
  const sizes = dims.map((d) => d.values!.length);
  let evaluated = 0, skipped = 0, errors = 0;
  const report = (total: number) => {
    const seconds = (performance.now() - started) / 1000;
    const rate = evaluated / Math.max(seconds, 1e-9);
    options.onProgress?.({ done: evaluated + skipped, total, skipped, errors, ratePerSecond: rate, etaSeconds: rate > 0 ? (total - evaluated - skipped) / rate : Infinity });
  };
  const record = (result: WorkerResult) => {
    if (result.count === 0) return;
    writeSync(fd, result.lines);
    evaluated += result.count;
    errors += result.errors;
  };

  try {
    if (spec.sampler.kind === "nsga2") {
      await runNsga2(spec, sizes, W, backend ? backend.maxInFlight : Math.max(1, workers), evaluate, record, known, done, options, report);
    } else {
      const sampler: IndexSampler = spec.sampler.kind === "grid" ? gridSampler(sizes)
        : spec.sampler.kind === "random" ? randomSampler(sizes, spec.sampler.samples!, spec.sampler.seed)
        : lhsSampler(sizes, spec.sampler.samples!, spec.sampler.seed);
      const total = sampler.count * W;
      const shard = options.shard ?? { index: 0, count: 1 };
      const shardTotal = Math.ceil((total - shard.index) / shard.count);
      const inFlight = new Set<Promise<void>>();
      const maxInFlight = backend ? backend.maxInFlight : Math.max(2, 2 * Math.max(1, workers));
      let batch: PointTask[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const points = batch;
        batch = [];
        const job = evaluate(points).then((result) => {
          record(result);
          report(shardTotal);
        });
        const tracked = job.finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
        if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
      };
      for (let i = shard.index; i < total; i += shard.count) {
        if (options.signal?.aborted) break;
        const point = Math.floor(i / W), workload = i % W;
        const params = assign(spec, sampler.point(point));
        const key = pointKey(params, workload);
        if (done.has(key)) {
          skipped++;
          continue;
        }
        batch.push({ index: i, key, workload, params });
        // Random and LHS samplers can propose a point twice (few values per parameter): once is
        // enough. A grid never repeats, so its keys are not kept (memory stays flat).
        if (spec.sampler.kind !== "grid") done.add(key);
        if (batch.length >= batchSize) await flush();
      }
      if (!options.signal?.aborted) await flush();
      await Promise.all(inFlight);
      report(shardTotal);
    }
  } finally {
    closeSync(fd);
    await pool?.destroy();
    await backend?.close();
  }
  const wallSeconds = (performance.now() - started) / 1000;
  return aggregate({ ...spec, workloadLabels: spec.workloads.map(workloadLabel) }, options.outDir, {
    wallSeconds, evaluatedThisRun: evaluated, pointsPerSecond: evaluated / Math.max(wallSeconds, 1e-9), workers, ...(backend ? { backend: backend.label } : {}),
    ...(options.shard ? { shard: `${options.shard.index}/${options.shard.count}` } : {}),
  }, { keysUnique: true });
}

async function runNsga2(
  spec: ResolvedSweep, sizes: number[], W: number, maxInFlight: number,
  evaluate: (p: PointTask[]) => Promise<WorkerResult>, record: (result: WorkerResult) => void,
  known: Map<string, Row>, done: Set<string>, options: SweepOptions, report: (total: number) => void,
): Promise<void> {
  const { population = 32, generations = 20, seed } = spec.sampler;
  const opt = new Nsga2(sizes.length, population, seed);
  const total = (generations + 1) * population * W;
  for (let gen = 0; gen <= generations && !options.signal?.aborted; gen++) {
    const genes = opt.ask();
    const tasks: PointTask[] = [];
    const keysPerPoint = genes.map((g, p) => {
      const params = assign(spec, g.map((x, d) => Math.min(sizes[d]! - 1, Math.floor(x * sizes[d]!))));
      return Array.from({ length: W }, (_, w) => {
        const key = pointKey(params, w);
        if (!done.has(key) && !tasks.some((t) => t.key === key)) tasks.push({ index: gen * population * W + p * W + w, key, workload: w, params });
        return key;
      });
    });
    // A generation's batches run at once (up to maxInFlight), so every worker, local or remote, is
    // busy; the optimiser only needs them all before it proposes the next generation.
    const batchSize = options.batchSize ?? 64;
    const batches: PointTask[][] = [];
    for (let i = 0; i < tasks.length; i += batchSize) batches.push(tasks.slice(i, i + batchSize));
    let next = 0;
    const lane = async () => {
      while (next < batches.length) {
        const result = await evaluate(batches[next++]!);
        record(result);
        for (const r of result.rows ?? []) {
          known.set(r.key, r);
          done.add(r.key);
        }
        report(total);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(maxInFlight, batches.length)) }, lane));
    // Objectives: the mean over workloads; a point that is not ok on every workload is dominated.
    opt.tell(keysPerPoint.map((keys) => spec.objectives.map((o) => {
      const rows = keys.map((k) => known.get(k));
      if (rows.some((r) => !r || r.status !== "ok")) return Infinity;
      const mean = rows.reduce((s, r) => s + (r!.metrics![o.metric] ?? Number(r!.params[o.metric])), 0) / rows.length;
      return o.sense === "minimize" ? mean : -mean;
    })));
  }
}

/** Join shard outputs: rows of every results.jsonl, each key once, aggregated again in `outDir`. */
export async function mergeSweeps(dirs: string[], outDir: string): Promise<SweepSummary> {
  mkdirSync(outDir, { recursive: true });
  const meta = JSON.parse((await import("node:fs")).readFileSync(join(dirs[0]!, "sweep.json"), "utf8")) as Pick<ResolvedSweep, "name" | "objectives"> & { parameters: { name: string }[]; workloads?: string[] };
  writeFileSync(join(outDir, "sweep.json"), `${JSON.stringify(meta, null, 2)}\n`);
  const fd = openSync(join(outDir, "results.jsonl"), "w");
  const seen = new Set<string>();
  try {
    for (const dir of dirs) {
      await recordedRows(join(dir, "results.jsonl"), (r) => {
        if (seen.has(r.key)) return;
        seen.add(r.key);
        writeSync(fd, `${JSON.stringify(r)}\n`);
      });
    }
  } finally {
    closeSync(fd);
  }
  return aggregate({ name: meta.name, objectives: meta.objectives, parameters: meta.parameters as ResolvedSweep["parameters"], workloadLabels: meta.workloads ?? [] }, outDir, { shard: `merged from ${dirs.length}` }, { keysUnique: true });
}
