/**
 * Time and traffic of one device's part in a collective, by the alpha-beta model of Thakur,
 * Rabenseifner & Gropp ("Optimization of Collective Communication Operations in MPICH", IJHPCA 19(1),
 * 2005): a step costs a latency alpha plus its bytes over the bandwidth the step gets. For p devices
 * and a buffer of S bytes (nccl-tests' convention: workloads/collective.ts), B the bandwidth a device
 * gets per step:
 *
 *   ring (Patarasuk & Yuan 2009; NCCL's ring)
 *     all-reduce       2 (p-1) alpha + 2 (p-1)/p S/B        (reduce-scatter, then all-gather)
 *     reduce-scatter   (p-1) alpha + (p-1)/p S/B
 *     all-gather       (p-1) alpha + (p-1)/p S/B
 *     broadcast        (p-1) alpha + S/B                     (pipelined chain)
 *   recursive-halving (Thakur et al. sec. 4: recursive halving / doubling, Rabenseifner's all-reduce)
 *     all-reduce       2 log2(p) alpha + 2 (p-1)/p S/B
 *     reduce-scatter, all-gather   log2(p) alpha + (p-1)/p S/B
 *   tree (binomial, not pipelined; Thakur et al. sec. 4)
 *     all-reduce       2 log2(p) (alpha + S/B)               (reduce to a root, broadcast back)
 *     broadcast        log2(p) (alpha + S/B)
 *   pairwise (all-to-all, Thakur et al. sec. 4.3's long-message algorithm)
 *                      (p-1) alpha + (p-1)/p S/B
 *   send, recv         alpha + S/B
 *
 * log2 is rounded up (a group that is not a power of two takes one more step). The bandwidth terms
 * are NCCL's bus-bandwidth factors (NVIDIA/nccl-tests doc/PERFORMANCE.md: all-reduce 2(n-1)/n,
 * reduce-scatter and all-gather (n-1)/n, broadcast 1).
 *
 * B depends on the topology (links per device, each `linkBandwidth` per direction):
 *   switch           any exchange at the device's full injection bandwidth (NVSwitch, a PCIe switch)
 *   fully-connected  a direct link bundle to each other device of the node: a ring algorithm uses the
 *                    bundles to all group members at once (NCCL builds one ring per link), a
 *                    one-peer-per-step algorithm one bundle
 *   ring             two neighbours; the ring algorithm runs both directions; an exchange at distance
 *                    d hops shares its links with d - 1 others
 *   torus-2d         four neighbours; groups larger than the first dimension run the 2-D ring:
 *                    reduce-scatter along x, all-reduce along y on the 1/x share, all-gather along x
 *
 * A group spread over several nodes runs hierarchically: reduce-scatter inside each node, the
 * collective across nodes on each device's 1/q share over its own network port (rail-aligned, as
 * NCCL's ring and tree between nodes), all-gather inside the node; an all-to-all sends its
 * off-node part over the network while the on-node part crosses the fabric.
 *
 * alpha comes from the collective library's protocols: a protocol has a fixed cost per collective
 * (kernel launch and synchronisation), a cost per step on the fabric and per step across the
 * network, and the fraction of the link bandwidth it reaches (NCCL's LL protocol, for instance,
 * sends half payload and half flags); the fastest protocol and algorithm are used (as NCCL's tuner
 * picks them), unless the op names an algorithm.
 */
import type { CollectiveAlgorithm, CollectiveKind } from "../../workloads/collective.js";

export const TOPOLOGIES = ["switch", "fully-connected", "ring", "torus-2d"] as const;
export type Topology = (typeof TOPOLOGIES)[number];

export interface Protocol {
  name: string;
  baseSeconds: number;
  stepSeconds: number;
  networkStepSeconds: number;
  /** Fraction of the links' data bandwidth the protocol reaches. */
  bandwidthFraction: number;
  /** Cap on the per-device bandwidth, bytes/s (Infinity: none). */
  maxBytesPerSecond: number;
}

export interface Fabric {
  topology: Topology;
  /** Devices the fabric joins (one node). */
  devices: number;
  /** torus-2d: x and y. */
  dims?: readonly [number, number];
  links: number;
  /** Data bandwidth of one link in one direction, bytes/s (signalling rate x efficiency). */
  linkBytesPerSecond: number;
}

