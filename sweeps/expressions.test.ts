import { describe, expect, it } from "vitest";
import { evaluateExpression } from "./expressions.js";
import { mathInstance } from "../common/mathjs.js";

describe("sweep expressions", () => {
  it("refer to other parameters, with units", () => {
    expect(evaluateExpression("rows", { rows: 32 })).toBe(32);
    expect(evaluateExpression("2^k KiB", { k: 8 })).toBe("256 KiB");
    expect(evaluateExpression("2 * glb", { glb: "64 KiB" })).toBe("128 KiB");
    expect(evaluateExpression("2^12 KiB", {})).toBe("4096 KiB");
    expect(evaluateExpression("3 * 8 GB/s", {})).toBe("24 GB/s");
    expect(evaluateExpression("areaMm2 <= 4 and latencySeconds < 0.01", { areaMm2: 3, latencySeconds: 0.001 })).toBe(true);
  });

  it("remembered values depend on the names an expression reads, and on nothing else", () => {
    const fresh = (expr: string, scope: Record<string, number | string | boolean>) => evaluateExpression(expr, scope, { remember: false });
    for (const k of [3, 4, 3, 5, 4]) {
      // Other names in the scope change from call to call; the value follows k alone.
      const scope = { rows: k * 7, k, cols: Math.random() };
      expect(evaluateExpression("2^k KiB", scope)).toBe(fresh("2^k KiB", scope));
      expect(evaluateExpression("2^k KiB", scope)).toBe(`${2 ** k} KiB`);
    }
    // A number and a quantity string with the same text are different values.
    expect(evaluateExpression("2 * x", { x: 64 })).toBe(128);
    expect(evaluateExpression("2 * x", { x: "64 KiB" })).toBe("128 KiB");
    expect(evaluateExpression("1 / x", { x: -0 })).toBe(-Infinity);
    expect(evaluateExpression("1 / x", { x: 0 })).toBe(Infinity);
    // A name used as a function is read too: max(a, b) follows both.
    expect(evaluateExpression("max(a, b)", { a: 1, b: 2 })).toBe(2);
    expect(evaluateExpression("max(a, b)", { a: 1, b: 5 })).toBe(5);
  });

  it("ranges the parser builds are checked like range(), outside and inside index brackets", () => {
    // Sizes just past the limit, so a range that escaped the check gives a value or another error, not a hang.
    const tooLarge = /range of 101 elements: sweep expressions allow at most 100/;
    expect(() => evaluateExpression("size(1:101)[1]", {})).toThrow(tooLarge);
    expect(() => evaluateExpression("sum([1:101])", {})).toThrow(tooLarge);
    expect(() => evaluateExpression("size([1,2,3][1:101])[1]", {})).toThrow(tooLarge);
    expect(() => evaluateExpression("sum(0:0.5:50)", {})).toThrow(tooLarge);
    expect(evaluateExpression("size(1:100)[1]", {})).toBe(100);
    expect(evaluateExpression("sum(1:5)", {})).toBe(15);
    expect(evaluateExpression("sum([1,2,3][2:end])", {})).toBe(5);
    expect(evaluateExpression("max(range(1, 4))", {})).toBe(4); // range in an expression includes its end, as before
  });

  it("a disabled function is refused as a value too, and a parameter named like a function is the parameter", () => {
    expect(() => evaluateExpression("map([1], evaluate)", {})).toThrow(/function evaluate is disabled/);
    expect(evaluateExpression("ones + 1", { ones: 3 })).toBe(4);
    expect(evaluateExpression("parse * 2", { parse: 5 })).toBe(10);
    expect(() => evaluateExpression("size(zeros(11, 11))[1]", {})).toThrow(/zeros of 121 elements/);
  });

  it("a function that calls a disabled one internally is refused too, and leaves the shared instance as it was", () => {
    // symbolicEqual simplifies its strings, folding constant calls: with only the names restricted
    // (in the scope), it created a unit and set the instance's number type for every later quantity.
    expect(() => evaluateExpression('symbolicEqual("createUnit(\\"zzz\\")", "1")', {})).toThrow(/disabled/);
    expect(() => evaluateExpression('symbolicEqual("config({number: \\"BigNumber\\"})", "1")', {})).toThrow(/disabled/);
    expect(() => mathInstance().unit("1 zzz")).toThrow();
    expect(typeof mathInstance().unit("1 KiB").value).toBe("number"); // not a BigNumber
  });

  const malicious = [
    'import({evil: 1}, {override: true})',
    'createUnit("foo")',
    'evaluate("1+1")',
    'parse("1+1")',
    'simplify("x+x")',
    'derivative("x^2", "x")',
    'compile("1+1")',
    'config({number: "BigNumber"})',
    'f = cos; f.constructor("return process")()',
    '[].constructor.constructor("return process")()',
  ];
  for (const expr of malicious) {
    it(`rejects ${expr}`, () => {
      expect(() => evaluateExpression(expr, {})).toThrow();
    });
  }
});
