/** `attnsim study` on the committed examples: the three seed case studies print the source's claim next to attnsim's prediction and write their plots. */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";
import { locateDesign, resolveDesign } from "../hardware-models/design-loader.js";
import { readDocument } from "../common/document.js";
import { withValues } from "../common/set-path.js";
import { buildWorkload } from "../workloads/transformer-builder.js";
import { parseWorkloadSection } from "../workloads/workload-file.js";
import { simulate } from "../sim/engine.js";

const bin = join(packageRoot(), "bin", "attnsim.js");
const root = () => packageRoot();
const out = mkdtempSync(join(tmpdir(), "attnsim-study-"));
const attnsim = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: packageRoot(), encoding: "utf8" });

/**
 * The headline predictions docs/studies.md states (its table, in bold), by study and claim name, with
 * the precision the docs round to. A model change that moves one fails here: update the table and
 * say why in the commit (never the other way round).
 */
const HEADLINES: { study: string; claim: string; row: RegExp; read: (v: number) => number; tolerance: number }[] = [
  { study: "speech-mobile", claim: "energy reduction, baseline / optimised", row: /\| \(a\) speech[^|]*\|[^|]*\| \*\*([\d.]+)x\*\*/, read: (v) => v, tolerance: 0.5 },
  { study: "vit-mcu", claim: "energy reduction, 1 - optimised / baseline", row: /\| \(b\) ViT on a microcontroller: energy \|[^|]*\| \*\*([\d.]+)% less\*\*/, read: (v) => 100 * v, tolerance: 0.5 },
  { study: "vit-mcu", claim: "peak memory reduction (activations), baseline / optimised", row: /\| \(b\) ViT on a microcontroller: peak memory \|[^|]*\| \*\*([\d.]+)x\*\*/, read: (v) => v, tolerance: 0.005 },
  { study: "search-carbon", claim: "carbon per query reduction (operational)", row: /\| \(c\) search transformer[^|]*\|[^|]*\| \*\*([\d.]+)%\*\*/, read: (v) => 100 * v, tolerance: 0.5 },
];

/** A study case simulated directly through the library (not through the study runner). */
function caseEnergyPerInference(design: string, set: Record<string, unknown>, workload: Record<string, unknown>): { energyJ: number; peakActivationBytes: number } {
  const file = locateDesign(design);
  const doc = withValues(readDocument(file), Object.entries(set).map(([k, v]) => [k.split("."), v] as const));
  const trace = buildWorkload(parseWorkloadSection(workload, "<test>", ""), "<test>");
  const o = simulate(resolveDesign(doc, file), trace, { perOp: false });
  if (!o.ok) throw new Error(o.infeasible.reasons[0]!.reason);
  return { energyJ: o.result.energyJ / trace.model.batch, peakActivationBytes: o.result.peakActivationBytes };
}

