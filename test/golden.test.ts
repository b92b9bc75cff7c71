/**
 * Golden numbers: end-to-end results for every design preset x a set of workloads, kept in
 * test/golden/results.json. A change in any model moves them; update on purpose with
 * `UPDATE_GOLDEN=1 npm test` and say why in the commit.
 */
import { describe, expect, it } from "vitest";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadDesign, designPresetNames } from "../hardware-models/design-loader.js";
import { buildPresetTrace } from "../workloads/transformer-builder.js";
import { GOLDEN_WORKLOADS } from "./support/golden-workloads.js";
import { simulate } from "../sim/engine.js";
import { packageRoot } from "../common/package-root.js";

const FILE = join(packageRoot(), "test", "golden", "results.json");
const WORKLOADS = GOLDEN_WORKLOADS;

type Golden = Record<string, Record<string, number | string>>;

function compute(): Golden {
  const out: Golden = {};
  for (const design of designPresetNames()) {
    for (const [label, model, options] of WORKLOADS) {
      const o = simulate(loadDesign(design), buildPresetTrace(model, options), { perOp: false });
      out[`${design} | ${label}`] = o.ok
        ? {
          latencyCycles: o.result.latencyCycles, energyPj: o.result.energyPj, macs: o.result.macs,
          outerBytes: Object.values(o.result.bytesByLevel)[0]!.readBytes + Object.values(o.result.bytesByLevel)[0]!.writeBytes,
          peakPowerW: o.result.peakPowerW, areaMm2: o.result.areaMm2,
        }
        : { infeasible: o.infeasible.reasons[0]!.reason };
    }
  }
  return out;
}

describe("golden results (design presets x workloads)", () => {
  const now = compute();
  // Written only on purpose: a missing file is a failure, never a fresh baseline that passes.
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(FILE, `${JSON.stringify(now, null, 2)}\n`);
  it("the golden file exists (regenerate with UPDATE_GOLDEN=1 only on purpose)", () => {
    expect(existsSync(FILE)).toBe(true);
  });
  const golden: Golden = existsSync(FILE) ? JSON.parse(readFileSync(FILE, "utf8")) : {};
  it("covers the same cases", () => {
    expect(Object.keys(now).sort()).toEqual(Object.keys(golden).sort());
  });
  for (const [key, values] of Object.entries(golden)) {
    it(key, () => {
      const got = now[key]!;
      for (const [field, want] of Object.entries(values)) {
        if (typeof want === "string") expect(got[field]).toBe(want);
        else expect(Math.abs((got[field] as number) / want - 1)).toBeLessThan(1e-9);
      }
    });
  }
});
