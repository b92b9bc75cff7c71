/**
 * Typed errors from the simulator's library functions, for callers that need a number where the
 * engine can only say "cannot" (a DVFS point the design cannot run, a schedule no placement
 * satisfies). Library callers catch them by class and read their fields; the CLI maps them to exit
 * codes. Input mistakes are InputError (common/input-error.ts); anything else that escapes is a bug.
 */
import type { Infeasible } from "./result.js";

/** A design cannot run a workload where the caller needed it to (DVFS, batching, validation rows). */
export class InfeasibleError extends Error {
  constructor(readonly infeasible: Infeasible, readonly context: string) {
    super(`${context}: ${infeasible.reasons[0]?.reason ?? "infeasible"}`);
    this.name = "InfeasibleError";
  }
}

/** Why a set of carbon-aware jobs has no schedule. */
export type ScheduleProblem =
  | "unknown-region" /* a region the intensity series does not have */
  | "no-window" /* a job has no start between its release and deadline within the series */
  | "past-series" /* running a job now already runs past the end of the series */
  | "capacity"; /* no placement keeps within the per-region capacity */

export class ScheduleError extends Error {
  constructor(readonly problem: ScheduleProblem, message: string, readonly jobId?: string) {
    super(message);
    this.name = "ScheduleError";
  }
}
