/**
 * The published typings compile in a consumer's project: a tiny project that imports attnsim from
 * its dist/ (through package.json "exports", as npm installs it) is type-checked by the TypeScript
 * compiler under `moduleResolution: nodenext` and under `bundler`. Every attnsim .d.ts the consumer
 * reaches is checked (as tsc does without skipLibCheck); other packages' .d.ts are not (they are not
 * ours, and checking them is most of tsc's time).
 */
import { describe, expect, it } from "vitest";
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { packageRoot } from "../common/package-root.js";

const root = packageRoot();
const dist = join(realpathSync(root), "dist");

const CONSUMER = `import { loadDesign, buildPresetTrace, simulate, InputError, traceSchema, loadSweep, runSweep, WorkerPool, type Result, type SimOutcome, type SweepSummary, type Progress } from "attnsim";
const outcome: SimOutcome = simulate(loadDesign("edge-npu"), buildPresetTrace("bert-base", { seqLen: 128 }));
export const energyJ: number | undefined = outcome.ok ? outcome.result.energyJ : undefined;
export const breakdown: Result["breakdown"]["byUnit"] | undefined = outcome.ok ? outcome.result.breakdown.byUnit : undefined;
export const isInputError = (e: unknown): e is InputError => e instanceof InputError;
export const schemaTitle: unknown = (traceSchema as { title?: unknown }).title;
export async function sweepTwice(files: string[]): Promise<SweepSummary[]> {
  const pool = new WorkerPool({ processes: 2 });
  try {
    const out: SweepSummary[] = [];
    for (const file of files) out.push(await runSweep(loadSweep(file), { outDir: file + ".out", pool, onProgress: (p: Progress) => p.done }));
    return out;
  } finally {
    await pool.destroy();
  }
}
`;

/** A consumer project: attnsim linked into node_modules as npm would install it, and Node's types. */
function consumer(compilerOptions: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), "attnsim-consumer-"));
  mkdirSync(join(dir, "node_modules", "@types"), { recursive: true });
  symlinkSync(root, join(dir, "node_modules", "attnsim"), "dir");
  symlinkSync(join(root, "node_modules", "@types", "node"), join(dir, "node_modules", "@types", "node"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  writeFileSync(join(dir, "index.ts"), CONSUMER);
  writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { target: "ES2022", strict: true, noEmit: true, skipLibCheck: false, types: ["node"], ...compilerOptions }, files: ["index.ts"] }));
  return dir;
}

/** The consumer's errors and those of every attnsim declaration file it loads, as tsc prints them. */
function check(dir: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(dir, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n")); } })!;
  const program = ts.createProgram({ rootNames: config.fileNames, options: config.options });
  const ours = program.getSourceFiles().filter((f) => (f.fileName.endsWith("index.ts") && !f.isDeclarationFile) || realpathSync(f.fileName).startsWith(dist));
  expect(ours.some((f) => f.fileName.endsWith("dist/index.d.ts"))).toBe(true);
  const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(), ...ours.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)])];
  return diagnostics.map((d) => `${d.file ? `${d.file.fileName}(${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}): ` : ""}TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
}

describe("typings in a consumer project (the TypeScript compiler against dist/)", () => {
  const settings = {
    nodenext: { module: "nodenext", moduleResolution: "nodenext" },
    bundler: { module: "esnext", moduleResolution: "bundler" },
  };
  for (const [name, options] of Object.entries(settings)) {
    it(`moduleResolution: ${name}`, () => {
      expect(check(consumer(options))).toEqual([]);
    });
  }
});
