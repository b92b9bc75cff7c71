/**
 * Distributed sweeps on Redis with BullMQ: the coordinator (`attnsim sweep SPEC --backend
 * redis://HOST:PORT`) runs the local runner's sampling, resume, recording and aggregation, but sends
 * each batch of points as a BullMQ job; workers (`attnsim worker redis://HOST:PORT`) on any number of
 * machines pull jobs into a local piscina pool and return the rows as the job's result.
 *
 * - One queue per sweep, named after the sweep and a hash of its resolved spec
 *   (`attnsim-<name>-<hash>`), so two sweeps never mix and a resumed coordinator finds its own. The
 *   spec travels through Redis (`attnsim:spec:<queue>`); workers need no files. Active queues are
 *   listed in the set `attnsim:sweeps`, which workers poll: they join and leave at any time.
 * - A job's id is a hash of its points' keys: adding the same batch twice is a no-op, and a resumed
 *   coordinator that re-adds a batch whose job finished while it was down gets that job's result.
 * - A worker killed mid-job stops renewing its lock; BullMQ's stalled-job check puts the job back in
 *   the queue for another worker (`lockSeconds`, default 30 s; `maxStalledCount` high, so a job is
 *   never failed for stalling). A job whose processing throws is retried (`attempts`), then its
 *   points become error rows. Results are written by the coordinator only, once per job it awaited,
 *   and resume skips recorded keys: every point appears exactly once.
 * - Password and TLS: `redis://:PASSWORD@HOST:PORT/DB`, `rediss://` for TLS, the password in
 *   ATTNSIM_REDIS_PASSWORD (kept out of process listings), a private CA in ATTNSIM_REDIS_CA (a PEM file).
 */
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { Queue, QueueEvents, Worker, type ConnectionOptions, type Job } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import { Piscina } from "piscina";
import { packageRoot } from "../common/package-root.js";
import { InputError } from "../common/input-error.js";
import { readTextFile } from "../common/document.js";
import type { PointTask } from "./evaluate-point.js";
import type { ResolvedSweep } from "./spec.js";
import type { SweepBackend } from "./runner.js";
import type { WorkerResult, WorkerTask } from "./worker.js";

export const SWEEPS_SET = "attnsim:sweeps";
const specKey = (queue: string) => `attnsim:spec:${queue}`;
const leaseKey = (queue: string) => `attnsim:coordinator:${queue}`;
/** A coordinator holds its sweep's lease, refreshed every third of this; a killed one's expires. */
const LEASE_MS = 10_000;

