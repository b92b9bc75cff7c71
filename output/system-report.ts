/** The summary `attnsim run` prints for a system (several devices): the step, energy, memory, and each pipeline stage. */
import type { SystemResult } from "../sim/system-sim.js";
import { bytes, percent, si, table } from "./format.js";

export function systemReport(r: SystemResult): string {
  const p = r.parallelism;
  const out: string[] = [];
  out.push(`${r.system}  |  ${r.workload}`);
  out.push(`${r.devices} devices on ${r.nodes} node(s): data ${p.data} x tensor ${p.tensor} x pipeline ${p.pipeline}${p.expert > 1 ? `, expert ${p.expert}` : ""}${r.training ? `, ${r.microBatches} micro-batch(es) per step, ${r.schedule}` : ""}`);
  out.push("");
  out.push(table(["total", "value"], [
    [r.training ? "step" : "latency", `${si(r.stepSeconds, "s")}${r.bubbleFraction > 0 ? ` (pipeline bubble ${percent(r.bubbleFraction)})` : ""}`],
    ["tokens", `${r.tokensPerStep.toLocaleString("en-US")} per ${r.training ? "step" : "run"}, ${si(r.tokensPerSecond, "tokens/s")}`],
    ["energy", `${si(r.energyJ, "J")} (devices working ${si(r.energyBreakdownJ.work, "J")}, idle ${si(r.energyBreakdownJ.idle, "J")}, rest of the nodes ${si(r.energyBreakdownJ.nodeStatic, "J")}); ${si(r.energyPerTokenJ, "J")} per token`],
    ["average power", si(r.averagePowerW, "W")],
    ["peak memory", `${bytes(r.peakMemoryBytes)} per device of ${bytes(r.memoryCapacityBytes)}`],
  ]));
  out.push("");
  out.push(table(
    ["stage", "layers", "devices", "busy", "idle", "energy/device", "peak memory", "in flight", "collectives on the link"],
    r.stages.map((s) => {
      const link = s.step.breakdown.byUnit.find((u) => u.kind === "link");
      return [
        String(s.stage), `${s.layers[0]}-${s.layers[1] - 1}`, String(s.devices), si(s.busySeconds, "s"), si(s.idleSeconds, "s"),
        si(s.workEnergyJ + s.idleEnergyJ, "J"), bytes(s.peakMemoryBytes), String(s.inFlightMicroBatches),
        link ? `${si(link.busyCycles / s.step.frequencyHz, "s")} (${percent(link.energyPj / s.step.energyPj)} of its energy)` : "-",
      ];
    }),
  ));
  return out.join("\n");
}
