/**
 * Serving files (`attnsim serve FILE`): user form (YAML/JSON, serving/schema/serving.schema.json)
 * -> a resolved ServingConfig (or, with `realtime:`, a RealtimeConfig). Quantities are parsed here,
 * once; every mistake is an InputError naming the file and the path inside it. The settings part
 * (everything but the name, design and model) is also what a sweep spec's and a study's `serving:`
 * section holds (parseServingSettings).
 */
import { dirname, resolve as resolvePath } from "node:path";
import servingSchemaJson from "./schema/serving.schema.json" with { type: "json" };
import { readDocument, readTextFile, validateAgainst } from "../common/document.js";
import { InputError } from "../common/input-error.js";
import { parseQuantity, QUANTITY, type QuantityKind } from "../common/quantity.js";
import { locateDesignFrom, parseSupplyVoltage, resolveDesign } from "../hardware-models/design-loader.js";
import { ACT_FAB_INTENSITY } from "../sim/carbon.js";
import { parseIntensityCsv } from "../sim/carbon-schedule.js";
import { parseWorkloadSection } from "../workloads/workload-file.js";
import { checkServedModel } from "../workloads/serving-iteration.js";
import type { WorkloadSpec } from "../workloads/workload-spec.js";
import { DEFAULT_KV_CACHE, DEFAULT_SCHEDULER, DEFAULT_SWAP_SPACE_BYTES, type DesignSource, type GridCarbonConfig, type LinkConfig, type PoolConfig, type PowerConfig, type ServingConfig } from "./config.js";
import { DEFAULT_COST_MODEL } from "./iteration-cost.js";
import { generateRequests, parseRequestCsv, type ArrivalProcess, type LengthDistribution, type Request } from "./requests.js";
import type { RealtimeConfig, RealtimePolicy, StreamConfig } from "./realtime.js";

/**
 * The serving file format (serving/schema/serving.schema.json). Typed as a plain object so the
 * published declaration does not import JSON (TS1543 under moduleResolution nodenext).
 */
export const servingSchema: { readonly properties: Readonly<Record<string, unknown>> } & Readonly<Record<string, unknown>> = servingSchemaJson;

type Obj = Record<string, unknown>;
interface Where {
  file: string;
  path: string;
}

export const RATE_PER_SECOND: QuantityKind = { unit: "Hz", example: '"2 /s", "120 /min" or "30 Hz"' };
/** Charge (a battery's capacity): mAh parses as coulombs. */
const CHARGE_COULOMBS: QuantityKind = { unit: "C", example: '"3000 mAh"' };
const FOUR_YEARS_S = 4 * 365.25 * 24 * 3600;

/** What a serving section resolves to besides the design and model: requests and how they are served. */
export interface ServingSettings {
  requests: Request[];
  replicas: number;
  disaggregation?: { prefill: { design?: string; replicas: number }; decode: { design?: string; replicas: number }; link: LinkConfig };
  router: ServingConfig["router"];
  seed: number;
  scheduler: ServingConfig["scheduler"];
  kvCache: ServingConfig["kvCache"];
  power: PowerConfig;
  slo: ServingConfig["slo"];
  carbon?: GridCarbonConfig;
  costModel: ServingConfig["costModel"];
  timeBins: number;
}

export type ServingFile =
  | { kind: "serving"; name: string; description?: string; file: string; config: ServingConfig }
  | { kind: "realtime"; name: string; description?: string; file: string; config: RealtimeConfig };

/** A design named in a serving file or section, resolved (a preset, or a file relative to `dir`). */
export function loadDesignSource(name: string, dir: string, where: Where): DesignSource {
  const file = locateDesignFrom(name, dir, where);
  const doc = readDocument(file);
  return { design: resolveDesign(doc, file), doc, file };
}

