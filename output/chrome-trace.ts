/**
 * The run's timeline in the Chrome trace-event format (JSON object form), which Perfetto
 * (ui.perfetto.dev) and chrome://tracing open: one track per unit with a complete event ("X") per
 * op chunk, and a power counter track ("C"). Times in microseconds. Reads a Result only.
 */
import type { Result } from "../sim/result.js";

interface TraceEvent {
  name: string;
  ph: "X" | "M" | "C";
  pid: number;
  tid?: number;
  ts?: number;
  dur?: number;
  cat?: string;
  args?: Record<string, unknown>;
}

export function chromeTrace(r: Result): { traceEvents: TraceEvent[]; displayTimeUnit: "ns"; otherData: Record<string, unknown> } {
  if (!r.timeline) throw new Error("chromeTrace needs a Result simulated with keepTimeline");
  const us = (cycles: number) => (cycles / r.frequencyHz) * 1e6;
  const units = [...new Set(r.breakdown.byUnit.map((u) => u.unit))];
  const tid = (unit: string) => units.indexOf(unit) + 1;
  const opById = new Map(r.ops.map((o) => [o.id, o]));
  const events: TraceEvent[] = [
    { name: "process_name", ph: "M", pid: 1, args: { name: `${r.design} | ${r.workload}` } },
    ...units.map((u) => ({ name: "thread_name", ph: "M" as const, pid: 1, tid: tid(u), args: { name: u } })),
  ];
  for (const e of r.timeline) {
    const op = opById.get(e.op);
    events.push({
      name: e.chunks > 1 ? `${e.op} [${e.chunk + 1}/${e.chunks}]` : e.op,
      cat: op?.kind ?? "op", ph: "X", pid: 1, tid: tid(e.unit), ts: us(e.startCycles), dur: us(e.endCycles - e.startCycles),
      args: op ? { layer: op.layer, energyPj: op.energyPj / e.chunks, macs: op.macs / e.chunks, boundBy: op.boundBy } : {},
    });
  }
  for (const p of r.powerTrace ?? []) events.push({ name: "power (W)", ph: "C", pid: 1, ts: us(p.startCycles), args: { watts: p.powerW } });
  if (r.powerTrace?.length) events.push({ name: "power (W)", ph: "C", pid: 1, ts: us(r.latencyCycles), args: { watts: 0 } });
  return {
    traceEvents: events,
    displayTimeUnit: "ns",
    otherData: { design: r.design, workload: r.workload, latencySeconds: r.latencySeconds, energyJ: r.energyJ, peakPowerW: r.peakPowerW },
  };
}
