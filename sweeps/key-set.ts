/**
 * A set of point keys (14 hex digits, a 53-bit hash: spec.ts pointKey) held as numbers in an
 * open-addressing table: 16 bytes per key at most, where a Set of strings took ~100 bytes (a
 * million recorded keys: ~16 MB instead of ~100 MB). Resume, merge and aggregation use it to keep
 * every key once.
 */
export class KeySet {
  private table = new Float64Array(1024);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds `key`; false when it was there already. */
  add(key: string): boolean {
    if (2 * (this.count + 1) > this.table.length) this.grow();
    const inserted = insert(this.table, toNumber(key));
    if (inserted) this.count++;
    return inserted;
  }

  has(key: string): boolean {
    const value = toNumber(key);
    const mask = this.table.length - 1;
    for (let i = slot(value, mask); ; i = (i + 1) & mask) {
      const v = this.table[i]!;
      if (v === 0) return false;
      if (v === value) return true;
    }
  }

  private grow(): void {
    const old = this.table;
    this.table = new Float64Array(old.length * 2);
    for (const v of old) if (v !== 0) insert(this.table, v);
  }
}

/** The key's number plus one (0 marks an empty slot). Keys that are not 53-bit hex are hashed. */
function toNumber(key: string): number {
  const n = /^[0-9a-f]{1,14}$/.test(key) ? parseInt(key, 16) : NaN;
  if (Number.isSafeInteger(n) && n < Number.MAX_SAFE_INTEGER) return n + 1;
  let h = 0x811c9dc5, g = 0x01000193;
  for (let i = 0; i < key.length; i++) {
    h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    g = Math.imul(g ^ key.charCodeAt(i), 0x5bd1e995);
  }
  return (h >>> 0) * 2097152 + ((g >>> 0) & 0x1fffff) + 1;
}

function slot(value: number, mask: number): number {
  return (Math.imul((value % 4294967296) ^ Math.floor(value / 4294967296), 0x9e3779b1) >>> 0) & mask;
}

function insert(table: Float64Array, value: number): boolean {
  const mask = table.length - 1;
  for (let i = slot(value, mask); ; i = (i + 1) & mask) {
    const v = table[i]!;
    if (v === value) return false;
    if (v === 0) {
      table[i] = value;
      return true;
    }
  }
}
