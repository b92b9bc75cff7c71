/** Sweeps over a model's shape: workload paths reach the trace, a misspelt one is refused at load. */
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assign, dimensions, loadSweep, pointKey, workloadLabel } from "./spec.js";
import { evaluatePoint } from "./evaluate-point.js";
import { InputError } from "../common/input-error.js";

const dir = mkdtempSync(join(tmpdir(), "attnsim-workload-paths-"));
const MODELS = join(import.meta.dirname, "..", "examples", "models");

function spec(name: string, body: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `version: 1\nname: ${name}\ndesign: edge-npu\nobjectives: [{ minimize: energyJ }]\n${body}`);
  return file;
}

function energies(file: string): number[] {
  const s = loadSweep(file);
  const values = dimensions(s)[0]!.values!;
  return values.map((_, i) => {
    const params = assign(s, [i]);
    const row = evaluatePoint(s, { index: i, key: pointKey(params, 0), workload: 0, params });
    expect(row.status).toBe("ok");
    return row.metrics!.energyJ!;
  });
}

describe("sweeps over the model's shape", () => {
  it("workload.layers 4, 6, 12 gives three energies, growing with depth", () => {
    const e = energies(spec("layers", `workloads: [{ model: bert-base, seq: 64 }]
parameters: { layers: { path: workload.layers, values: [4, 6, 12] } }`));
    expect(new Set(e).size).toBe(3);
    expect(e[0]!).toBeLessThan(e[1]!);
    expect(e[1]!).toBeLessThan(e[2]!);
  });

  it("a model from a config.json: its file is read into the spec (workers need no files), its width sweeps", () => {
    copyFileSync(join(MODELS, "deit-small-patch16-224.json"), join(dir, "deit-s.json"));
    const file = spec("config", `workloads: [{ modelConfig: deit-s.json }]
parameters:
  width: { path: workload.dModel, values: [192, 384] }
  heads: { path: workload.heads, expr: "width / 64" }`);
    const s = loadSweep(file);
    expect(typeof s.workloads[0]!.modelConfig).toBe("object");
    expect(workloadLabel(s.workloads[0]!)).toBe("deit-small-patch16-224");
    const [narrow, wide] = energies(file);
    expect(narrow!).toBeLessThan(wide!);
  });

  it("an unknown workload path is an input error at load, naming it", () => {
    const file = spec("unknown", `workloads: [{ model: bert-base, seq: 64 }]
parameters: { depth: { path: workload.layerz, values: [4, 6] } }`);
    expect(() => loadSweep(file)).toThrow(InputError);
    expect(() => loadSweep(file)).toThrow(/layerz/);
  });

  it("so is one a parameter's expression sets", () => {
    const file = spec("unknown-expr", `workloads: [{ model: deit-tiny }]
parameters:
  width: { path: workload.dModel, values: [192, 384] }
  heads: { path: workload.headz, expr: "width / 64" }`);
    expect(() => loadSweep(file)).toThrow(/headz/);
  });

  it("a shape field on a family with a fixed shape is an error row, not a silently ignored value", () => {
    const s = loadSweep(spec("mamba", `workloads: [{ model: mamba-130m, seq: 64 }]
parameters: { layers: { path: workload.layers, values: [4] } }`));
    const params = assign(s, [0]);
    const row = evaluatePoint(s, { index: 0, key: "k", workload: 0, params });
    expect(row.status).toBe("error");
    expect(row.reason).toMatch(/transformer model/);
  });
});
