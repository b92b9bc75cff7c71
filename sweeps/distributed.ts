/**
 * Distributed sweeps on Redis with BullMQ: the coordinator (`attnsim sweep SPEC --backend
 * redis://HOST:PORT`) runs the local runner's sampling, resume, recording and aggregation, but sends
 * each batch of points as a BullMQ job; workers (`attnsim worker redis://HOST:PORT`) on any number of
 * machines pull jobs into worker processes of their own and return the rows as the job's result.
 *
 * - One queue per sweep, named after the sweep and a hash of its resolved spec
 *   (`attnsim-<name>-<hash>`), so two sweeps never mix and a resumed coordinator finds its own. The
 *   spec travels through Redis (`attnsim:spec:<queue>`); workers need no files. Active queues are
 *   listed in the set `attnsim:sweeps`, which workers poll: they join and leave at any time.
 * - A job's id is a hash of its points' keys: adding the same batch twice is a no-op, and a resumed
 *   coordinator that re-adds a batch whose job finished while it was down gets that job's result.
 * - Workers evaluate in worker processes (sweeps/worker-pool.ts), one pool per sweep (nothing a
 *   sweep does reaches the next one's points): a point that kills its process or hangs becomes an
 *   error row in the job's result, the rest of the batch is evaluated as usual.
 * - A worker killed mid-job stops renewing its lock; BullMQ's stalled-job check puts the job back in
 *   the queue for another worker (`lockSeconds`, default 30 s). A job that stalls MAX_STALLS times
 *   (it keeps killing whole workers) or whose processing throws on every attempt fails; the
 *   coordinator then sends its points one by one, and a point whose own job fails is an error row
 *   with the reason. Results are written by the coordinator only, once per job it awaited, and
 *   resume skips recorded keys: every point appears exactly once.
 * - Redis restarted without its data: the coordinator's lease renewal notices its keys are gone and
 *   registers the sweep again, and each awaited job that vanished is queued again (job ids are
 *   hashes of the points, so nothing is evaluated twice into the results).
 * - An outage is reported once when it starts and once when it ends (`log`), never per retry; the
 *   password is never printed (redactUrl), and a refused password is named as such.
 * - Password and TLS: `redis://:PASSWORD@HOST:PORT/DB`, `rediss://` for TLS, the password in
 *   ATTNSIM_REDIS_PASSWORD (kept out of process listings), a private CA in ATTNSIM_REDIS_CA (a PEM file).
 */
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { Queue, QueueEvents, Worker, type ConnectionOptions, type Job } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import { InputError } from "../common/input-error.js";
import { readTextFile } from "../common/document.js";
import type { PointTask } from "./evaluate-point.js";
import { specDigest, type ResolvedSweep } from "./spec.js";
import type { SweepBackend } from "./runner.js";
import { failedBatch, type WorkerResult } from "./worker.js";
import { BatchFailure, isolating, WorkerPool } from "./worker-pool.js";

export const SWEEPS_SET = "attnsim:sweeps";
const specKey = (queue: string) => `attnsim:spec:${queue}`;
const leaseKey = (queue: string) => `attnsim:coordinator:${queue}`;
/** A coordinator holds its sweep's lease, refreshed every third of this; a killed one's expires. */
const LEASE_MS = 10_000;
/** Stalls (its worker died or lost its lock) before a job fails and its points are sent one by one. */
export const MAX_STALLS = 2;
/** How often an awaited job with no news is looked up (to re-queue it if Redis lost it). */
const JOB_CHECK_MS = 3000;

/** After an outage ends, errors of connections still reconnecting belong to it for this long. */
const SETTLE_MS = 15_000;

/** Reports a connection's state once per change (an outage floods nothing). */
class Health {
  private down: string | undefined;
  private recoveredAt = -Infinity;
  constructor(private readonly what: string, private readonly log: (line: string) => void) {}
  failed(err: unknown): void {
    const message = describeRedisError(err);
    if (this.down !== undefined || performance.now() - this.recoveredAt < SETTLE_MS) return;
    this.down = message;
    this.log(`${this.what}: Redis unreachable (${message}); waiting for it to come back`);
  }
  ok(): void {
    if (this.down === undefined) return;
    this.down = undefined;
    this.recoveredAt = performance.now();
    this.log(`${this.what}: Redis reachable again`);
  }
}

function describeRedisError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(message)) return `authentication failed: wrong or missing password or user (${message.split("\n")[0]})`;
  return message.split("\n")[0]!;
}

