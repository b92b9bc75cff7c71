/**
 * Design files: user form (YAML/JSON) -> schema-validated -> resolved, frozen Design. Units are
 * parsed with mathjs here and nowhere else. A design is named by a file path or by a preset name
 * (a file in examples/designs/).
 */
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { readDocument, validateAgainst, validateSchema } from "../common/document.js";
import { InputError } from "../common/input-error.js";
import { packageRoot } from "../common/package-root.js";
import { parsePositiveQuantity, parseQuantity, QUANTITY } from "../common/quantity.js";
import { OP_KINDS, perOpKind, type OpKind } from "../workloads/trace.js";
import { designSchema, memoryLevelSchema, unitSectionSchema, type CarbonSection, type DesignDocument } from "./design-schema.js";
import type { Design, SystemModel } from "./design.js";
import { resolveMemoryLevel, type MemoryLevel } from "./memory-hierarchy.js";
import { EnergyTable, memoryKindKey, phyKey, type EnergyOrigin } from "./technology/energy-table.js";
import { MEMORY_KINDS, OFF_CHIP_KINDS } from "./technology/memory-kinds.js";
import { NODE_RANGE_NM } from "./technology/node-scaling.js";
import { resolveUnit, unitRuns, type UnitSpec } from "./unit-registry.js";
import { ACT_FAB_INTENSITY } from "./technology/embodied-carbon.js";
import { repriced, type ActionPrice } from "./unit-model.js";
import { isSystemDocument, resolveSystemFile } from "./system.js";
import { resolveChip } from "./chip/chip.js";
import { keyedMemo, ownedMemo } from "../common/memo.js";

export type { DesignDocument };

export function designPresetDir(): string {
  return join(packageRoot(), "examples", "designs");
}

export function designPresetNames(): string[] {
  const dir = designPresetDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith(".yaml")).map((f) => f.slice(0, -5)).sort();
}

/** Resolve a `--design` argument: an existing file, or the name of a preset. */
export function locateDesign(nameOrFile: string): string {
  if (existsSync(nameOrFile)) return nameOrFile;
  const preset = join(designPresetDir(), `${nameOrFile}.yaml`);
  if (!nameOrFile.includes("/") && existsSync(preset)) return preset;
  throw new InputError(nameOrFile, { path: "", expected: `a design file or a preset name (${designPresetNames().join(", ")})`, found: "neither" });
}

/**
 * A design named inside another file (measured data, a study): a path relative to that file's
 * folder, else a preset name; an error names the naming file and the path in it.
 */
export function locateDesignFrom(name: string, dir: string, where: { file: string; path: string }): string {
  const relative = resolve(dir, name);
  if (existsSync(relative)) return relative;
  try {
    return locateDesign(name);
  } catch {
    throw new InputError(where.file, { path: where.path, expected: "a design file (relative to this file) or a preset name", found: JSON.stringify(name) });
  }
}

/**
 * Supply voltages a design or study may ask for. A sanity bound on input, not the range the
 * Stillmaker & Baas fits were validated on: below ~0.3 V logic is sub-threshold, and no node's
 * nominal supply is near 2 V.
 */
export const SUPPLY_RANGE_V = { min: 0.3, max: 2 } as const;

/**
 * The fastest clock a design may ask for: a sanity bound on input, like SUPPLY_RANGE_V, not a
 * timing model. Shipped CMOS logic tops out near 6 GHz (Intel Core i9-14900KS, 6.2 GHz boost,
 * 2024) and the liquid-nitrogen overclocking record is ~9.1 GHz; 10 GHz is above both.
 */
export const MAX_CLOCK_HZ = 10e9;

/** A supply voltage ("0.8 V") in SUPPLY_RANGE_V, or an InputError at `where`. */
export function parseSupplyVoltage(value: string, where: { file: string; path: string }): number {
  const volts = parseQuantity(value, QUANTITY.voltageV, where);
  if (!(volts >= SUPPLY_RANGE_V.min && volts <= SUPPLY_RANGE_V.max)) {
    throw new InputError(where.file, { path: where.path, expected: `a supply voltage from ${SUPPLY_RANGE_V.min} V to ${SUPPLY_RANGE_V.max} V`, found: value });
  }
  return volts;
}

