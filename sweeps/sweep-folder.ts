/**
 * A sweep's output folder: made safely, held by one writer at a time (an exclusive lock file), and
 * described by sweep.json (the spec's name, digest and text, parameter and objective names), which
 * `--resume`, `merge` and `plot` read back and validate. Two sweeps writing one folder would write
 * every row twice; a resume into another spec's folder would mix its rows with foreign ones.
 */
import { closeSync, openSync, readFileSync, unlinkSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { InputError } from "../common/input-error.js";
import { parseText, readTextFile, validateAgainst } from "../common/document.js";
import { inside, makeFolder, writeAll, writeFailure, writeOutputFile } from "../common/output-files.js";
import { specDigest, workloadLabel, type ResolvedSweep } from "./spec.js";
import type { SweepSummary } from "./aggregate.js";

export const LOCK_FILE = ".attnsim.lock";
/** File names derived from names in specs and sweep.json: letters, digits, `.`, `_`, `-`, not leading with a dot. */
export const SAFE_NAME = "^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$";
const IDENTIFIER = "^[A-Za-z_][A-Za-z0-9_]*$";
/** A parameter's target: design.* or workload.*, dotted names and indices. */
const DOTTED_PATH = "^(design|workload)(\\.[A-Za-z0-9_-]{1,100}){0,20}$";

/** What sweep.json records. */
export interface SweepMeta {
  version: 1;
  name: string;
  /** specDigest of the resolved spec: --resume refuses a folder with another. */
  specHash: string;
  /** The spec's file name and text, shown in report.html (plot never reads a file sweep.json names). */
  file: string;
  specText: string;
  /** Each parameter's name, the dotted path it sets (design.* or workload.*), and its expression if computed. */
  parameters: { name: string; path?: string; expr?: string }[];
  objectives: { metric: string; sense: "minimize" | "maximize" }[];
  /** The base design file, as the spec resolved it (the explorer's rerun commands name it). */
  design?: string;
  /** A label per workload, by index (CSV column workload_label, plot legends). */
  workloads?: string[];
  /** The workload sections as in the spec, by index (the explorer's rerun commands). */
  workloadSections?: Record<string, unknown>[];
  /** A serving sweep: rows carry the serving metrics too. */
  serving?: boolean;
  /** The spec has an accuracy model: rows carry `accuracy` too (a merge's results.csv keeps the column). */
  accuracy?: boolean;
}

export const metaSchema = {
  type: "object",
  additionalProperties: false,
  required: ["version", "name", "specHash", "file", "specText", "parameters", "objectives"],
  properties: {
    version: { const: 1 },
    name: { type: "string", pattern: SAFE_NAME },
    specHash: { type: "string", pattern: "^[0-9a-f]{64}$" },
    file: { type: "string", maxLength: 4096 },
    specText: { type: "string", maxLength: 1_000_000 },
    parameters: {
      type: "array", maxItems: 1000,
      items: {
        type: "object", additionalProperties: false, required: ["name"],
        properties: { name: { type: "string", pattern: IDENTIFIER }, path: { type: "string", pattern: DOTTED_PATH }, expr: { type: "string", maxLength: 2000 } },
      },
    },
    design: { type: "string", maxLength: 4096 },
    workloads: { type: "array", maxItems: 10_000, items: { type: "string", maxLength: 4096 } },
    workloadSections: { type: "array", maxItems: 10_000, items: { type: "object" } },
    serving: { type: "boolean" },
    accuracy: { type: "boolean" },
    objectives: {
      type: "array", minItems: 1, maxItems: 100,
      items: { type: "object", additionalProperties: false, required: ["metric", "sense"], properties: { metric: { type: "string", pattern: IDENTIFIER }, sense: { enum: ["minimize", "maximize"] } } },
    },
  },
} as const;

export function sweepMeta(spec: ResolvedSweep): SweepMeta {
  let specText = "";
  try {
    specText = readFileSync(spec.file, "utf8");
  } catch {
    specText = JSON.stringify({ name: spec.name, parameters: spec.parameters, constraints: spec.constraints, objectives: spec.objectives, sampler: spec.sampler }, null, 2);
  }
  return {
    version: 1, name: spec.name, specHash: specDigest(spec), file: spec.file, specText,
    parameters: spec.parameters.map((p) => ({ name: p.name, ...(p.target ? { path: [p.target.root, ...p.target.path].join(".") } : {}), ...(p.expr !== undefined ? { expr: p.expr } : {}) })),
    objectives: spec.objectives, design: spec.designFile, workloads: spec.workloads.map(workloadLabel), workloadSections: spec.workloads,
    ...(spec.serving ? { serving: true } : {}),
    ...(spec.accuracy ? { accuracy: true } : {}),
  };
}

/** sweep.json of a sweep folder, validated (names safe as file names); an InputError naming the folder otherwise. */
export function readSweepMeta(dir: string, flag = "DIR"): SweepMeta {
  const file = join(dir, "sweep.json");
  let text: string;
  try {
    text = readTextFile(file, "a sweep folder's sweep.json");
  } catch (err) {
    if (err instanceof InputError) throw new InputError("<command line>", { path: flag, expected: "a sweep output folder (with sweep.json, written by attnsim sweep)", found: `${dir}: ${err.problems[0]?.found ?? "unreadable"}` });
    throw err;
  }
  return validateAgainst<SweepMeta>(metaSchema, parseText(text, file), file);
}

export const summarySchema = {
  type: "object",
  required: ["name", "rows", "ok", "violates", "infeasible", "errors", "best", "paretoPoints"],
  properties: {
    name: { type: "string" }, rows: { type: "number" }, ok: { type: "number" }, violates: { type: "number" }, infeasible: { type: "number" }, errors: { type: "number" }, paretoPoints: { type: "number" },
    best: { type: "object", additionalProperties: { anyOf: [{ type: "null" }, { type: "object", required: ["value", "params", "workload"], properties: { value: { type: "number" }, params: { type: "object" }, workload: { type: "number" } } }] } },
  },
} as const;

/** summary.json of a finished sweep folder, checked for the fields plots read. */
export function readSweepSummary(dir: string): SweepSummary {
  const file = join(dir, "summary.json");
  return validateAgainst<SweepSummary>(summarySchema, parseText(readTextFile(file, "the sweep's summary.json (written when the sweep ends)"), file), file);
}

export function writeSweepMeta(dir: string, meta: SweepMeta): void {
  writeOutputFile(inside(dir, "sweep.json"), `${JSON.stringify(meta, null, 2)}\n`);
}

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Make `dir` and take its lock (O_EXCL create of `.attnsim.lock`, holding pid and host). A lock left
 * by a process that is gone on this host is taken over; one held by a live process, or by another
 * host, is an InputError naming the holder. Returns the release function.
 */
export function lockFolder(dir: string, flag = "--out"): () => void {
  makeFolder(dir, flag);
  const file = inside(dir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, "wx");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw writeFailure(err, file, flag);
      let owner: Partial<LockOwner> = {};
      try {
        owner = JSON.parse(readFileSync(file, "utf8")) as Partial<LockOwner>;
      } catch {
        // being written by its owner right now, or torn: treat as held
      }
      const stale = owner.host === me.host && typeof owner.pid === "number" && !alive(owner.pid);
      if (stale && attempt < 3) {
        try {
          unlinkSync(file);
        } catch {
          // another process took it over first: try again
        }
        continue;
      }
      throw new InputError("<command line>", {
        path: flag,
        expected: "a folder no other sweep or merge is writing",
        found: `${dir} is held by ${owner.pid !== undefined ? `process ${owner.pid} on ${owner.host} since ${owner.since}` : "another process"} (remove ${file} if that process is gone)`,
      });
    }
    try {
      writeAll(fd, JSON.stringify(me), file);
    } finally {
      closeSync(fd);
    }
    return () => {
      try {
        const owner = JSON.parse(readFileSync(file, "utf8")) as Partial<LockOwner>;
        if (owner.pid === me.pid && owner.host === me.host) unlinkSync(file);
      } catch {
        // already gone
      }
    };
  }
}
