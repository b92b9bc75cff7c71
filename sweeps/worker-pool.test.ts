import { describe, expect, it } from "vitest";
import { workerFlags } from "./worker-pool.js";

describe("worker process flags", () => {
  it("single-threaded V8 only when the workers fill the cores; the heap cap when asked", () => {
    expect(workerFlags(2, undefined, 2)).toEqual(["--single-threaded"]);
    expect(workerFlags(3, 160, 2)).toEqual(["--single-threaded", "--max-old-space-size=160"]);
    expect(workerFlags(1, undefined, 2)).toEqual([]);
    expect(workerFlags(1, 64, 4)).toEqual(["--max-old-space-size=64"]);
  });
});
