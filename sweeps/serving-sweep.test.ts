import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSweep, pointKey, assign, metricsOf, METRICS } from "./spec.js";
import { evaluatePoint } from "./evaluate-point.js";
import { csvHeader } from "./aggregate.js";
import { SERVING_METRICS } from "../serving/serve.js";

const dir = mkdtempSync(join(tmpdir(), "attnsim-serving-sweep-"));
const spec = (extra: string) => {
  const file = join(dir, `s${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `version: 1
name: serving-sweep
design: edge-npu
workloads: [{ model: gpt2-small, precision: int8 }]
serving:
  requests: { count: 12, arrival: { kind: poisson, rate: "4 /s" }, prompt: { kind: fixed, tokens: 32 }, output: { kind: fixed, tokens: 6 } }
parameters:
  side: { path: design.units.npu.rows, values: [8, 32] }
${extra}`);
  return file;
};

describe("serving metrics in sweeps", () => {
  it("each point serves the requests on its design; serving metrics are objectives, constraints and CSV columns", () => {
    const s = loadSweep(spec(`constraints: ["ttftP99Seconds <= 0.03"]\nobjectives: [{ minimize: energyPerRequestJ }]\n`));
    expect(s.serving?.requests).toHaveLength(12);
    expect(csvHeader(s)).toEqual(expect.arrayContaining([...SERVING_METRICS]));
    expect(metricsOf({})).toEqual(METRICS);
    const rows = [0, 1].map((i) => {
      const params = assign(s, [i]);
      return evaluatePoint(s, { index: i, key: pointKey(params, 0), workload: 0, params });
    });
    const [small, big] = rows;
    expect(big!.status).toBe("ok");
    expect(big!.metrics!.energyPerRequestJ).toBeGreaterThan(0);
    expect(big!.metrics!.ttftP99Seconds).toBeLessThanOrEqual(0.03);
    // An 8-row array is slower: the TTFT constraint rules it out, by name.
    expect(small!.status).toBe("violates");
    expect(small!.reason).toBe("ttftP99Seconds <= 0.03");
    expect(small!.metrics!.ttftP99Seconds).toBeGreaterThan(big!.metrics!.ttftP99Seconds!);
  });

  it("serving metrics are unknown without a serving section, and a bad serving section is an input error at its path", () => {
    const plain = spec(`objectives: [{ minimize: energyPerRequestJ }]\n`);
    writeFileSync(plain, readFileSync(plain, "utf8").replace(/serving:\n.*\n/, ""));
    expect(() => loadSweep(plain)).toThrow(/objectives\/0/);
    const bad = spec(`objectives: [{ minimize: energyJ }]\n`);
    writeFileSync(bad, readFileSync(bad, "utf8").replace("kind: poisson", "kind: sometimes"));
    expect(() => loadSweep(bad)).toThrow(/\/serving\/requests\/arrival\/kind/);
  });
});
