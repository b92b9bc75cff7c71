/**
 * A device's interconnect as a unit (`kind: link`): the links that join it to the other devices of
 * its node (a fabric of some topology), its port to the network between nodes, and its link to the
 * host. It runs the trace's collective ops (workloads/collective.ts); the engine times them on the
 * link's own track, so communication overlaps compute on the other units.
 *
 *   time     collective-cost.ts: the alpha-beta cost of the fastest protocol and algorithm (or the
 *            one the op names); a host transfer is latency + bytes / host bandwidth
 *   energy   bits this device sends x pJ/bit of the fabric, the network or the host link (the
 *            figure covers both ends of a link: the receiver's share is in the sender's), and the
 *            reduction's additions at the data's precision (technology table; NCCL reduces on the
 *            GPU's cores as data arrives, which the link's time covers)
 *   memory   the op reads its input and writes its output where they live, and what arrives is
 *            staged: written on arrival and read to reduce or forward it (bytes received, twice)
 *
 * A design gets one from a system file (hardware-models/system.ts, the `interconnect:` section) or
 * lists it under `units:` itself. Area and leakage: the PHYs' area when given (die-shot figures),
 * else none.
 */
import { Type } from "@sinclair/typebox";
import { InputError } from "../../common/input-error.js";
import { parseQuantity, QUANTITY } from "../../common/quantity.js";
import { QuantityString, StringEnum } from "../../common/schema.js";
import { bytesFor, perPrecision, type Precision } from "../../workloads/precision.js";
import type { CollectiveOp } from "../../workloads/collective.js";
import type { Op } from "../../workloads/trace.js";
import { leakagePowerW } from "../technology/area.js";
import { actionTable, FEASIBLE, UNIT_COMMON_PROPERTIES, zeroCost, type ActionPrice, type Feasibility, type ResolvedUnitBase, type UnitCost, type UnitModel } from "../unit-model.js";
import { bytesReceived, collectiveTime, TOPOLOGIES, type Fabric, type Network, type Protocol } from "./collective-cost.js";

/** The link's actions: bits sent on the fabric, the network and the host link, and reductions' additions per precision. */
export type LinkAction = "fabricBit" | "networkBit" | "hostBit" | `reduce.${Precision}`;

export interface LinkSpec extends ResolvedUnitBase<LinkAction> {
  kind: "link";
  fabric: Fabric;
  protocols: Protocol[];
  network?: Network & { pjPerBit: number };
  host?: { bytesPerSecond: number; latencySeconds: number; pjPerBit: number };
}

const protocolSchema = Type.Object({
  name: Type.String(),
  base: QuantityString({ description: "fixed time per collective (launch, synchronisation)" }),
  step: QuantityString({ description: "time per algorithm step on the fabric" }),
  networkStep: Type.Optional(QuantityString({ description: "time per algorithm step between nodes (default: step)" })),
  bandwidthFraction: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: "fraction of the link bandwidth the protocol reaches (default 1)" })),
  maxBandwidth: Type.Optional(QuantityString({ description: "cap on a device's bus bandwidth under this protocol" })),
}, { additionalProperties: false });

/** The network port between nodes, per device (its node count comes from the system). */
export const NETWORK_PROPERTIES = {
  bandwidth: QuantityString({ description: "per device, per direction" }),
  efficiency: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: "data fraction of the signalling rate (default 1)" })),
  energy: Type.Optional(QuantityString({ description: "energy per bit sent" })),
};

export const HOST_SCHEMA = Type.Object({
  bandwidth: QuantityString({ description: "per direction" }),
  latency: QuantityString(),
  energy: Type.Optional(QuantityString({ description: "energy per bit moved" })),
}, { additionalProperties: false });

export const linkSchema = Type.Object({
  kind: Type.Literal("link"),
  topology: StringEnum(TOPOLOGIES),
  devices: Type.Integer({ minimum: 1, description: "devices the fabric joins (one node)" }),
  dims: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { minItems: 2, maxItems: 2, description: "torus-2d: x and y" })),
  links: Type.Integer({ minimum: 1, description: "links per device" }),
  bandwidth: QuantityString({ description: "per link, per direction (signalling rate)" }),
  efficiency: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: "data fraction of the signalling rate (packet headers, flow control; default 1)" })),
  energy: Type.Optional(QuantityString({ description: "energy per bit sent, e.g. \"5 pJ/bit\"" })),
  protocols: Type.Optional(Type.Array(protocolSchema, { minItems: 1, description: "the collective library's protocols (default: one, with `latency` per step)" })),
  latency: Type.Optional(QuantityString({ description: "time per algorithm step when no protocols are given" })),
  network: Type.Optional(Type.Object({ nodes: Type.Integer({ minimum: 1 }), ...NETWORK_PROPERTIES }, { additionalProperties: false })),
  host: Type.Optional(HOST_SCHEMA),
  area: Type.Optional(QuantityString({ description: "the PHYs' die area (mm^2)" })),
  ...UNIT_COMMON_PROPERTIES,
}, { additionalProperties: false });

