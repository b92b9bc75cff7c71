/**
 * Predicting measured rows and comparing. Each row's design file is read once; a row's operating
 * conditions (frequency, voltage) are written into its copy of the design before it is resolved, and
 * its batch into the workload. What each metric predicts, from the Result:
 *
 *   latency     latencySeconds (one run of the workload: the whole batch)
 *   energy      energyJ / batch (energy per inference, as MLPerf's power runs report it)
 *   power       averagePowerW
 *   throughput  batch / latencySeconds (inferences per second)
 *
 * Calibration predicts the same rows many times with parameter values written into the design
 * documents (`overrides`); resolved designs and built traces are cached.
 */
import { withValues } from "../common/set-path.js";
import { InputError } from "../common/input-error.js";
import { readDocument } from "../common/document.js";
import { resolveDesign } from "../hardware-models/design-loader.js";
import type { Design } from "../hardware-models/design.js";
import { buildWorkload } from "../workloads/transformer-builder.js";
import type { Trace } from "../workloads/trace.js";
import type { WorkloadSpec } from "../workloads/workload-spec.js";
import { simulate } from "../sim/engine.js";
import type { Result } from "../sim/result.js";
import type { MeasuredData, MeasuredRow, MetricName } from "./measured.js";
import { METRIC_NAMES, VOLTAGE_FROM_FREQUENCY } from "./measured.js";
import { voltageForFrequency } from "../sim/dvfs.js";
import { relativeError, summarize, type ErrorSummary } from "./stats.js";

/** A value written at a dotted path of every design document before it is resolved. */
export interface Override {
  path: string[];
  value: number | string;
}

export function batchOf(workload: WorkloadSpec): number {
  return (workload.operator ? workload.operator.batch : workload.batch) ?? 1;
}

/** What a metric is computed from: one Result, or a length mix's weighted means (`mixRuns`). */
export type RunQuantities = Pick<Result, "latencySeconds" | "energyJ" | "averagePowerW" | "idlePowerW">;

export function metricOf(result: RunQuantities, metric: MetricName, batch: number): number {
  switch (metric) {
    case "latency":
      return result.latencySeconds;
    case "energy":
      return result.energyJ / batch;
    case "power":
      return result.averagePowerW;
    case "throughput":
      return batch / result.latencySeconds;
    case "idle-power":
      // The chip (and the design's system static power) with nothing to run; the row's workload only has to run.
      return result.idlePowerW;
  }
}

/**
 * A length mix's runs combined (`lengths:` on a row): mean latency and mean energy per run are the
 * weighted means over the bins, so throughput is batch / mean latency (the batches of a long run
 * come in the dataset's proportions) and average power is mean energy / mean latency. Idle power
 * depends on the design alone.
 */
export function mixRuns(runs: readonly { weight: number; result: RunQuantities }[]): RunQuantities {
  let latencySeconds = 0, energyJ = 0;
  for (const { weight, result } of runs) {
    latencySeconds += weight * result.latencySeconds;
    energyJ += weight * result.energyJ;
  }
  return { latencySeconds, energyJ, averagePowerW: energyJ / latencySeconds, idlePowerW: runs[0]!.result.idlePowerW };
}

/** Predicts rows; holds the design documents and traces so that calibration's many calls are cheap. */
export class Predictor {
  private readonly documents = new Map<string, unknown>();
  private readonly traces = new Map<string, Trace | InputError>();

  /** The design document of a file, as read (not resolved). */
  document(file: string): unknown {
    let doc = this.documents.get(file);
    if (doc === undefined) this.documents.set(file, (doc = readDocument(file)));
    return doc;
  }

  design(row: MeasuredRow, overrides: readonly Override[] = []): Design {
    const { frequency, voltage } = row.conditionsText;
    const at = (f: string | undefined, v: string | undefined) => resolveDesign(withValues(this.document(row.designFile), [
      ...overrides.map((o) => [o.path, o.value] as const),
      ...(f ? [[["technology", "frequency"], f] as const] : []),
      ...(v ? [[["technology", "voltage"], v] as const] : []),
      ...(row.device ? [[["device"], row.device] as const] : []),
    ]), row.designFile);
    if (voltage !== VOLTAGE_FROM_FREQUENCY) return at(frequency, voltage);
    // The delay fit from the design's own operating point (before the row's clock is written in).
    return at(frequency, `${voltageForFrequency(at(undefined, undefined), row.conditions.frequencyHz!)} V`);
  }