/** A client that reached the server (PING within 5 s), or an InputError naming the flag. */
async function connected(options: RedisOptions, flag: string, url: string): Promise<Redis> {
  const client = new Redis({ ...options, lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: 1, retryStrategy: () => null });
  let lastError: unknown;
  client.on("error", (err) => {
    lastError = err; // the real reason ("WRONGPASS ..."), where the command itself says "Connection is closed"
  });
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    client.disconnect();
    const reason = describeRedisError(/WRONGPASS|NOAUTH/.test(String(err)) || lastError === undefined ? err : lastError);
    throw new InputError("<command line>", { path: flag, expected: "a reachable Redis server that accepts the password", found: `${redactUrl(url)}: ${reason}` });
  }
  client.disconnect();
  return new Redis(options);
}

/** The URL without its password, for messages and summary.json (also when the URL is malformed). */
export function redactUrl(url: string): string {
  const at = url.lastIndexOf("@");
  if (at < 0) return url;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/*/.exec(url)?.[0] ?? "";
  return `${scheme}${url.slice(at + 1)}`;
}

/** ioredis options from a redis:// or rediss:// URL (BullMQ needs maxRetriesPerRequest: null). */
export function redisOptions(url: string, flag = "--backend"): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InputError("<command line>", { path: flag, expected: "redis://[:PASSWORD@]HOST:PORT[/DB] or rediss://... (TLS)", found: JSON.stringify(redactUrl(url)) });
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
    throw new InputError("<command line>", { path: flag, expected: "a redis:// or rediss:// URL", found: JSON.stringify(redactUrl(url)) });
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
  const hash = specDigest(spec).slice(0, 12);
  return `attnsim-${spec.name.replace(/[^A-Za-z0-9_-]/g, "_")}-${hash}`;
}

export interface RedisBackendOptions {
  /** Batches in flight (default 64): enough to keep every remote worker thread busy. */
  maxInFlight?: number;
  /** Attempts per batch before it fails and its points are sent one by one (default 3). */
  attempts?: number;
  /** Where outages and recoveries are reported (once per change of state). */
  log?: (line: string) => void;
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
  const log = options.log ?? (() => undefined);
  const health = new Health("coordinator", log);
  const register = async () => {
    await client.set(specKey(name), JSON.stringify(spec));
    await client.sadd(SWEEPS_SET, name);
  };
  // The lease renewal doubles as the check that Redis still holds the sweep: a restart without its
  // data (or an eviction) drops the lease key, and the sweep is registered again.
  const renew = setInterval(() => {
    void (async () => {
      if ((await client.pexpire(leaseKey(name), LEASE_MS)) === 0 && !closed) {
        await client.set(leaseKey(name), token, "PX", LEASE_MS, "NX");
        await register();
        log(`coordinator: Redis lost the sweep's keys (restarted without its data?); registered ${name} again, and batches that vanished are queued again`);
      }
      health.ok();
    })().catch((err: unknown) => health.failed(err));
  }, LEASE_MS / 3);
  client.on("error", (err) => health.failed(err));
  await register();
  const bull = connection as ConnectionOptions; // ioredis options; bullmq's own type names its bundled copy
  const queue = new Queue(name, { connection: bull });
  const events = new QueueEvents(name, { connection: bull });
  queue.on("error", (err) => health.failed(err));
  events.on("error", (err) => health.failed(err));
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  const attempts = options.attempts ?? 3;
  const maxInFlight = options.maxInFlight ?? 64;
  // Every awaited job listens for the queue closing and for its own completion.
  queue.setMaxListeners(maxInFlight * 2 + 16);
  events.setMaxListeners(maxInFlight * 2 + 16);
  return {
    queue: name,
    maxInFlight,
    label: `${redactUrl(url)} queue ${name}`,
    async evaluate(points: PointTask[], wantRows: boolean): Promise<WorkerResult> {
      // attempts: 3 is three tries in all (two retries) before the batch fails.
      const jobId = createHash("sha1").update(points.map((p) => p.key).join("\n")).digest("hex");
      const add = () => queue.add("batch", { points, wantRows }, { jobId, attempts, backoff: { type: "fixed", delay: 1000 }, removeOnComplete: false, removeOnFail: false });
      const outcome = (job: Job) => job.waitUntilFinished(events).then((value: WorkerResult) => ({ value }), (err: unknown) => ({ err }));
      let waiting = outcome(await add());
      for (;;) {
        const news = await Promise.race([waiting, sleep(JOB_CHECK_MS).then(() => undefined)]);
        let done: { value?: WorkerResult; err?: unknown } | undefined = news;
        if (!done) {
          // No news for a while: look the job up (QueueEvents can miss a completion across a Redis restart).
          try {
            const state = await queue.getJobState(jobId);
            health.ok();
            if (state === "completed") done = { value: (await queue.getJob(jobId))!.returnvalue as WorkerResult };
            else if (state === "failed") done = { err: new Error((await queue.getJob(jobId))?.failedReason ?? "failed") };
            else if (state === "unknown") waiting = outcome(await add()); // vanished with Redis's data: queue it again
          } catch (err) {
            health.failed(err); // Redis is down: keep waiting, it is reported once
          }
        }
        if (!done) continue;
        if (done.err !== undefined) throw new BatchFailure(`batch of ${points.length} point${points.length === 1 ? "" : "s"} failed on every attempt: ${describeRedisError(done.err)}`);
        // The runner records the rows as soon as this returns; a coordinator killed in between
        // recomputes these points on resume (nothing is lost, nothing is written twice).
        await queue.remove(jobId).catch(() => undefined);
        return done.value!;
      }
    },
    async close(): Promise<void> {
      if (closed) return; // the runner closes it, and the CLI again in case the runner never started
      closed = true;
      clearInterval(renew);
      await client.srem(SWEEPS_SET, name).catch(() => undefined);
      await client.del(specKey(name)).catch(() => undefined);
      await queue.obliterate({ force: true }).catch(() => undefined);
      await Promise.all([queue.close(), events.close()]).catch(() => undefined);
      if ((await client.get(leaseKey(name)).catch(() => undefined)) === token) await client.del(leaseKey(name)).catch(() => undefined);
      client.disconnect();
    },
  };
}

