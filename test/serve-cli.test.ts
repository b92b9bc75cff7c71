/** `attnsim serve` on the committed examples, and the serve study: outputs written, exit codes for bad input and infeasible designs. */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";

const bin = join(packageRoot(), "bin", "attnsim.js");
const out = mkdtempSync(join(tmpdir(), "attnsim-serve-"));
const attnsim = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: packageRoot(), encoding: "utf8" });

describe("attnsim serve", () => {
  it("the 30 fps camera example: deadline misses and battery life per policy, plots and report.html", () => {
    const dir = join(out, "camera");
    const r = attnsim("serve", "examples/serving/camera-30fps.yaml", "--out", dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^real-time camera-30fps on edge-npu/);
    expect(r.stdout).toMatch(/race-to-idle\s+camera\s+600\s+\d+/);
    expect(r.stdout).toMatch(/battery life/);
    for (const f of ["realtime.json", "jobs.csv", "realtime-latency.png", "realtime-power.png", "realtime-policies.png", "report.html"]) expect(existsSync(join(dir, f)), f).toBe(true);
    const result = JSON.parse(readFileSync(join(dir, "realtime.json"), "utf8"));
    const dvfs = result.policies.find((p: { policy: string }) => p.policy === "dvfs");
    const race = result.policies.find((p: { policy: string }) => p.policy === "race-to-idle");
    // Per-inference DVFS saves power but slows the voice model that blocks frames: more missed frames.
    expect(dvfs.batteryLifeHours).toBeGreaterThan(race.batteryLifeHours);
    expect(dvfs.streams[0].missed).toBeGreaterThan(race.streams[0].missed);
  });

  it("a serving file on another design with --design; CSVs without plots", () => {
    const dir = join(out, "chat");
    const file = join(out, "short.yaml");
    writeFileSync(file, readFileSync(join(packageRoot(), "examples", "serving", "chat-edge.yaml"), "utf8").replace("count: 300", "count: 30"));
    const r = attnsim("serve", file, "--design", "jetson-orin-like", "--no-plots", "--out", dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/gpt2-small on jetson-orin-like/);
    expect(r.stdout).toMatch(/Little's law\s+L = [\d.]+ in system, lambda W = [\d.]+ \(relative difference \d/);
    const rows = readFileSync(join(dir, "requests.csv"), "utf8").trim().split("\n");
    expect(rows[0]).toMatch(/^id,arrival_s,prompt_tokens,output_tokens,priority,status/);
    expect(rows).toHaveLength(31);
    expect(existsSync(join(dir, "iterations.csv"))).toBe(true);
    expect(existsSync(join(dir, "report.html"))).toBe(false);
  });

  it("a study's serve section runs the same requests on each case's design and publishes serving values", () => {
    const serving = join(out, "short-trace.yaml");
    writeFileSync(serving, readFileSync(join(packageRoot(), "examples", "serving", "chat-edge.yaml"), "utf8").replace("count: 300", "count: 30"));
    const study = join(out, "serve-study.yaml");
    writeFileSync(study, `version: 1\nname: s\nsections:\n  - { kind: serve, name: chat, serving: short-trace.yaml, cases: [{ name: edge, design: edge-npu }, { name: gpu, design: jetson-orin-like }] }\nclaims:\n  - { name: energy ratio, predicted: chat_edge_energyPerRequestJ / chat_gpu_energyPerRequestJ }\n`);
    const r = attnsim("study", study, "--out", join(out, "serve-study"));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/short-trace\.yaml: the same requests on each case's design/);
    expect(r.stdout).toMatch(/edge\s+edge-npu\s+[\d.]+ m?s/);
    expect(r.stdout).toMatch(/gpu\s+jetson-orin-like/);
    for (const f of ["chat-latency-cdf-ttft.png", "chat-energy-slo.png", "report.html"]) expect(existsSync(join(out, "serve-study", f)), f).toBe(true);
    const report = JSON.parse(readFileSync(join(out, "serve-study", "study.json"), "utf8"));
    expect(report.values.chat_edge_ttftP99Seconds).toBeGreaterThan(report.values.chat_gpu_ttftP99Seconds);
    expect(report.claims[0].predicted).toBeGreaterThan(0);
  });

  it("bad input exits 2 with the file and path; a design that cannot hold the model exits 3", () => {
    const file = join(out, "bad.yaml");
    writeFileSync(file, "version: 1\nname: bad\ndesign: edge-npu\nmodel: { model: gpt2-small }\nrequests: { count: 5, arrival: { kind: poisson }, prompt: { kind: fixed, tokens: 8 }, output: { kind: fixed, tokens: 2 } }\n");
    const bad = attnsim("serve", file);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`${file}: /requests/arrival/rate: expected a rate`);
    const small = join(out, "small.yaml");
    writeFileSync(small, "version: 1\nname: small\ndesign: mcu-class\nmodel: { model: gpt2-small, precision: int8 }\nrequests: { count: 5, arrival: { kind: poisson, rate: \"1 /s\" }, prompt: { kind: fixed, tokens: 8 }, output: { kind: fixed, tokens: 2 } }\n");
    const infeasible = attnsim("serve", small);
    expect(infeasible.status).toBe(3);
    expect(infeasible.stderr).toMatch(/mcu-class cannot run .*weights/);
  });
});