const seconds = (v: unknown, w: Where) => {
  const s = parseQuantity(v, QUANTITY.timeSeconds, w);
  if (!(s >= 0)) throw new InputError(w.file, { path: w.path, expected: "a time >= 0", found: String(v) });
  return s;
};
const positiveSeconds = (v: unknown, w: Where) => {
  const s = seconds(v, w);
  if (!(s > 0)) throw new InputError(w.file, { path: w.path, expected: "a positive time", found: String(v) });
  return s;
};
const rate = (v: unknown, w: Where) => {
  const r = parseQuantity(v, RATE_PER_SECOND, w);
  if (!(r > 0)) throw new InputError(w.file, { path: w.path, expected: "a positive rate", found: String(v) });
  return r;
};
const at = (w: Where, key: string | number): Where => ({ file: w.file, path: `${w.path}/${key}` });

export function parseLink(o: Obj, w: Where): LinkConfig {
  const bandwidthBytesPerSecond = parseQuantity(o.bandwidth, QUANTITY.bandwidthBytesPerSecond, at(w, "bandwidth"));
  if (!(bandwidthBytesPerSecond > 0)) throw new InputError(w.file, { path: `${w.path}/bandwidth`, expected: "a positive bandwidth", found: String(o.bandwidth) });
  return {
    bandwidthBytesPerSecond,
    latencySeconds: o.latency === undefined ? 0 : seconds(o.latency, at(w, "latency")),
    energyPjPerByte: parseQuantity(o.energy, QUANTITY.energyPjPerByte, at(w, "energy")),
  };
}

export function parseArrival(o: Obj, w: Where): ArrivalProcess {
  const need = (key: string, what: string) => {
    if (o[key] === undefined) throw new InputError(w.file, { path: `${w.path}/${key}`, expected: `${what} for a ${o.kind} arrival process`, found: "nothing" });
  };
  switch (o.kind) {
    case "poisson":
      need("rate", "a rate");
      return { kind: "poisson", ratePerSecond: rate(o.rate, at(w, "rate")) };
    case "gamma":
      need("rate", "a rate");
      need("cv", "a coefficient of variation (cv)");
      return { kind: "gamma", ratePerSecond: rate(o.rate, at(w, "rate")), cv: o.cv as number };
    case "diurnal": {
      need("rate", "a peak rate");
      need("curve", "a rate curve (multipliers over the period)");
      const curve = o.curve as number[];
      if (!curve.some((x) => x > 0)) throw new InputError(w.file, { path: `${w.path}/curve`, expected: "at least one positive multiplier", found: curve.join(", ") });
      return { kind: "diurnal", ratePerSecond: rate(o.rate, at(w, "rate")), periodSeconds: o.period === undefined ? 86_400 : positiveSeconds(o.period, at(w, "period")), curve };
    }
    case "periodic":
      need("period", "a period");
      return { kind: "periodic", periodSeconds: positiveSeconds(o.period, at(w, "period")) };
    default:
      throw new InputError(w.file, { path: `${w.path}/kind`, expected: "poisson, gamma, diurnal or periodic", found: JSON.stringify(o.kind) });
  }
}

function parseLength(o: Obj | undefined, w: Where): LengthDistribution {
  if (!o) throw new InputError(w.file, { path: w.path, expected: "a length distribution ({ kind: fixed, tokens: N } or uniform or lognormal)", found: "nothing" });
  const keys: Record<LengthDistribution["kind"], string[]> = { fixed: ["tokens"], uniform: ["min", "max"], lognormal: ["median", "sigma", "min", "max"] };
  const kind = o.kind as LengthDistribution["kind"];
  for (const key of Object.keys(o)) {
    if (key !== "kind" && !keys[kind]!.includes(key)) throw new InputError(w.file, { path: `${w.path}/${key}`, expected: `only ${keys[kind]!.join(", ")} for ${kind}`, found: key });
  }
  for (const key of keys[kind]!) if (o[key] === undefined) throw new InputError(w.file, { path: `${w.path}/${key}`, expected: `${key} for ${kind}`, found: "nothing" });
  if (kind !== "fixed" && (o.min as number) > (o.max as number)) throw new InputError(w.file, { path: `${w.path}/max`, expected: `at least min (${o.min})`, found: String(o.max) });
  if (kind === "fixed") return { kind, tokens: o.tokens as number };
  if (kind === "uniform") return { kind, min: o.min as number, max: o.max as number };
  return { kind: "lognormal", median: o.median as number, sigma: o.sigma as number, min: o.min as number, max: o.max as number };
}