export interface Network {
  nodes: number;
  /** Per device, one direction, bytes/s. */
  bytesPerSecond: number;
}

export interface CollectiveShape {
  collective: CollectiveKind;
  bytes: number;
  group: number;
  perNode?: number;
  algorithm?: CollectiveAlgorithm;
}

export interface CollectiveTime {
  seconds: number;
  algorithm: Exclude<CollectiveAlgorithm, "auto"> | "hierarchical" | "point-to-point";
  protocol: string;
  /** Bytes this device sends over the fabric and over the network. */
  fabricBytes: number;
  networkBytes: number;
}

const log2up = (p: number) => Math.ceil(Math.log2(Math.max(1, p)));

/** A phase of a collective: latency steps on the fabric and network, and bytes over a bandwidth. */
interface Phase {
  steps: number;
  networkSteps: number;
  /** Bytes sent per device in this phase, and the bandwidth they get (bytes/s, before the protocol). */
  bytes: number;
  bytesPerSecond: number;
  network: boolean;
}

function time(phases: readonly Phase[], protocol: Protocol): number {
  let t = protocol.baseSeconds;
  for (const ph of phases) {
    t += ph.steps * protocol.stepSeconds + ph.networkSteps * protocol.networkStepSeconds;
    if (ph.bytes > 0) t += ph.bytes / Math.min(ph.bytesPerSecond * protocol.bandwidthFraction, protocol.maxBytesPerSecond);
  }
  return t;
}

/** Bandwidth a device gets in one step of an algorithm on the node's fabric, for a group of p. */
export function stepBandwidth(f: Fabric, p: number, pattern: "ring" | "one-peer" | "all-peers", hops = 1): number {
  const all = f.links * f.linkBytesPerSecond;
  switch (f.topology) {
    case "switch":
      return all;
    case "fully-connected": {
      const bundle = all / Math.max(1, f.devices - 1);
      return pattern === "one-peer" ? bundle : bundle * (p - 1);
    }
    case "ring":
      // Two neighbours; an exchange d hops away shares each link with d - 1 others.
      return pattern === "ring" ? all : all / 2 / Math.max(1, hops);
    case "torus-2d":
      // Four neighbours; a 1-D ring along a dimension uses that dimension's two.
      return pattern === "ring" ? all / 2 : all / 4 / Math.max(1, hops);
    default: {
      const never: never = f.topology;
      throw new Error(`unknown topology ${String(never)}`);
    }
  }
}

/** Ring neighbours' distance on a ring topology for recursive halving's step k (2^k devices away). */
function hopsOf(f: Fabric, distance: number): number {
  if (f.topology === "ring") return Math.min(distance, f.devices - distance);
  if (f.topology === "torus-2d") return Math.min(distance, (f.dims?.[0] ?? f.devices) - distance) || 1;
  return 1;
}

