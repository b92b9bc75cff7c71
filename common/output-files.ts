/**
 * Writing outputs: folders made one level at a time (Node's recursive mkdir never returns under
 * /proc), every written name checked to stay inside the folder the user named, short writes
 * completed, and errors turned into typed ones: a path the user got wrong (a file where a folder
 * should be, a missing parent, no permission) is an InputError naming the flag (exit 2); a full
 * disk or a failing device is an OutputError naming the file (exit 4), never a stack trace.
 */
import { closeSync, constants, fstatSync, ftruncateSync, mkdirSync, openSync, statSync, writeSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { InputError } from "./input-error.js";

/** The disk or device failed while writing `file` (ENOSPC, EDQUOT, EIO, EFBIG, EROFS). */
export class OutputError extends Error {
  readonly file: string;
  readonly code: string;
  /** Bytes of the failed write that did reach the file (a short write before the error). */
  writtenBytes = 0;
  /** For appendLines: the whole lines of the failed write that stayed in the file. */
  linesKept = 0;

  constructor(file: string, code: string, advice = "") {
    super(`cannot write ${file}: ${describeCode(code)}${advice ? `; ${advice}` : ""}`);
    this.name = "OutputError";
    this.file = file;
    this.code = code;
  }
}

const CODES: Record<string, string> = {
  ENOSPC: "no space left on the device (ENOSPC)",
  EDQUOT: "disk quota exceeded (EDQUOT)",
  EIO: "input/output error on the device (EIO)",
  EFBIG: "file too large for the file system (EFBIG)",
  EROFS: "read-only file system (EROFS)",
  EACCES: "permission denied (EACCES)",
  EPERM: "operation not permitted (EPERM)",
  ENOENT: "no such folder (ENOENT)",
  ENOTDIR: "a file where a folder should be (ENOTDIR)",
  EISDIR: "a folder, not a file (EISDIR)",
  EEXIST: "a file, not a folder (EEXIST)",
};
const DEVICE_FAILURES = new Set(["ENOSPC", "EDQUOT", "EIO", "EFBIG", "EROFS"]);

function describeCode(code: string): string {
  return CODES[code] ?? code;
}

function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException | undefined)?.code ?? (err instanceof Error ? err.message : String(err));
}

/** A write failure as the typed error for it: the device (OutputError) or the path (InputError). */
export function writeFailure(err: unknown, file: string, flag: string, advice = ""): Error {
  const code = codeOf(err);
  if (DEVICE_FAILURES.has(code)) return new OutputError(file, code, advice);
  if (err instanceof InputError || err instanceof OutputError) return err;
  return new InputError("<command line>", { path: flag, expected: "a path in an existing folder that can be written", found: `${file}: ${describeCode(code)}` });
}

/** Make `dir` and its missing parents, one level at a time; refuse a file or an unwritable place. */
export function makeFolder(dir: string, flag = "--out"): void {
  const target = resolve(dir);
  const missing: string[] = [];
  let at = target;
  for (;;) {
    let isDir: boolean | undefined;
    try {
      isDir = statSync(at).isDirectory();
    } catch (err) {
      if (codeOf(err) !== "ENOENT" && codeOf(err) !== "ENOTDIR") throw writeFailure(err, at, flag);
    }
    if (isDir === false) throw new InputError("<command line>", { path: flag, expected: "a folder (or a path where one can be made)", found: `${at}: a file` });
    if (isDir) break;
    missing.unshift(at);
    const parent = resolve(at, "..");
    if (parent === at) break;
    at = parent;
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (err) {
      if (codeOf(err) === "EEXIST" && statSync(d).isDirectory()) continue;
      throw writeFailure(err, d, flag);
    }
  }
}

/** `dir/name`, refused unless it stays inside `dir` (names come from specs and sweep folders). */
export function inside(dir: string, name: string): string {
  const path = join(dir, name);
  const rel = relative(resolve(dir), resolve(path));
  if (rel === "" || rel.startsWith(`..${sep}`) || rel === ".." || isAbsolute(rel)) {
    throw new InputError("<output>", { path: name, expected: `a file name that stays inside ${dir}`, found: JSON.stringify(name) });
  }
  return path;
}

/** Write all of `data` at the file position (writeSync may write less than asked). */
export function writeAll(fd: number, data: string | Uint8Array, file: string, advice = ""): void {
  const buffer = typeof data === "string" ? Buffer.from(data) : data;
  let offset = 0;
  try {
    while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
  } catch (err) {
    const failure = writeFailure(err, file, "--out", advice);
    if (failure instanceof OutputError) failure.writtenBytes = offset;
    throw failure;
  }
}

/**
 * Opens a file that several processes append to (a sweep's results.jsonl and results.csv, written by
 * the main process and its workers): every write lands at the end, whatever another writer added,
 * so no writer overwrites another's lines. `fresh` empties the file first.
 */
export function openAppending(file: string, fresh: boolean, flag = "--out"): number {
  try {
    return openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | (fresh ? constants.O_TRUNC : 0), 0o666);
  } catch (err) {
    throw writeFailure(err, file, flag);
  }
}

/**
 * Appends text made of whole lines (`fd` from openAppending). When the device fails midway (a full
 * disk), the torn last line of the part that was written is cut off, so the file ends on a whole
 * line, and the OutputError says how many whole lines stayed (`linesKept`). The cut assumes no
 * writer appended after the failed write, which holds on a full device: their writes fail too.
 */
export function appendLines(fd: number, text: string, file: string, advice = ""): void {
  const buffer = Buffer.from(text);
  try {
    writeAll(fd, buffer, file, advice);
  } catch (err) {
    if (err instanceof OutputError) {
      const written = buffer.subarray(0, err.writtenBytes);
      const whole = written.lastIndexOf(0x0a) + 1;
      try {
        if (whole < written.length) ftruncateSync(fd, fstatSync(fd).size - (written.length - whole));
      } catch {
        // the torn tail stays; readers skip a torn line
      }
      err.linesKept = written.subarray(0, whole).reduce((n, b) => n + (b === 0x0a ? 1 : 0), 0);
    }
    throw err;
  }
}

/** Write a whole file (replacing it), with the errors of writeFailure. */
export function writeOutputFile(file: string, data: string | Uint8Array, flag = "--out"): void {
  let fd: number;
  try {
    fd = openSync(file, "w");
  } catch (err) {
    throw writeFailure(err, file, flag);
  }
  try {
    writeAll(fd, data, file);
  } finally {
    closeSync(fd);
  }
}
