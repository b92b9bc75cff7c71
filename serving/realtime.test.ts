import { describe, expect, it } from "vitest";
import { loadDesign, locateDesign } from "../hardware-models/design-loader.js";
import { readDocument } from "../common/document.js";
import { simulate } from "../sim/engine.js";
import { buildWorkload } from "../workloads/transformer-builder.js";
import { idlePowerW } from "./power.js";
import { simulateRealtime, type RealtimeConfig } from "./realtime.js";

const file = locateDesign("edge-npu");
const device = { design: loadDesign("edge-npu"), doc: readDocument(file), file };
const base = (over: Partial<RealtimeConfig>): RealtimeConfig => ({
  name: "rt", device, durationSeconds: 2, seed: 1, scheduler: "edf", dropLate: true, policies: ["fixed"], timeBins: 40,
  streams: [{ name: "camera", workload: { model: "deit-tiny" }, periodSeconds: 1 / 30, jitterSeconds: 0, deadlineSeconds: 1 / 30 }], ...over,
});
const one = (model: string) => {
  const o = simulate(device.design, buildWorkload({ model }), { perOp: false });
  if (!o.ok) throw new Error("infeasible");
  return o.result;
};

describe("real-time edge mode", () => {
  it("a 30 fps stream that fits: no misses, each frame the engine's latency, energy and battery life by hand", () => {
    const r = simulateRealtime(base({ battery: { capacityCoulombs: 3000 * 3.6, voltageV: 3.85 } }));
    const p = r.policies[0]!;
    const inf = one("deit-tiny");
    const frames = 60; // 2 s at 30 fps
    expect(p.streams[0]!.inputs).toBe(frames);
    expect(p.streams[0]!.missed).toBe(0);
    expect(p.streams[0]!.latency.max).toBeCloseTo(inf.latencySeconds, 12);
    const idle = idlePowerW(device.design);
    expect(p.idlePowerW).toBe(idle);
    const energy = frames * inf.energyJ + idle * (2 - frames * inf.latencySeconds);
    expect(p.energyJ).toBeCloseTo(energy, 12);
    expect(p.energyPerFrameJ).toBeCloseTo(energy / frames, 12);
    expect(p.batteryLifeHours).toBeCloseTo((3000 * 3.6 * 3.85) / (energy / 2) / 3600, 9);
  });

  it("a stream slower than its period misses deadlines (late frames are dropped, not queued forever)", () => {
    const r = simulateRealtime(base({ streams: [{ name: "camera", workload: { model: "vit-b16" }, periodSeconds: 1 / 40, jitterSeconds: 0, deadlineSeconds: 1 / 40 }] }));
    const s = r.policies[0]!.streams[0]!;
    expect(one("vit-b16").latencySeconds).toBeGreaterThan(1 / 40);
    expect(s.missRate).toBeGreaterThan(0.5);
    expect(s.dropped).toBeGreaterThan(0);
  });

  it("race-to-idle runs at the fastest point; dvfs picks, per input, the least E + P_idle x slack that meets the deadline", () => {
    const r = simulateRealtime(base({ policies: ["race-to-idle", "dvfs"], voltagesV: [0.55, 0.65, 0.8] }));
    const [race, dvfs] = r.policies;
    expect(race!.jobs.every((j) => j.voltageV === 0.8)).toBe(true);
    const deadline = 1 / 30;
    const options = dvfs!.inferenceCosts.filter((c) => c.latencySeconds <= deadline);
    const best = options.reduce((a, c) => (c.energyJ + dvfs!.idlePowerW * (deadline - c.latencySeconds) < a.energyJ + dvfs!.idlePowerW * (deadline - a.latencySeconds) ? c : a));
    expect(dvfs!.jobs.every((j) => j.voltageV === best.voltageV)).toBe(true);
    expect(dvfs!.streams[0]!.missed).toBe(0);
    // Both idle at the lowest point; dvfs never spends more than racing on this periodic load.
    expect(race!.idlePowerW).toBe(dvfs!.idlePowerW);
    expect(dvfs!.energyJ).toBeLessThanOrEqual(race!.energyJ * (1 + 1e-12));
  });

  it("sporadic events share the device: EDF orders by deadline, and events add misses a camera alone would not have", () => {
    const camera = { name: "camera", workload: { model: "mobilevit-s-like" }, periodSeconds: 1 / 30, jitterSeconds: 0.002, deadlineSeconds: 1 / 30 };
    const alone = simulateRealtime(base({ streams: [camera] }));
    const shared = simulateRealtime(base({ durationSeconds: 5, streams: [camera, { name: "wake", workload: { model: "vit-b16" }, arrival: { kind: "poisson", ratePerSecond: 3 }, jitterSeconds: 0, deadlineSeconds: 0.1 }] }));
    expect(alone.policies[0]!.streams[0]!.missed).toBe(0);
    expect(shared.policies[0]!.streams[1]!.inputs).toBeGreaterThan(0);
    expect(shared.policies[0]!.streams[0]!.missed).toBeGreaterThan(0);
  });
});