/** Phases of a collective inside one node (p devices on the fabric). */
function intraPhases(c: CollectiveKind, S: number, p: number, algorithm: Exclude<CollectiveAlgorithm, "auto">, f: Fabric): Phase[] | undefined {
  const frac = (p - 1) / p;
  const ph = (steps: number, bytes: number, bytesPerSecond: number): Phase => ({ steps, networkSteps: 0, bytes, bytesPerSecond, network: false });
  if (c === "send" || c === "recv") return [ph(1, S, stepBandwidth(f, 2, "one-peer"))];
  if (p <= 1) return [];
  // Recursive halving: step k exchanges with the device 2^k away, half the data of the step before.
  const halving = (bytesTotal: number): Phase[] =>
    Array.from({ length: log2up(p) }, (_, k) => ph(1, bytesTotal / 2 ** (k + 1), stepBandwidth(f, p, "one-peer", hopsOf(f, 2 ** k))));
  if (f.topology === "torus-2d" && algorithm === "ring" && f.dims && p > f.dims[0] && p % f.dims[0] === 0 && (c === "all-reduce" || c === "reduce-scatter" || c === "all-gather")) {
    // 2-D ring: along x on S, then along y on S / x.
    const x = f.dims[0], y = p / x;
    const bx = stepBandwidth(f, x, "ring"), by = stepBandwidth(f, y, "ring");
    const along = (n: number, bytes: number, bw: number, twice: boolean) => ph((twice ? 2 : 1) * (n - 1), ((twice ? 2 : 1) * (n - 1) * bytes) / n, bw);
    if (c === "all-reduce") return [along(x, S, bx, false), along(y, S / x, by, true), along(x, S, bx, false)];
    return [along(x, S, bx, false), along(y, S / x, by, false)];
  }
  switch (algorithm) {
    case "ring": {
      const bw = stepBandwidth(f, p, "ring");
      if (c === "all-reduce") return [ph(2 * (p - 1), 2 * frac * S, bw)];
      if (c === "reduce-scatter" || c === "all-gather") return [ph(p - 1, frac * S, bw)];
      if (c === "broadcast") return [ph(p - 1, S, bw)];
      return undefined;
    }
    case "recursive-halving":
      if (c === "all-reduce") return [...halving(S), ...halving(S)];
      if (c === "reduce-scatter" || c === "all-gather") return halving(S);
      return undefined;
    case "tree": {
      const steps = log2up(p);
      const bw = stepBandwidth(f, p, "one-peer", hopsOf(f, 1));
      if (c === "all-reduce") return [ph(2 * steps, 2 * steps * S, bw)];
      if (c === "broadcast") return [ph(steps, steps * S, bw)];
      return undefined;
    }
    case "pairwise":
      if (c !== "all-to-all") return undefined;
      // On a fully connected node every pair has its own links: the exchanges run at once.
      if (f.topology === "fully-connected") return [ph(p - 1, frac * S, stepBandwidth(f, p, "all-peers"))];
      return [ph(p - 1, frac * S, stepBandwidth(f, p, "one-peer", hopsOf(f, Math.ceil(p / 4))))];
    default: {
      const never: never = algorithm;
      throw new Error(`unknown algorithm ${String(never)}`);
    }
  }
}

/** Phases of a ring collective across nodes (each device on its share, over its own port). */
function networkPhases(c: CollectiveKind, share: number, nodes: number, net: Network): Phase[] {
  const ph = (networkSteps: number, bytes: number): Phase => ({ steps: 0, networkSteps, bytes, bytesPerSecond: net.bytesPerSecond, network: true });
  const frac = (nodes - 1) / nodes;
  if (nodes <= 1) return [];
  if (c === "all-reduce") return [ph(2 * (nodes - 1), 2 * frac * share)];
  if (c === "broadcast") return [ph(nodes - 1, share)];
  return [ph(nodes - 1, frac * share)];
}

const ALGORITHMS = ["ring", "recursive-halving", "tree", "pairwise"] as const;

/**
 * The fastest (protocol, algorithm) for one device's part in a collective; undefined when no
 * algorithm applies (an algorithm named for a collective it does not implement).
 */
