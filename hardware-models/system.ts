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
import { readDocument, validateAgainst } from "../common/document.js";
import { withValues } from "../common/set-path.js";
import { InputError } from "../common/input-error.js";
import { parseQuantity, QUANTITY } from "../common/quantity.js";
import { PARALLEL_DEFAULTS, type Parallelism } from "../workloads/parallel/parallelism.js";
import type { Design } from "./design.js";
import { locateDesignFrom, resolveDesign } from "./design-loader.js";
import { HOST_SCHEMA, linkUnit, NETWORK_PROPERTIES } from "./units/link.js";

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

export interface SystemDocument {
  version: 1;
  name: string;
  description?: string;
  sources?: string[];
  device: string;
  devicesPerNode: number;
  nodes?: number;
  interconnect: Record<string, unknown>;
  network?: Record<string, unknown>;
  host?: Record<string, unknown>;
  parallelism?: Partial<Parallelism>;
  nodeStaticPower?: string;
}

/** The link unit's fields a system's interconnect gives (the system fills in the rest). */
const interconnectProperties = Object.fromEntries(
  Object.entries(linkUnit.schema.properties as Record<string, unknown>).filter(([key]) => !["kind", "devices", "network", "host"].includes(key)),
);

export const SYSTEM_VERSION = 1;

export const systemSchema = {
  $id: "https://attnsim.dev/schema/system.schema.json",
  title: "attnsim system",
  description: "Devices (each a design) joined by an interconnect, nodes joined by a network, and the parallelism that maps a workload onto them. See docs/multi-device.md.",
  type: "object",
  additionalProperties: false,
  required: ["version", "name", "device", "devicesPerNode", "interconnect"],
  properties: {
    version: { const: SYSTEM_VERSION },
    name: { type: "string", minLength: 1 },
    description: { type: "string" },
    sources: { type: "array", items: { type: "string" } },
    device: { type: "string", minLength: 1, description: "the device's design file (relative to this file) or a design preset" },
    devicesPerNode: { type: "integer", minimum: 1 },
    nodes: { type: "integer", minimum: 1 },
    interconnect: {
      type: "object", additionalProperties: false, required: ["topology", "links", "bandwidth"], properties: interconnectProperties,
      description: "the devices' links within a node (a link unit: hardware-models/units/link.ts)",
    },
    network: { type: "object", additionalProperties: false, required: ["bandwidth"], properties: NETWORK_PROPERTIES, description: "each device's port to the network between nodes" },
    host: { ...HOST_SCHEMA, description: "each device's link to its host (input batches)" },
    parallelism: {
      type: "object",
      additionalProperties: false,
      properties: {
        data: { type: "integer", minimum: 1 },
        tensor: { type: "integer", minimum: 1 },
        pipeline: { type: "integer", minimum: 1 },
        expert: { type: "integer", minimum: 1 },
      },
    },
    nodeStaticPower: { type: "string", minLength: 1, description: "power of the rest of a node (host, switches, NICs, fans)" },
  },
} as const;

/** A system document: it has a `device` and no `units` (a design has units). */
export function isSystemDocument(data: unknown): boolean {
  return typeof data === "object" && data !== null && "device" in data && !("units" in data);
}

export function loadSystemFile(file: string): DeviceSystem {
  return resolveSystemFile(readDocument(file), file);
}

/** `deviceValues`: values written into the device's design document at dotted paths (a study case's `set: { device.units.tensor.macPrecision: fp32 }`). */
export function resolveSystemFile(data: unknown, file: string, deviceValues: readonly (readonly [readonly string[], unknown])[] = []): DeviceSystem {
  const doc = validateAgainst<SystemDocument>(systemSchema, data, file);
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
