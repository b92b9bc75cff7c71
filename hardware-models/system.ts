/**
 * A system of devices (system files, `examples/systems/`): N identical devices per node, each a
 * design, joined by an interconnect of some topology; nodes joined by a network; each device's
 * link to its host; and how a workload is split over the devices (data, tensor, pipeline, expert
 * parallelism: the system's mapping, separable from its hardware as a design's mapping is).
 *
 * The interconnect becomes a `link` unit of each device's design (units/link.ts) named
 * `interconnect`, to which collectives are mapped; a system file given where a design is expected
 * therefore stands for one of its devices with its interconnect (validation rows of a collective,
 * `attnsim run --design`). sim/system-sim.ts runs the whole system.
 */
import { dirname } from "node:path";
import { Type, type Static } from "@sinclair/typebox";
import { readDocument, validateSchema } from "../common/document.js";
import { withValues } from "../common/set-path.js";
import { InputError } from "../common/input-error.js";
import { parseQuantity, QUANTITY } from "../common/quantity.js";
import { PARALLEL_DEFAULTS, type Parallelism } from "../workloads/parallel/parallelism.js";
import type { Design } from "./design.js";
import { locateDesignFrom, resolveDesign } from "./design-loader.js";
import { HOST_SCHEMA, linkSchema, NETWORK_PROPERTIES } from "./units/link.js";

export interface DeviceSystem {
  name: string;
  origin: string;
  description?: string;
  devicesPerNode: number;
  nodes: number;
  /** One device: its design with the interconnect as the `interconnect` unit. */
  device: Design;
  parallelism: Parallelism;
  /** Power of the rest of a node (host CPUs, switches, NICs, fans), for the whole run. */
  nodeStaticPowerW: number;
  /** The devices have a host link (input batches arrive over it). */
  hostLink: boolean;
}

/** One device on its own: a design as a system of one (no interconnect, no host link modelled). */
export function singleDeviceSystem(design: Design): DeviceSystem {
  return { name: design.name, origin: design.origin, devicesPerNode: 1, nodes: 1, device: design, parallelism: { ...PARALLEL_DEFAULTS }, nodeStaticPowerW: 0, hostLink: false };
}

/** The link unit's fields a system's interconnect gives (the system fills in kind, devices, network and host). */
const interconnectSchema = Type.Omit(linkSchema, ["kind", "devices", "network", "host"], {
  additionalProperties: false, description: "the devices' links within a node (a link unit: hardware-models/units/link.ts)",
});

export const SYSTEM_VERSION = 1;

/** Degrees of parallelism (data, tensor, pipeline, expert), as a system file or a study case gives them. */
export const PARALLELISM_SCHEMA = Type.Object({
  data: Type.Optional(Type.Integer({ minimum: 1 })),
  tensor: Type.Optional(Type.Integer({ minimum: 1 })),
  pipeline: Type.Optional(Type.Integer({ minimum: 1 })),
  expert: Type.Optional(Type.Integer({ minimum: 1 })),
}, { additionalProperties: false });

export const systemSchema = Type.Object({
  version: Type.Literal(SYSTEM_VERSION),
  name: Type.String({ minLength: 1 }),
  description: Type.Optional(Type.String()),
  sources: Type.Optional(Type.Array(Type.String())),
  device: Type.String({ minLength: 1, description: "the device's design file (relative to this file) or a design preset" }),
  devicesPerNode: Type.Integer({ minimum: 1 }),
  nodes: Type.Optional(Type.Integer({ minimum: 1 })),
  interconnect: interconnectSchema,
  network: Type.Optional(Type.Object(NETWORK_PROPERTIES, { additionalProperties: false, description: "each device's port to the network between nodes" })),
  host: Type.Optional(HOST_SCHEMA),
  parallelism: Type.Optional(PARALLELISM_SCHEMA),
  nodeStaticPower: Type.Optional(Type.String({ minLength: 1, description: "power of the rest of a node (host, switches, NICs, fans)" })),
}, {
  $id: "https://attnsim.dev/schema/system.schema.json",
  title: "attnsim system",
  description: "Devices (each a design) joined by an interconnect, nodes joined by a network, and the parallelism that maps a workload onto them. See docs/multi-device.md.",
  additionalProperties: false,
});

export type SystemDocument = Static<typeof systemSchema>;

/** A system document: it has a `device` and no `units` (a design has units). */
export function isSystemDocument(data: unknown): boolean {
  return typeof data === "object" && data !== null && "device" in data && !("units" in data);
}

export function loadSystemFile(file: string): DeviceSystem {
  return resolveSystemFile(readDocument(file), file);
}

/** `deviceValues`: values written into the device's design document at dotted paths (a study case's `set: { device.units.tensor.macPrecision: fp32 }`). */
export function resolveSystemFile(data: unknown, file: string, deviceValues: readonly (readonly [readonly string[], unknown])[] = []): DeviceSystem {
  const doc = validateSchema(systemSchema, data, file);
  const deviceFile = locateDesignFrom(doc.device, dirname(file), { file, path: "/device" });
  const deviceDoc = withValues(readDocument(deviceFile), deviceValues) as { units?: Record<string, unknown>; mapping?: Record<string, unknown> };
  if (isSystemDocument(deviceDoc)) throw new InputError(file, { path: "/device", expected: "a design (not another system)", found: doc.device });
  const nodes = doc.nodes ?? 1;
  if (nodes > 1 && !doc.network) throw new InputError(file, { path: "/network", expected: "a network between the nodes (nodes > 1)", found: "nothing" });
  if (deviceDoc.units && "interconnect" in deviceDoc.units) {
    throw new InputError(deviceFile, { path: "/units/interconnect", expected: "no unit named interconnect (the system adds it)", found: "one" });
  }
  const interconnect = {
    kind: "link", devices: doc.devicesPerNode, ...doc.interconnect,
    ...(doc.network ? { network: { nodes, ...doc.network } } : {}),
    ...(doc.host ? { host: doc.host } : {}),
  };
  const withLink = { ...deviceDoc, name: `${(deviceDoc as { name?: string }).name ?? doc.device} in ${doc.name}`, units: { ...deviceDoc.units, interconnect }, mapping: { ...deviceDoc.mapping, collective: "interconnect" } };
  let device: Design;
  try {
    device = resolveDesign(withLink, deviceFile);
  } catch (err) {
    // The interconnect's fields are the system file's: point errors there.
    if (err instanceof InputError) {
      throw new InputError(file, err.problems.map((p) => ({ ...p, path: p.path.replace(/^\/units\/interconnect\/network/, "/network").replace(/^\/units\/interconnect\/host/, "/host").replace(/^\/units\/interconnect/, "/interconnect") })));
    }
    throw err;
  }
  const parallelism: Parallelism = { ...PARALLEL_DEFAULTS, ...doc.parallelism };
  const nodeStaticPowerW = doc.nodeStaticPower === undefined ? 0 : parseQuantity(doc.nodeStaticPower, QUANTITY.powerW, { file, path: "/nodeStaticPower" });
  return Object.freeze({
    name: doc.name, origin: file, ...(doc.description ? { description: doc.description } : {}),
    devicesPerNode: doc.devicesPerNode, nodes, device, parallelism: Object.freeze(parallelism), nodeStaticPowerW, hostLink: doc.host !== undefined,
  });
}
