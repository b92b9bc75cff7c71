import { describe, expect, it } from "vitest";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InputError } from "../common/input-error.js";
import { packageRoot } from "../common/package-root.js";
import { embodiedDieG } from "../sim/carbon.js";
import { loadServingFile } from "./spec.js";
import { runServing } from "./serve.js";

const dir = mkdtempSync(join(tmpdir(), "attnsim-serving-"));
function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}
const head = `version: 1
name: t
design: edge-npu
model: { model: gpt2-small, precision: int8 }
`;
const requests = `requests:
  count: 20
  arrival: { kind: poisson, rate: "5 /s" }
  prompt: { kind: uniform, min: 8, max: 32 }
  output: { kind: fixed, tokens: 4 }
`;
const expectInput = (text: string, path: RegExp) => {
  const file = write(`bad-${Math.random().toString(36).slice(2)}.yaml`, text);
  try {
    loadServingFile(file);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(path);
    return;
  }
  throw new Error("no error");
};

describe("serving files", () => {
  it("every example loads", () => {
    const examples = join(packageRoot(), "examples", "serving");
    const files = readdirSync(examples).filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) expect(() => loadServingFile(join(examples, f))).not.toThrow();
  });

  it("bad input names the file and the path inside it", () => {
    expectInput(head + requests.replace(`rate: "5 /s"`, "cv: 2"), /\/requests\/arrival\/rate/);
    expectInput(head + requests.replace(`"5 /s"`, `"5 GB"`), /\/requests\/arrival\/rate/);
    expectInput(head + requests.replace("{ kind: fixed, tokens: 4 }", "{ kind: fixed, min: 4 }"), /\/requests\/output\/min/);
    expectInput(head + requests + "kvCache: { preemption: swap }\n", /\/kvCache\/swap/);
    expectInput(head + requests + "carbon: { intensity: nowhere.csv, region: x }\n", /nowhere\.csv/);
    expectInput(head.replace("gpt2-small", "bert-base") + requests, /decoder/);
    expectInput(head + requests + "scheduler: { kind: fifo }\n", /\/scheduler\/kind/);
    expectInput(head + requests.replace("count: 20", 'duration: "1 ms"'), /\/requests\/duration: expected a duration in which at least one request arrives/);
    expectInput(head + requests + "realtime: { duration: 1 s, streams: [] }\n", /realtime/);
    expectInput(`version: 1\nname: t\ndesign: edge-npu\nrealtime:\n  duration: "1 s"\n  streams: [{ name: a, workload: { model: deit-tiny } }]\n`, /\/realtime\/streams\/0/);
  });

  it("grid carbon: operational = energy x intensity x PUE, embodied = die x time / lifetime; deferral to the cleanest hour", () => {
    write("grid.csv", "time,clean,dirty\nh0,300,500\nh1,300,500\nh2,30,500\nh3,30,500\n");
    const file = write("carbon.yaml", `${head}${requests}carbon: { intensity: grid.csv, region: clean, pue: 1.25, lifetime: "8760 h" }\n`);
    const r = runServing(loadServingFile(file));
    if (r.kind !== "serving") throw new Error("not a serving run");
    const s = r.result.summary;
    const horizon = Math.max(...r.result.requests.map((q) => q.completionSeconds));
    expect(horizon).toBeLessThan(3600); // all in hour 0
    expect(s.carbon!.operationalG).toBeCloseTo((s.energyJ / 3.6e6) * 300 * 1.25, 9);
    const loaded = loadServingFile(file);
    if (loaded.kind !== "serving") throw new Error("not a serving file");
    const die = loaded.config.pools[0]!.device.design;
    expect(s.carbon!.embodiedG).toBeCloseTo((embodiedDieG(die.areaMm2, die.technology.nodeNm, loaded.config.carbon!.fabIntensityGPerKWh, 97) * horizon) / (8760 * 3600), 9);
    // Deferrable requests with a 3-hour window start in hour 2 (30 g/kWh), the rest at once.
    const deferred = write("defer.yaml", `${head}${requests}  deferrable: { share: 0.5, window: "3 h" }\ncarbon: { intensity: grid.csv, region: clean, deferAdmission: true }\n`);
    const rd = runServing(loadServingFile(deferred));
    if (rd.kind !== "serving") throw new Error("not a serving run");
    const late = rd.result.requests.filter((q) => q.releaseSeconds > q.arrivalSeconds);
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((q) => q.releaseSeconds === 7200)).toBe(true);
    expect(rd.result.summary.carbon!.deferred).toBe(late.length);
    expect(late.reduce((a, q) => a + q.carbonG, 0) / late.reduce((a, q) => a + q.energyJ, 0)).toBeCloseTo(30 / 3.6e6, 12);
  });
});
