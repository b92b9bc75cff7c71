/** Write `value` at a dotted path of a parsed document (design or workload), creating objects on the way. */
export function setPath(target: unknown, path: readonly string[], value: unknown): void {
  let cur = target as Record<string, unknown>;
  for (const seg of path.slice(0, -1)) {
    if (cur[seg] === undefined || cur[seg] === null || typeof cur[seg] !== "object") cur[seg] = {};
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
