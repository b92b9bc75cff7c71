/** The training lines `attnsim run` adds for a training step: time and energy by pass, memory by what it holds. */
import type { TrainingSummary } from "../sim/training-summary.js";
import { bytes, percent, si, table } from "./format.js";

export function trainingText(s: TrainingSummary): string {
  const passes = Object.entries(s.byPass).filter(([, v]) => v.latencySeconds > 0 || v.energyJ > 0);
  const energy = passes.reduce((e, [, v]) => e + v.energyJ, 0);
  const m = s.memory;
  return [
    table(["pass", "time (ops alone)", "energy", "share", "MACs"], passes.map(([p, v]) => [p, si(v.latencySeconds, "s"), si(v.energyJ, "J"), percent(v.energyJ / energy), si(v.macs, "")])),
    "",
    table(["training memory", "bytes"], [
      ["weights", bytes(m.weightBytes)], ["gradients", bytes(m.gradientBytes)], ["optimizer states", bytes(m.optimizerStateBytes)],
      ["stored activations", bytes(m.storedActivationBytes)], ["workspace", bytes(m.workspaceBytes)], ["peak", bytes(m.peakBytes)],
    ]),
  ].join("\n");
}
