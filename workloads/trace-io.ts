/**
 * Loading and checking traces: the schema first (shape of the document), then what a schema
 * cannot say (names resolve, ids unique, tensors produced before they are read, operand sizes
 * agree with the shapes). Every problem names the file and the JSON path.
 */
import traceSchemaJson from "./schema/trace.schema.json" with { type: "json" };
import { readDocument, validateAgainst } from "../common/document.js";
import { InputError, type InputProblem } from "../common/input-error.js";
import { isResident, matmulOutputElements, type Trace } from "./trace.js";
import { convGemm, convOperandElements, convProblem } from "./conv.js";

/**
 * The trace file format (workloads/schema/trace.schema.json). Typed as a plain object so the published
 * declaration does not import JSON (an import attribute that declaration files cannot carry:
 * TS1543 under moduleResolution nodenext).
 */
export const traceSchema: Readonly<Record<string, unknown>> = traceSchemaJson;

export function loadTrace(file: string): Trace {
  return parseTrace(readDocument(file), file);
}

export function parseTrace(data: unknown, file: string): Trace {
  const trace = validateAgainst<Trace>(traceSchema, data, file);
  checkTraceIntegrity(trace, file);
  return trace;
}

/** Cross-references the schema cannot express. Throws one InputError listing every problem. */
export function checkTraceIntegrity(trace: Trace, file: string): void {
  const problems: InputProblem[] = [];
  const elements = new Map<string, number>();
  // Resident tensors (weights, gradients, optimizer states) may be updated in place: read and
  // written by one op, written by several.
  const resident = new Set<string>();
  trace.tensors.forEach((t, i) => {
    if (elements.has(t.name)) problems.push({ path: `/tensors/${i}/name`, expected: "a unique tensor name", found: JSON.stringify(t.name) });
    elements.set(t.name, t.shape.reduce((a, b) => a * b, 1));
    if (isResident(t.role)) resident.add(t.name);
  });
  const produced = new Set<string>();
  const ids = new Set<string>();
  const producedLater = new Set<string>();
  for (const op of trace.ops) for (const o of op.outputs) producedLater.add(o);
  trace.ops.forEach((op, i) => {
    if (ids.has(op.id)) problems.push({ path: `/ops/${i}/id`, expected: "a unique op id", found: JSON.stringify(op.id) });
    ids.add(op.id);
    op.inputs.forEach((name, j) => {
      if (!elements.has(name)) problems.push({ path: `/ops/${i}/inputs/${j}`, expected: "the name of a tensor in /tensors", found: JSON.stringify(name) });
      else if (producedLater.has(name) && !produced.has(name) && !resident.has(name)) {
        problems.push({ path: `/ops/${i}/inputs/${j}`, expected: "a tensor produced by an earlier op (or never produced: a trace input)", found: `${JSON.stringify(name)}, produced later` });
      }
    });
    op.outputs.forEach((name, j) => {
      if (!elements.has(name)) problems.push({ path: `/ops/${i}/outputs/${j}`, expected: "the name of a tensor in /tensors", found: JSON.stringify(name) });
      if (produced.has(name) && !resident.has(name)) problems.push({ path: `/ops/${i}/outputs/${j}`, expected: "a tensor produced by one op only (or a resident one, updated in place)", found: JSON.stringify(name) });
      produced.add(name);
    });
    if (op.kind === "matmul" && op.conv) {
      const problem = convProblem(op.conv);
      if (problem) problems.push({ path: `/ops/${i}/conv`, expected: "a valid convolution", found: problem });
      else {
        const gemm = convGemm(op.conv);
        for (const field of ["m", "n", "k", "batchCount"] as const) {
          if (op[field] !== gemm[field]) problems.push({ path: `/ops/${i}/${field}`, expected: `the conv's im2col ${field} = ${gemm[field]} (workloads/conv.ts)`, found: `${op[field]}` });
        }
        const input = elements.get(op.inputs[0] ?? "");
        const want = convOperandElements(op.conv).input;
        if (input !== undefined && input !== want) problems.push({ path: `/ops/${i}/inputs/0`, expected: `the conv's input of batch x inH x inW x inChannels = ${want} elements`, found: `${input}` });
      }
      if (op.sparsity) problems.push({ path: `/ops/${i}/sparsity`, expected: "no sparsity on a conv", found: "a sparsity descriptor" });
    }
    if (op.kind === "matmul") {
      const out = elements.get(op.outputs[0] ?? "");
      let want: number;
      try {
        want = matmulOutputElements(op);
      } catch (err) {
        problems.push({ path: `/ops/${i}/sparsity/mask`, expected: "a valid sparse layout", found: err instanceof Error ? err.message : String(err) });
        return;
      }
      // A matmul may write part of a resident buffer (the active experts' gradients).
      const partOfResident = resident.has(op.outputs[0] ?? "") && out !== undefined && out >= want;
      if (out !== undefined && out !== want && !partOfResident) {
        problems.push({ path: `/ops/${i}/outputs/0`, expected: `a tensor of ${op.sparsity?.operand === "output" ? "kept-block elements x batchCount" : "m*n*batchCount"} = ${want} elements`, found: `${out}` });
      }
    }
  });
  if (problems.length > 0) throw new InputError(file, problems);
}
