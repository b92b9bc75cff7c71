/**
 * Every remembered derived value in attnsim, under one policy. The simulator's stages are pure
 * functions, so a result computed from the same inputs can be reused (a sweep evaluates the same
 * trace on thousands of designs). Three shapes, one eviction rule:
 *
 *   objectMemo   keyed by an object (a trace, a dependency list): a WeakMap, so an entry lives
 *                exactly as long as the object it was derived from;
 *   keyedMemo    keyed by a string or number: at most MEMO_CAPACITY entries, the oldest dropped first;
 *   ownedMemo    by an object, then by a string or number key (a trace's placement per capacities):
 *                a WeakMap of bounded maps, the same rule per owner.
 *
 * Oldest-first (FIFO) rather than least-recently-used: a hit costs one map lookup and nothing more,
 * which matters on the per-op path; a sweep's working set is far smaller than the capacity anyway.
 * Every memo registers by name: `clearMemos()` empties them all (benchmarks time cold paths, tests
 * isolate), `memoStats()` reports sizes, hits and misses.
 */

/** Entries a bounded memo (or one owner's map) holds before it drops its oldest. */
export const MEMO_CAPACITY = 256;

export interface MemoStats {
  name: string;
  hits: number;
  misses: number;
  /** Entries held (bounded memos; -1 for weakly keyed ones, whose size cannot be read). */
  size: number;
}

interface Registered {
  stats(): MemoStats;
  clear(): void;
}

const registry = new Map<string, Registered>();

function register(name: string, memo: Registered): void {
  if (registry.has(name)) throw new Error(`memo ${name} registered twice`);
  registry.set(name, memo);
}

/** Empty every memo. */
export function clearMemos(): void {
  for (const memo of registry.values()) memo.clear();
}

/** Sizes and hit counts of every memo, by name. */
export function memoStats(): MemoStats[] {
  return [...registry.values()].map((m) => m.stats()).sort((a, b) => a.name.localeCompare(b.name));
}

/** Insert into a bounded map, dropping the oldest entry when it is full. */
function boundedSet<K, V>(map: Map<K, V>, key: K, value: V, capacity: number): void {
  if (map.size >= capacity) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/**
 * A memo's three operations: `get` computes on a miss; `lookup` then `store` do the same without a
 * closure (for hot paths, where allocating `make` per call would cost more than the lookup).
 */
export interface ObjectMemo<O extends object, V> {
  get(owner: O, make: () => V): V;
  lookup(owner: O): V | undefined;
  store(owner: O, value: V): V;
}

export function objectMemo<O extends object, V>(name: string): ObjectMemo<O, V> {
  let map = new WeakMap<O, V>();
  let hits = 0, misses = 0;
  register(name, { stats: () => ({ name, hits, misses, size: -1 }), clear: () => { map = new WeakMap(); } });
  const memo: ObjectMemo<O, V> = {
    get: (owner, make) => memo.lookup(owner) ?? memo.store(owner, make()),
    lookup(owner) {
      const hit = map.get(owner);
      if (hit !== undefined) hits++;
      else misses++;
      return hit;
    },
    store(owner, value) {
      map.set(owner, value);
      return value;
    },
  };
  return memo;
}

export interface KeyedMemo<K extends string | number, V> {
  get(key: K, make: () => V): V;
  lookup(key: K): V | undefined;
  store(key: K, value: V): V;
}

export function keyedMemo<K extends string | number, V>(name: string, capacity = MEMO_CAPACITY): KeyedMemo<K, V> {
  const map = new Map<K, V>();
  let hits = 0, misses = 0;
  register(name, { stats: () => ({ name, hits, misses, size: map.size }), clear: () => map.clear() });
  const memo: KeyedMemo<K, V> = {
    get: (key, make) => memo.lookup(key) ?? memo.store(key, make()),
    lookup(key) {
      const hit = map.get(key);
      if (hit !== undefined) hits++;
      else misses++;
      return hit;
    },
    store(key, value) {
      boundedSet(map, key, value, capacity);
      return value;
    },
  };
  return memo;
}

export interface OwnedMemo<O extends object, K extends string | number, V> {
  get(owner: O, key: K, make: () => V): V;
  /** The value if remembered (hot paths: no closure to allocate); then `store` on a miss. */
  lookup(owner: O, key: K): V | undefined;
  store(owner: O, key: K, value: V): V;
}

export function ownedMemo<O extends object, K extends string | number, V>(name: string, capacity = MEMO_CAPACITY): OwnedMemo<O, K, V> {
  let owners = new WeakMap<O, Map<K, V>>();
  let hits = 0, misses = 0;
  register(name, { stats: () => ({ name, hits, misses, size: -1 }), clear: () => { owners = new WeakMap(); } });
  const memo: OwnedMemo<O, K, V> = {
    get: (owner, key, make) => memo.lookup(owner, key) ?? memo.store(owner, key, make()),
    lookup(owner, key) {
      const hit = owners.get(owner)?.get(key);
      if (hit !== undefined) hits++;
      else misses++;
      return hit;
    },
    store(owner, key, value) {
      let map = owners.get(owner);
      if (!map) owners.set(owner, (map = new Map()));
      boundedSet(map, key, value, capacity);
      return value;
    },
  };
  return memo;
}