export function loadDesign(nameOrFile: string): Design {
  const file = locateDesign(nameOrFile);
  return resolveDesign(readDocument(file), file);
}

/**
 * Parts of designs remembered across resolutions that ask for it (`reuseParts`: a sweep's points,
 * which differ from one another in a few values). An energy table is remembered by its operating
 * point and overrides; a unit and a memory level by their own section (and clock, for a unit) under
 * that table, which with the file and name is everything their resolution reads. A point that
 * changes only the NPU's rows reuses the DSP, the memory levels and the energy table as resolved
 * (the same objects, so caches keyed by unit follow). Opt-in because a remembered part does not
 * parse its quantities again, so recordQuantities would not see them.
 */
const energyTables = keyedMemo<string, EnergyTable>("design.energy-table");
const resolvedUnits = ownedMemo<EnergyTable, string, UnitSpec>("design.unit");
const resolvedLevels = ownedMemo<EnergyTable, string, MemoryLevel>("design.memory-level");

export interface ResolveOptions {
  /** Reuse the energy table, units and memory levels of designs resolved before with the same sections. */
  reuseParts?: boolean;
  /** Validates the document in place of the whole design schema (patchedDesignValidator). */
  validate?: (data: unknown) => DesignDocument;
}

/** A section of a design document: where it is, its keys, and the part of the design schema it must match. */
interface Section {
  keys: [string] | [string, string];
  schema: object;
}

/**
 * A validator for the documents a sweep makes from `base` by setting values at `paths` (segments
 * after `design`): `base` is validated once, and each document only in the sections those paths
 * lie in (a unit, a memory level, or a whole top-level section), against the parts of the design
 * schema that apply there, problems listed in the document's order with their full paths: the
 * InputError the whole schema would give, since the design schema has no keyword that looks
 * across sections. Validating the whole document was ~5% of a sweep point. Undefined when that
 * cannot hold (`base` is not a valid design, or a path leaves the sections known here): then the
 * whole schema, as before.
 */
export function patchedDesignValidator(base: unknown, file: string, paths: readonly (readonly string[])[]): ((data: unknown) => DesignDocument) | undefined {
  if (isSystemDocument(base)) return undefined;
  try {
    validateSchema(designSchema, base, file);
  } catch {
    return undefined;
  }
  const doc = base as Record<string, unknown> & { units: Record<string, unknown>; memory: unknown[] };
  const tops = Object.keys(designSchema.properties);
  const sections = new Map<string, Section>();
  for (const path of paths) {
    const [top, second] = path;
    const schema = top === undefined ? undefined : (designSchema.properties as Record<string, object>)[top];
    if (top === undefined || schema === undefined) return undefined;
    let section: Section = { keys: [top], schema };
    if (second !== undefined && path.length > 1) {
      if (top === "units" && Object.hasOwn(doc.units, second)) {
        const pattern = Object.keys(designSchema.properties.units.patternProperties)[0]!;
        if (new RegExp(pattern).test(second)) section = { keys: [top, second], schema: unitSectionSchema };
      } else if (top === "memory" && /^(0|[1-9]\d*)$/.test(second) && Number(second) < doc.memory.length) {
        section = { keys: [top, second], schema: memoryLevelSchema };
      }
    }
    sections.set(section.keys.join("/"), section);
  }
  // A whole section covers its parts; the rest in the document's order (schema properties, then data keys).
  const order = (s: Section) => [tops.indexOf(s.keys[0]), s.keys[1] === undefined ? -1 : s.keys[0] === "units" ? Object.keys(doc.units).indexOf(s.keys[1]) : Number(s.keys[1])];
  const chosen = [...sections.values()].filter((s) => s.keys.length === 1 || !sections.has(s.keys[0])).sort((a, b) => {
    const [a0, a1] = order(a), [b0, b1] = order(b);
    return a0! - b0! || a1! - b1!;
  });
  return (data) => {
    const problems: InputError["problems"][number][] = [];
    for (const s of chosen) {
      let value: unknown = (data as Record<string, unknown>)[s.keys[0]];
      if (s.keys[1] !== undefined) value = (value as Record<string, unknown>)[s.keys[1]];
      try {
        validateAgainst(s.schema, value, file, `/${s.keys.join("/")}`);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        problems.push(...err.problems);
      }
    }
    if (problems.length > 0) throw new InputError(file, problems);
    return data as DesignDocument;
  };
}

