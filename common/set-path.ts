/** Write `value` at a dotted path of a parsed document (design or workload), creating objects on the way. */
export function setPath(target: unknown, path: readonly string[], value: unknown): void {
  let cur = target as Record<string, unknown>;
  for (const seg of path.slice(0, -1)) {
    if (cur[seg] === undefined || cur[seg] === null || typeof cur[seg] !== "object") cur[seg] = {};
    cur = cur[seg] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}
