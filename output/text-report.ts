/** The readable summary `attnsim run` prints: totals, then per layer, per unit and per memory level. */
import type { Infeasible, Result } from "../sim/result.js";
import type { QuantityReading } from "../common/quantity.js";
import { bytes, percent, si, table } from "./format.js";

export function textReport(r: Result): string {
  const out: string[] = [];
  out.push(`${r.design}  |  ${r.workload}`);
  out.push("");
  out.push(table(["total", "value"], [
    ["latency", `${si(r.latencySeconds, "s")} (${Math.round(r.latencyCycles).toLocaleString("en-US")} cycles at ${si(r.frequencyHz, "Hz")})`],
    ["energy", `${si(r.energyJ, "J")} (dynamic ${si(r.dynamicEnergyPj * 1e-12, "J")}, leakage ${si(r.leakageEnergyPj * 1e-12, "J")}, chip ${si(r.chipEnergyPj * 1e-12, "J")}${r.systemEnergyPj > 0 ? `, system ${si(r.systemEnergyPj * 1e-12, "J")}` : ""})`],
    ["average power", si(r.averagePowerW, "W")],
    ["idle power", `${si(r.idlePowerW, "W")} (at 10% load ${si(r.powerAtLoadW.load10, "W")}, 50% ${si(r.powerAtLoadW.load50, "W")})`],
    ["peak power", `${si(r.peakPowerW, "W")} (highest ${si(r.powerWindowSeconds, "s")} window average; leakage ${si(r.leakagePowerW, "W")} included)`],
    ["MACs", `${si(r.macs, "MAC")}  (${percent(r.utilization)} of peak MAC throughput over the run)`],
    ["ops per off-chip byte", Number.isFinite(r.opsPerByte) ? r.opsPerByte.toFixed(1) : "no off-chip traffic"],
    ["peak memory", `${bytes(r.peakMemoryBytes)} (weights ${bytes(r.weightBytes)}, activations + KV ${bytes(r.peakActivationBytes)})`],
    ["die area", `${r.areaMm2.toFixed(3)} mm^2 (${Object.entries(r.dieAreaByBlockMm2).filter(([, a]) => a > 0).map(([b, a]) => `${b} ${a.toFixed(1)}`).join(", ")})`],
    ...(r.carbon ? [["carbon", `${si(r.carbon.totalG, "g")} CO2e (operational ${si(r.carbon.operationalG, "g")} at ${r.carbon.gridIntensityGPerKWh} g/kWh, PUE ${r.carbon.pue}; embodied share ${si(r.carbon.embodiedG, "g")} of ${si(r.carbon.embodiedDieG, "g")} for the die)`]] : []),
  ]));
  out.push("");
  out.push(table(
    ["layer", "latency", "energy", "MACs", "share of energy"],
    r.breakdown.byLayer.map((l) => [
      l.layer < 0 ? "-" : String(l.layer), si(l.latencyCycles / r.frequencyHz, "s"), si(l.energyPj * 1e-12, "J"), si(l.macs, ""), percent(l.energyPj / r.energyPj),
    ]),
  ));
  out.push("");
  out.push(table(
    ["unit", "kind", "busy", "utilization", "dynamic", "leakage", "area mm^2"],
    r.breakdown.byUnit.map((u) => [
      u.unit, u.kind, si(u.busyCycles / r.frequencyHz, "s"), percent(u.utilization), si(u.dynamicEnergyPj * 1e-12, "J"), si(u.leakageEnergyPj * 1e-12, "J"), u.areaMm2.toFixed(3),
    ]),
  ));
  out.push("");
  out.push(table(
    ["memory level", "read", "written", "avg bandwidth", "peak bandwidth", "dynamic", "leakage", "peak resident"],
    r.breakdown.byLevel.map((l) => [
      l.level, bytes(l.readBytes), bytes(l.writeBytes), si(l.averageBandwidthBytesPerSecond, "B/s"), si(l.peakBandwidthBytesPerSecond, "B/s"),
      si(l.dynamicEnergyPj * 1e-12, "J"), si(l.leakageEnergyPj * 1e-12, "J"),
      l.peakResidentBytes === undefined ? "" : `${bytes(l.peakResidentBytes)} / ${bytes(l.capacityBytes ?? 0)}`,
    ]),
  ));
  if (r.exitProfile) {
    out.push("");
    out.push(table(
      ["exit after layer", "probability", "latency", "energy"],
      r.exitProfile.map((p, i, all) => [i === all.length - 1 ? "end" : String(p.afterLayer), p.probability.toFixed(3), si(p.latencyCycles / r.frequencyHz, "s"), si(p.energyPj * 1e-12, "J")]),
    ));
  }
  const components = Object.entries(r.breakdown.byComponent);
  if (components.length > 0) {
    out.push("");
    out.push(table(["whole chip", "energy", "average power"], components.map(([name, c]) => [name, si(c.energyPj * 1e-12, "J"), si((c.energyPj * 1e-12) / r.latencySeconds, "W")])));
  }
  const buffers = Object.entries(r.bytesByLevel).filter(([name]) => name.includes("."));
  if (buffers.length > 0) {
    out.push("");
    out.push(table(["unit buffer", "read", "written"], buffers.map(([name, b]) => [name, bytes(b.readBytes), bytes(b.writeBytes)])));
  }
  return out.join("\n");
}

export function infeasibleReport(x: Infeasible): string {
  const lines = [`${x.design} cannot run ${x.workload}:`];
  // The same reason on many ops (every layer's AV, say) is one line.
  const groups = new Map<string, string[]>();
  for (const r of x.reasons) {
    const key = `${r.unit ? `on ${r.unit}: ` : ""}${r.reason}`;
    const list = groups.get(key) ?? [];
    if (r.opId) list.push(r.opId);
    groups.set(key, list);
  }
  const shown = [...groups.entries()].slice(0, 10);
  for (const [reason, ops] of shown) {
    const where = ops.length === 0 ? "" : ops.length <= 3 ? `${ops.join(", ")} ` : `${ops.slice(0, 2).join(", ")} and ${ops.length - 2} more ops `;
    lines.push(`  - ${where}${reason}`);
  }
  if (groups.size > shown.length) lines.push(`  ... and ${groups.size - shown.length} more reasons`);
  return lines.join("\n");
}

/** Every quantity that was read from a string, per file: where, as written, as read (in the unit the field keeps). */
export function quantitiesReport(readings: readonly QuantityReading[]): string {
  const files = [...new Set(readings.map((q) => q.file))];
  const shown = (q: QuantityReading) => `${Number.isInteger(q.value) ? q.value.toLocaleString("en-US") : Number(q.value.toPrecision(6)).toString()} ${q.unit}`;
  return files.map((file) => `quantities read from ${file}:\n${table(["path", "as written", "as read", "note"], readings.filter((q) => q.file === file).map((q) => [q.path, q.text, shown(q), q.note ?? ""]))}`).join("\n\n");
}
