/**
 * JSON Schema of a design file, assembled from the unit registry so that every unit kind's own
 * schema is the only description of its section. `npm run schemas` writes it to
 * schema/design.schema.json for editors and other tools; a test keeps the file current.
 */
import { UNIT_MODELS, UNIT_KINDS } from "./unit-registry.js";
import { MEMORY_KIND_NAMES } from "./technology/memory-kinds.js";
import { OP_KINDS } from "../workloads/trace.js";
import { EnergyTable } from "./technology/energy-table.js";

const quantity = { type: "string", minLength: 1 };

export const DESIGN_VERSION = 1;

export const designSchema = {
  $id: "https://attnsim.dev/schema/design.schema.json",
  title: "attnsim design",
  description: "Hardware design: technology operating point, memory levels (outermost first), compute units, mapping. See docs/design-format.md.",
  type: "object",
  additionalProperties: false,
  required: ["version", "name", "technology", "memory", "units", "mapping"],
  properties: {
    version: { const: DESIGN_VERSION },
    name: { type: "string", minLength: 1 },
    description: { type: "string" },
    sources: { type: "array", items: { type: "string" } },
    technology: {
      type: "object",
      additionalProperties: false,
      required: ["node", "voltage", "frequency"],
      properties: {
        node: quantity,
        flavor: { enum: ["hp", "lp"] },
        voltage: quantity,
        frequency: quantity,
        dvfs: {
          type: "array",
          minItems: 1,
          description: "operating points the chip supports (voltage and frequency), e.g. from a datasheet; `attnsim study` picks among them. Without it, studies derive f(V) from the Stillmaker & Baas delay fit (docs/studies.md)",
          items: { type: "object", additionalProperties: false, required: ["voltage", "frequency"], properties: { voltage: quantity, frequency: quantity } },
        },
      },
    },
    memory: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name", "kind", "capacity", "bandwidth"],
        properties: {
          name: { type: "string", pattern: "^[A-Za-z][A-Za-z0-9_-]*$" },
          kind: { enum: [...MEMORY_KIND_NAMES] },
          capacity: quantity,
          bandwidth: quantity,
          readEnergy: quantity,
          writeEnergy: quantity,
          leakage: quantity,
        },
      },
    },
    units: {
      type: "object",
      minProperties: 1,
      propertyNames: { pattern: "^[A-Za-z][A-Za-z0-9_-]*$" },
      additionalProperties: {
        type: "object",
        required: ["kind"],
        properties: { kind: { enum: UNIT_KINDS } },
        allOf: UNIT_KINDS.map((kind) => ({
          if: { properties: { kind: { const: kind } } },
          then: UNIT_MODELS[kind].schema,
        })),
      },
    },
    mapping: {
      type: "object",
      additionalProperties: false,
      required: ["default"],
      properties: {
        default: { type: "string" },
        ...Object.fromEntries(OP_KINDS.map((k) => [k, { type: "string" }])),
        weights: { type: "string", description: "memory level holding the weights (default: the outermost)" },
        dynamicMatmul: { type: "string", description: "unit for matmuls whose B operand is not a weight (QK^T, AV); default: the matmul unit" },
        fusedAttention: { type: "boolean", description: "FlashAttention-style fused QK^T -> softmax -> AV: scores stay on chip (default false)" },
      },
    },
    system: {
      type: "object",
      additionalProperties: false,
      description: "What the hardware model does not see: the software stack's fixed cost per op, the fraction of the modelled rate it achieves, and the static power of the rest of the board (see docs/validation.md). Calibration writes these.",
      properties: {
        opOverhead: {
          type: "object",
          additionalProperties: false,
          description: "time added to every execution of an op (kernel launch, framework dispatch), per op kind or default",
          properties: Object.fromEntries(["default", ...OP_KINDS].map((k) => [k, quantity])),
        },
        opEfficiency: {
          type: "object",
          additionalProperties: false,
          description: "fraction (0, 1] of the modelled rate an op kind achieves: its modelled time is divided by it",
          properties: Object.fromEntries(["default", ...OP_KINDS].map((k) => [k, { type: "number", exclusiveMinimum: 0, maximum: 1 }])),
        },
        staticPower: { ...quantity, description: "power drawn by the rest of the system (host, DRAM refresh, regulators) for the whole run" },
        carbon: {
          type: "object",
          additionalProperties: false,
          required: ["gridIntensity"],
          description: "where the chip runs: with it, Results carry operational and embodied carbon (docs/studies.md)",
          properties: {
            gridIntensity: { ...quantity, description: "grid carbon intensity, e.g. \"400 g/kWh\" (g CO2e per kWh)" },
            pue: { type: "number", minimum: 1, description: "facility power usage effectiveness (default 1)" },
            fab: { type: "string", description: "fab location (ACT: taiwan, korea, japan, usa, europe, ...) or an intensity such as \"583 g/kWh\" (default taiwan)" },
            abatement: { enum: [95, 97, 99], description: "fab greenhouse-gas abatement, ACT's tables (default 97)" },
            lifetime: { ...quantity, description: "service life, e.g. \"4 years\" (default 4 years)" },
            dutyCycle: { type: "number", exclusiveMinimum: 0, maximum: 1, description: "fraction of the lifetime spent running inferences (default 1)" },
          },
        },
      },
    },
    energy: {
      type: "object",
      additionalProperties: false,
      properties: Object.fromEntries(EnergyTable.keys().map((k) => [k, quantity])),
    },
  },
} as const;