export function collectiveTime(c: CollectiveShape, fabric: Fabric, protocols: readonly Protocol[], network?: Network): CollectiveTime | undefined {
  const p = c.group;
  const q = Math.min(p, c.perNode ?? p);
  const nodes = Math.ceil(p / q);
  const S = c.bytes;
  if (c.collective === "host-transfer") throw new Error("host transfers are costed by the host link, not the fabric");
  const candidates: { phases: Phase[]; algorithm: CollectiveTime["algorithm"] }[] = [];
  const algorithms = c.algorithm && c.algorithm !== "auto" ? [c.algorithm] : ALGORITHMS;
  if (nodes <= 1 || c.collective === "send" || c.collective === "recv") {
    if ((c.collective === "send" || c.collective === "recv") && nodes > 1) {
      if (!network) return undefined;
      candidates.push({ phases: [{ steps: 0, networkSteps: 1, bytes: S, bytesPerSecond: network.bytesPerSecond, network: true }], algorithm: "point-to-point" });
    } else {
      for (const a of algorithms) {
        const phases = intraPhases(c.collective, S, q, a, fabric);
        if (phases) candidates.push({ phases, algorithm: c.collective === "send" || c.collective === "recv" ? "point-to-point" : a });
      }
    }
  } else {
    if (!network) return undefined;
    // Hierarchical: inside the node, across nodes on the 1/q share, inside the node again.
    for (const a of algorithms) {
      const inner = (kind: CollectiveKind) => (q > 1 ? intraPhases(kind, S, q, a, fabric) : []);
      let phases: Phase[] | undefined;
      switch (c.collective) {
        case "all-reduce": {
          const rs = inner("reduce-scatter"), ag = inner("all-gather");
          phases = rs && ag ? [...rs, ...networkPhases("all-reduce", S / q, nodes, network), ...ag] : undefined;
          break;
        }
        case "reduce-scatter": {
          const rs = inner("reduce-scatter");
          phases = rs ? [...rs, ...networkPhases("reduce-scatter", S / q, nodes, network)] : undefined;
          break;
        }
        case "all-gather": {
          const ag = inner("all-gather");
          phases = ag ? [...networkPhases("all-gather", S / q, nodes, network), ...ag] : undefined;
          break;
        }
        case "broadcast": {
          const b = inner("broadcast");
          phases = b ? [...networkPhases("broadcast", S, nodes, network), ...b] : undefined;
          break;
        }
        case "all-to-all": {
          // On-node part over the fabric, off-node part over the network, at the same time: the
          // slower sets the time (their latencies add).
          const local = q > 1 ? intraPhases("all-to-all", (S * q) / p, q, a, fabric) : [];
          if (!local) break;
          const remote = { steps: 0, networkSteps: nodes - 1, bytes: (S * (p - q)) / p, bytesPerSecond: network.bytesPerSecond, network: true };
          const localSeconds = local.reduce((s, x) => s + x.bytes / x.bytesPerSecond, 0);
          const remoteSeconds = remote.bytes / remote.bytesPerSecond;
          phases = localSeconds >= remoteSeconds ? [...local, { ...remote, bytes: 0 }] : [...local.map((x) => ({ ...x, bytes: 0 })), remote];
          // Bytes for energy are counted below from the shape, not from the overlapped phases.
          break;
        }
        default:
          phases = undefined;
      }
      if (phases) candidates.push({ phases, algorithm: "hierarchical" });
    }
  }
  let best: CollectiveTime | undefined;
  for (const cand of candidates) {
    for (const protocol of protocols) {
      const seconds = time(cand.phases, protocol);
      if (!best || seconds < best.seconds) {
        const sent = bytesSent(c, q, nodes);
        best = { seconds, algorithm: cand.algorithm, protocol: protocol.name, fabricBytes: sent.fabric, networkBytes: sent.network };
      }
    }
  }
  return best;
}

/**
 * Bytes one device sends, on the fabric and over the network (the link energy counts them): the
 * bandwidth-optimal amounts, whatever the algorithm (a binomial tree sends the same total, unevenly).
 */
export function bytesSent(c: CollectiveShape, perNode: number, nodes: number): { fabric: number; network: number } {
  const S = c.bytes, p = c.group, q = perNode;
  if (c.collective === "recv") return { fabric: 0, network: 0 };
  if (c.collective === "send") return nodes > 1 ? { fabric: 0, network: S } : { fabric: S, network: 0 };
  if (p <= 1) return { fabric: 0, network: 0 };
  const factor = c.collective === "all-reduce" ? 2 : 1;
  if (c.collective === "all-to-all") return { fabric: (S * (q - 1)) / p, network: (S * (p - q)) / p };
  if (c.collective === "broadcast") return { fabric: (S * (q - 1)) / q, network: nodes > 1 ? (S * (nodes - 1)) / nodes / q : 0 };
  // Inside the node on the whole buffer, across nodes on each device's 1/q share.
  return { fabric: (factor * S * (q - 1)) / q, network: nodes > 1 ? (factor * (S / q) * (nodes - 1)) / nodes : 0 };
}

/** Bytes one device receives: what it sends (the collectives are symmetric), or S for a recv. */
export function bytesReceived(c: CollectiveShape, perNode: number, nodes: number): number {
  if (c.collective === "recv") return c.bytes;
  if (c.collective === "send") return 0;
  const s = bytesSent(c, perNode, nodes);
  return s.fabric + s.network;
}
