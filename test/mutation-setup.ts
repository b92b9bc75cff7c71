/**
 * Mutation testing hook (vitest setup file; inert unless ATTNSIM_MUTANT is set). `npm run mutation`
 * (scripts/mutation-check.ts) runs the model tests once per mutant and expects each run to fail:
 *
 *   ATTNSIM_MUTANT=<kind>:price:<action>   every action of that unit kind named <action> (or, for a
 *                                          group, "<action>.*") costs 10% more
 *   ATTNSIM_MUTANT=<kind>:cycles           the unit kind's compute cycles are 10% more
 *
 * The mutation patches the unit registry in the test process only; no production code knows of it.
 */
import type { TObject } from "@sinclair/typebox";
import { UNIT_MODELS } from "../hardware-models/unit-registry.js";
import { systolicArray } from "../hardware-models/units/systolic-array.js";
import { vectorDsp } from "../hardware-models/units/vector-dsp.js";
import { imcCrossbar } from "../hardware-models/units/imc-crossbar.js";
import { linkUnit } from "../hardware-models/units/link.js";
import { isPrecision } from "../workloads/precision.js";
import { repriced, type ActionPrice, type ResolvedUnitBase, type UnitCost, type UnitModel } from "../hardware-models/unit-model.js";

export const MUTATION_FACTOR = 1.1;

/** Whether an action belongs to a mutant's group: the exact name, or "<group>.<precision>". */
export function inGroup(action: ActionPrice, group: string): boolean {
  return action.name === group || (action.name.startsWith(`${group}.`) && isPrecision(action.name.slice(group.length + 1)));
}

function mutatePrices<S extends ResolvedUnitBase>(spec: S, group: string): S {
  const prices = new Map(spec.actions.list.filter((a) => inGroup(a, group)).map((a) => [a.name, { energyPj: a.energyPj * MUTATION_FACTOR, source: `${a.source} (mutant)`, origin: a.origin }] as const));
  return { ...spec, actions: repriced(spec.actions, prices) };
}

function mutateCycles(cost: UnitCost): UnitCost {
  cost.computeCycles *= MUTATION_FACTOR;
  return cost;
}

/** The registry's copy of a model's resolve, mutated like the model's own (prices only: its cost calls the model's). */
function patchResolve<T extends TObject, S extends ResolvedUnitBase>(model: UnitModel<T, S>, what: string | undefined, group: string | undefined): void {
  if (what !== "price" || !group) return;
  const resolve = model.resolve.bind(model);
  model.resolve = (user, env) => mutatePrices(resolve(user, env), group);
}

function patch<T extends TObject, S extends ResolvedUnitBase>(model: UnitModel<T, S>, what: string | undefined, group: string | undefined): void {
  if (what === "price" && group) {
    const resolve = model.resolve.bind(model);
    model.resolve = (user, env) => mutatePrices(resolve(user, env), group);
  } else if (what === "cycles") {
    const cost = model.cost.bind(model);
    model.cost = (spec, op, ctx, scratch) => mutateCycles(cost(spec, op, ctx, scratch));
  } else throw new Error(`unknown mutant ${String(what)}:${String(group)}`);
}

const mutant = process.env.ATTNSIM_MUTANT;
if (mutant) {
  const [kind, what, group] = mutant.split(":");
  // Both the kind's own model (what unit tests call) and the registry's entry (what the engine
  // calls: a replicated wrapper that copied the model's resolve) are patched.
  switch (kind) {
    case "systolic":
      patch(systolicArray, what, group);
      patchResolve(UNIT_MODELS.systolic, what, group);
      break;
    case "dsp":
      patch(vectorDsp, what, group);
      patchResolve(UNIT_MODELS.dsp, what, group);
      break;
    case "imc":
      patch(imcCrossbar, what, group);
      patchResolve(UNIT_MODELS.imc, what, group);
      break;
    case "link":
      patch(linkUnit, what, group);
      patchResolve(UNIT_MODELS.link, what, group);
      break;
    default:
      throw new Error(`unknown unit kind in mutant ${mutant}`);
  }
}