function parseRequests(o: Obj | undefined, w: Where, dir: string): Request[] {
  if (!o) throw new InputError(w.file, { path: w.path, expected: "a requests section (arrival, prompt, output, count or duration; or trace)", found: "nothing" });
  const seed = (o.seed as number | undefined) ?? 1;
  if (o.trace !== undefined) {
    for (const key of ["arrival", "prompt", "output", "priorities", "deferrable", "duration"]) {
      if (o[key] !== undefined) throw new InputError(w.file, { path: `${w.path}/${key}`, expected: "nothing beside trace (the CSV gives each request)", found: key });
    }
    const csv = resolvePath(dir, o.trace as string);
    const all = parseRequestCsv(readTextFile(csv, "a request CSV (arrival_s,prompt_tokens,output_tokens,...)"), (path, expected, found) => {
      throw new InputError(csv, { path, expected, found });
    });
    return o.count === undefined ? all : all.slice(0, o.count as number);
  }
  if (o.arrival === undefined) throw new InputError(w.file, { path: `${w.path}/arrival`, expected: "an arrival process (or a trace CSV)", found: "nothing" });
  if (o.count === undefined && o.duration === undefined) throw new InputError(w.file, { path: `${w.path}/count`, expected: "a request count or a duration", found: "neither" });
  const priorities = o.priorities as { share: number; priority: number }[] | undefined;
  if (priorities && Math.abs(priorities.reduce((a, p) => a + p.share, 0) - 1) > 1e-9) {
    throw new InputError(w.file, { path: `${w.path}/priorities`, expected: "shares summing to 1", found: priorities.map((p) => p.share).join(" + ") });
  }
  const deferrable = o.deferrable as { share: number; window: unknown } | undefined;
  const requests = generateRequests({
    seed, arrival: parseArrival(o.arrival as Obj, at(w, "arrival")), prompt: parseLength(o.prompt as Obj | undefined, at(w, "prompt")), output: parseLength(o.output as Obj | undefined, at(w, "output")),
    ...(o.count !== undefined ? { count: o.count as number } : {}),
    ...(o.duration !== undefined ? { durationSeconds: positiveSeconds(o.duration, at(w, "duration")) } : {}),
    ...(priorities ? { priorities } : {}),
    ...(deferrable ? { deferrable: { share: deferrable.share, windowSeconds: positiveSeconds(deferrable.window, at(at(w, "deferrable"), "window")) } } : {}),
  });
  if (requests.length === 0) throw new InputError(w.file, { path: `${w.path}/duration`, expected: "a duration in which at least one request arrives", found: String(o.duration) });
  return requests;
}

function parseCarbon(o: Obj, w: Where, dir: string): GridCarbonConfig {
  const csv = resolvePath(dir, o.intensity as string);
  const series = parseIntensityCsv(readTextFile(csv, "an hourly intensity CSV (time,<region>,...)"), (path, expected, found) => {
    throw new InputError(csv, { path, expected, found });
  });
  const region = o.region as string;
  if (!series.regions.includes(region)) throw new InputError(w.file, { path: `${w.path}/region`, expected: `a region of ${o.intensity} (${series.regions.join(", ")})`, found: JSON.stringify(region) });
  const hourly = series.hourly[region]!;
  const startHour = (o.startHour as number | undefined) ?? 0;
  if (startHour >= hourly.length) throw new InputError(w.file, { path: `${w.path}/startHour`, expected: `an hour of the ${hourly.length} in ${o.intensity}`, found: String(startHour) });
  let fabIntensityGPerKWh = ACT_FAB_INTENSITY.taiwan!;
  if (o.fab !== undefined) fabIntensityGPerKWh = ACT_FAB_INTENSITY[(o.fab as string).toLowerCase()] ?? parseQuantity(o.fab, QUANTITY.carbonIntensityGPerKWh, at(w, "fab"));
  return {
    hourlyGPerKWh: hourly, region, startHour, pue: (o.pue as number | undefined) ?? 1, fabIntensityGPerKWh,
    abatement: (o.abatement as 95 | 97 | 99 | undefined) ?? 97,
    lifetimeSeconds: o.lifetime === undefined ? FOUR_YEARS_S : positiveSeconds(o.lifetime, at(w, "lifetime")),
    deferAdmission: (o.deferAdmission as boolean | undefined) ?? false,
  };
}

