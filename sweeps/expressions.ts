/**
 * User expressions in sweep specs (`cols: "rows"`, `glb: "2^k KiB"`, constraints `areaMm2 <= 4`),
 * evaluated with a restricted mathjs instance, as the mathjs security guidance prescribes: the
 * functions that reach the parser or change the instance (import, createUnit, evaluate, parse,
 * simplify, derivative, compile, resolve, reviver, chain, config) are replaced by ones that throw, and
 * expressions are compiled only by the compile function captured before that (and cached by text).
 */
import { create, all, type MathJsInstance } from "mathjs";

let instance: { math: MathJsInstance; evaluate: (expr: string, scope: Record<string, unknown>) => unknown } | undefined;
/** Compiled expressions, by text (sweeps evaluate the same few expressions millions of times). */
const compiled = new Map<string, { evaluate: (scope: Map<string, unknown>) => unknown }>();

const DISABLED = ["import", "createUnit", "evaluate", "parse", "simplify", "simplifyCore", "derivative", "compile", "resolve", "reviver", "chain", "config", "rationalize", "parser"];

function restricted() {
  if (instance) return instance;
  const math = create(all!);
  const compile = math.compile.bind(math);
  const blocked: Record<string, () => never> = {};
  for (const name of DISABLED) {
    blocked[name] = () => {
      throw new Error(`function ${name} is disabled in sweep expressions`);
    };
  }
  math.import(blocked, { override: true });
  instance = {
    math,
    evaluate: (expr, scope) => {
      let code = compiled.get(expr);
      if (!code) {
        code = compile(expr);
        if (compiled.size > 1024) compiled.clear();
        compiled.set(expr, code);
      }
      return code.evaluate(new Map(Object.entries(scope)));
    },
  };
  return instance;
}

/** A value an expression produced: a number, a quantity string ("256 KiB"), a boolean or a string. */
export type ExprValue = number | string | boolean;

/** Evaluate `expr` with `scope`; quantities come back as strings with their unit ("256 KiB"). */
export function evaluateExpression(expr: string, scope: Record<string, ExprValue>): ExprValue {
  const { math, evaluate } = restricted();
  // Quantity strings in the scope become units, so "2 * glb" works.
  const mathScope: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(scope)) {
    if (typeof v === "string") {
      try {
        mathScope[k] = math.unit(v);
      } catch {
        mathScope[k] = v;
      }
    } else mathScope[k] = v;
  }
  const result = evaluate(expr, mathScope);
  if (typeof result === "number" || typeof result === "boolean" || typeof result === "string") return result;
  // Keep the unit (and prefix) the expression wrote: "2^k KiB" stays in KiB.
  if (math.isUnit(result)) return `${Number(result.toNumber(result.formatUnits()).toPrecision(12))} ${result.formatUnits().replace(/ /g, "")}`;
  if (math.isBigNumber(result) || math.isFraction(result)) return Number(result);
  throw new Error(`expression ${JSON.stringify(expr)} gave a ${math.typeOf(result)}, expected a number, a quantity or a boolean`);
}