export function resolveDesign(data: unknown, file: string, options: ResolveOptions = {}): Design {
  // A system file where a design is expected stands for one of its devices, with its interconnect.
  if (isSystemDocument(data)) return resolveSystemFile(data, file).device;
  const reuse = options.reuseParts === true;
  const doc = options.validate ? options.validate(data) : validateSchema(designSchema, data, file);
  const at = (path: string) => ({ file, path });

  const nodeNm = parseQuantity(doc.technology.node, QUANTITY.lengthNm, at("/technology/node"));
  if (!(nodeNm >= NODE_RANGE_NM.min && nodeNm <= NODE_RANGE_NM.max)) {
    throw new InputError(file, { path: "/technology/node", expected: `a node from ${NODE_RANGE_NM.min} to ${NODE_RANGE_NM.max} nm (the range of the Stillmaker & Baas scaling fits)`, found: doc.technology.node });
  }
  const voltageV = parseSupplyVoltage(doc.technology.voltage, at("/technology/voltage"));
  const frequencyHz = parseQuantity(doc.technology.frequency, QUANTITY.frequencyHz, at("/technology/frequency"));
  if (!(frequencyHz > 0 && frequencyHz <= MAX_CLOCK_HZ)) throw new InputError(file, { path: "/technology/frequency", expected: `a positive frequency up to ${MAX_CLOCK_HZ / 1e9} GHz`, found: doc.technology.frequency });
  const flavor = doc.technology.flavor ?? "hp";
  const dvfs = doc.technology.dvfs?.map((p, i) => {
    const voltage = parseSupplyVoltage(p.voltage, at(`/technology/dvfs/${i}/voltage`));
    const frequency = parseQuantity(p.frequency, QUANTITY.frequencyHz, at(`/technology/dvfs/${i}/frequency`));
    if (!(frequency > 0 && frequency <= MAX_CLOCK_HZ)) throw new InputError(file, { path: `/technology/dvfs/${i}/frequency`, expected: `a positive frequency up to ${MAX_CLOCK_HZ / 1e9} GHz`, found: p.frequency });
    return Object.freeze({ voltageV: voltage, frequencyHz: frequency });
  });

  // Energy overrides: table entries here; unit actions (<unit>.<action>) after the units resolve.
  const unitNames = Object.keys(doc.units);
  const userEnergy = splitEnergySection(doc.energy, unitNames, file, "/energy");
  const calibratedEnergy = splitEnergySection(doc.calibration?.energy, unitNames, file, "/calibration/energy");
  const makeEnergy = () => new EnergyTable({ nodeNm, voltageV, flavor }, { user: userEnergy.table, calibrated: calibratedEnergy.table });
  const energy = reuse ? energyTables.get(JSON.stringify([nodeNm, voltageV, flavor, userEnergy.table, calibratedEnergy.table]), makeEnergy) : makeEnergy();

  const names = new Set<string>();
  const memory: MemoryLevel[] = doc.memory.map((level, i) => {
    const path = `/memory/${i}`;
    if (names.has(level.name)) throw new InputError(file, { path: `${path}/name`, expected: "a level name used once", found: JSON.stringify(level.name) });
    names.add(level.name);
    if (level.kind === "sram" && i === 0 && doc.memory.length > 1) {
      throw new InputError(file, { path: `${path}/kind`, expected: "off-chip memory outermost (levels are listed outermost first)", found: "sram" });
    }
    if (level.kind !== "sram" && i > 0 && MEMORY_KINDS[level.kind].offChip && doc.memory[i - 1]?.kind === "sram") {
      throw new InputError(file, { path: `${path}/kind`, expected: "levels outermost first: off-chip memory before on-chip SRAM", found: level.kind });
    }
    const make = (): MemoryLevel => {
      const capacityBytes = parsePositiveQuantity(level.capacity, QUANTITY.bytes, at(`${path}/capacity`));
      const bandwidthBytesPerSecond = parsePositiveQuantity(level.bandwidth, QUANTITY.bandwidthBytesPerSecond, at(`${path}/bandwidth`));
      const perByte = (value: string | undefined, p: string) => (value === undefined ? undefined : parseQuantity(value, QUANTITY.energyPjPerByte, at(`${path}/${p}`)));
      return resolveMemoryLevel(
        {
          name: level.name, kind: level.kind, capacityBytes, bandwidthBytesPerSecond,
          readPjPerByte: perByte(level.readEnergy, "readEnergy"),
          writePjPerByte: perByte(level.writeEnergy, "writeEnergy"),
          leakagePowerW: level.leakage === undefined ? undefined : parseQuantity(level.leakage, QUANTITY.powerW, at(`${path}/leakage`)),
          ...(level.rowHitRate !== undefined ? { rowHitRate: level.rowHitRate } : {}),
        },
        i, energy, nodeNm, voltageV,
      );
    };
    return reuse ? resolvedLevels.get(energy, JSON.stringify([file, i, level]), make) : make();
  });

  const units: UnitSpec[] = unitNames.map((name) => {
    const user = doc.units[name]!;
    const calibrated = calibratedEnergy.actions.get(name), overrides = userEnergy.actions.get(name);
    const make = (): UnitSpec => Object.freeze(withActionOverrides(resolveUnit(user, { file, path: `/units/${name}`, name, nodeNm, voltageV, frequencyHz, energy }), calibrated, overrides, file));
    if (!reuse) return make();
    const key = JSON.stringify([file, name, frequencyHz, user, calibrated && [...calibrated], overrides && [...overrides]]);
    return resolvedUnits.get(energy, key, make);
  });

  const unitIndex = (name: string, path: string): number => {
    const i = unitNames.indexOf(name);
    if (i < 0) throw new InputError(file, { path, expected: `a unit defined under /units (${unitNames.join(", ")})`, found: JSON.stringify(name) });
    return i;
  };
  const defaultUnit = unitIndex(doc.mapping.default, "/mapping/default");
  const unitByKind = {} as Record<OpKind, number>;
  // A kind the mapping does not name goes to the default unit if that unit runs it, else to the
  // first unit (in file order) that does; if none does, ops of that kind make the run infeasible.
  const runs = (u: number, kind: OpKind) => unitRuns(units[u]!, kind);
  for (const kind of OP_KINDS) {
    const named = doc.mapping[kind];
    if (named !== undefined) unitByKind[kind] = unitIndex(named, `/mapping/${kind}`);
    else if (runs(defaultUnit, kind)) unitByKind[kind] = defaultUnit;
    else {
      const capable = units.findIndex((_, u) => runs(u, kind));
      unitByKind[kind] = capable >= 0 ? capable : defaultUnit;
    }
  }
  let weightsLevel = 0;
  if (doc.mapping.weights !== undefined) {
    weightsLevel = memory.findIndex((l) => l.name === doc.mapping.weights);
    if (weightsLevel < 0) {
      throw new InputError(file, { path: "/mapping/weights", expected: `a memory level name (${memory.map((l) => l.name).join(", ")})`, found: JSON.stringify(doc.mapping.weights) });
    }
  }

  // Units that share a core's issue slots (an SM's tensor and CUDA cores) run one op at a time.
  const issueGroup = unitNames.map((name, u) => {
    const shared = doc.units[name]!.sharesIssueWith;
    if (shared === undefined) return u;
    const v = unitIndex(shared, `/units/${name}/sharesIssueWith`);
    const root = doc.units[shared]!.sharesIssueWith;
    if (v === u || root !== undefined) {
      throw new InputError(file, { path: `/units/${name}/sharesIssueWith`, expected: "another unit that does not itself share another's issue slots", found: JSON.stringify(shared) });
    }
    return v;
  });

  const system = resolveSystem(doc.system, file);
  const chip = resolveChip(doc.chip, memory, units, { file, nodeNm, voltageV, flavor, frequencyHz, energy });
  const areaMm2 = chip.dieAreaMm2;
  const leakagePowerW = memory.reduce((s, l) => s + l.leakagePowerW, 0) + units.reduce((s, u) => s + u.leakagePowerW, 0);
  return Object.freeze({
    name: doc.name, origin: file, description: doc.description,
    technology: Object.freeze({ nodeNm, flavor, voltageV, frequencyHz, ...(dvfs ? { dvfs } : {}) }),
    memory: memory.map((l) => Object.freeze(l)), units, mapping: Object.freeze({
      unitByKind, weightsLevel, fusedAttention: doc.mapping.fusedAttention ?? false,
      dynamicMatmulUnit: doc.mapping.dynamicMatmul === undefined ? unitByKind.matmul : unitIndex(doc.mapping.dynamicMatmul, "/mapping/dynamicMatmul"),
    }), energy, system, chip: Object.freeze(chip), areaMm2, leakagePowerW,
    ...(issueGroup.some((g, u) => g !== u) ? { issueGroup: Object.freeze(issueGroup) } : {}),
  });
}

