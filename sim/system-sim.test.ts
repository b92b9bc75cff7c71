/** Many devices: the collectives each parallelism writes, the pipeline schedule's closed form, energy accounting. */
import { describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";
import { loadSystemFile } from "../hardware-models/system.js";
import { partitionWorkload } from "../workloads/parallel/partition.js";
import { checkTraceIntegrity } from "../workloads/trace-io.js";
import { opMacs, type CollectiveOp, type Trace } from "../workloads/trace.js";
import { resolveVariant, type WorkloadSpec } from "../workloads/workload-spec.js";
import { MODEL_PRESETS } from "../workloads/model-presets.js";
import { simulateSystem } from "./system-sim.js";
import { simulate } from "./engine.js";
import { trainingRun } from "./training-run.js";
import { embodiedDieG } from "../hardware-models/technology/embodied-carbon.js";

const W = { file: "<test>", path: "" };
const dgx = loadSystemFile("examples/systems/dgx-a100-like.yaml");
const trainSpec = (model: string, seq: number, batch: number, params: Record<string, unknown> = {}, extra: Partial<WorkloadSpec> = {}): WorkloadSpec =>
  ({ model, seq, batch, phase: "train", train: resolveVariant("train", "adamw", params, W), ...extra });
const collectives = (t: Trace) => t.ops.filter((o): o is CollectiveOp => o.kind === "collective");
const NODE = { devicesPerNode: 8, hostLink: true };
const P = (x: Partial<{ data: number; tensor: number; pipeline: number; expert: number }>) => ({ data: 1, tensor: 1, pipeline: 1, expert: 1, ...x });

describe("system presets", () => {
  it("every file in examples/systems resolves: its device with the interconnect, collectives mapped to it", () => {
    const dir = join(packageRoot(), "examples", "systems");
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      const system = loadSystemFile(join(dir, f));
      const link = system.device.units.findIndex((u) => u.name === "interconnect");
      expect(link).toBeGreaterThanOrEqual(0);
      expect(system.device.mapping.unitByKind.collective).toBe(link);
      expect(system.hostLink).toBe(true);
    }
  });
});