/** Everything in a serving section but the name, design and model (also a sweep's and a study's serving section). */
export function parseServingSettings(doc: Obj, w: Where, dir: string): ServingSettings {
  const s = (doc.scheduler as Obj | undefined) ?? {};
  const sw = at(w, "scheduler");
  const scheduler = {
    ...DEFAULT_SCHEDULER,
    ...(s.kind !== undefined ? { kind: s.kind as ServingConfig["scheduler"]["kind"] } : {}),
    ...(s.maxBatch !== undefined ? { maxBatch: s.maxBatch as number } : {}),
    ...(s.maxBatchTokens !== undefined ? { maxBatchTokens: s.maxBatchTokens as number } : {}),
    ...(s.chunkTokens !== undefined ? { chunkTokens: s.chunkTokens as number } : {}),
    ...(s.order !== undefined ? { order: s.order as "fcfs" | "priority" } : {}),
    ...(s.batchTimeout !== undefined ? { batchTimeoutSeconds: seconds(s.batchTimeout, at(sw, "batchTimeout")) } : {}),
    ...(s.maxIterationLatency !== undefined ? { maxIterationLatencySeconds: positiveSeconds(s.maxIterationLatency, at(sw, "maxIterationLatency")) } : {}),
  };
  const k = (doc.kvCache as Obj | undefined) ?? {};
  const kw = at(w, "kvCache");
  const preemption = (k.preemption as "recompute" | "swap" | undefined) ?? DEFAULT_KV_CACHE.preemption;
  if (preemption === "swap" && k.swap === undefined) throw new InputError(w.file, { path: `${kw.path}/swap`, expected: "the host link swaps go over (bandwidth, energy) for preemption: swap", found: "nothing" });
  const swapDoc = k.swap as Obj | undefined;
  const kvCache = {
    ...DEFAULT_KV_CACHE, preemption,
    ...(k.blockTokens !== undefined ? { blockTokens: k.blockTokens as number } : {}),
    ...(k.memoryFraction !== undefined ? { memoryFraction: k.memoryFraction as number } : {}),
    ...(k.capacity !== undefined ? { capacityBytes: parseQuantity(k.capacity, QUANTITY.bytes, at(kw, "capacity")) } : {}),
    ...(swapDoc ? { swap: { ...parseLink(swapDoc, at(kw, "swap")), capacityBytes: swapDoc.capacity === undefined ? DEFAULT_SWAP_SPACE_BYTES : parseQuantity(swapDoc.capacity, QUANTITY.bytes, at(at(kw, "swap"), "capacity")) } } : {}),
  };
  const p = (doc.power as Obj | undefined) ?? {};
  const power: PowerConfig = {
    policy: (p.policy as PowerConfig["policy"] | undefined) ?? "fixed",
    ...(p.voltages ? { voltagesV: (p.voltages as string[]).map((v, i) => parseSupplyVoltage(v, at(at(w, "power"), `voltages/${i}`))) } : {}),
    ...(p.idlePower !== undefined ? { idlePowerW: parseQuantity(p.idlePower, QUANTITY.powerW, at(at(w, "power"), "idlePower")) } : {}),
  };
  const slo = (doc.slo as Obj | undefined) ?? {};
  const sl = at(w, "slo");
  const d = doc.disaggregation as Obj | undefined;
  if (d && doc.replicas !== undefined) throw new InputError(w.file, { path: `${w.path}/replicas`, expected: "replicas inside disaggregation's prefill and decode pools", found: "both" });
  const poolOf = (o: Obj) => ({ ...(o.design !== undefined ? { design: o.design as string } : {}), replicas: (o.replicas as number | undefined) ?? 1 });
  const cost = (doc.costModel as Obj | undefined) ?? {};
  return {
    requests: parseRequests(doc.requests as Obj | undefined, at(w, "requests"), dir),
    replicas: (doc.replicas as number | undefined) ?? 1,
    ...(d ? { disaggregation: { prefill: poolOf(d.prefill as Obj), decode: poolOf(d.decode as Obj), link: parseLink(d.link as Obj, at(at(w, "disaggregation"), "link")) } } : {}),
    router: (doc.router as ServingConfig["router"] | undefined) ?? "least-loaded",
    seed: ((doc.requests as Obj | undefined)?.seed as number | undefined) ?? 1,
    scheduler, kvCache, power,
    slo: {
      ...(slo.ttft !== undefined ? { ttftSeconds: positiveSeconds(slo.ttft, at(sl, "ttft")) } : {}),
      ...(slo.tpot !== undefined ? { tpotSeconds: positiveSeconds(slo.tpot, at(sl, "tpot")) } : {}),
      ...(slo.e2e !== undefined ? { e2eSeconds: positiveSeconds(slo.e2e, at(sl, "e2e")) } : {}),
    },
    ...(doc.carbon ? { carbon: parseCarbon(doc.carbon as Obj, at(w, "carbon"), dir) } : {}),
    costModel: { ...DEFAULT_COST_MODEL, ...(cost.mode !== undefined ? { mode: cost.mode as "exact" | "decomposed" } : {}), ...(cost.layerReuse !== undefined ? { layerReuse: cost.layerReuse as boolean } : {}) },
    timeBins: (doc.timeBins as number | undefined) ?? 200,
  };
}

