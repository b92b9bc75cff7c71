/**
 * The design file's `chip:` section: what the whole-chip power and area model needs beyond the
 * units and memory levels (docs/energy.md, "The whole chip"). Every field is optional: without the
 * section a design still gets every component, from its units, levels and technology.
 */
import { Type, type Static } from "@sinclair/typebox";
import { QuantityString, StringEnum } from "../../common/schema.js";

export const IDLE_STATES = ["on", "clock-gated", "power-gated"] as const;
export type IdleState = (typeof IDLE_STATES)[number];

export const MEMORY_IDLE_STATES = ["standby", "power-down"] as const;
export type MemoryIdleState = (typeof MEMORY_IDLE_STATES)[number];

export const LINK_KINDS = ["pcie4", "pcie5", "nvlink3", "nvlink4", "infinity-fabric"] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

const NAME = "^[A-Za-z][A-Za-z0-9_-]*$";

export const chipSection = Type.Object({
  physicalCount: Type.Optional(Type.Record(Type.String({ pattern: NAME }), Type.Integer({ minimum: 1 }), {
    description: "replicas of a unit on the die, when more are built than enabled (A100: 128 SMs built, 108 enabled); die area counts these, power the enabled ones",
  })),
  memoryPhys: Type.Optional(Type.Record(Type.String({ pattern: NAME }), Type.Integer({ minimum: 1 }), {
    description: "PHYs (HBM stacks, 32- or 64-bit DRAM channels) per off-chip memory level; default: the fewest that carry the level's bandwidth",
  })),
  links: Type.Optional(Type.Array(Type.Object({
    kind: StringEnum(LINK_KINDS),
    count: Type.Integer({ minimum: 1, description: "links (NVLink, Infinity Fabric) or lanes (PCIe)" }),
  }, { additionalProperties: false }), { description: "off-chip links and host interface on the die (area, controller, SerDes static power)" })),
  idleState: Type.Optional(Type.Record(Type.String({ pattern: NAME }), StringEnum(IDLE_STATES), {
    description: "what a unit does when it has no work: on (clock running), clock-gated (leakage only), power-gated (no leakage; pays entry/exit); key `default` for all units (default clock-gated)",
  })),
  memoryIdleState: Type.Optional(StringEnum(MEMORY_IDLE_STATES, { description: "DRAM devices when the chip is idle: standby (IDD2N) or power-down (IDD2P); default standby" })),
  uncore: Type.Optional(Type.Array(Type.Object({
    name: Type.String({ minLength: 1 }),
    power: QuantityString({ description: "always-on power of this block, e.g. \"0.5 W\"" }),
    source: Type.String({ minLength: 1, description: "where the figure comes from (datasheet, paper, measurement)" }),
  }, { additionalProperties: false }), { description: "named always-on blocks beyond the modelled ones (a host CPU complex, a management controller), each with its source" })),
  layoutOverhead: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: "placement and routing overhead on logic area (default 0.10, McPAT)" })),
}, { additionalProperties: false, description: "whole-chip power and area: physical replicas, memory PHYs, links, idle states, named always-on blocks (docs/energy.md)" });

export type ChipSection = Static<typeof chipSection>;