describe("tensor parallelism (Megatron-LM): two all-reduces per layer each way", () => {
  it("gpt2-small, t = 4: [s b h] all-reduces after the output and down projections (forward) and the QKV and up projections' input gradients (backward)", () => {
    const { layers: L, dModel: d } = MODEL_PRESETS["gpt2-small"];
    const s = 256, b = 2;
    const work = partitionWorkload(trainSpec("gpt2-small", s, b, { dropout: 0 }), P({ tensor: 4 }), NODE);
    const trace = work.stages[0]!.trace;
    checkTraceIntegrity(trace, "<test>");
    const layer = collectives(trace).filter((c) => /^L\d+\./.test(c.id));
    expect(layer).toHaveLength(4 * L);
    for (const c of layer) expect(c).toMatchObject({ collective: "all-reduce", bytes: 2 * s * b * d, group: 4, perNode: 4 });
    expect(layer.filter((c) => c.pass === "backward")).toHaveLength(2 * L);
    // Each shard does 1/t of a layer's matmul work.
    const full = partitionWorkload(trainSpec("gpt2-small", s, b, { dropout: 0 }), P({}), NODE).stages[0]!.trace;
    const layerMacs = (t: Trace) => t.ops.filter((o) => o.layer === 3).reduce((m, o) => m + opMacs(o), 0);
    expect(layerMacs(trace)).toBe(layerMacs(full) / 4);
  });
  it("inference: the forward's two per layer only", () => {
    const work = partitionWorkload({ model: "llama2-7b", seq: 128, precision: resolveVariant("precision", "uniform", { precision: "fp16" }, W) }, P({ tensor: 8 }), NODE);
    expect(collectives(work.stages[0]!.trace)).toHaveLength(2 * 32);
  });
  it("a tensor degree that does not divide the heads is refused", () => {
    expect(() => partitionWorkload(trainSpec("bert-base", 64, 1), P({ tensor: 5 }), NODE)).toThrow(/parallelism\/tensor: expected a divisor of the model's heads \(12\)/);
  });
});

describe("data parallelism: every gradient all-reduced once, per layer, as the backward finishes it", () => {
  it("bert-base, d = 8: the buckets hold every gradient byte; the all-reduce overlaps the backward", () => {
    const spec = trainSpec("bert-base", 128, 8);
    const work = partitionWorkload(spec, P({ data: 8 }), NODE);
    const trace = work.stages[0]!.trace;
    const buckets = collectives(trace).filter((c) => c.id.startsWith("dp."));
    const gradBytes = trace.tensors.filter((t) => t.role === "gradient").reduce((s, t) => s + t.shape.reduce((a, x) => a * x, 1) * 2, 0);
    expect(buckets.reduce((s, c) => s + c.bytes, 0)).toBe(gradBytes);
    for (const c of buckets) expect(c).toMatchObject({ group: 8, perNode: 8, inputs: c.outputs });
    // Overlap: the step is shorter than compute alone plus the all-reduces one after another.
    const withDp = simulate(dgx.device, trace, { perOp: true });
    const alone = simulate(dgx.device, partitionWorkload(spec, P({}), NODE).stages[0]!.trace, { perOp: false });
    if (!withDp.ok || !alone.ok) throw new Error("infeasible");
    const arSeconds = withDp.result.ops.filter((o) => o.id.startsWith("dp.")).reduce((s, o) => s + o.latencySeconds, 0);
    expect(arSeconds).toBeGreaterThan(0);
    expect(withDp.result.latencySeconds).toBeLessThan(alone.result.latencySeconds + arSeconds);
    expect(withDp.result.latencySeconds).toBeGreaterThanOrEqual(alone.result.latencySeconds);
  });
});

describe("pipeline parallelism: 1F1B's closed form", () => {
  for (const [p, m] of [[2, 4], [4, 8], [4, 1]] as const) {
    it(`p = ${p}, m = ${m}: T = (m + p - 1) t_slot + tail, bubble (p - 1) / (m + p - 1), stage s keeps min(m, p - s) micro-batches`, () => {
      const spec = trainSpec("gpt2-small", 512, 2, { microBatches: m });
      const outcome = simulateSystem(dgx, spec, { parallelism: P({ pipeline: p, data: 2 }) });
      if (!outcome.ok) throw new Error(outcome.infeasible.reasons[0]!.reason);
      const r = outcome.result;
      const slot = Math.max(...r.stages.map((s) => s.microBatch!.latencySeconds));
      const tail = Math.max(...r.stages.map((s) => s.step.latencySeconds - s.microBatch!.latencySeconds));
      expect(r.stepSeconds).toBeCloseTo((m + p - 1) * slot + tail, 12);
      expect(r.bubbleFraction).toBeCloseTo((p - 1) / (m + p - 1), 12);
      r.stages.forEach((s) => expect(s.inFlightMicroBatches).toBe(Math.min(m, p - s.stage)));
      expect(r.stages.map((s) => s.layers)).toEqual(Array.from({ length: p }, (_, s) => [(s * 12) / p, ((s + 1) * 12) / p]));
      for (const s of r.stages) expect(s.busySeconds + s.idleSeconds).toBeCloseTo(r.stepSeconds, 12);
    });
  }
  it("stages exchange activations and gradients of one micro-batch", () => {
    const { dModel: d } = MODEL_PRESETS["gpt2-small"];
    const work = partitionWorkload(trainSpec("gpt2-small", 512, 2), P({ pipeline: 2 }), NODE);
    const [first, last] = work.stages.map((s) => collectives(s.trace).filter((c) => c.id.startsWith("pp.")));
    expect(first!.map((c) => c.collective)).toEqual(["send", "recv"]);
    expect(last!.map((c) => c.collective)).toEqual(["recv", "send"]);
    for (const c of [...first!, ...last!]) expect(c.bytes).toBe(2 * 512 * 2 * d);
    for (const s of work.stages) checkTraceIntegrity(s.trace, "<test>");
  });
  it("GPipe keeps all m micro-batches in flight", () => {
    const outcome = simulateSystem(dgx, trainSpec("gpt2-small", 512, 2, { microBatches: 4 }), { parallelism: P({ pipeline: 2 }), schedule: "gpipe" });
    if (!outcome.ok) throw new Error("infeasible");
    for (const s of outcome.result.stages) expect(s.inFlightMicroBatches).toBe(4);
  });
});

describe("expert parallelism: all-to-all to the experts and back, each way", () => {
  it("gpt2-small MoE (8 experts), e = 4 of d = 4: 4 all-to-alls per layer, 2 experts per device, expert gradients over d / e", () => {
    const spec = trainSpec("gpt2-small", 128, 2, {}, { ffn: resolveVariant("ffn", "moe", { experts: 8, topk: 2 }, W) });
    const trace = partitionWorkload(spec, P({ data: 4, expert: 4 }), NODE).stages[0]!.trace;
    checkTraceIntegrity(trace, "<test>");
    const a2a = collectives(trace).filter((c) => c.collective === "all-to-all");
    expect(a2a).toHaveLength(4 * 12);
    for (const c of a2a) expect(c.group).toBe(4);
    expect(trace.tensors.find((t) => t.name === "L0.experts.w1")!.shape[0]).toBe(2);
    const expertAr = collectives(trace).filter((c) => c.id.includes(".experts.all-reduce"));
    expect(expertAr.length).toBe(0); // d / e = 1: nothing to all-reduce
  });
  it("expert parallelism needs a mixture of experts", () => {
    expect(() => partitionWorkload(trainSpec("bert-base", 64, 1), P({ data: 2, expert: 2 }), NODE)).toThrow(/mixture-of-experts/);
  });
});

describe("the system's energy and limits", () => {
  it("energy = devices' work + idle + the rest of the nodes; more devices than the system has is refused", () => {
    const outcome = simulateSystem(dgx, trainSpec("bert-base", 128, 8), { parallelism: P({ data: 4, pipeline: 2 }) });
    if (!outcome.ok) throw new Error("infeasible");
    const r = outcome.result;
    const e = r.energyBreakdownJ;
    expect(r.energyJ).toBeCloseTo(e.work + e.idle + e.nodeStatic, 9);
    expect(e.nodeStatic).toBeCloseTo(dgx.nodeStaticPowerW * r.stepSeconds, 9);
    expect(r.devices).toBe(8);
    expect(() => simulateSystem(dgx, trainSpec("bert-base", 128, 8), { parallelism: P({ data: 16 }) })).toThrow(/at most 8 devices/);
  });
});

describe("a training run from its step (sim/training-run.ts)", () => {
  it("steps from examples x epochs, time and energy x steps, operational E x I x PUE, embodied devices x die x time / (lifetime x duty)", () => {
    const outcome = simulateSystem(dgx, trainSpec("bert-base", 128, 4), { parallelism: P({ data: 8 }) });
    if (!outcome.ok) throw new Error("infeasible");
    const step = outcome.result;
    expect(step.sequencesPerStep).toBe(32);
    const setting = { gridIntensityGPerKWh: 380, pue: 1.1, fabIntensityGPerKWh: 583, abatement: 97 as const, lifetimeSeconds: 4 * 365.25 * 86400, dutyCycle: 0.5 };
    const run = trainingRun(step, { examples: 1000, epochs: 3 }, dgx.device, setting);
    expect(run.steps).toBe(Math.ceil(3000 / 32));
    expect(run.seconds).toBeCloseTo(run.steps * step.stepSeconds, 12);
    expect(run.energyKWh).toBeCloseTo((run.steps * step.energyJ) / 3.6e6, 12);
    expect(run.carbon!.operationalG).toBeCloseTo(run.energyKWh * 380 * 1.1, 9);
    const die = embodiedDieG(dgx.device.areaMm2, 7, 583, 97);
    expect(run.carbon!.embodiedG).toBeCloseTo((8 * die * run.seconds) / (setting.lifetimeSeconds * 0.5), 12);
    expect(trainingRun(step, { tokens: step.tokensPerStep * 10 + 1 }, dgx.device).steps).toBe(11);
  });
});
