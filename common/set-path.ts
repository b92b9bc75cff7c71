/**
 * Values written at dotted paths of parsed documents (sweep parameters, study `set:`, calibration
 * parameters, DVFS points). A path may not name `__proto__`, `constructor` or `prototype`: written
 * through, such a path changes Object.prototype for the whole process (and every later sweep a
 * shared worker runs). Loaders refuse them with checkPathSegments; setPath refuses them too, and
 * walks own properties only.
 */
import { InputError } from "./input-error.js";

const UNSAFE_SEGMENTS = new Set(["__proto__", "constructor", "prototype"]);

/** Refuse a path with a segment that reaches an object's prototype. */
export function checkPathSegments(path: readonly string[], file: string, at: string): void {
  const bad = path.find((seg) => UNSAFE_SEGMENTS.has(seg));
  if (bad !== undefined) throw new InputError(file, { path: at, expected: "a path whose segments are field names or list indices (not __proto__, constructor or prototype)", found: JSON.stringify(path.join(".")) });
}

/** Write `value` at a dotted path of a parsed document (design or workload), creating objects on the way. */
export function setPath(target: unknown, path: readonly string[], value: unknown): void {
  checkPathSegments(path, "<document>", path.join("."));
  let cur = target as Record<string, unknown>;
  for (const seg of path.slice(0, -1)) {
    const next = Object.hasOwn(cur, seg) ? cur[seg] : undefined;
    if (next === undefined || next === null || typeof next !== "object") cur[seg] = {};
    cur = cur[seg] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

/** A deep copy of `doc` with each value written at its path (a design or workload with parameters applied). */
export function withValues<T>(doc: T, values: Iterable<readonly [readonly string[], unknown]>): T {
  const copy = structuredClone(doc);
  for (const [path, value] of values) setPath(copy, path, value);
  return copy;
}

/**
 * `doc` with each value written at its path, copying only the objects and arrays along the paths
 * and sharing the rest with `doc` (a sweep point's design, made a million times from one base).
 * Neither the result nor `doc` may be changed afterwards: parts of them are the same objects.
 */
export function withValuesShared<T>(doc: T, values: Iterable<readonly [readonly string[], unknown]>): T {
  const copied = new Set<object>();
  const own = (o: object): Record<string, unknown> => {
    if (copied.has(o)) return o as Record<string, unknown>;
    const c = (Array.isArray(o) ? [...o] : { ...o }) as Record<string, unknown>;
    copied.add(c);
    return c;
  };
  const root = own(doc as object);
  for (const [path, value] of values) {
    checkPathSegments(path, "<document>", path.join("."));
    let cur = root;
    for (const seg of path.slice(0, -1)) {
      const next = Object.hasOwn(cur, seg) ? cur[seg] : undefined;
      cur = cur[seg] = next === undefined || next === null || typeof next !== "object" ? own({}) : own(next);
    }
    cur[path[path.length - 1]!] = value;
  }
  return root as T;
}
