/**
 * JSON Schema of a design file, and its TypeScript type, from one definition (TypeBox). Each unit
 * kind's own schema (from the registry) is the only description of its section, so adding a kind
 * cannot leave the schema behind. `npm run schemas` writes it to schema/design.schema.json for
 * editors and other tools; a test keeps the file current.
 */
import { Type, type Static } from "@sinclair/typebox";
import { UNIT_KINDS, unitSchema, type UnitConfig } from "./unit-registry.js";
import { MEMORY_KIND_NAMES } from "./technology/memory-kinds.js";
import { OP_KINDS } from "../workloads/trace.js";
import { OptionalFields, QuantityString, StringEnum } from "../common/schema.js";
import { chipSection } from "./chip/chip-schema.js";

export const DESIGN_VERSION = 1;

const NAME_PATTERN = "^[A-Za-z][A-Za-z0-9_-]*$";

const quantity = QuantityString();

/**
 * A unit section: `kind` picks the schema that applies (if/then per kind, so a mistake is reported
 * against the right kind's fields). The static type is the union of the kinds' own section types,
 * which the registry derives from the same schemas.
 */
const unitSection = Type.Unsafe<UnitConfig>({
  type: "object",
  required: ["kind"],
  properties: { kind: { enum: [...UNIT_KINDS] } },
  allOf: UNIT_KINDS.map((kind) => ({ if: { properties: { kind: { const: kind } } }, then: unitSchema(kind) })),
});

/**
 * Energy overrides by name: an energy-table entry (`mac.int8`, `instruction`, `dram.lpddr4x`, ...)
 * or a unit's action (`<unit>.<action>`, e.g. `npu.ifmap.read`). Names are checked against the
 * design when it is resolved (the unit names are the design's own), so the schema takes any key.
 */
const energySection = Type.Record(Type.String({ minLength: 1 }), quantity, {
  description: "energy overrides: a table entry (mac.int8, add.fp16, instruction, dram.<kind>) or a unit action (<unit>.<action>); pJ per op, per byte for buffer actions, per bit for memory kinds",
});

export const carbonSection = Type.Object({
  gridIntensity: QuantityString({ description: "grid carbon intensity, e.g. \"400 g/kWh\" (g CO2e per kWh)" }),
  pue: Type.Optional(Type.Number({ minimum: 1, description: "facility power usage effectiveness (default 1)" })),
  fab: Type.Optional(Type.String({ description: "fab location (ACT: taiwan, korea, japan, usa, europe, ...) or an intensity such as \"583 g/kWh\" (default taiwan)" })),
  abatement: Type.Optional(Type.Union([Type.Literal(95), Type.Literal(97), Type.Literal(99)], { description: "fab greenhouse-gas abatement, ACT's tables (default 97)" })),
  lifetime: Type.Optional(QuantityString({ description: "service life, e.g. \"4 years\" (default 4 years)" })),
  dutyCycle: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: "fraction of the lifetime spent running inferences (default 1)" })),
}, { additionalProperties: false, description: "where the chip runs: with it, Results carry operational and embodied carbon (docs/studies.md)" });

export type CarbonSection = Static<typeof carbonSection>;

const opKindKeys = ["default", ...OP_KINDS] as const;

export const designSchema = Type.Object({
  version: Type.Literal(DESIGN_VERSION),
  name: Type.String({ minLength: 1 }),
  description: Type.Optional(Type.String()),
  sources: Type.Optional(Type.Array(Type.String())),
  technology: Type.Object({
    node: quantity,
    flavor: Type.Optional(StringEnum(["hp", "lp"] as const)),
    voltage: quantity,
    frequency: quantity,
    dvfs: Type.Optional(Type.Array(Type.Object({ voltage: quantity, frequency: quantity }, { additionalProperties: false }), {
      minItems: 1,
      description: "operating points the chip supports (voltage and frequency), e.g. from a datasheet; `attnsim study` picks among them. Without it, studies derive f(V) from the Stillmaker & Baas delay fit (docs/studies.md)",
    })),
  }, { additionalProperties: false }),
  memory: Type.Array(Type.Object({
    name: Type.String({ pattern: NAME_PATTERN }),
    kind: StringEnum(MEMORY_KIND_NAMES),
    capacity: quantity,
    bandwidth: quantity,
    readEnergy: Type.Optional(quantity),
    writeEnergy: Type.Optional(quantity),
    leakage: Type.Optional(quantity),
    rowHitRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: "DRAM row-buffer hit rate per access (default: streaming, one activation per row opened)" })),
  }, { additionalProperties: false }), { minItems: 1 }),
  units: Type.Record(Type.String({ pattern: NAME_PATTERN }), unitSection, { minProperties: 1 }),
  mapping: Type.Object({
    default: Type.String(),
    ...OptionalFields(OP_KINDS, Type.String()).properties,
    weights: Type.Optional(Type.String({ description: "memory level holding the weights (default: the outermost)" })),
    dynamicMatmul: Type.Optional(Type.String({ description: "unit for matmuls whose B operand is not a weight (QK^T, AV); default: the matmul unit" })),
    fusedAttention: Type.Optional(Type.Boolean({ description: "FlashAttention-style fused QK^T -> softmax -> AV: scores stay on chip (default false)" })),
  }, { additionalProperties: false }),
  system: Type.Optional(Type.Object({
    opOverhead: Type.Optional(OptionalFields(opKindKeys, quantity, { description: "time added to every execution of an op (kernel launch, framework dispatch), per op kind or default" })),
    opEfficiency: Type.Optional(OptionalFields(opKindKeys, Type.Number({ exclusiveMinimum: 0, maximum: 1 }), { description: "fraction (0, 1] of the modelled rate an op kind achieves: its modelled time is divided by it" })),
    staticPower: Type.Optional(QuantityString({ description: "power drawn by the rest of the system (host, DRAM refresh, regulators) for the whole run" })),
    carbon: Type.Optional(carbonSection),
  }, {
    additionalProperties: false,
    description: "What the hardware model does not see: the software stack's fixed cost per op, the fraction of the modelled rate it achieves, and the static power of the rest of the board (see docs/validation.md). Calibration writes these.",
  })),
  chip: Type.Optional(chipSection),
  energy: Type.Optional(energySection),
  calibration: Type.Optional(Type.Object({
    from: Type.Optional(Type.String({ description: "what the values were fitted to (written by attnsim calibrate)" })),
    energy: Type.Optional(energySection),
  }, { additionalProperties: false, description: "values fitted by attnsim calibrate; a value in `energy:` beats a calibrated one (docs/validation.md)" })),
}, {
  $id: "https://attnsim.dev/schema/design.schema.json",
  title: "attnsim design",
  description: "Hardware design: technology operating point, memory levels (outermost first), compute units, mapping. See docs/design-format.md.",
  additionalProperties: false,
});

/**
 * The parts of the design schema a unit section and a memory level are checked against (a sweep
 * point is validated in the sections its parameters touch: design-loader.ts patchedDesignValidator).
 */
export const unitSectionSchema: object = Object.values(designSchema.properties.units.patternProperties)[0]!;
export const memoryLevelSchema: object = designSchema.properties.memory.items;

/** A design file as written (after schema validation; quantities still strings). */
export type DesignDocument = Static<typeof designSchema>;
