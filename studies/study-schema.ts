/**
 * JSON Schema of a study file and its TypeScript type, from one definition (TypeBox). `npm run
 * schemas` writes studies/schema/study.schema.json for editors; a test keeps the file current.
 * Each section kind has its own schema, chosen by `kind` (if/then, so a mistake is reported against
 * the right kind's fields); the static type is the union of the kinds' types.
 */
import { Type, type Static } from "@sinclair/typebox";
import { carbonSection } from "../hardware-models/design-schema.js";
import { PARALLELISM_SCHEMA } from "../hardware-models/system.js";
import { StringEnum } from "../common/schema.js";

const Name = Type.String({ pattern: "^[A-Za-z][A-Za-z0-9_]*$" });
/** A workload section (a workload file's content); workloads/workload-file.ts validates it. */
const Workload = Type.Record(Type.String(), Type.Unknown());

const caseSchema = Type.Object({
  name: Name,
  design: Type.Optional(Type.String()),
  workload: Type.Optional(Workload),
  mix: Type.Optional(Type.Array(Type.Object({
    share: Type.Number({ exclusiveMinimum: 0, maximum: 1 }),
    workload: Workload,
  }, { additionalProperties: false }), { minItems: 1 })),
  carbon: Type.Optional(carbonSection),
  set: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), {
    description: "design values to change for this case, by dotted path: { mapping.default: dsp }",
  })),
}, { additionalProperties: false });

const runSchema = Type.Object({
  steps: Type.Optional(Type.Integer({ minimum: 1 })),
  tokens: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  examples: Type.Optional(Type.Integer({ minimum: 1 })),
  epochs: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
}, { additionalProperties: false, description: "the run's length: steps, tokens, or examples (sequences) x epochs" });

const trainingCaseSchema = Type.Object({
  name: Name,
  design: Type.Optional(Type.String({ description: "one device: a design file or preset" })),
  system: Type.Optional(Type.String({ description: "several devices: a system file (examples/systems/)" })),
  set: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), { description: "values to change in the design or system file, by dotted path" })),
  parallelism: Type.Optional(PARALLELISM_SCHEMA),
  schedule: Type.Optional(StringEnum(["1f1b", "gpipe"] as const)),
  workload: Type.Optional(Workload),
  carbon: Type.Optional(carbonSection),
}, { additionalProperties: false });

const jobSchema = Type.Object({
  id: Type.String(),
  energy: Type.Optional(Type.String({ description: "the job's energy, e.g. \"12 kWh\"" })),
  inferences: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: "with case: the job's energy is this many inferences of that case" })),
  case: Type.Optional(Type.String({ description: "a case of a compare section, e.g. cases.optimised" })),
  duration: Type.Optional(Type.String()),
  release: Type.Optional(Type.Number({ minimum: 0, description: "hours from the start of the intensity series" })),
  deadline: Type.Number({ minimum: 0 }),
  deferrable: Type.Optional(Type.Boolean()),
  home: Type.String(),
  regions: Type.Optional(Type.Array(Type.String())),
  training: Type.Optional(Type.String({ description: "a case of an earlier training section, e.g. finetune.edge: the job's energy and (unless given) duration are its run's" })),
}, { additionalProperties: false });