/** The served model of a section: a decoder preset and its variants. */
export function parseServedModel(section: unknown, w: Where): WorkloadSpec {
  if (section === undefined) throw new InputError(w.file, { path: w.path, expected: "the served model (a workload section: model, precision, ...)", found: "nothing" });
  const spec = parseWorkloadSection(section as Obj, w.file, w.path);
  checkServedModel(spec, w);
  return spec;
}

/** A ServingConfig from settings, the model and the device (a pool's own design overrides it). */
export function servingConfig(name: string, settings: ServingSettings, model: WorkloadSpec, device: DesignSource, dir: string, w: Where): ServingConfig {
  const { disaggregation: d, replicas, ...rest } = settings;
  const poolDevice = (design: string | undefined, path: string) => (design === undefined ? device : loadDesignSource(design, dir, { file: w.file, path }));
  const pools: PoolConfig[] = d
    ? [
      { role: "prefill", device: poolDevice(d.prefill.design, `${w.path}/disaggregation/prefill/design`), replicas: d.prefill.replicas },
      { role: "decode", device: poolDevice(d.decode.design, `${w.path}/disaggregation/decode/design`), replicas: d.decode.replicas },
    ]
    : [{ role: "mixed", device, replicas }];
  return { name, model, pools, ...(d ? { link: d.link } : {}), ...rest };
}

const POLICIES: RealtimePolicy[] = ["fixed", "race-to-idle", "dvfs"];

