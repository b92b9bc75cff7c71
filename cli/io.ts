/** Where commands write (stdout/stderr by default; tests capture). Exit codes in one place. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
};

export const EXIT = { ok: 0, internal: 1, badInput: 2, infeasible: 3 } as const;
