/**
 * The one error type for bad input anywhere in attnsim: a file (or "<cli>"), a path inside it,
 * what was expected and what was found. The CLI prints `message` and exits 2; library callers can
 * read the fields. Several problems found in one pass travel together in `problems`.
 */
export interface InputProblem {
  /** JSON-pointer-like path inside the document, e.g. "/units/npu/rows"; "" for the whole file. */
  path: string;
  expected: string;
  found?: string;
}

export class InputError extends Error {
  readonly file: string;
  readonly problems: readonly InputProblem[];

  constructor(file: string, problems: InputProblem | readonly InputProblem[]) {
    const list = Array.isArray(problems) ? (problems as readonly InputProblem[]) : [problems as InputProblem];
    super(formatProblems(file, list));
    this.name = "InputError";
    this.file = file;
    this.problems = list;
  }

  get path(): string {
    return this.problems[0]?.path ?? "";
  }
}

function formatProblems(file: string, problems: readonly InputProblem[]): string {
  const lines = problems.map((p) => {
    const where = p.path === "" ? "(document)" : p.path;
    const found = p.found === undefined ? "" : `, found ${p.found}`;
    return `${file}: ${where}: expected ${p.expected}${found}`;
  });
  return lines.join("\n");
}

/** Short, single-line rendering of an arbitrary found value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return "an object";
}