export const STUDY_SECTIONS = {
  compare: Type.Object({
    kind: Type.Literal("compare"), name: Name,
    cases: Type.Array(caseSchema, { minItems: 1 }),
  }, { additionalProperties: false }),
  dvfs: Type.Object({
    kind: Type.Literal("dvfs"), name: Name,
    design: Type.Optional(Type.String()),
    workload: Type.Optional(Workload),
    voltages: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
    slo: Type.Optional(Type.String()),
  }, { additionalProperties: false }),
  batching: Type.Object({
    kind: Type.Literal("batching"), name: Name,
    design: Type.Optional(Type.String()),
    workload: Type.Optional(Workload),
    batches: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1 }),
    slo: Type.Optional(Type.String()),
  }, { additionalProperties: false }),
  schedule: Type.Object({
    kind: Type.Literal("schedule"), name: Name,
    intensity: Type.String(),
    pue: Type.Optional(Type.Number({ minimum: 1 })),
    chooseRegion: Type.Optional(Type.Boolean()),
    capacity: Type.Optional(Type.Integer({ minimum: 1 })),
    jobs: Type.Array(jobSchema, { minItems: 1 }),
  }, { additionalProperties: false }),
  accuracy: Type.Object({
    kind: Type.Literal("accuracy"), name: Name,
    design: Type.Optional(Type.String()),
    source: Type.Optional(Type.String()),
    settings: Type.Array(Type.Object({
      name: Type.String(),
      workload: Workload,
      accuracy: Type.Number(),
    }, { additionalProperties: false }), { minItems: 2 }),
  }, { additionalProperties: false }),
  serve: Type.Object({
    kind: Type.Literal("serve"), name: Name,
    serving: Type.String({ minLength: 1, description: "a serving file (docs/serving.md), relative to the study" }),
    cases: Type.Array(Type.Object({ name: Name, design: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false }), { minItems: 1 }),
  }, { additionalProperties: false }),
  training: Type.Object({
    kind: Type.Literal("training"), name: Name,
    workload: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "a training workload (phase: train); default the study's" })),
    run: runSchema,
    cases: Type.Array(trainingCaseSchema, { minItems: 1 }),
  }, { additionalProperties: false }),
};

type SectionKind = keyof typeof STUDY_SECTIONS;
export type StudySection = { [K in SectionKind]: Static<(typeof STUDY_SECTIONS)[K]> }[SectionKind];
const SECTION_KINDS: readonly SectionKind[] = ["compare", "dvfs", "batching", "schedule", "accuracy", "serve", "training"];

const sectionSchema = Type.Unsafe<StudySection>({
  type: "object",
  required: ["kind", "name"],
  properties: { kind: { enum: [...SECTION_KINDS] }, name: Name },
  allOf: SECTION_KINDS.map((kind) => ({ if: { properties: { kind: { const: kind } } }, then: STUDY_SECTIONS[kind] })),
});

export const studySchema = Type.Object({
  version: Type.Literal(1),
  name: Type.String({ pattern: "^[A-Za-z][A-Za-z0-9_-]*$" }),
  description: Type.Optional(Type.String()),
  sources: Type.Optional(Type.Array(Type.String())),
  assumptions: Type.Optional(Type.Array(Type.String())),
  design: Type.Optional(Type.String({ minLength: 1 })),
  workload: Type.Optional(Workload),
  carbon: Type.Optional(carbonSection),
  sections: Type.Array(sectionSchema, { minItems: 1 }),
  claims: Type.Optional(Type.Array(Type.Object({
    name: Type.String(),
    predicted: Type.String({ description: "an expression over the sections' results, e.g. cases_baseline_energyPerInferenceJ / cases_optimised_energyPerInferenceJ" }),
    claimed: Type.Optional(Type.Number({ description: "what the source says (omit for a breakdown line the source does not give)" })),
    unit: Type.Optional(Type.String()),
    source: Type.Optional(Type.String()),
  }, { additionalProperties: false }))),
}, {
  $id: "https://attnsim.dev/schema/study.schema.json",
  title: "attnsim study",
  description: "An energy-aware co-design study: sections (compare cases, DVFS, batching, carbon-aware scheduling, accuracy-energy, serving, training runs) over a design and a workload, and claims to print next to what attnsim predicts. See docs/studies.md.",
  additionalProperties: false,
});

export type StudyDocument = Static<typeof studySchema>;
export type StudyCase = Static<typeof caseSchema>;
export type StudyJob = Static<typeof jobSchema>;
export type StudyTrainingCase = Static<typeof trainingCaseSchema>;
