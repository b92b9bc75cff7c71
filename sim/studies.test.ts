import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { designAt, dvfsStudy, maxFrequencyHz, operatingPoints, pickBest, voltageForFrequency, type DvfsPoint } from "./dvfs.js";
import { jobCarbonG, parseIntensityCsv, scheduleJobs, type CarbonJob, type IntensitySeries } from "./carbon-schedule.js";
import { carbonPerAreaGPerCm2, embodiedDieG, operationalG } from "./carbon.js";
import { batchingStudy } from "./batching.js";
import { simulate } from "./engine.js";
import { locateDesign, loadDesign, resolveDesign } from "../hardware-models/design-loader.js";
import { readDocument } from "../common/document.js";
import { buildOperatorTrace } from "../workloads/operator.js";
import { buildWorkload } from "../workloads/transformer-builder.js";
import { delayFactor, energyFactor } from "../hardware-models/technology/node-scaling.js";

const close = (a: number, b: number, rel = 1e-9) => expect(Math.abs(a - b)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(b)));

describe("DVFS", () => {
  const file = locateDesign("edge-npu");
  const doc = readDocument(file);
  const design = loadDesign("edge-npu");
  // A compute-bound matmul on the array: latency = cycles / f exactly, so every number is by hand.
  const trace = buildOperatorTrace({ operator: "matmul", m: 512, n: 512, k: 512, batch: 1, precision: "int8" });

  it("f_max(V) follows the Stillmaker & Baas delay fit from the design's own point", () => {
    const t = design.technology;
    close(maxFrequencyHz(design, t.voltageV), t.frequencyHz);
    close(maxFrequencyHz(design, 0.6), t.frequencyHz * delayFactor(16, 0.8, "lp") / delayFactor(16, 0.6, "lp"));
    expect(maxFrequencyHz(design, 0.6)).toBeLessThan(t.frequencyHz);
  });

  it("the voltage for a clock is the delay fit's inverse: the lowest millivolt whose f_max reaches it; the design's own voltage at or above its clock", () => {
    const t = design.technology;
    for (const f of [0.5, 0.7, 0.9, 0.999].map((x) => x * t.frequencyHz)) {
      const v = voltageForFrequency(design, f);
      expect(maxFrequencyHz(design, v)).toBeGreaterThanOrEqual(f);
      expect(maxFrequencyHz(design, v - 0.001)).toBeLessThan(f);
      expect(v).toBeLessThanOrEqual(t.voltageV);
    }
    expect(voltageForFrequency(design, 0.7 * t.frequencyHz)).toBeLessThan(t.voltageV);
    expect(voltageForFrequency(design, t.frequencyHz)).toBe(t.voltageV);
    expect(voltageForFrequency(design, 2 * t.frequencyHz)).toBe(t.voltageV);
    // Monotone: a faster clock never needs less voltage.
    fc.assert(fc.property(fc.double({ min: 0.3, max: 1, noNaN: true }), fc.double({ min: 0.3, max: 1, noNaN: true }), (a, b) => {
      const [lo, hi] = a < b ? [a, b] : [b, a];
      return voltageForFrequency(design, lo * t.frequencyHz) <= voltageForFrequency(design, hi * t.frequencyHz);
    }), { numRuns: 50 });
  });

  it("on-chip dynamic energy scales with the energy fit (~V^2), wires and the clock tree with V^2, leakage with V and time; DRAM, PHY and PLL do not (their own supplies); the min-energy point is the hand-computed one", () => {
    const ref = simulate(design, trace, { perOp: false });
    if (!ref.ok) throw new Error("infeasible");
    const r0 = ref.result;
    const voltages = [0.55, 0.6, 0.7, 0.8, 0.9];
    const points = operatingPoints(design, voltages);
    const study = dvfsStudy(doc, file, trace, points);
    const cycles = r0.latencyCycles;
    const dramPj = r0.breakdown.byAction["dram.read"]!.energyPj + (r0.breakdown.byAction["dram.write"]?.energyPj ?? 0);
    // The whole chip's lines at 0.8 V (sim/chip-energy.ts), each with its own scaling.
    const line = (name: string) => r0.breakdown.byComponent[name]?.energyPj ?? 0;
    const T0 = r0.latencySeconds;
    const phyStaticW = design.chip.levels[0]!.phyStaticW;
    const byHand = points.map((p) => {
      const ef = energyFactor(16, p.voltageV, "lp") / energyFactor(16, 0.8, "lp");
      const v2 = (p.voltageV / 0.8) ** 2;
      const latency = cycles / p.frequencyHz;
      // Work: on-chip actions and the units' flip-flops follow the energy fit; wires C V^2; the DRAM, its
      // activations and the PHY's per-bit energy are on their own supplies.
      const dynamic = ((r0.dynamicEnergyPj - dramPj) * ef + dramPj
        + (line("clock.npu") + line("clock.dsp")) * ef + line("noc") * v2 + (line("phy.dram") - phyStaticW * T0 * 1e12) + line("dram-activation.dram")) * 1e-12;
      // Time: on-chip leakage scales with V (the rest of the die's too); the clock tree is C V^2 per cycle;
      // the PHY's static power, the DRAM devices' background and the PLL are on their own supplies.
      const fixedW = phyStaticW + design.chip.levels[0]!.backgroundW + (line("uncore.pll") * 1e-12) / T0;
      const leakage = (design.leakagePowerW * (p.voltageV / 0.8) + fixedW + (line("leakage.uncounted") * 1e-12 / T0) * (p.voltageV / 0.8)) * latency
        + line("clock.global") * 1e-12 * v2;
      return { latency, dynamic, leakage, energy: dynamic + leakage };
    });
    study.points.forEach((p, i) => {
      close(p.latencySeconds, byHand[i]!.latency, 1e-9);
      close(p.dynamicEnergyJ, byHand[i]!.dynamic, 1e-9);
      close(p.staticEnergyJ, byHand[i]!.leakage, 1e-9);
    });
    // With a latency target between two points' latencies, the best is the least-energy point meeting it.
    const slo = (byHand[1]!.latency + byHand[2]!.latency) / 2;
    const withSlo = dvfsStudy(doc, file, trace, points, slo);
    const feasible = byHand.map((h, i) => ({ ...h, i })).filter((h) => h.latency <= slo);
    const expected = feasible.reduce((a, b) => (b.energy < a.energy ? b : a));
    expect(withSlo.best!.voltageV).toBe(voltages[expected.i]);
    expect(withSlo.points[0]!.meetsSlo).toBe(false);
  });

  it("no point meets an impossible target: the study says so and names the fastest", () => {
    const study = dvfsStudy(doc, file, trace, operatingPoints(design, [0.6, 0.8]), 1e-9);
    expect(study.best).toBeUndefined();
    expect(study.reason).toMatch(/no operating point meets the 1e-9 s target; the fastest \(0\.8 V/);
  });

  it("a design's dvfs table gives the points; a hand-made table picks the obvious minimum", () => {
    const withTable = structuredClone(doc) as { technology: Record<string, unknown> };
    withTable.technology.dvfs = [{ voltage: "0.7 V", frequency: "600 MHz" }, { voltage: "0.8 V", frequency: "1 GHz" }];
    const d = resolveDesign(withTable, file);
    expect(operatingPoints(d)).toEqual([{ voltageV: 0.7, frequencyHz: 6e8 }, { voltageV: 0.8, frequencyHz: 1e9 }]);
    const mk = (v: number, e: number, l: number): DvfsPoint => ({ voltageV: v, frequencyHz: 1, latencySeconds: l, energyJ: e, dynamicEnergyJ: e, staticEnergyJ: 0, averagePowerW: e / l, meetsSlo: l <= 2 });
    expect(pickBest([mk(0.6, 1, 3), mk(0.7, 2, 2), mk(0.8, 3, 1)], 2).best!.voltageV).toBe(0.7);
    expect(designAt(withTable, file, { voltageV: 0.7, frequencyHz: 6e8 }).technology.frequencyHz).toBe(6e8);
  });
});

describe("batching", () => {
  it("energy per inference = energy / batch, throughput = batch / latency, the largest batch meeting the target", () => {
    const design = loadDesign("edge-npu");
    const study = batchingStudy(design, { model: "bert-base", seq: 64 }, [1, 2, 4]);
    for (const p of study.points) {
      const o = simulate(design, buildWorkload({ model: "bert-base", seq: 64, batch: p.batch }), { perOp: false });
      if (!o.ok) throw new Error("infeasible");
      close(p.energyPerInferenceJ, o.result.energyJ / p.batch);
      close(p.throughputPerSecond, p.batch / o.result.latencySeconds);
    }
    const slo = (study.points[1]!.latencySeconds + study.points[2]!.latencySeconds) / 2;
    expect(batchingStudy(design, { model: "bert-base", seq: 64 }, [1, 2, 4], slo).best!.batch).toBe(2);
  });
});


describe("carbon arithmetic", () => {
  it("operational: J / 3.6e6 x g/kWh x PUE", () => {
    close(operationalG(3.6e6, 400, 1.2), 480);
    close(operationalG(1, 500), 500 / 3.6e6);
  });
  it("embodied (ACT): (CI_fab x EPA + GPA + MPA) / yield per cm^2, by hand at 7 nm and 28 nm", () => {
    // 7 nm, Taiwan 583 g/kWh, EPA 2.15 kWh/cm^2, GPA 97% = (350 + 200) / 2, MPA 500, yield 0.875.
    close(carbonPerAreaGPerCm2(7), (583 * 2.15 + 275 + 500) / 0.875);
    close(carbonPerAreaGPerCm2(28, 82, 95), (82 * 0.9 + 175 + 500) / 0.875);
    // 16 nm takes 14 nm's row; 40 nm takes 28 nm's.
    close(carbonPerAreaGPerCm2(16), carbonPerAreaGPerCm2(14));
    close(carbonPerAreaGPerCm2(40), carbonPerAreaGPerCm2(28));
    close(embodiedDieG(100, 7), carbonPerAreaGPerCm2(7)); // 100 mm^2 = 1 cm^2
  });
  it("a design with system.carbon carries both in its Result; per inference divides by the batch", () => {
    const file = locateDesign("edge-npu");
    const doc = structuredClone(readDocument(file)) as Record<string, any>;
    doc.system = { carbon: { gridIntensity: "400 g/kWh", pue: 1.5, lifetime: "2 years", dutyCycle: 0.25 } };
    const design = resolveDesign(doc, file);
    const o = simulate(design, buildWorkload({ model: "bert-base", seq: 64, batch: 2 }), { perOp: false });
    if (!o.ok) throw new Error("infeasible");
    const r = o.result, c = r.carbon!;
    close(c.operationalG, (r.energyJ / 3.6e6) * 400 * 1.5);
    close(c.embodiedDieG, embodiedDieG(r.areaMm2, 16));
    close(c.embodiedG, (c.embodiedDieG * r.latencySeconds) / (2 * 365.25 * 86400 * 0.25), 1e-6);
    close(c.perInferenceG, (c.operationalG + c.embodiedG) / 2);
    const plain = simulate(loadDesign("edge-npu"), buildWorkload({ model: "bert-base", seq: 64 }));
    expect(plain.ok && plain.result.carbon).toBeUndefined();
  });
});

describe("carbon-aware scheduling", () => {
  const series: IntensitySeries = { regions: ["a", "b"], hourly: { a: [500, 100, 300, 50, 400, 200], b: [250, 250, 60, 250, 250, 250] } };

  it("a job's carbon integrates the hourly intensity over its run (fractional hours included)", () => {
    const job: CarbonJob = { id: "j", energyKWh: 2, durationHours: 1.5, releaseHour: 0, deadlineHour: 6, deferrable: true, home: "a" };
    close(jobCarbonG(job, "a", 1, series, 1.1), 1.1 * (2 / 1.5) * (1 * 100 + 0.5 * 300));
  });

  /** Every combination of candidate starts (and regions), capacity checked: the true optimum. */
  function bruteForce(jobs: CarbonJob[], chooseRegion: boolean, capacity?: number): number {
    const options = jobs.map((j) => {
      if (!j.deferrable) return [{ region: j.home, start: j.releaseHour }];
      const out: { region: string; start: number }[] = [];
      for (const region of chooseRegion ? series.regions : [j.home]) {
        for (let s = j.releaseHour; s + j.durationHours <= j.deadlineHour; s++) if (s + j.durationHours <= 6) out.push({ region, start: s });
      }
      return out;
    });
    let best = Infinity;
    const pick = (k: number, chosen: { region: string; start: number }[]) => {
      if (k === jobs.length) {
        if (capacity !== undefined) {
          const load = new Map<string, number>();
          for (const [i, c] of chosen.entries()) {
            for (let h = Math.floor(c.start); h < c.start + jobs[i]!.durationHours; h++) {
              const key = `${c.region}|${h}`;
              load.set(key, (load.get(key) ?? 0) + 1);
              if (load.get(key)! > capacity) return;
            }
          }
        }
        best = Math.min(best, chosen.reduce((s, c, i) => s + jobCarbonG(jobs[i]!, c.region, c.start, series), 0));
        return;
      }
      for (const o of options[k]!) pick(k + 1, [...chosen, o]);
    };
    pick(0, []);
    return best;
  }

  it("property: on random small instances the schedule equals the brute-force optimum, with and without capacity and region choice, and never exceeds run-now", () => {
    const jobArb = fc.record({
      energyKWh: fc.integer({ min: 1, max: 20 }), durationHours: fc.integer({ min: 1, max: 3 }), releaseHour: fc.integer({ min: 0, max: 2 }),
      slack: fc.integer({ min: 0, max: 3 }), deferrable: fc.boolean(), home: fc.constantFrom("a", "b"),
    });
    fc.assert(fc.property(fc.array(jobArb, { minLength: 1, maxLength: 4 }), fc.boolean(), fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }), (raw, chooseRegion, capacity) => {
      const jobs: CarbonJob[] = raw.map((r, i) => ({
        id: `j${i}`, energyKWh: r.energyKWh, durationHours: r.durationHours, releaseHour: r.releaseHour,
        deadlineHour: Math.min(6, r.releaseHour + r.durationHours + r.slack), deferrable: r.deferrable, home: r.home,
      })).filter((j) => j.releaseHour + j.durationHours <= 6);
      if (jobs.length === 0) return;
      const expected = bruteForce(jobs, chooseRegion, capacity);
      let result;
      try {
        result = scheduleJobs(jobs, series, { chooseRegion, ...(capacity !== undefined ? { capacity } : {}) });
      } catch {
        expect(expected).toBe(Infinity); // infeasible under the capacity: both agree
        return;
      }
      expect(result.optimal).toBe(true);
      close(result.totalG, expected, 1e-9);
      if (capacity === undefined) expect(result.totalG).toBeLessThanOrEqual(result.baselineG + 1e-9);
    }), { numRuns: 300 });
  });

  it("a fractional release can still run at once: the schedule never emits more than running now", () => {
    const job: CarbonJob = { id: "half", energyKWh: 1, durationHours: 1, releaseHour: 0.5, deadlineHour: 3, deferrable: true, home: "a" };
    const odd: IntensitySeries = { regions: ["a"], hourly: { a: [100, 500, 500, 500] } };
    const r = scheduleJobs([job], odd);
    expect(r.assignments[0]!.startHour).toBe(0.5);
    close(r.totalG, r.baselineG);
    expect(r.savedFraction).toBeGreaterThanOrEqual(0);
  });

  it("intensity CSV errors give the line in the file (comments counted)", () => {
    const fail = (path: string, expected: string, found: string): never => {
      throw new Error(`${path}: expected ${expected}, found ${found}`);
    };
    expect(() => parseIntensityCsv("# a comment\ntime,a\n0,100\n1,x\n", fail)).toThrow(/^line 4, column a: expected an intensity >= 0/);
  });

  it("by hand: a deferrable job moves to the cheapest window, a fixed one stays, region choice finds the other grid", () => {
    const jobs: CarbonJob[] = [
      { id: "batch", energyKWh: 10, durationHours: 1, releaseHour: 0, deadlineHour: 5, deferrable: true, home: "a" },
      { id: "live", energyKWh: 5, durationHours: 1, releaseHour: 0, deadlineHour: 1, deferrable: false, home: "a" },
    ];
    const r = scheduleJobs(jobs, series);
    expect(r.assignments[0]).toMatchObject({ region: "a", startHour: 3, carbonG: 500, baselineCarbonG: 5000 });
    expect(r.assignments[1]).toMatchObject({ region: "a", startHour: 0, carbonG: 2500 });
    close(r.savedFraction, 1 - 3000 / 7500);
    const moved = scheduleJobs([{ ...jobs[0]!, deadlineHour: 3 }], series, { chooseRegion: true });
    expect(moved.assignments[0]).toMatchObject({ region: "b", startHour: 2, carbonG: 600 });
  });
});
