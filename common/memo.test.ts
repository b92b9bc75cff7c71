import { describe, expect, it } from "vitest";
import { clearMemos, keyedMemo, MEMO_CAPACITY, memoStats, objectMemo, ownedMemo } from "./memo.js";

describe("memo: one policy for every remembered value", () => {
  it("a bounded memo drops its oldest entry when full (FIFO), and counts hits and misses", () => {
    const m = keyedMemo<number, number>("test.keyed", 3);
    let made = 0;
    const make = (k: number) => m.get(k, () => (made++, k * 10));
    expect([make(1), make(2), make(3), make(1)]).toEqual([10, 20, 30, 10]);
    expect(made).toBe(3);
    make(4); // evicts 1, the oldest
    make(1);
    expect(made).toBe(5);
    expect(memoStats().find((s) => s.name === "test.keyed")).toMatchObject({ hits: 1, misses: 5, size: 3 });
  });

  it("owned memos keep a bounded map per owner object; clearMemos empties every memo", () => {
    const owned = ownedMemo<object, string, number>("test.owned");
    const byObject = objectMemo<object, number>("test.object");
    const a = {}, b = {};
    owned.store(a, "k", 1);
    owned.store(b, "k", 2);
    byObject.store(a, 3);
    expect([owned.lookup(a, "k"), owned.lookup(b, "k"), byObject.lookup(a)]).toEqual([1, 2, 3]);
    for (let i = 0; i <= MEMO_CAPACITY; i++) owned.store(a, `x${i}`, i);
    expect(owned.lookup(a, "k")).toBeUndefined(); // the oldest of a's entries went first
    expect(owned.lookup(b, "k")).toBe(2); // another owner's map is its own
    clearMemos();
    expect([owned.lookup(b, "k"), byObject.lookup(a)]).toEqual([undefined, undefined]);
  });

  it("a name is registered once", () => {
    keyedMemo("test.once");
    expect(() => keyedMemo("test.once")).toThrow(/twice/);
  });
});
