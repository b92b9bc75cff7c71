/**
 * Failures of the sweep machinery that are neither bad input (InputError) nor a failing disk
 * (OutputError): worker processes that cannot start, a Redis that lost the sweep and could not be
 * given it back. The CLI prints the message (no stack trace) and exits 1; what was recorded stays,
 * and `--resume` continues from it.
 */
export class SweepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SweepError";
  }
}