/**
 * An `energy:` (or `calibration.energy:`) section split into energy-table entries (pJ; pJ/bit for
 * memory kinds) and unit actions by unit name (`<unit>.<action>`: the value in the action's own
 * unit, pJ per op or per instruction, pJ per byte for buffer actions). A key that is neither is an
 * InputError naming what it may be.
 */
/** The energy table's entry names, and those priced per bit (memory kinds and PHYs): fixed, made once. */
let energyKeys: { table: Set<string>; memory: Set<string> } | undefined;

function splitEnergySection(section: Record<string, string> | undefined, unitNames: readonly string[], file: string, path: string): { table: Record<string, number>; actions: Map<string, Map<string, { value: string; path: string }>> } {
  const table: Record<string, number> = {};
  const actions = new Map<string, Map<string, { value: string; path: string }>>();
  if (section === undefined) return { table, actions };
  energyKeys ??= { table: new Set(EnergyTable.keys()), memory: new Set([...OFF_CHIP_KINDS.map(memoryKindKey), ...OFF_CHIP_KINDS.map(phyKey)]) };
  const { table: tableKeys, memory: memoryKeys } = energyKeys;
  for (const [key, value] of Object.entries(section)) {
    const at = { file, path: `${path}/${key}` };
    if (tableKeys.has(key)) {
      table[key] = memoryKeys.has(key) ? parseQuantity(value, QUANTITY.energyPjPerByte, at) / 8 : parseQuantity(value, QUANTITY.energyPj, at);
      continue;
    }
    const unit = unitNames.find((u) => key.startsWith(`${u}.`));
    if (!unit) {
      throw new InputError(file, { path: at.path, expected: `an energy-table entry (${[...tableKeys].slice(0, 4).join(", ")}, ..., instruction, dram.<kind>) or a unit action <unit>.<action> (units: ${unitNames.join(", ")})`, found: JSON.stringify(key) });
    }
    let perUnit = actions.get(unit);
    if (!perUnit) actions.set(unit, (perUnit = new Map()));
    perUnit.set(key.slice(unit.length + 1), { value, path: at.path });
  }
  return { table, actions };
}