export const linkUnit: UnitModel<typeof linkSchema, LinkSpec> = {
  schema: linkSchema,

  resolve(user, env) {
    const at = (p: string) => ({ file: env.file, path: `${env.path}/${p}` });
    const seconds = (v: string, p: string) => nonNegative(parseQuantity(v, QUANTITY.timeSeconds, at(p)), env.file, `${env.path}/${p}`);
    const rate = (v: string, p: string) => positive(parseQuantity(v, QUANTITY.bandwidthBytesPerSecond, at(p)), env.file, `${env.path}/${p}`);
    const perBit = (v: string | undefined, p: string) => (v === undefined ? 0 : nonNegative(parseQuantity(v, QUANTITY.energyPjPerByte, at(p)), env.file, `${env.path}/${p}`) / 8);
    const { topology, devices, dims } = user;
    if (topology === "torus-2d" && (!dims || dims[0]! * dims[1]! !== devices)) {
      throw new InputError(env.file, { path: `${env.path}/dims`, expected: `x and y with x * y = devices (${devices}) for a 2-D torus`, found: JSON.stringify(dims ?? null) });
    }
    const fabric: Fabric = {
      topology, devices, ...(dims ? { dims: [dims[0]!, dims[1]!] } : {}), links: user.links,
      linkBytesPerSecond: rate(user.bandwidth, "bandwidth") * (user.efficiency ?? 1),
    };
    if (!user.protocols && user.latency === undefined) throw new InputError(env.file, { path: `${env.path}/latency`, expected: "a time per step (or protocols)", found: "neither" });
    const protocols: Protocol[] = (user.protocols ?? [{ name: "default", base: "0 s", step: user.latency! }]).map((p, i) => ({
      name: p.name,
      baseSeconds: seconds(p.base, `protocols/${i}/base`),
      stepSeconds: seconds(p.step, `protocols/${i}/step`),
      networkStepSeconds: p.networkStep === undefined ? seconds(p.step, `protocols/${i}/step`) : seconds(p.networkStep, `protocols/${i}/networkStep`),
      bandwidthFraction: p.bandwidthFraction ?? 1,
      maxBytesPerSecond: p.maxBandwidth === undefined ? Infinity : rate(p.maxBandwidth, `protocols/${i}/maxBandwidth`),
    }));
    const net = user.network;
    const network = net ? { nodes: net.nodes, bytesPerSecond: rate(net.bandwidth, "network/bandwidth") * (net.efficiency ?? 1), pjPerBit: perBit(net.energy, "network/energy") } : undefined;
    const h = user.host;
    const host = h ? { bytesPerSecond: rate(h.bandwidth, "host/bandwidth"), latencySeconds: seconds(h.latency, "host/latency"), pjPerBit: perBit(h.energy, "host/energy") } : undefined;

    const bit = (name: string, energyPj: number, given: boolean, what: string): ActionPrice => ({ name, energyPj, per: "op", origin: given ? "user" : "table", source: given ? `design or system file (${what})` : `no ${what} given` });
    const actions = actionTable<LinkAction>({
      fabricBit: bit("fabric.bit", perBit(user.energy, "energy"), user.energy !== undefined, "link energy"),
      networkBit: bit("network.bit", network?.pjPerBit ?? 0, net?.energy !== undefined, "network.energy"),
      hostBit: bit("host.bit", host?.pjPerBit ?? 0, h?.energy !== undefined, "host.energy"),
      ...reduceActions(env.energy),
    });
    const areaMm2 = user.area === undefined ? 0 : nonNegative(parseQuantity(user.area, QUANTITY.areaMm2, at("area")), env.file, `${env.path}/area`);
    const areaByComponentMm2: Record<string, number> = areaMm2 > 0 ? { phy: areaMm2 } : {};
    return {
      name: env.name, kind: "link", count: 1,
      frequencyHz: user.frequency === undefined ? env.frequencyHz : parseQuantity(user.frequency, QUANTITY.frequencyHz, at("frequency")),
      actions, areaMm2, areaByComponentMm2,
      leakagePowerW: user.leakage === undefined ? leakagePowerW(areaMm2, env.voltageV) : parseQuantity(user.leakage, QUANTITY.powerW, at("leakage")),
      peakMacsPerCycle: 0, localBufferBytes: 0,
      fabric, protocols, ...(network ? { network } : {}), ...(host ? { host } : {}),
    };
  },

  kinds: ["collective"],

  supports(op: Op) {
    return op.kind === "collective";
  },

  check(spec, op): Feasibility {
    if (op.kind !== "collective") return { ok: false, reason: { class: "unsupported-op", opKind: op.kind, reason: `a link unit runs collectives, not ${op.kind}` } };
    const no = (reason: string): Feasibility => ({ ok: false, reason: { class: "interconnect", reason } });
    const nodes = spec.network?.nodes ?? 1;
    const perNode = Math.min(op.group, op.perNode ?? op.group);
    if (op.collective === "host-transfer") return spec.host ? FEASIBLE : no(`${op.id} moves data to the host, and link ${spec.name} has no host link`);
    if (op.group > spec.fabric.devices * nodes) return no(`${op.id} needs ${op.group} devices; ${spec.name} joins ${spec.fabric.devices} per node x ${nodes} nodes`);
    if (perNode > spec.fabric.devices) return no(`${op.id} puts ${perNode} devices on a node of ${spec.fabric.devices}`);
    if (!collectiveTime(op, spec.fabric, spec.protocols, spec.network)) {
      return no(op.group > perNode && !spec.network ? `${op.id} spans nodes and ${spec.name} has no network` : `${op.id}: the ${op.algorithm} algorithm does not implement ${op.collective}`);
    }
    return FEASIBLE;
  },

  cost(spec, op, ctx, scratch): UnitCost {
    const act = spec.actions.index;
    const cost = zeroCost(ctx.memory.length, spec.actions.list.length, scratch);
    if (op.kind !== "collective") return cost;
    const c = op as CollectiveOp;
    const input = ctx.inputs[0];
    const precision = input?.precision ?? ctx.output.precision;
    const perNode = Math.min(c.group, c.perNode ?? c.group);
    const nodes = Math.ceil(c.group / perNode);
    let seconds: number, received: number;
    if (c.collective === "host-transfer") {
      const host = spec.host!;
      seconds = host.latencySeconds + c.bytes / host.bytesPerSecond;
      cost.counts[act.hostBit] = 8 * c.bytes;
      received = 0;
    } else {
      const t = collectiveTime(c, spec.fabric, spec.protocols, spec.network)!;
      seconds = c.group > 1 || c.collective === "send" || c.collective === "recv" ? t.seconds : 0;
      cost.counts[act.fabricBit] = 8 * t.fabricBytes;
      cost.counts[act.networkBit] = 8 * t.networkBytes;
      received = bytesReceived(c, perNode, nodes);
      if ((c.collective === "all-reduce" || c.collective === "reduce-scatter") && c.group > 1) {
        // One addition per element received for reduction: (p-1)/p of the buffer (reduce-scatter's part).
        cost.counts[act[`reduce.${precision}`]] = Math.round(((c.bytes * (c.group - 1)) / c.group) / bytesFor(1, precision));
      }
    }
    cost.computeCycles = seconds * spec.frequencyHz;
    const { read, written } = memoryBytes(c, received, input !== undefined);
    if (input) cost.read(input.level, read);
    cost.write(ctx.output.level, written);
    return cost;
  },
};

