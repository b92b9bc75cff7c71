/** `attnsim sweep` and `attnsim merge`: run a sweep spec over worker threads; join shard outputs. */
import cliProgress from "cli-progress";
import { InputError } from "../common/input-error.js";
import { loadSweep } from "../sweeps/spec.js";
import { MIN_WORKER_HEAP_MB, mergeSweeps, runSweep, type Progress } from "../sweeps/runner.js";
import { readSweepMeta } from "../sweeps/sweep-folder.js";
import type { SweepSummary } from "../sweeps/aggregate.js";
import { CLI, parse, positiveInt, rerunCommand } from "./args.js";
import { EXIT, type Io } from "./io.js";
import { availableParallelism } from "node:os";

export const SWEEP_HELP = `attnsim sweep: explore a design space in parallel workers

  attnsim sweep SPEC.yaml [--out DIR] [--workers N] [--resume] [--shard i/N] [--batch N] [--worker-heap MB]
                          [--point-timeout S] [--plots] [--backend redis://HOST:PORT [--in-flight N]]
                          [--uncertainty N [--seed S]]

  SPEC          a sweep spec (docs/sweeps.md; examples/sweeps/)
  --out DIR     output folder (default: sweep-<name>): results.jsonl, results.csv, pareto.csv, summary.json
  --workers N   worker processes (0 = this thread, no crash containment). Default: this thread,
                then one worker process per core once what is left of the sweep would take longer
                here than the workers' start-up would save (~6 s on 2 cores, ~2 s on 8; judged
                after the first second)
  --resume      skip the points already in DIR/results.jsonl (after a kill, or to extend a sweep)
  --shard i/N   evaluate the points with index = i mod N (one of N machines); join with attnsim merge
  --batch N     points per worker task (default: sized to ~0.2 s of a worker's time, from 64;
                64 with NSGA-II)
  --worker-heap MB
                cap each worker process's V8 heap (default 1024; a point that exceeds it becomes an
                error row)
  --point-timeout S
                a worker that finishes no point for S seconds is stopped and its point is an
                error row (default 60)
  --plots       also write DIR/plots: Pareto scatter, tornado charts (PNG + CSV) and report.html
  --backend URL evaluate on workers anywhere through Redis (BullMQ): start them with
                attnsim worker URL; redis://:PASSWORD@HOST:PORT/DB, rediss:// for TLS, or the
                password in ATTNSIM_REDIS_PASSWORD (docs/sweeps.md, Distributed)
  --in-flight N batches queued at once with --backend (default 64)
  --uncertainty N
                Monte Carlo over the energy tables' ranges (N draws, --seed S, default 1): writes
                DIR/pareto-probability.csv (each ok point's probability of being on the front and
                its energy intervals) and, with --plots, the front with its error bars and knee
                (docs/co-design.md)

Interrupt (Ctrl-C) stops proposing points, records the ones in flight and writes the aggregates.
Exit codes: 0 ok, 2 bad input (spec, flags, an --out folder another sweep holds or another spec
made), 4 an output could not be written (disk full: the rows written so far are kept, continue with
--resume), 130 interrupted.`;

export const MERGE_HELP = `attnsim merge: join the outputs of sharded sweeps

  attnsim merge DIR... --out DIR`;

function heapFlag(text: string | undefined): number | undefined {
  const mb = positiveInt(text, "--worker-heap");
  if (mb !== undefined && mb < MIN_WORKER_HEAP_MB) {
    throw new InputError(CLI, { path: "--worker-heap", expected: `at least ${MIN_WORKER_HEAP_MB} (MB; a worker's heap holds ~45 MB once loaded)`, found: String(mb) });
  }
  return mb;
}

function printSummary(s: SweepSummary, out: string, io: Io): void {
  io.out(`${s.name}: ${s.rows} rows (${s.ok} ok, ${s.violates} violate constraints, ${s.infeasible} infeasible, ${s.errors} errors), ${s.paretoPoints} on the Pareto front`);
  if (s.pointsPerSecond !== undefined) io.out(`${s.evaluatedThisRun} evaluated in ${s.wallSeconds?.toFixed(1)} s (${Math.round(s.pointsPerSecond)} points/s, ${s.backend ? `on ${s.backend}` : `${s.workers} workers`})`);
  for (const [objective, best] of Object.entries(s.best)) if (best) io.out(`best ${objective}: ${best.value.toPrecision(4)} at ${JSON.stringify(best.params)} (workload ${best.workload})`);
  for (const r of s.reasons.slice(0, 5)) io.out(`${r.count} ${r.status}: ${r.reason.split("\n")[0]}`);
  io.out(`wrote ${out}/results.jsonl, results.csv, pareto.csv, summary.json`);
}

