/** Where commands write (stdout/stderr by default; tests capture). Exit codes in one place. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
};

/** 1: a failure that is not the input's (a bug, worker processes that cannot start); 4: an output that could not be written (disk full). */
export const EXIT = { ok: 0, internal: 1, badInput: 2, infeasible: 3, output: 4 } as const;
