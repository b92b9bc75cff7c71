/**
 * Zeroed number arrays for the evaluation's hot paths. A loop, not `fill`: for the short arrays an
 * evaluation makes by the thousand (a cost's counts per action, bytes per level), calling the
 * builtin costs more than the stores (Node 20: `new Array(n).fill(0)` ~38 ns, this ~16 ns for
 * n = 3-10; `fill(0)` on a 3-element typed array ~17 ns, a loop ~6 ns). Plain arrays, not typed
 * ones: allocating typed arrays per evaluation is slower (their backing stores are allocated apart).
 */

/** n zeros. */
export function zeros(n: number): number[] {
  const a = new Array<number>(n);
  for (let i = 0; i < n; i++) a[i] = 0;
  return a;
}

/** Same length and the same numbers, element by element. */
export function sameNumbers(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Every element of `a` set to 0, in place. */
export function clearNumbers(a: number[] | Float64Array): void {
  for (let i = 0; i < a.length; i++) a[i] = 0;
}

/** `a` zeroed in place when it has `n` elements (an array reused from the last evaluation), else n new zeros. */
export function zeroedOrNew(a: number[] | undefined, n: number): number[] {
  if (a === undefined || a.length !== n) return zeros(n);
  clearNumbers(a);
  return a;
}
