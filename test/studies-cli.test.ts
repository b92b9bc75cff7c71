/** `attnsim study` on the committed examples: the three seed case studies print the source's claim next to attnsim's prediction and write their plots. */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";

const bin = join(packageRoot(), "bin", "attnsim.js");
const root = () => packageRoot();
const out = mkdtempSync(join(tmpdir(), "attnsim-study-"));
const attnsim = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: packageRoot(), encoding: "utf8" });

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
      const report = JSON.parse(readFileSync(join(out, name, "study.json"), "utf8"));
      for (const c of report.claims) expect(Number.isFinite(c.predicted), c.name).toBe(true);
    });
  }

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
