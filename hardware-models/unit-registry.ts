/**
 * The one map from unit kind to model. `UnitKind` is derived from its keys, so the design schema,
 * the CLI's help and the types cannot drift apart. Adding a kind = one file in units/ + one line here.
 */
import { systolicArray } from "./units/systolic-array.js";
import { vectorDsp } from "./units/vector-dsp.js";
import { imcCrossbar } from "./units/imc-crossbar.js";
import { linkUnit } from "./units/link.js";
import type { ResolvedUnitBase, UnitModel } from "./unit-model.js";
import { replicated } from "./replication.js";

/** Every kind may be replicated (`count:`); see replication.ts. */
export const UNIT_MODELS = {
  systolic: replicated(systolicArray),
  dsp: replicated(vectorDsp),
  imc: replicated(imcCrossbar),
  link: replicated(linkUnit),
} as const;

export type UnitKind = keyof typeof UNIT_MODELS;
export const UNIT_KINDS = Object.keys(UNIT_MODELS) as UnitKind[];

export function unitModel(kind: string): UnitModel<ResolvedUnitBase> {
  return UNIT_MODELS[kind as UnitKind] as unknown as UnitModel<ResolvedUnitBase>;
}