/** Bytes a device reads and writes at its memory for a collective, given what it receives (staged: written, then read). */
function memoryBytes(c: CollectiveOp, received: number, hasInput: boolean): { read: number; written: number } {
  const S = c.bytes, p = Math.max(1, c.group);
  switch (c.collective) {
    case "reduce-scatter":
      return { read: S + received, written: S / p + received };
    case "all-gather":
      return { read: S / p + received, written: S + received };
    case "send":
      return { read: S, written: 0 };
    case "recv":
      return { read: 0, written: S };
    case "host-transfer":
      // Host to device (no input on the device): written; device to host: read.
      return hasInput ? { read: S, written: 0 } : { read: 0, written: S };
    default:
      return { read: S + received, written: S + received };
  }
}

/** One addition action per precision, for the reductions a collective performs as data arrives. */
function reduceActions(energy: Parameters<UnitModel<typeof linkSchema, LinkSpec>["resolve"]>[1]["energy"]): Record<`reduce.${Precision}`, ActionPrice> {
  const byPrecision = perPrecision((p): ActionPrice => ({ name: `reduce.${p}`, per: "op", ...energy.priced(`add.${p}`) }));
  return {
    "reduce.fp32": byPrecision.fp32, "reduce.fp16": byPrecision.fp16, "reduce.bf16": byPrecision.bf16, "reduce.int32": byPrecision.int32, "reduce.int16": byPrecision.int16,
    "reduce.int8": byPrecision.int8, "reduce.int4": byPrecision.int4, "reduce.ternary": byPrecision.ternary, "reduce.binary": byPrecision.binary,
  };
}

function positive(v: number, file: string, path: string): number {
  if (!(v > 0)) throw new InputError(file, { path, expected: "a positive quantity", found: String(v) });
  return v;
}

function nonNegative(v: number, file: string, path: string): number {
  if (!(v >= 0)) throw new InputError(file, { path, expected: "a quantity >= 0", found: String(v) });
  return v;
}