/** A unit with its actions' prices overridden by name: calibrated values, then the user's (which win). */
function withActionOverrides<S extends UnitSpec>(spec: S, calibrated: Map<string, { value: string; path: string }> | undefined, user: Map<string, { value: string; path: string }> | undefined, file: string): S {
  if (!calibrated && !user) return spec;
  const prices = new Map<string, Pick<ActionPrice, "energyPj" | "source" | "origin">>();
  const apply = (given: Map<string, { value: string; path: string }> | undefined, origin: EnergyOrigin, source: string) => {
    for (const [name, { value, path }] of given ?? []) {
      const action = spec.actions.list.find((a) => a.name === name);
      if (!action) throw new InputError(file, { path, expected: `an action of unit ${spec.name} (${spec.actions.list.map((a) => a.name).join(", ")})`, found: JSON.stringify(name) });
      const kind = action.per === "byte" ? QUANTITY.energyPjPerByte : QUANTITY.energyPj;
      prices.set(name, { energyPj: parseQuantity(value, kind, { file, path }), source, origin });
    }
  };
  apply(calibrated, "calibrated", "design file calibration.energy section (attnsim calibrate)");
  apply(user, "user", "design file energy section");
  return { ...spec, actions: repriced(spec.actions, prices) };
}

/** The `system:` section: per-kind values fall back to `default`, then to 0 s / 1 / 0 W. */
function resolveSystem(section: DesignDocument["system"], file: string): SystemModel {
  const overhead = section?.opOverhead ?? {};
  const efficiency = section?.opEfficiency ?? {};
  const seconds = (key: OpKind | "default"): number | undefined => {
    const text = overhead[key];
    if (text === undefined) return undefined;
    const value = parseQuantity(text, QUANTITY.timeSeconds, { file, path: `/system/opOverhead/${key}` });
    if (!(value >= 0)) throw new InputError(file, { path: `/system/opOverhead/${key}`, expected: "a time >= 0", found: JSON.stringify(text) });
    return value;
  };
  const defaultOverhead = seconds("default") ?? 0;
  const opOverheadSeconds = perOpKind((kind) => seconds(kind) ?? defaultOverhead);
  const opEfficiency = perOpKind((kind) => efficiency[kind] ?? efficiency.default ?? 1);
  const staticPowerW = section?.staticPower === undefined ? 0 : parseQuantity(section.staticPower, QUANTITY.powerW, { file, path: "/system/staticPower" });
  if (staticPowerW < 0) throw new InputError(file, { path: "/system/staticPower", expected: "a power >= 0", found: section!.staticPower! });
  const carbon = section?.carbon ? Object.freeze(resolveCarbon(section.carbon, file, "/system/carbon")) : undefined;
  return Object.freeze({ opOverheadSeconds: Object.freeze(opOverheadSeconds), opEfficiency: Object.freeze(opEfficiency), staticPowerW, ...(carbon ? { carbon } : {}) });
}

