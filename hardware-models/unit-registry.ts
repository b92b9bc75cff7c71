/**
 * The one map from unit kind to model. `UnitKind`, the resolved `UnitSpec` union and the `UnitConfig`
 * union (a design file's unit section) are derived from it, so the design schema, the CLI's help and
 * the types cannot drift apart. Adding a kind = one file in units/ + one line here.
 *
 * Dispatch is typed end to end (a correlated union: the model for `spec.kind` takes exactly that
 * kind's spec), so nothing at this boundary is cast.
 */
import { systolicArray } from "./units/systolic-array.js";
import { vectorDsp } from "./units/vector-dsp.js";
import { imcCrossbar } from "./units/imc-crossbar.js";
import { linkUnit } from "./units/link.js";
import type { AssignedOp, Feasibility, OpContext, ResolveEnv, UnitCost, UnitModel } from "./unit-model.js";
import { replicated, withReplicas } from "./replication.js";
import type { Op, OpKind } from "../workloads/trace.js";

/** Every kind may be replicated (`count:`); see replication.ts. */
export const UNIT_MODELS = {
  systolic: replicated(systolicArray),
  dsp: replicated(vectorDsp),
  imc: replicated(imcCrossbar),
  link: replicated(linkUnit),
};

type Models = typeof UNIT_MODELS;
export type UnitKind = keyof Models;
type SpecMap = { [K in UnitKind]: ReturnType<Models[K]["resolve"]> };
type ConfigMap = { [K in UnitKind]: Parameters<Models[K]["resolve"]>[0] };
type ModelMap = { [K in UnitKind]: UnitModel<Models[K]["schema"], SpecMap[K]> };
const MODELS: ModelMap = UNIT_MODELS;

/** A resolved unit of any kind (discriminated by `kind`). */
export type UnitSpec = SpecMap[UnitKind];
/** A design file's section for a unit of any kind (after schema validation). */
export type UnitConfig = ConfigMap[UnitKind];

export const UNIT_KINDS: readonly UnitKind[] = ["systolic", "dsp", "imc", "link"] satisfies readonly (keyof Models)[];

/** The JSON Schema of a kind's section. */
export function unitSchema(kind: UnitKind): Models[UnitKind]["schema"] {
  return MODELS[kind].schema;
}

/** Resolve a unit section: its kind's model, then `count` replicas. */
export function resolveUnit<K extends UnitKind>(user: ConfigMap[K] & { kind: K }, env: ResolveEnv): SpecMap[K] {
  const spec = withReplicas(MODELS[user.kind].resolve(user, env), user.count ?? 1, user.leakage !== undefined);
  return user.kernelTiles ? { ...spec, kernelTiles: user.kernelTiles.map((t) => ({ rows: t.rows, cols: t.cols })) } : spec;
}

/** Op kinds a unit runs. */
export function unitRuns(spec: UnitSpec, kind: OpKind): boolean {
  return MODELS[spec.kind].kinds.includes(kind);
}

export function unitSupports(spec: UnitSpec, op: Op): boolean {
  return MODELS[spec.kind].supports(op);
}

export function unitCheck<K extends UnitKind>(spec: SpecMap[K] & { kind: K }, op: Op, ctx: OpContext): Feasibility {
  return MODELS[spec.kind].check(spec, op, ctx);
}

/** Whether a unit's model derives facts of a run from the work mapped to it (has `bind`). */
export function unitBinds(spec: UnitSpec): boolean {
  return MODELS[spec.kind].bind !== undefined;
}

/** The spec to cost with for one run (the model's `bind`, or the spec itself). */
export function unitBind<K extends UnitKind>(spec: SpecMap[K] & { kind: K }, assigned: readonly AssignedOp[]): SpecMap[K] {
  const model = MODELS[spec.kind];
  return model.bind ? model.bind(spec, assigned) : spec;
}

export function unitCost<K extends UnitKind>(spec: SpecMap[K] & { kind: K }, op: Op, ctx: OpContext, scratch?: UnitCost): UnitCost {
  return MODELS[spec.kind].cost(spec, op, ctx, scratch);
}
