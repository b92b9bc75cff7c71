/** JSON serialisation of results: stable key order (as built), non-finite numbers as null. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2);
}
