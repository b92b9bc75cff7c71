/**
 * `attnsim validate` and `attnsim calibrate` on the committed examples, as a user runs them from a
 * clone: the error table prints, the files are written, the calibrated design runs, and the A100
 * operator calibration meets the bar docs/validation.md states (LLMCompass: 10.4% mean error).
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";

const bin = join(packageRoot(), "bin", "attnsim.js");
const out = mkdtempSync(join(tmpdir(), "attnsim-validate-"));
const attnsim = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: packageRoot(), encoding: "utf8" });

describe("attnsim validate / calibrate on examples/measured", () => {
  it("validate prints the error table and writes CSV, JSON, plot and report", () => {
    const r = attnsim("validate", "examples/measured/mlperf-bert-orin.yaml", "--out", join(out, "orin"));
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/mlperf_bert_72\.energy\s+energy\s+bert-large\s+83\.\d mJ/);
    expect(r.stdout).toMatch(/metric\s+rows\s+MAPE\s+median \|err\|\s+bias\s+worst\s+worst row\s+Spearman\s+Kendall/);
    for (const f of ["validation.csv", "validation.json", "predicted-vs-measured-energy.png", "report.html"]) expect(existsSync(join(out, "orin", f))).toBe(true);
    const csv = readFileSync(join(out, "orin", "validation.csv"), "utf8").split("\n");
    expect(csv[0]).toBe("id,board,design,workload,metric,unit,measured,predicted,relative_error,abs_relative_error,failure,source");
    expect(csv).toHaveLength(16 + 2);
  });

  it("calibrate on the A100 operators: cross-validated MAPE <= 8% and Spearman >= 0.95, and the calibrated design runs", () => {
    const r = attnsim("calibrate", "examples/measured/a100-operators.yaml", "--out", join(out, "a100"), "--no-plots");
    expect(r.status).toBe(0);
    const { result } = JSON.parse(readFileSync(join(out, "a100", "calibration.json"), "utf8"));
    const cv = result.crossValidated[0], train = result.training[0];
    expect(cv.mape).toBeLessThanOrEqual(0.08);
    expect(cv.spearman).toBeGreaterThanOrEqual(0.95);
    expect(cv.mape).toBeGreaterThanOrEqual(train.mape);
    expect(cv.mape).toBeLessThan(result.before[0].mape); // calibration improves on the design as written
    const design = join(out, "a100", "a100-like.calibrated.yaml");
    const run = attnsim("run", "--design", design, "--model", "bert-base", "--seq", "128", "--precision", "fp16");
    expect(run.status).toBe(0);
    // Out of sample: the GPT-3 layer rows with the calibrated design.
    const v = attnsim("validate", "examples/measured/gpt3-layer-a100.yaml", "--design", design, "--out", join(out, "gpt3"), "--no-plots");
    expect(v.status).toBe(0);
    const report = JSON.parse(readFileSync(join(out, "gpt3", "validation.json"), "utf8"));
    expect(report.byMetric[0].mape).toBeLessThan(0.15);
    // The all-reduce rows run on the NVLink system, with the calibrated design as its device.
    expect(report.rows.filter((x: { failure?: string }) => x.failure)).toHaveLength(0);
    expect(report.rows.filter((x: { id: string }) => /_1[12]$/.test(x.id))).toHaveLength(4);
  });

  it("all-reduce on a 4 x A100 NVLink node (LLMCompass Fig. 5h): MAPE and rank correlation printed, large buffers within 10%", () => {
    const r = attnsim("validate", "examples/measured/allreduce-4xa100-nvlink.yaml", "--out", join(out, "allreduce"), "--no-plots");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/latency\s+32\s+\d+\.\d%/);
    const report = JSON.parse(readFileSync(join(out, "allreduce", "validation.json"), "utf8"));
    const m = report.byMetric[0];
    expect(m.failed).toBe(0);
    expect(m.mape).toBeLessThan(0.3);
    expect(m.spearman).toBeGreaterThan(0.95);
    for (const row of report.rows.filter((x: { measured: number }) => x.measured > 1e-3)) expect(Math.abs(row.error)).toBeLessThan(0.1);
  });

  it("a malformed file exits 2 naming the row and field", () => {
    const r = attnsim("validate", "test/fixtures/bad-measured.csv");
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/bad-measured\.csv: line 3, column metric: expected one of "latency", "energy", "power", "throughput", "idle-power", found "speed"/);
  });
});
