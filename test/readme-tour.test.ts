/**
 * Every command in the README runs. The README's bash blocks are read (continuations joined,
 * comments dropped, `&&` split) and each `npx attnsim ...` command is run as written, in order, in a
 * scratch folder that has the package's examples/ (outputs land there, and later commands read
 * them, as in a user's shell). `npm run X` must name a script of package.json; `npm ci` and
 * `npm test` are what CI runs. The Redis commands run against a local redis-server (HOST replaced
 * by its address; the worker in the background, stopped with SIGTERM at the end), and are skipped
 * with a notice without one (test/support/system-tools.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";
import { main } from "../cli/main.js";
import { missingMessage, systemTool } from "./support/system-tools.js";
import { shellWords } from "./support/shell-words.js";
import { startRedis } from "./support/local-redis.js";

const root = packageRoot();
const readme = readFileSync(join(root, "README.md"), "utf8");
const scripts = Object.keys((JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts);
const REDIS = systemTool("redis-server");
const HOST = "HOST:6379";

/** The commands of the README's bash blocks, as a shell would see them. */
export function readmeCommands(text: string): string[][] {
  const blocks = [...text.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((block) => block.replace(/\\\n/g, " ").split("\n"))
    .flatMap((line) => line.split("&&"))
    .map((command) => shellWords(command))
    .filter((words) => words.length > 0);
}

const commands = readmeCommands(readme);
const scratch = mkdtempSync(join(tmpdir(), "attnsim-tour-"));
let redis: ChildProcess | undefined;
let address = "";
const background: ChildProcess[] = [];

beforeAll(async () => {
  symlinkSync(join(root, "examples"), join(scratch, "examples"), "dir");
  if (!REDIS.run || !commands.some((c) => c.some((w) => w.includes(HOST)))) return;
  if (!REDIS.path) throw new Error(missingMessage("redis-server"));
  const server = await startRedis(REDIS.path);
  redis = server.process;
  address = server.address;
});

afterAll(async () => {
  for (const child of background) {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  }
  redis?.kill("SIGTERM");
});

/** Run attnsim in this process, in the scratch folder, as `npx attnsim ARGS` would. */
async function attnsim(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "", err = "";
  const cwd = process.cwd();
  process.chdir(scratch);
  try {
    const code = await main(args, { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) });
    return { code, out, err };
  } finally {
    process.chdir(cwd);
  }
}

describe("the README", () => {
  it("starts with the two set-up commands: install and run the quickstart, then the tests", () => {
    const first = /```bash\n([\s\S]*?)```/.exec(readme)![1]!.trim().split("\n");
    expect(first).toEqual(["npm ci && npx attnsim sweep examples/sweeps/systolic-sizing.yaml --out quickstart --plots", "npm test"]);
  });

  it("has a tour of commands", () => {
    expect(commands.filter((c) => c[0] === "npx").length).toBeGreaterThan(20);
  });

  for (const words of commands) {
    const text = words.join(" ");
    if (words[0] === "npm") {
      it(`${text}: ${words[1] === "run" ? "a script of package.json" : "what CI runs"}`, () => {
        if (words[1] === "run") expect(scripts).toContain(words[2]);
        else expect(["ci", "test"]).toContain(words[1]);
      });
      continue;
    }
    const needsRedis = words.some((w) => w.includes(HOST));
    it.runIf(!needsRedis || REDIS.run)(text, async () => {
      expect(words.slice(0, 2)).toEqual(["npx", "attnsim"]);
      const args = words.slice(2).map((w) => w.replace(HOST, address));
      if (args[0] === "worker") {
        // A worker runs until stopped: in the background, as on "each machine".
        const child = spawn(process.execPath, [join(root, "bin", "attnsim.js"), ...args], { cwd: scratch, stdio: "ignore" });
        background.push(child);
        expect(child.pid).toBeGreaterThan(0);
        return;
      }
      const r = await attnsim(args);
      expect(r.code, `${text}\n${r.err}`).toBe(0);
    }, 120_000);
  }

  it.runIf(REDIS.run && commands.some((c) => c[2] === "worker"))("the background worker stops cleanly on SIGTERM", async () => {
    const worker = background[0]!;
    expect(worker.exitCode).toBeNull();
    worker.kill("SIGTERM");
    expect(await new Promise((resolve) => worker.once("exit", (code) => resolve(code)))).toBe(0);
  }, 60_000);
});