/** A client that reached the server (PING within 5 s), or an InputError naming the flag. */
async function connected(options: RedisOptions, flag: string, url: string): Promise<Redis> {
  const client = new Redis({ ...options, lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on("error", () => undefined); // reported below, not as an unhandled event
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    client.disconnect();
    throw new InputError("<command line>", { path: flag, expected: "a reachable Redis server", found: `${redactUrl(url)}: ${err instanceof Error ? err.message : String(err)}` });
  }
  client.disconnect();
  const live = new Redis(options);
  live.on("error", () => undefined); // ioredis reconnects by itself; BullMQ reports what fails
  return live;
}

/** The URL without its password, for messages and summary.json. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//");
}

/** ioredis options from a redis:// or rediss:// URL (BullMQ needs maxRetriesPerRequest: null). */
export function redisOptions(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InputError("<command line>", { path: "--backend", expected: "redis://[:PASSWORD@]HOST:PORT[/DB] or rediss://... (TLS)", found: JSON.stringify(url) });
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw new InputError("<command line>", { path: "--backend", expected: "a redis:// or rediss:// URL", found: JSON.stringify(url) });
  }
  const password = process.env.ATTNSIM_REDIS_PASSWORD ?? (u.password ? decodeURIComponent(u.password) : undefined);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname || "127.0.0.1",
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(password ? { password } : {}),
    ...(db !== undefined && Number.isInteger(db) ? { db } : {}),
    ...(u.protocol === "rediss:" ? { tls: process.env.ATTNSIM_REDIS_CA ? { ca: readTextFile(process.env.ATTNSIM_REDIS_CA, "a PEM certificate file (ATTNSIM_REDIS_CA)") } : {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/** `attnsim-<name>-<12 hex of the resolved spec>`: the same sweep always gets the same queue. */
export function queueName(spec: ResolvedSweep): string {
  const { name, design, workloads, parameters, constraints, objectives, sampler } = spec;
  const hash = createHash("sha256").update(JSON.stringify({ name, design, workloads, parameters, constraints, objectives, sampler })).digest("hex").slice(0, 12);
  return `attnsim-${name.replace(/[^A-Za-z0-9_-]/g, "_")}-${hash}`;
}

export interface RedisBackendOptions {
  /** Batches in flight (default 64): enough to keep every remote worker thread busy. */
  maxInFlight?: number;
  /** Attempts per batch before its points become error rows (default 3). */
  attempts?: number;
}

/** The coordinator's side: batches become jobs; results come back through QueueEvents. */
export async function redisBackend(url: string, spec: ResolvedSweep, options: RedisBackendOptions = {}): Promise<SweepBackend & { queue: string }> {
  const connection = redisOptions(url);
  const name = queueName(spec);
  const client = await connected(connection, "--backend", url);
  // One coordinator per sweep: a second one would share the queue and, finishing first, delete it
  // under the other. A killed coordinator's lease expires within LEASE_MS, so --resume waits that out.
  const token = createHash("sha1").update(`${process.pid}:${Date.now()}:${Math.random()}`).digest("hex");
  const deadline = Date.now() + 2 * LEASE_MS;
  while ((await client.set(leaseKey(name), token, "PX", LEASE_MS, "NX")) !== "OK") {
    if (Date.now() > deadline) {
      client.disconnect();
      throw new InputError("<command line>", { path: "--backend", expected: `no other coordinator running this sweep (queue ${name})`, found: "one that keeps its lease: wait for it to finish, or stop it and use --resume" });
    }
    await sleep(500);
  }
  let closed = false;
  const renew = setInterval(() => void client.pexpire(leaseKey(name), LEASE_MS), LEASE_MS / 3);
  await client.set(specKey(name), JSON.stringify(spec));
  await client.sadd(SWEEPS_SET, name);
  const bull = connection as ConnectionOptions; // ioredis options; bullmq's own type names its bundled copy
  const queue = new Queue(name, { connection: bull });
  const events = new QueueEvents(name, { connection: bull });
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  const attempts = options.attempts ?? 3;
  const maxInFlight = options.maxInFlight ?? 64;
  // Every awaited job listens for the queue closing and for its own completion.
  queue.setMaxListeners(maxInFlight + 16);
  events.setMaxListeners(maxInFlight + 16);
  return {
    queue: name,
    maxInFlight,
    label: `${redactUrl(url)} queue ${name}`,
    async evaluate(points: PointTask[], wantRows: boolean): Promise<WorkerResult> {
      // attempts: 3 is three tries in all (two retries) before the points become error rows.
      const jobId = createHash("sha1").update(points.map((p) => p.key).join("\n")).digest("hex");
      const job = await queue.add("batch", { points, wantRows }, { jobId, attempts, backoff: { type: "fixed", delay: 1000 }, removeOnComplete: false, removeOnFail: false });
      const result = (await job.waitUntilFinished(events)) as WorkerResult;
      // The runner records the rows as soon as this returns; a coordinator killed in between
      // recomputes these points on resume (nothing is lost, nothing is written twice).
      await job.remove().catch(() => undefined);
      return result;
    },
    async close(): Promise<void> {
      if (closed) return; // the runner closes it, and the CLI again in case the runner never started
      closed = true;
      clearInterval(renew);
      await client.srem(SWEEPS_SET, name);
      await client.del(specKey(name));
      await queue.obliterate({ force: true }).catch(() => undefined);
      await Promise.all([queue.close(), events.close()]);
      if ((await client.get(leaseKey(name))) === token) await client.del(leaseKey(name));
      client.disconnect();
    },
  };
}

export interface WorkerOptions {
  /** Local worker threads (default: available cores). */
  threads: number;
  /** Lock duration: a killed worker's job returns to the queue after about this long (default 30 s). */
  lockSeconds?: number;
  /** How often the set of active sweeps is read (default 1 s). */
  pollSeconds?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** The worker's side: joins every active sweep's queue, evaluates its jobs in a local piscina pool. */
export async function runWorker(url: string, options: WorkerOptions): Promise<{ jobs: number; points: number }> {
  const connection = redisOptions(url);
  const client = await connected(connection, "URL", url);
  const log = options.log ?? (() => undefined);
  const pool = new Piscina({ filename: join(packageRoot(), "dist", "sweeps", "worker.js"), minThreads: options.threads, maxThreads: options.threads, idleTimeout: 60_000 });
  const lockDuration = (options.lockSeconds ?? 30) * 1000; // BullMQ's own default lockDuration, 30 s
  const active = new Map<string, Worker>();
  let jobs = 0, points = 0;
  const attach = async (name: string) => {
    const json = await client.get(specKey(name));
    if (!json) return;
    const spec = JSON.parse(json) as ResolvedSweep;
    const worker = new Worker(name, async (job: Job<{ points: PointTask[]; wantRows: boolean }>) => {
      const result = (await pool.run({ specFile: spec.file, spec, specId: name, points: job.data.points, wantRows: job.data.wantRows } satisfies WorkerTask)) as WorkerResult;
      jobs++;
      points += result.count;
      return result;
    }, { connection: connection as ConnectionOptions, concurrency: options.threads, lockDuration, stalledInterval: Math.max(1000, lockDuration / 2), maxStalledCount: 1000 });
    worker.on("failed", (job, err) => log(`${name}: job ${job?.id} failed: ${err.message}`));
    worker.on("error", (err) => log(`${name}: ${err.message}`));
    active.set(name, worker);
    log(`joined ${name}`);
  };
  try {
    while (!options.signal?.aborted) {
      const names = await client.smembers(SWEEPS_SET);
      for (const name of names) if (!active.has(name)) await attach(name);
      for (const [name, worker] of active) {
        if (names.includes(name)) continue;
        await worker.close();
        active.delete(name);
        log(`left ${name} (finished)`);
      }
      await sleep((options.pollSeconds ?? 1) * 1000, undefined, options.signal ? { signal: options.signal } : undefined).catch(() => undefined);
    }
  } finally {
    // Graceful: the jobs being processed finish and are acknowledged before the worker leaves.
    await Promise.all([...active.values()].map((w) => w.close()));
    await pool.destroy();
    client.disconnect();
  }
  return { jobs, points };
}
