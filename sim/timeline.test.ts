import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { peakWindowAverage } from "./timeline.js";

/** Segments as the timeline writes them: [now, now + dt, power], then now += dt (contiguous, bit for bit). */
function segmentsOf(parts: { dt: number; power: number }[]): Float64Array {
  const out = new Float64Array(3 * parts.length);
  let now = 0;
  parts.forEach(({ dt, power }, k) => {
    out[3 * k] = now;
    out[3 * k + 1] = now + dt;
    out[3 * k + 2] = power;
    now += dt;
  });
  return out;
}

/** Energy over [x, x + window] by summing each segment's overlap: slow, independent of the sweep's cursors. */
function bruteForce(segments: Float64Array, count: number, window: number): number {
  const t0 = segments[0]!, tEnd = segments[3 * (count - 1) + 1]!;
  if (window >= tEnd - t0) {
    let e = 0;
    for (let k = 0; k < count; k++) e += (segments[3 * k + 1]! - segments[3 * k]!) * segments[3 * k + 2]!;
    return tEnd - t0 > 0 ? e / (tEnd - t0) : 0;
  }
  const over = (x: number) => {
    let e = 0;
    for (let k = 0; k < count; k++) e += Math.max(0, Math.min(segments[3 * k + 1]!, x + window) - Math.max(segments[3 * k]!, x)) * segments[3 * k + 2]!;
    return e;
  };
  let best = 0;
  for (let k = 0; k < count; k++) {
    const s = segments[3 * k]!, e = segments[3 * k + 1]!;
    if (s + window <= tEnd) best = Math.max(best, over(s));
    if (e - window >= t0) best = Math.max(best, over(e - window));
  }
  return best / window;
}

describe("peakWindowAverage", () => {
  it("finds the largest window average of a piecewise-constant power (fast-check against a brute force over every candidate window)", () => {
    const part = fc.record({ dt: fc.double({ min: 0.01, max: 50, noNaN: true }), power: fc.oneof(fc.constant(0), fc.double({ min: 1e-3, max: 1000, noNaN: true })) }); // pJ per cycle; no subnormals
    fc.assert(fc.property(fc.array(part, { minLength: 1, maxLength: 40 }), fc.double({ min: 0.01, max: 400, noNaN: true }), (parts, window) => {
      const segments = segmentsOf(parts);
      const got = peakWindowAverage(segments, parts.length, window);
      const want = bruteForce(segments, parts.length, window);
      // A window's energy is a difference of running sums, and its ends are times far from 0:
      // rounding of order 1e-16 of the run's energy and of its length at the largest power, over the window.
      const total = parts.reduce((e, p) => e + p.dt * p.power, 0);
      const length = parts.reduce((t, p) => t + p.dt, 0);
      const maxPower = Math.max(...parts.map((p) => p.power));
      const rounding = (1e-13 * (total + length * maxPower)) / window;
      expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-12 * want + rounding);
      // At most the largest segment power.
      expect(got).toBeLessThanOrEqual(maxPower * (1 + 1e-12) + rounding);
    }), { numRuns: 500 });
  });

  it("by hand: a 1-cycle burst of 100 in a flat 1 gives (100 + 3) / 4 over a 4-cycle window", () => {
    const segments = segmentsOf([{ dt: 10, power: 1 }, { dt: 1, power: 100 }, { dt: 10, power: 1 }]);
    expect(peakWindowAverage(segments, 3, 4)).toBe(103 / 4);
  });
});