const CASES: [string, RegExp, string[]][] = [
  ["speech-mobile", /energy reduction, baseline \/ optimised\s+3\.2x\s+[\d.]+x/, ["cases-energy.png", "operating_points-dvfs.png"]],
  ["vit-mcu", /energy reduction, 1 - optimised \/ baseline\s+0\.6\s+0\.\d+[\s\S]*peak memory reduction \(activations\), baseline \/ optimised\s+4\.8x\s+[\d.]+x/, ["cases-energy.png", "operating_points-dvfs.png"]],
  ["search-carbon", /carbon per query reduction \(operational\)\s+0\.4\s+0\.\d+/, ["cases-energy.png", "batch-carbon.png", "batch_size-batching.png"]],
  ["accuracy-energy", /## settings \(accuracy\)/, ["settings-accuracy-energy.png"]],
  ["training-strategies", /## strategies \(training\)[\s\S]*time, PCIe node \/ NVLink node \(data parallel\)\s+-\s+[\d.]+x/, ["strategies-training.png"]],
  ["finetune-carbon", /## finetune \(training\)[\s\S]*operational carbon saved by scheduling, edge\s+-\s+0\.\d+/, ["finetune-training.png", "edgeSchedule-carbon.png", "dcSchedule-carbon.png"]],
];

describe("attnsim study on examples/studies", () => {
  for (const [name, printed, plots] of CASES) {
    it(`${name}: runs, prints what the source says next to what attnsim predicts, writes its plots`, () => {
      const r = attnsim("study", `examples/studies/${name}.yaml`, "--out", join(out, name));
      expect(r.status, r.stderr).toBe(0);
      if (name !== "accuracy-energy") expect(r.stdout).toMatch(/## claims: what the source says vs what attnsim predicts\nclaim\s+source says\s+attnsim predicts/);
      expect(r.stdout).toMatch(printed);
      for (const f of [...plots, "study.json", "report.html"]) expect(existsSync(join(out, name, f)), f).toBe(true);
      const report = JSON.parse(readFileSync(join(out, name, "study.json"), "utf8")) as { claims: { name: string; predicted: number }[] };
      for (const c of report.claims) expect(Number.isFinite(c.predicted), c.name).toBe(true);
      const docs = readFileSync(join(root(), "docs", "studies.md"), "utf8");
      for (const h of HEADLINES.filter((x) => x.study === name)) {
        const documented = Number(h.row.exec(docs)?.[1]);
        expect(Number.isFinite(documented), `docs/studies.md states ${h.claim}`).toBe(true);
        const predicted = report.claims.find((c) => c.name === h.claim)!.predicted;
        expect(Math.abs(h.read(predicted) - documented), `${h.claim}: predicted ${h.read(predicted)}, docs say ${documented}`).toBeLessThanOrEqual(h.tolerance);
      }
    });
  }

  it("the study runner's headline ratios equal the cases simulated directly through the library", () => {
    const read = (n: string) => JSON.parse(readFileSync(join(out, n, "study.json"), "utf8")) as { claims: { name: string; predicted: number }[] };
    // speech-mobile: fp16 on the DSP vs block-sparse int8 on the array (examples/studies/speech-mobile.yaml).
    const onDsp = { "mapping.default": "dsp", "mapping.dynamicMatmul": "dsp" };
    const base = caseEnergyPerInference("edge-npu", onDsp, { model: "whisper-tiny-encoder", precision: "fp16" });
    const opt = caseEnergyPerInference("edge-npu", {}, { model: "whisper-tiny-encoder", precision: "int8", attention: { kind: "block-sparse", block: 32, density: 0.7 } });
    const speech = read("speech-mobile").claims.find((c) => c.name === "energy reduction, baseline / optimised")!.predicted;
    expect(Math.abs(speech / (base.energyJ / opt.energyJ) - 1)).toBeLessThan(1e-12);
    // vit-mcu: peak live activations, int8 on the DSP vs the NPU with fused attention and pruning.
    const helium = { "mapping.default": "helium", "mapping.dynamicMatmul": "helium" };
    const vitBase = caseEnergyPerInference("mcu-class", helium, { model: "deit-tiny", precision: "int8" });
    const vitOpt = caseEnergyPerInference("mcu-class", { "mapping.fusedAttention": true }, { model: "deit-tiny", precision: "int8", tokens: { kind: "prune", keep: 0.75, start: 4 } });
    const memory = read("vit-mcu").claims.find((c) => c.name === "peak memory reduction (activations), baseline / optimised")!.predicted;
    expect(Math.abs(memory / (vitBase.peakActivationBytes / vitOpt.peakActivationBytes) - 1)).toBeLessThan(1e-12);
  });

  it("schedule and DVFS mistakes are input errors at their study paths, not internal errors", () => {
    const file = join(out, "bad-jobs.yaml");
    writeFileSync(file, [
      "version: 1", "name: badjobs", "design: edge-npu", "workload: { model: bert-base }", "sections:",
      `  - { kind: schedule, name: s, intensity: ${join(root(), "examples", "studies", "grid-intensity-synthetic.csv")}, chooseRegion: true, jobs: [{ id: j, energy: "1 kWh", duration: "1 h", deadline: 5, home: solar-heavy, regions: [mars] }] }`,
    ].join("\n"));
    const r = attnsim("study", file);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${file}: /sections/0/jobs/0/regions/0: expected a region of`);
    const volts = join(out, "bad-volts.yaml");
    writeFileSync(volts, "version: 1\nname: v\ndesign: edge-npu\nworkload: { model: bert-base }\nsections:\n  - { kind: dvfs, name: d, voltages: [\"0.25 V\"] }\n");
    const v = attnsim("study", volts);
    expect(v.status).toBe(2);
    expect(v.stderr).toContain(`${volts}: /sections/0/voltages/0: expected a supply voltage from 0.3 V to 2 V`);
  });

  it("a bad study names the file and the path", () => {
    const file = join(out, "bad.yaml");
    writeFileSync(file, "version: 1\nname: bad\ndesign: edge-npu\nworkload: { model: bert-base }\nsections:\n  - { kind: dvfs, name: d, slo: fast }\n");
    const r = attnsim("study", file);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${file}: /sections/0/slo: expected a quantity in s-compatible units`);
  });
});