function parseRealtime(o: Obj, w: Where): Omit<RealtimeConfig, "name" | "device"> {
  const streams = (o.streams as Obj[]).map((s, i): StreamConfig => {
    const sw = at(at(w, "streams"), i);
    if ((s.rate === undefined) === (s.arrival === undefined)) throw new InputError(w.file, { path: sw.path, expected: "one of rate (periodic inputs) or arrival (events)", found: s.rate === undefined ? "neither" : "both" });
    const periodSeconds = s.rate !== undefined ? 1 / rate(s.rate, at(sw, "rate")) : undefined;
    if (s.deadline === undefined && periodSeconds === undefined) throw new InputError(w.file, { path: `${sw.path}/deadline`, expected: "a deadline for an event stream", found: "nothing" });
    const workload = parseWorkloadSection(s.workload as Obj, w.file, `${sw.path}/workload`);
    return {
      name: s.name as string, workload,
      ...(periodSeconds !== undefined ? { periodSeconds } : { arrival: parseArrival(s.arrival as Obj, at(sw, "arrival")) }),
      jitterSeconds: s.jitter === undefined ? 0 : seconds(s.jitter, at(sw, "jitter")),
      deadlineSeconds: s.deadline === undefined ? periodSeconds! : positiveSeconds(s.deadline, at(sw, "deadline")),
    };
  });
  const names = new Set<string>();
  streams.forEach((s, i) => {
    if (names.has(s.name)) throw new InputError(w.file, { path: `${w.path}/streams/${i}/name`, expected: "a unique stream name", found: s.name });
    names.add(s.name);
  });
  const battery = o.battery as Obj | undefined;
  const bw = at(w, "battery");
  return {
    durationSeconds: positiveSeconds(o.duration, at(w, "duration")), seed: (o.seed as number | undefined) ?? 1, streams,
    scheduler: (o.scheduler as "edf" | "fifo" | undefined) ?? "edf", dropLate: (o.dropLate as boolean | undefined) ?? true,
    policies: (o.policies as RealtimePolicy[] | undefined) ?? POLICIES,
    ...(o.voltages ? { voltagesV: (o.voltages as string[]).map((v, i) => parseSupplyVoltage(v, at(at(w, "voltages"), i))) } : {}),
    ...(o.idlePower !== undefined ? { idlePowerW: parseQuantity(o.idlePower, QUANTITY.powerW, at(w, "idlePower")) } : {}),
    ...(battery ? { battery: { capacityCoulombs: parseQuantity(battery.capacity, CHARGE_COULOMBS, at(bw, "capacity")), voltageV: parseQuantity(battery.voltage, QUANTITY.voltageV, at(bw, "voltage")) } } : {}),
    timeBins: (o.timeBins as number | undefined) ?? 200,
  };
}

export function loadServingFile(file: string, designOverride?: string): ServingFile {
  const doc = validateAgainst<Obj>(servingSchema, readDocument(file), file);
  const dir = dirname(resolvePath(file));
  const root: Where = { file, path: "" };
  const designName = designOverride ?? (doc.design as string);
  const device = designOverride !== undefined ? loadDesignSource(designOverride, process.cwd(), { file: "<command line>", path: "--design" }) : loadDesignSource(designName, dir, at(root, "design"));
  const name = doc.name as string;
  const description = doc.description as string | undefined;
  if (doc.realtime !== undefined) {
    for (const key of ["model", "requests", "scheduler", "kvCache", "replicas", "router", "disaggregation", "power", "carbon", "costModel"]) {
      if (doc[key] !== undefined) throw new InputError(file, { path: `/${key}`, expected: "nothing beside realtime (a real-time run has streams, not requests)", found: key });
    }
    return { kind: "realtime", name, ...(description ? { description } : {}), file, config: { name, device, ...parseRealtime(doc.realtime as Obj, at(root, "realtime")) } };
  }
  const model = parseServedModel(doc.model, at(root, "model"));
  const settings = parseServingSettings(doc, root, dir);
  return { kind: "serving", name, ...(description ? { description } : {}), file, config: servingConfig(name, settings, model, device, dir, root) };
}

/** The schema of a `serving:` section inside a sweep spec or a study (the file's settings only). */
export const servingSectionSchema = (() => {
  const { version: _v, name: _n, design: _d, model: _m, realtime: _r, description: _de, sources: _s, ...properties } = servingSchema.properties;
  return { type: "object", additionalProperties: false, required: ["requests"], properties, $id: "https://attnsim.dev/schema/serving-section.schema.json" };
})();
