import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { BATCH_TARGET_SECONDS, BatchSizer, FIRST_BATCH, MAX_BATCH } from "./batch-size.js";

describe("batches sized by time", () => {
  it("starts at FIRST_BATCH, then takes the points of BATCH_TARGET_SECONDS at the latest batch's time per point", () => {
    const sizer = new BatchSizer(() => 2);
    expect(sizer.size(1e6)).toBe(FIRST_BATCH);
    sizer.observe(64, 64 * 1e-3); // a cold worker: 1 ms a point
    expect(sizer.size(1e6)).toBe(Math.floor(BATCH_TARGET_SECONDS / 1e-3));
    sizer.observe(200, 200 * 2e-4); // warm: 0.2 ms a point
    expect(sizer.size(1e6)).toBe(Math.floor(BATCH_TARGET_SECONDS / 2e-4));
  });

  it("a slow point goes alone; fast points stop at MAX_BATCH", () => {
    const sizer = new BatchSizer(() => 1);
    sizer.observe(3, 6); // 2 s a point (a serving sweep)
    expect(sizer.size(1000)).toBe(1);
    sizer.observe(1000, 1e-3); // 1 us a point
    expect(sizer.size(1e9)).toBe(MAX_BATCH);
  });

  it("never more than a 2 x lanes share of what remains, and the lanes are read when sizing", () => {
    let lanes = 1;
    const sizer = new BatchSizer(() => lanes);
    sizer.observe(100, 1e-3);
    expect(sizer.size(1000)).toBe(500);
    lanes = 4; // the pool started
    expect(sizer.size(1000)).toBe(125);
    expect(sizer.size(3)).toBe(3); // the floor: at most FIRST_BATCH, at most what remains
  });

  it("a share never shrinks a batch below FIRST_BATCH or the timed size, whichever is smaller (many lanes: a backend's batches in flight)", () => {
    const sizer = new BatchSizer(() => 64);
    sizer.observe(1000, 0.1); // 0.1 ms a point: 2,000 in 0.2 s
    expect(sizer.size(100_000)).toBe(Math.ceil(100_000 / 128));
    expect(sizer.size(5_000)).toBe(FIRST_BATCH);
    expect(sizer.size(10)).toBe(10);
    sizer.observe(10, 0.5); // 50 ms a point: 4 in 0.2 s
    expect(sizer.size(5_000)).toBe(4);
  });

  it("ignores batches that say nothing of their time (a failed batch's error rows, a backend's)", () => {
    const sizer = new BatchSizer(() => 2);
    sizer.observe(64, undefined);
    sizer.observe(0, 0.1);
    sizer.observe(64, 0);
    sizer.observe(64, Number.NaN);
    expect(sizer.size(1e6)).toBe(FIRST_BATCH);
  });

  it("property: a size is a whole number from 1 to MAX_BATCH, never above the share of what remains or the floor, and never smaller for faster points", () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 1e7 }), fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 1e-7, max: 100, noNaN: true }), fc.double({ min: 1, max: 100, noNaN: true }),
      (lanes, remaining, points, secondsPerPoint, faster) => {
        const slow = new BatchSizer(() => lanes), fast = new BatchSizer(() => lanes);
        slow.observe(points, points * secondsPerPoint);
        fast.observe(points, (points * secondsPerPoint) / faster);
        const n = slow.size(remaining);
        expect(Number.isInteger(n)).toBe(true);
        expect(n).toBeGreaterThanOrEqual(1);
        const timed = Math.floor(BATCH_TARGET_SECONDS / ((points * secondsPerPoint) / points)); // as the sizer computes it
        expect(n).toBeLessThanOrEqual(Math.max(1, Math.min(timed, FIRST_BATCH, remaining), Math.min(MAX_BATCH, Math.ceil(remaining / (2 * lanes)))));
        expect(n).toBeLessThanOrEqual(Math.max(1, remaining));
        expect(n).toBeGreaterThanOrEqual(Math.min(Math.max(1, timed), FIRST_BATCH, remaining));
        expect(fast.size(remaining)).toBeGreaterThanOrEqual(n);
      },
    ));
  });
});
