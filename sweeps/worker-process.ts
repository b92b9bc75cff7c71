/**
 * The entry of a sweep worker process (sweeps/worker-pool.ts forks it through workerpool): runs
 * tasks with runTask, and tells the pool it is alive once the spec is loaded and then at most once a second, between points, so a
 * point that hangs is noticed without a message per point.
 */
import workerpool from "workerpool";
import { runTask, type WorkerTask } from "./worker.js";

const HEARTBEAT_MS = 1000;

workerpool.worker({
  run(task: WorkerTask) {
    let last = performance.now();
    return runTask(task, (done) => {
      const now = performance.now();
      if (done > 0 && now - last < HEARTBEAT_MS) return;
      last = now;
      workerpool.workerEmit({ alive: done });
    });
  },
});
