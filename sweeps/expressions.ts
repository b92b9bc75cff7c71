/**
 * User expressions in sweep specs (`cols: "rows"`, `glb: "2^k KiB"`, constraints `areaMm2 <= 4`) and
 * study claims, evaluated with a restricted mathjs instance, as the mathjs security guidance
 * prescribes: the functions that reach the parser or change the instance (import, createUnit,
 * evaluate, parse, simplify, derivative, compile, resolve, reviver, chain, config) are replaced by
 * ones that throw, and expressions are compiled only by the compile function captured before that
 * (and cached by text).
 *
 * Limits, so that one expression cannot take a worker's heap or time (issue 17):
 * - at most MAX_EXPRESSION_CHARS characters; no assignments or function definitions (no variables
 *   to grow a value step by step, no user recursion);
 * - every value an operator or function produces holds at most MAX_VALUE_ELEMENTS elements, and
 *   range, zeros, ones, identity, resize, diag and kron are refused before they build a larger one,
 *   so the largest value ever built is a broadcast of two allowed ones (MAX_VALUE_ELEMENTS^2 = 10^4);
 * - functions whose running time grows with the value of an argument (combinatorics, ODE solving,
 *   arbitrary precision) and the unseeded random functions are disabled.
 * Time is bounded in the sweep's worker processes (sweeps/worker-pool.ts); these limits make a
 * runaway expression an error with a reason instead of a dead worker.
 */
import type { MathJsInstance, MathNode } from "mathjs";
import { mathInstance } from "../common/mathjs.js";

/** An expression that cannot be evaluated: disabled function, too large a value, wrong result type. */
export class ExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExpressionError";
  }
}

export const MAX_EXPRESSION_CHARS = 2000;
/**
 * Values in constraints and parameters are scalars or short lists; 100 elements is generous. It is
 * also small enough that the one value built before the guard sees it, a broadcast of two allowed
 * values (`ones(100, 1) + ones(1, 100)`, 10^4 elements), takes milliseconds: mathjs needs ~30 s for
 * a 10^6-element broadcast on this project's machines.
 */
export const MAX_VALUE_ELEMENTS = 100;

const DISABLED = [
  // reach the parser or change the instance (mathjs security guidance)
  "import", "createUnit", "evaluate", "parse", "simplify", "simplifyCore", "derivative", "compile", "resolve", "reviver", "chain", "config", "rationalize", "parser",
  // unseeded: a sweep must give the same rows every time
  "random", "randomInt", "pickRandom",
  // running time grows with an argument's value, not its size
  "permutations", "combinations", "combinationsWithRep", "stirlingS2", "bellNumbers", "catalan", "composition", "multinomial", "setPowerset", "solveODE", "isPrime",
  "bignumber", "fraction",
];
/** The guard every operator and function result passes through; `$` cannot start a parameter name. */
const GUARD = "$limit";

interface Compiled {
  evaluate: (scope: Map<string, unknown>) => unknown;
  /** The names the expression reads (symbols and function names): its value depends on no other part of a scope. */
  symbols: string[];
}

let instance: { math: MathJsInstance; compile: (expr: string) => Compiled } | undefined;
/** Compiled expressions, by text (sweeps evaluate the same few expressions millions of times). */
const compiled = new Map<string, Compiled>();
/**
 * Values of expressions by text and the values of the names they read: a sweep's `glb: "2^k KiB"`
 * is evaluated once per value of k, not once per point (the functions left enabled are pure).
 */
const results = new Map<string, ExprValue>();

function elementCount(value: unknown, math: MathJsInstance): number {
  if (math.isMatrix(value)) return (value.size() as number[]).reduce((a, b) => a * b, 1);
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + (Array.isArray(v) ? elementCount(v, math) : 1), 0);
  return 1;
}

function refuseSize(what: string, elements: number): void {
  if (!(elements <= MAX_VALUE_ELEMENTS)) {
    throw new ExpressionError(`${what} of ${Number.isFinite(elements) ? elements.toLocaleString("en-US") : String(elements)} elements: sweep expressions allow at most ${MAX_VALUE_ELEMENTS}`);
  }
}

/** Elements a size argument list asks for: numbers (zeros(3, 4)) or one array/matrix ([3, 4]). */
function requestedElements(args: unknown[], math: MathJsInstance): number {
  let n = 1;
  for (const a of args) {
    if (typeof a === "string") continue; // "dense" | "sparse"
    const dims = math.isMatrix(a) ? (a.toArray() as unknown[]).flat(Infinity) : Array.isArray(a) ? a.flat(Infinity) : [a];
    for (const d of dims) n *= Math.max(0, Number(d));
  }
  return n;
}

function rangeElements(args: unknown[]): number {
  if (args.some((a) => typeof a === "string")) throw new ExpressionError("range takes numbers in sweep expressions (start, end[, step]), not a string");
  const [start, end, step] = args.map((a) => (typeof a === "boolean" ? NaN : Number(a)));
  const by = step === undefined || Number.isNaN(step) ? 1 : step;
  if (by === 0) return Infinity;
  return Math.floor(Math.abs((end! - start!) / by)) + 1;
}

/** A function property of a mathjs object, called with its owner as `this` (undefined when there is none). */
function functionOf(owner: object, name: string): ((...args: unknown[]) => unknown) | undefined {
  const fn: unknown = Reflect.get(owner, name);
  return typeof fn === "function" ? (...args: unknown[]) => Reflect.apply(fn, owner, args) : undefined;
}

