/**
 * examples/deploy/slurm-sweep.sh without a cluster: a stand-in `sbatch` on PATH records what the
 * script submits (a job array of shards, a merge job depending on it); each array task and the
 * merge then run the script as SLURM would (SLURM_JOB_ID, SLURM_ARRAY_TASK_ID set), with ATTNSIM a
 * stand-in that records the attnsim commands the script runs, and those commands are run here, in
 * order (in this process: a process per command would cost seconds each). The merged sweep has
 * every point once, with the rows and the front of a single local run.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";
import { loadSweep } from "../sweeps/spec.js";
import { runSweep } from "../sweeps/runner.js";
import { main } from "../cli/main.js";
import { shellWords } from "./support/shell-words.js";

const root = packageRoot();
const script = join(root, "examples", "deploy", "slurm-sweep.sh");
const spec = join(root, "test", "fixtures", "small-sweep.yaml");
const dir = mkdtempSync(join(tmpdir(), "attnsim-slurm-"));
const SHARDS = 2;

const sorted = (file: string) => readFileSync(file, "utf8").trim().split("\n").sort();

describe("the SLURM array-job script", () => {
  it("submits a shard array and a merge after it; the tasks and the merge give a local run's rows", async () => {
    const bin = join(dir, "bin");
    mkdirSync(bin);
    const log = join(dir, "sbatch.log"), commands = join(dir, "attnsim.log");
    writeFileSync(join(bin, "sbatch"), `#!/usr/bin/env bash\necho "$*" >> ${log}\necho 4242\n`);
    writeFileSync(join(bin, "attnsim-stand-in"), `#!/usr/bin/env bash\nprintf '%q ' "$@" >> ${commands}\necho >> ${commands}\n`);
    chmodSync(join(bin, "sbatch"), 0o755);
    chmodSync(join(bin, "attnsim-stand-in"), 0o755);
    const out = join(dir, "out");
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}`, ATTNSIM: join(bin, "attnsim-stand-in") };
    delete env.SLURM_JOB_ID;
    const submit = spawnSync("bash", [script, spec, out, String(SHARDS), "--partition=cpu"], { cwd: root, env, encoding: "utf8" });
    expect(submit.status, submit.stderr).toBe(0);
    const calls = readFileSync(log, "utf8").trim().split("\n");
    expect(calls).toEqual([
      `--parsable --job-name=attnsim-shards --array=0-${SHARDS - 1} --partition=cpu ${script} shard ${spec} ${out} ${SHARDS}`,
      `--parsable --job-name=attnsim-merge --cpus-per-task=1 --dependency=afterok:4242 --partition=cpu ${script} merge ${spec} ${out} ${SHARDS}`,
    ]);
    for (let i = 0; i < SHARDS; i++) {
      const task = spawnSync("bash", [script, "shard", spec, out, String(SHARDS)], { cwd: root, env: { ...env, SLURM_JOB_ID: "4242", SLURM_ARRAY_TASK_ID: String(i), SLURM_CPUS_PER_TASK: "1" }, encoding: "utf8" });
      expect(task.status, task.stderr).toBe(0);
    }
    const merge = spawnSync("bash", [script, "merge", spec, out, String(SHARDS)], { cwd: root, env: { ...env, SLURM_JOB_ID: "4243" }, encoding: "utf8" });
    expect(merge.status, merge.stderr).toBe(0);
    const run = readFileSync(commands, "utf8").trim().split("\n").map((line) => shellWords(line));
    expect(run.map((c) => c.join(" "))).toEqual([
      ...Array.from({ length: SHARDS }, (_, i) => `sweep ${spec} --shard ${i}/${SHARDS} --out ${out}/shard-${i} --workers 1 --resume`),
      `merge ${Array.from({ length: SHARDS }, (_, i) => `${out}/shard-${i}`).join(" ")} --out ${out}/merged`,
      `plot ${out}/merged`,
    ]);
    for (const args of run) expect(await main(args, { out: () => undefined, err: () => undefined }), args.join(" ")).toBe(0);
    await runSweep(loadSweep(spec), { outDir: join(dir, "local"), workers: 0 });
    expect(sorted(join(out, "merged", "results.jsonl"))).toEqual(sorted(join(dir, "local", "results.jsonl")));
    expect(readFileSync(join(out, "merged", "pareto.csv"), "utf8")).toBe(readFileSync(join(dir, "local", "pareto.csv"), "utf8"));
    expect(existsSync(join(out, "merged", "plots", "explorer.html"))).toBe(true);
  }, 120_000);

  it("refuses a bad shard count before submitting anything", () => {
    const r = spawnSync("bash", [script, spec, join(dir, "x"), "zero"], { env: { ...process.env, SLURM_JOB_ID: "" }, encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("SHARDS must be a positive integer");
  });
});