export async function sweepCommand(args: string[], io: Io): Promise<number> {
  const { values: v, positionals, str } = parse(args, {
    out: { type: "string", short: "o" }, workers: { type: "string" }, resume: { type: "boolean" }, shard: { type: "string" },
    batch: { type: "string" }, "worker-heap": { type: "string" }, "point-timeout": { type: "string" }, plots: { type: "boolean" }, backend: { type: "string" },
    "in-flight": { type: "string" }, uncertainty: { type: "string" }, seed: { type: "string" }, help: { type: "boolean", short: "h" },
  });
  if (v.help) {
    io.out(SWEEP_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new InputError(CLI, { path: "SPEC", expected: "one sweep spec file", found: `${positionals.length}` });
  const spec = loadSweep(positionals[0]!);
  let shard: { index: number; count: number } | undefined;
  if (str("shard") !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(str("shard")!);
    if (!m || Number(m[1]) >= Number(m[2]) || Number(m[2]) < 1) throw new InputError(CLI, { path: "--shard", expected: "i/N with 0 <= i < N", found: JSON.stringify(str("shard")) });
    shard = { index: Number(m[1]), count: Number(m[2]) };
    if (spec.sampler.kind === "nsga2") throw new InputError(CLI, { path: "--shard", expected: "no shards with the nsga2 sampler (each generation is bred from the whole previous one)", found: str("shard") });
  }
  const uncertainty = positiveInt(str("uncertainty"), "--uncertainty");
  const seed = positiveInt(str("seed"), "--seed") ?? 1;
  if (uncertainty === undefined && str("seed") !== undefined) throw new InputError(CLI, { path: "--seed", expected: "--uncertainty N (the seed is the Monte Carlo draws')", found: str("seed")! });
  if (uncertainty !== undefined && spec.serving) throw new InputError(CLI, { path: "--uncertainty", expected: "a sweep of single inferences (serving metrics are not repriced)", found: "a serving sweep" });
  const workerHeapMb = heapFlag(str("worker-heap"));
  const pointTimeoutSeconds = positiveInt(str("point-timeout"), "--point-timeout");
  const workersText = str("workers");
  const workers = workersText === undefined ? undefined : workersText === "0" ? 0 : positiveInt(workersText, "--workers")!;
  const out = str("out") ?? `sweep-${spec.name}`;
  const controller = new AbortController();
  const onSignal = (signal: string) => {
    if (controller.signal.aborted) process.exit(130);
    io.err(`\n${signal}: finishing the points in flight (again to quit at once)`);
    controller.abort();
  };
  const sigint = () => onSignal("SIGINT"), sigterm = () => onSignal("SIGTERM");
  process.on("SIGINT", sigint);
  process.on("SIGTERM", sigterm);
  const tty = process.stderr.isTTY === true;
  const bar = tty ? new cliProgress.SingleBar({ format: "{bar} {percentage}% | {value}/{total} points | {rate}/s | ETA {eta_formatted}", hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
  let lastLine = 0;
  let started = false;
  const onProgress = (p: Progress) => {
    if (bar) {
      if (!started) bar.start(p.total, 0, { rate: 0 });
      started = true;
      bar.update(p.done, { rate: Math.round(p.ratePerSecond) });
    } else if (performance.now() - lastLine > 5000 || p.done === p.total) {
      lastLine = performance.now();
      io.err(`${p.done}/${p.total} points (${p.skipped} already done, ${p.errors} errors), ${Math.round(p.ratePerSecond)}/s, ETA ${Number.isFinite(p.etaSeconds) ? `${Math.round(p.etaSeconds)} s` : "?"}`);
    }
  };
  const url = str("backend");
  if (url !== undefined && (shard || workerHeapMb !== undefined || workersText !== undefined || pointTimeoutSeconds !== undefined)) {
    throw new InputError(CLI, { path: "--backend", expected: "no --shard, --workers, --worker-heap or --point-timeout with it (workers are separate processes: attnsim worker URL --workers N)", found: "both" });
  }
  // Every flag is checked before connecting: an error after would leave the queue registered.
  const batchSize = positiveInt(str("batch"), "--batch");
  const maxInFlight = positiveInt(str("in-flight"), "--in-flight");
  // Plots, Redis and the uncertainty pass are imported when asked for (chart.js and the canvas,
  // bullmq and ioredis are a second of start-up a plain sweep does not need).
  const distributed = url === undefined ? undefined : await import("../sweeps/distributed.js");
  const backend = url === undefined || !distributed ? undefined : await distributed.redisBackend(url, spec, { ...(maxInFlight !== undefined ? { maxInFlight } : {}), log: (line) => io.err(line) });
  if (backend && distributed && url) {
    const shown = distributed.redactUrl(url);
    io.err(`queue ${backend.queue} on ${shown}: start workers with attnsim worker ${shown}`);
  }
  try {
    const summary = await runSweep(spec, { outDir: out, workers, resume: v.resume === true, shard, batchSize, workerHeapMb, pointTimeoutSeconds, onProgress, signal: controller.signal, ...(backend ? { backend } : {}) });
    bar?.stop();
    printSummary(summary, out, io);
    if (uncertainty !== undefined && !controller.signal.aborted) {
      const [{ sweepRows }, { writeParetoProbability }, { paretoProbability }] = await Promise.all([import("../output/plots.js"), import("../output/co-design-report.js"), import("../sweeps/pareto-probability.js")]);
      const rows = await sweepRows(out);
      const files = await writeParetoProbability(out, spec, rows, paretoProbability(spec, rows, { samples: uncertainty, seed }), v.plots === true);
      io.out(`wrote ${out}/: ${files.join(", ")} (${uncertainty} draws of the energy tables' ranges, seed ${seed})`);
    }
    if (v.plots) {
      const { writeSweepPlots } = await import("../output/plots.js");
      const files = await writeSweepPlots(out, readSweepMeta(out, "--out"), undefined, { rerun: rerunCommand });
      io.out(`wrote ${out}/plots/: ${files.join(", ")}`);
    }
    return controller.signal.aborted ? 130 : EXIT.ok;
  } finally {
    await backend?.close();
    process.off("SIGINT", sigint);
    process.off("SIGTERM", sigterm);
  }
}

export async function mergeCommand(args: string[], io: Io): Promise<number> {
  const { values: v, positionals } = parse(args, { out: { type: "string", short: "o" }, help: { type: "boolean", short: "h" } });
  if (v.help) {
    io.out(MERGE_HELP);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new InputError(CLI, { path: "DIR", expected: "one or more sweep output folders", found: "none" });
  if (typeof v.out !== "string") throw new InputError(CLI, { path: "--out", expected: "an output folder", found: "nothing" });
  const summary = await mergeSweeps(positionals, v.out);
  printSummary(summary, v.out, io);
  return EXIT.ok;
}

export const WORKER_HELP = `attnsim worker: evaluate distributed sweeps' points from Redis (BullMQ)

  attnsim worker redis://HOST:PORT [--workers N] [--lock-seconds S] [--worker-heap MB] [--point-timeout S]

Joins every sweep a coordinator (attnsim sweep SPEC --backend URL) has queued on that Redis, and
any started later; leaves each when it finishes. Runs N worker processes per sweep (default: the
available cores); a point that kills its process or hangs becomes an error row. Start as many as you like, on any machine, at any time; stop with Ctrl-C or SIGTERM (jobs in
progress finish first). A worker killed outright loses nothing: its job returns to the queue after
about S seconds (default 30) and another worker takes it. Password and TLS as for sweep --backend.`;

export async function workerCommand(args: string[], io: Io): Promise<number> {
  const { values: v, positionals, str } = parse(args, {
    workers: { type: "string" }, "lock-seconds": { type: "string" }, "worker-heap": { type: "string" }, "point-timeout": { type: "string" }, help: { type: "boolean", short: "h" },
  });
  if (v.help) {
    io.out(WORKER_HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new InputError(CLI, { path: "URL", expected: "the Redis URL (redis://HOST:PORT)", found: `${positionals.length} arguments` });
  const threads = positiveInt(str("workers"), "--workers") ?? availableParallelism();
  const lockSeconds = positiveInt(str("lock-seconds"), "--lock-seconds");
  const heapMb = heapFlag(str("worker-heap"));
  const pointTimeoutSeconds = positiveInt(str("point-timeout"), "--point-timeout");
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  try {
    const { runWorker } = await import("../sweeps/distributed.js");
    const done = await runWorker(positionals[0]!, { threads, lockSeconds, heapMb, pointTimeoutSeconds, signal: controller.signal, log: (line) => io.err(line) });
    io.err(`worker: ${done.jobs} batches, ${done.points} points`);
    return EXIT.ok;
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
}