  trace(row: MeasuredRow, workload: WorkloadSpec = row.workload): Trace {
    const key = JSON.stringify(workload);
    let trace = this.traces.get(key);
    if (!trace) {
      try {
        trace = buildWorkload(workload, row.where);
      } catch (err) {
        if (!(err instanceof InputError)) throw err; // a bug, not a row that cannot be simulated
        trace = err;
      }
      this.traces.set(key, trace);
    }
    if (trace instanceof Error) throw trace;
    return trace;
  }

  /** Predicted values (NaN where a row cannot be simulated; `failures` says why). */
  predict(rows: readonly MeasuredRow[], overrides: readonly Override[] = [], failures?: Map<string, string>): number[] {
    const designs = new Map<string, Design | InputError>();
    const fail = (row: MeasuredRow, why: string): number => {
      failures?.set(row.id, why);
      return NaN;
    };
    return rows.map((row) => {
      const key = `${row.designFile}|${row.device ?? ""}|${row.conditionsText.frequency ?? ""}|${row.conditionsText.voltage ?? ""}`;
      let design = designs.get(key);
      if (!design) {
        try {
          design = this.design(row, overrides);
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
          design = err;
        }
        designs.set(key, design);
      }
      // A row fails when its design or workload is bad input or the design cannot run it; any
      // other exception is a programming error and propagates (it must not become an excluded row).
      if (design instanceof InputError) return fail(row, design.message);
      // A length mix runs the workload at each bin's seq (measured.ts, LengthMix).
      const runs = row.lengths ? row.lengths.bins.map((b) => ({ weight: b.weight, workload: { ...row.workload, seq: b.seq } })) : [{ weight: 1, workload: row.workload }];
      const results: { weight: number; result: Result }[] = [];
      for (const run of runs) {
        let trace: Trace;
        try {
          trace = this.trace(row, run.workload);
        } catch (err) {
          if (err instanceof InputError) return fail(row, err.message);
          throw err;
        }
        const outcome = simulate(design, trace, { perOp: false });
        if (!outcome.ok) return fail(row, `infeasible${runs.length > 1 ? ` at seq ${run.workload.seq}` : ""}: ${outcome.infeasible.reasons.map((r) => r.reason).join("; ")}`);
        results.push({ weight: run.weight, result: outcome.result });
      }
      return metricOf(results.length === 1 ? results[0]!.result : mixRuns(results), row.metric, batchOf(row.workload));
    });
  }
}

export interface RowOutcome {
  id: string;
  board: string;
  design: string;
  workload: string;
  metric: MetricName;
  measured: number;
  predicted: number;
  /** Signed relative error (predicted - measured) / measured; NaN when the row failed. */
  error: number;
  failure?: string;
  source: string;
}

export interface MetricSummary extends ErrorSummary {
  metric: MetricName;
  /** Row id of the worst error. */
  worstId: string;
  failed: number;
}

export interface ValidationReport {
  file: string;
  description?: string;
  rows: RowOutcome[];
  /** Per metric over the rows that share it (rank correlation only makes sense within a metric). */
  byMetric: MetricSummary[];
}

export function summarizeRows(rows: readonly RowOutcome[]): MetricSummary[] {
  const out: MetricSummary[] = [];
  for (const metric of METRIC_NAMES) {
    const mine = rows.filter((r) => r.metric === metric);
    if (mine.length === 0) continue;
    const ok = mine.filter((r) => Number.isFinite(r.predicted));
    const s = summarize(ok.map((r) => r.predicted), ok.map((r) => r.measured));
    out.push({ ...s, metric, worstId: ok[s.worstIndex]?.id ?? "", failed: mine.length - ok.length });
  }
  return out;
}

export function validate(data: MeasuredData, predictor = new Predictor(), overrides: readonly Override[] = []): ValidationReport {
  const failures = new Map<string, string>();
  const predicted = predictor.predict(data.rows, overrides, failures);
  const rows: RowOutcome[] = data.rows.map((row, i) => ({
    id: row.id, board: row.board, design: row.designFile, workload: row.workload.model, metric: row.metric,
    measured: row.value, predicted: predicted[i]!, error: Number.isFinite(predicted[i]!) ? relativeError(predicted[i]!, row.value) : NaN,
    ...(failures.has(row.id) ? { failure: failures.get(row.id)! } : {}),
    source: row.source,
  }));
  return { file: data.file, ...(data.description ? { description: data.description } : {}), rows, byMetric: summarizeRows(rows) };
}
