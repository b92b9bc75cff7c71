import { describe, expect, it } from "vitest";
import { parseTrace } from "./trace-io.js";
import { parseText } from "../common/document.js";
import { buildPresetTrace } from "./transformer-builder.js";
import { InputError } from "../common/input-error.js";

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

function problems(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error("expected an InputError");
}

describe("trace files: precise errors", () => {
  const good = buildPresetTrace("bert-base", { seqLen: 16 });

  it("a missing field names its path", () => {
    const t = clone(good) as unknown as { ops: Record<string, unknown>[] };
    delete t.ops[3]!.m;
    const e = problems(() => parseTrace(t, "my.json"));
    expect(e.file).toBe("my.json");
    expect(e.problems.some((p) => p.path === "/ops/3/m")).toBe(true);
  });

  it("an unknown op kind lists the kinds", () => {
    const t = clone(good) as unknown as { ops: Record<string, unknown>[] };
    t.ops[0]!.kind = "conv2d";
    expect(problems(() => parseTrace(t, "x.json")).message).toMatch(/\/ops\/0\/kind: expected one of "matmul"/);
  });

  it("a negative size is rejected", () => {
    const t = clone(good) as unknown as { ops: Record<string, unknown>[] };
    const i = t.ops.findIndex((o) => o.kind === "matmul");
    t.ops[i]!.k = -4;
    expect(problems(() => parseTrace(t, "x.json")).problems[0]!.path).toBe(`/ops/${i}/k`);
  });

  it("a reference to an unknown tensor is caught after the schema", () => {
    const t = clone(good);
    t.ops[2]!.inputs[0] = "nope";
    const e = problems(() => parseTrace(t, "x.json"));
    expect(e.message).toMatch(/\/ops\/2\/inputs\/0: expected the name of a tensor/);
  });

  it("reading a tensor before it is produced is caught", () => {
    const t = clone(good);
    t.ops[0]!.inputs[0] = t.ops[5]!.outputs[0]!;
    expect(problems(() => parseTrace(t, "x.json")).message).toMatch(/produced later/);
  });

  it("duplicate YAML/JSON keys are rejected", () => {
    expect(() => parseText("a: 1\na: 2\n", "dup.yaml")).toThrow(/dup.yaml: line 2/);
    expect(() => parseText('{"a": 1, "a": 2}', "dup.json")).toThrow(InputError);
  });

  it("malformed text names the line", () => {
    expect(() => parseText("a: [1, 2\n", "bad.yaml")).toThrow(/bad.yaml: line/);
  });
});