function restricted() {
  if (instance) return instance;
  const math = mathInstance();
  const parse = math.parse.bind(math);
  const transforms: unknown = Reflect.get(Reflect.get(math, "expression") ?? {}, "transform");
  const replacements: Record<string, unknown> = {};
  for (const name of DISABLED) {
    replacements[name] = () => {
      throw new ExpressionError(`function ${name} is disabled in sweep expressions`);
    };
  }
  // Size-building functions are checked before they build (their transform, the 1-based and
  // end-inclusive version the parser calls, is wrapped the same way).
  const sized: Record<string, (args: unknown[]) => number> = {
    range: rangeElements,
    zeros: (args) => requestedElements(args, math),
    ones: (args) => requestedElements(args, math),
    identity: (args) => requestedElements(args.length === 1 && typeof args[0] === "number" ? [args[0], args[0]] : args, math),
    resize: (args) => requestedElements([args[1]], math),
    diag: (args) => (elementCount(args[0], math) + Math.abs(Number(args[1] ?? 0))) ** 2,
    kron: (args) => elementCount(args[0], math) * elementCount(args[1], math),
  };
  // Plain functions, not typed ones: mathjs keeps a plain function's `transform` on import.
  for (const [name, elements] of Object.entries(sized)) {
    const wrap = (fn: (...args: unknown[]) => unknown) => (...args: unknown[]) => {
      refuseSize(name, elements(args));
      return fn(...args);
    };
    const fn: ((...args: unknown[]) => unknown) & { transform?: unknown } = wrap(functionOf(math, name)!);
    const transform = typeof transforms === "object" && transforms !== null ? functionOf(transforms, name) : undefined;
    if (transform) fn.transform = wrap(transform);
    replacements[name] = fn;
  }
  replacements[GUARD] = (value: unknown) => {
    refuseSize("a value", elementCount(value, math));
    return value;
  };
  math.import(replacements, { override: true });
  const { FunctionNode, SymbolNode } = math;
  // Every operator, function call and literal array passes its value through the guard. Index
  // dimensions (`a[2:end]`) are left as they are: the parser treats ranges there specially.
  const guard = (node: MathNode): MathNode => {
    if (node.type === "AssignmentNode" || node.type === "FunctionAssignmentNode") {
      throw new ExpressionError("assignments and function definitions are not allowed in sweep expressions");
    }
    if (node.type === "IndexNode") return node;
    const inner = node.map((child) => guard(child));
    const producesValue = inner.type === "OperatorNode" || inner.type === "FunctionNode" || inner.type === "ArrayNode" || inner.type === "RangeNode";
    return producesValue ? new FunctionNode(new SymbolNode(GUARD), [inner]) : inner;
  };
  instance = {
    math,
    compile: (expr) => {
      let code = compiled.get(expr);
      if (!code) {
        if (expr.length > MAX_EXPRESSION_CHARS) throw new ExpressionError(`an expression of ${expr.length} characters: at most ${MAX_EXPRESSION_CHARS}`);
        const tree = parse(expr);
        const symbols = new Set<string>();
        tree.traverse((n) => {
          if (math.isSymbolNode(n)) symbols.add(n.name);
        });
        const fn = guard(tree).compile();
        code = { evaluate: (scope) => fn.evaluate(scope), symbols: [...symbols] };
        if (compiled.size > 1024) compiled.clear();
        compiled.set(expr, code);
      }
      return code;
    },
  };
  return instance;
}

/** A value an expression produced: a number, a quantity string ("256 KiB"), a boolean or a string. */
export type ExprValue = number | string | boolean;

/** Evaluate `expr` with `scope`; quantities come back as strings with their unit ("256 KiB"). */
export function evaluateExpression(expr: string, scope: Record<string, ExprValue>, options: { remember?: boolean } = {}): ExprValue {
  const { math, compile } = restricted();
  const code = compile(expr);
  const remember = options.remember ?? true;
  let key = expr;
  if (remember) {
    for (const name of code.symbols) {
      if (!Object.hasOwn(scope, name)) continue;
      const v = scope[name]!;
      key += `\u0000${name}\u0000${typeof v}\u0000${Object.is(v, -0) ? "-0" : String(v)}`;
    }
  }
  const known = remember ? results.get(key) : undefined;
  if (known !== undefined) return known;
  // Quantity strings in the scope become units, so "2 * glb" works.
  const mathScope = new Map<string, unknown>();
  for (const name of code.symbols) {
    if (!Object.hasOwn(scope, name)) continue;
    const v = scope[name]!;
    if (typeof v === "string") {
      try {
        mathScope.set(name, math.unit(v));
      } catch {
        mathScope.set(name, v);
      }
    } else mathScope.set(name, v);
  }
  const value = valueOf(code.evaluate(mathScope), expr, math);
  if (remember) {
    if (results.size > 100_000) results.clear();
    results.set(key, value);
  }
  return value;
}

function valueOf(result: unknown, expr: string, math: MathJsInstance): ExprValue {
  if (typeof result === "number" || typeof result === "boolean" || typeof result === "string") return result;
  // Keep the unit (and prefix) the expression wrote: "2^k KiB" stays in KiB.
  if (math.isUnit(result)) return `${Number(result.toNumber(result.formatUnits()).toPrecision(12))} ${result.formatUnits().replace(/ /g, "")}`;
  if (math.isBigNumber(result) || math.isFraction(result)) return Number(result);
  throw new ExpressionError(`expression ${JSON.stringify(expr)} gave a ${math.typeOf(result)}, expected a number, a quantity or a boolean`);
}
