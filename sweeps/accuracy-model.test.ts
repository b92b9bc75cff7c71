import { describe, expect, it } from "vitest";
import { join } from "node:path";
import { accuracyAt, accuracyScope, loadAccuracy } from "./accuracy-model.js";
import { hypervolume2d, kneeIndex } from "./front-measures.js";
import { buildPresetTrace } from "../workloads/transformer-builder.js";
import { InputError } from "../common/input-error.js";

const DEIT = join(import.meta.dirname, "..", "examples", "accuracy", "deit-imagenet.yaml");
const SPEC = join(import.meta.dirname, "..", "examples", "sweeps", "spec.yaml");

describe("accuracy model: a table of published results", () => {
  const model = loadAccuracy("../accuracy/deit-imagenet.yaml", SPEC, "/accuracy");
  const at = (dModel: number, precision: string) => accuracyAt(model, { dModel, precision });

  it("published rows are returned as published", () => {
    expect(at(192, "fp32")).toEqual({ value: 72.2 });
    expect(at(768, "int4")).toEqual({ value: 75.61 });
  });

  it("between two published widths: linear, with the other inputs equal", () => {
    // DeiT-Ti 72.2 at 192 and DeiT-S 79.8 at 384: a quarter of the way is 72.2 + 7.6 / 4 = 74.1.
    expect((at(240, "fp32") as { value: number }).value).toBeCloseTo(74.1, 12);
    expect((at(576, "int8") as { value: number }).value).toBeCloseTo((79.47 + 81.48) / 2, 12);
  });

  it("no extrapolation and no invented rows: a reason instead of a number", () => {
    expect(at(1024, "fp32")).toMatchObject({ reason: expect.stringMatching(/no published accuracy for dModel=1024, precision=fp32.*192 to 768/) });
    expect(at(192, "int8")).toMatchObject({ reason: expect.stringMatching(/dModel=192, precision=int8/) });
    expect(at(384, "fp16")).toMatchObject({ reason: expect.stringMatching(/no published accuracy/) });
  });

  it("reads the model's shape and the workload's fields: a uniform precision is its name", () => {
    const trace = buildPresetTrace("deit-tiny");
    const scope = accuracyScope(trace.model, { model: "deit-tiny", precision: { kind: "uniform", precision: "int4" } }, {});
    expect(scope).toMatchObject({ dModel: 192, layers: 12, precision: "int4" });
    expect(accuracyAt(model, scope)).toEqual({ value: 57.43 });
    expect(accuracyAt(model, { ...scope, dModel: 384 })).toEqual({ value: 69.03 });
  });

  it("bad tables are input errors naming the row", () => {
    const bad = (section: unknown) => () => loadAccuracy(section, DEIT, "/accuracy");
    expect(bad({ table: { inputs: ["dModel"], rows: [{ dModel: 192, value: 1 }] } })).toThrow(/source/);
    expect(bad({ table: { inputs: ["dModel"], rows: [{ dModel: 192, value: 1, source: "a" }, { dModel: 192, value: 2, source: "b" }] } })).toThrow(/one row per combination/);
    expect(bad({ table: { inputs: ["dModel"], interpolate: "layers", rows: [{ dModel: 192, value: 1, source: "a" }] } })).toThrow(/interpolate/);
    expect(bad({ table: { inputs: ["dModel"], rows: [{ dModel: 192, depth: 3, value: 1, source: "a" }] } })).toThrow(/depth/);
    expect(bad({ expr: "80 - 1 / layers" })).toThrow(InputError);
    expect(bad({ expr: "80", source: "x", table: { inputs: ["a"], rows: [{ a: 1, value: 1, source: "s" }] } })).toThrow(/one of table/);
  });

  it("an expression over the same names, with its source", () => {
    const m = loadAccuracy({ expr: "70 + layers / 12", source: "a stated formula" }, DEIT, "/accuracy");
    expect(accuracyAt(m, { layers: 6 })).toEqual({ value: 70.5 });
  });
});

describe("hypervolume of a two-objective front", () => {
  it("the union of the dominated rectangles, by hand", () => {
    // (1,3) and (2,1) up to (4,4): 3 x 1 + 2 x 3 - 0 overlap counted once = 3 + 4 = 7.
    expect(hypervolume2d([[1, 3], [2, 1]], [4, 4])).toBe(7);
    expect(hypervolume2d([[1, 3], [2, 1], [3, 3], [5, 0]], [4, 4])).toBe(7);
    expect(hypervolume2d([], [4, 4])).toBe(0);
  });
});

describe("knee of a two-objective front", () => {
  it("the point farthest from the line through the extremes, towards the ideal point", () => {
    // (0,10) (1,1.5) (3,1) (10,0): scaled, (0.1, 0.15) is 0.75/sqrt2 below the line x + y = 1, (0.3, 0.1) 0.6/sqrt2.
    expect(kneeIndex([[0, 10], [1, 1.5], [3, 1], [10, 0]])).toBe(1);
    expect(kneeIndex([[3, 1], [0, 10], [10, 0], [1, 1.5]])).toBe(3);
    expect(kneeIndex([[0, 1], [1, 0]])).toBeUndefined();
    // A point on the far side of the chord (concave) is no knee: (0.8, 0.9) scaled lies above x + y = 1.
    expect(kneeIndex([[0, 10], [8, 9], [10, 0]])).toBeUndefined();
    expect(kneeIndex([[0, 10], [8, 9], [2, 2], [10, 0]])).toBe(2);
  });
});
