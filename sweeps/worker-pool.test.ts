import { describe, expect, it } from "vitest";
import { DEFAULT_WORKER_HEAP_MB, workerEntry, workerFiles, workerFlags } from "./worker-pool.js";

describe("worker process flags", () => {
  it("single-threaded V8 only when the workers fill the cores; the heap limit given, or the default", () => {
    expect(workerFlags(2, undefined, 2)).toEqual(["--single-threaded", `--max-old-space-size=${DEFAULT_WORKER_HEAP_MB}`]);
    expect(workerFlags(3, 160, 2)).toEqual(["--single-threaded", "--max-old-space-size=160"]);
    expect(workerFlags(1, undefined, 2)).toEqual([`--max-old-space-size=${DEFAULT_WORKER_HEAP_MB}`]);
    expect(workerFlags(1, 64, 4)).toEqual(["--max-old-space-size=64"]);
  });
});

describe("worker process entry", () => {
  it("is the one-module bundle npm run build makes (every sweep test with workers then runs it)", () => {
    expect(workerEntry()).toBe(workerFiles().bundle);
  });
});
