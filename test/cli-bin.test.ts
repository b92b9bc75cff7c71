/** The installed command, as a user runs it (dist/ built by `npm ci` or `npm test`'s pretest). */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";

const bin = join(packageRoot(), "bin", "attnsim.js");
const attnsim = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: packageRoot(), encoding: "utf8" });

describe("bin/attnsim.js", () => {
  it("runs the README's example", () => {
    const r = attnsim("run", "--design", "examples/designs/edge-npu.yaml", "--model", "bert-base", "--seq", "128");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("edge-npu  |  bert-base seq 128 batch 1");
  });
  it("exits 2 with one line and no stack trace on bad input", () => {
    const r = attnsim("run", "--design", "edge-npu", "--model", "nope");
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
  it("prints usage", () => {
    const r = attnsim("--help");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/commands:\n {2}run/);
  });
});