export interface WorkerOptions {
  /** Local worker processes per sweep (default: available cores). */
  threads: number;
  /** Lock duration: a killed worker's job returns to the queue after about this long (default 30 s). */
  lockSeconds?: number;
  /** How often the set of active sweeps is read (default 1 s). */
  pollSeconds?: number;
  /** Cap on each worker process's heap, MB. */
  heapMb?: number;
  /** A worker process that finishes no point for this long is stopped; its point becomes an error row. */
  pointTimeoutSeconds?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** The worker's side: joins every active sweep's queue, evaluates its jobs in worker processes of its own. */
export async function runWorker(url: string, options: WorkerOptions): Promise<{ jobs: number; points: number }> {
  const connection = redisOptions(url, "URL");
  const client = await connected(connection, "URL", url);
  const log = options.log ?? (() => undefined);
  const health = new Health("worker", log);
  client.on("error", (err) => health.failed(err));
  const lockDuration = (options.lockSeconds ?? 30) * 1000; // BullMQ's own default lockDuration, 30 s
  const active = new Map<string, { worker: Worker; pool: WorkerPool }>();
  let jobs = 0, points = 0;
  const attach = async (name: string) => {
    const json = await client.get(specKey(name));
    if (!json) return;
    const spec = JSON.parse(json) as ResolvedSweep;
    // One pool per sweep: its processes never see another sweep's points.
    const pool = new WorkerPool({ processes: options.threads, heapMb: options.heapMb, pointTimeoutSeconds: options.pointTimeoutSeconds });
    const worker = new Worker(name, async (job: Job<{ points: PointTask[]; wantRows: boolean }>) => {
      const { wantRows } = job.data;
      const result = await isolating(job.data.points, wantRows, (part) => pool.run({ specFile: spec.file, spec, specId: name, points: part, wantRows }), (part, reason) => failedBatch(part, reason, wantRows));
      jobs++;
      points += result.count;
      return result;
    }, { connection: connection as ConnectionOptions, concurrency: options.threads, lockDuration, stalledInterval: Math.max(1000, lockDuration / 2), maxStalledCount: MAX_STALLS });
    worker.on("failed", (job, err) => log(`${name}: job ${job?.id} failed: ${describeRedisError(err)}`));
    worker.on("error", (err) => health.failed(err));
    active.set(name, { worker, pool });
    log(`joined ${name}`);
  };
  // Leaving a sweep gone from the set (finished, or lost with Redis's data) does not wait for its
  // jobs: a graceful close can wait forever on a connection that is reconnecting. A worker that is
  // stopped (SIGTERM) finishes the jobs it holds first, for at most a lock duration.
  const leave = async (name: string, graceful: boolean) => {
    const entry = active.get(name)!;
    active.delete(name);
    await (graceful ? Promise.race([entry.worker.close(), sleep(lockDuration)]) : entry.worker.close(true)).catch(() => undefined);
    await entry.worker.close(true).catch(() => undefined);
    await entry.pool.destroy();
  };
  try {
    while (!options.signal?.aborted) {
      try {
        const names = await client.smembers(SWEEPS_SET);
        health.ok();
        for (const name of names) if (!active.has(name)) await attach(name);
        for (const name of [...active.keys()]) {
          if (names.includes(name)) continue;
          await leave(name, false);
          log(`left ${name} (finished)`);
        }
      } catch (err) {
        health.failed(err);
      }
      await sleep((options.pollSeconds ?? 1) * 1000, undefined, options.signal ? { signal: options.signal } : undefined).catch(() => undefined);
    }
  } finally {
    // Graceful: the jobs being processed finish and are acknowledged before the worker leaves.
    await Promise.all([...active.keys()].map((name) => leave(name, true)));
    client.disconnect();
  }
  return { jobs, points };
}
