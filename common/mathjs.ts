/**
 * mathjs, loaded when first used, from its single-file bundle. The package's ES-module build is
 * ~1,000 files, and loading them took 1.2-1.5 s of CPU per process on this project's machines where
 * the bundle (the same release's code, mathjs/lib/browser/math.js) takes ~0.18 s; a sweep's worker
 * processes pay it each, and a process that parses no quantity and evaluates no expression (a
 * command that does not need them) pays nothing. Every use of mathjs in attnsim goes through here,
 * so a process holds one copy.
 */
import { createRequire } from "node:module";
import type * as MathJs from "mathjs";
import type { MathJsInstance } from "mathjs";

let loaded: typeof MathJs | undefined;

export function mathjs(): typeof MathJs {
  loaded ??= createRequire(import.meta.url)("mathjs/lib/browser/math.js") as typeof MathJs;
  return loaded;
}

let instance: MathJsInstance | undefined;

/**
 * The process's one mathjs instance for quantities (common/quantity.ts) and sweep expressions
 * (sweeps/expressions.ts, which disables the functions that reach the parser or change the
 * instance, and guards the ones that build large values, before it evaluates anything). One
 * instance builds mathjs's unit and parser machinery once: ~90 ms of a worker's start-up each.
 * Quantities use `unit` alone, which those changes leave as it is.
 */
export function mathInstance(): MathJsInstance {
  instance ??= mathjs().create(mathjs().all!);
  return instance;
}