/**
 * Default service life for amortising embodied carbon: 4 years, an assumption (the 3-5 year refresh
 * cycle of servers and phones, not a measured figure); a design or study sets its own `lifetime`.
 */
const FOUR_YEARS_S = 4 * 365.25 * 86400;

/** A `carbon:` section (design `system.carbon`, or a study's) with its defaults: PUE 1, fab in Taiwan, ACT's 97% abatement, 4 years, duty cycle 1. */
export function resolveCarbon(c: CarbonSection, file: string, path: string): NonNullable<SystemModel["carbon"]> {
  const gridIntensityGPerKWh = parseQuantity(c.gridIntensity, QUANTITY.carbonIntensityGPerKWh, { file, path: `${path}/gridIntensity` });
  if (!(gridIntensityGPerKWh >= 0)) throw new InputError(file, { path: `${path}/gridIntensity`, expected: "an intensity >= 0", found: c.gridIntensity });
  let fabIntensityGPerKWh = ACT_FAB_INTENSITY.taiwan!;
  if (c.fab !== undefined) {
    const named = ACT_FAB_INTENSITY[c.fab.toLowerCase()];
    fabIntensityGPerKWh = named ?? parseQuantity(c.fab, QUANTITY.carbonIntensityGPerKWh, { file, path: `${path}/fab` });
  }
  const lifetimeSeconds = c.lifetime === undefined ? FOUR_YEARS_S : parseQuantity(c.lifetime, QUANTITY.timeSeconds, { file, path: `${path}/lifetime` });
  if (!(lifetimeSeconds > 0)) throw new InputError(file, { path: `${path}/lifetime`, expected: "a positive time", found: c.lifetime! });
  return { gridIntensityGPerKWh, pue: c.pue ?? 1, fabIntensityGPerKWh, abatement: c.abatement ?? 97, lifetimeSeconds, dutyCycle: c.dutyCycle ?? 1 };
}
