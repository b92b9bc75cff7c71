import { describe, expect, it } from "vitest";
import { shellWords } from "./shell-words.js";
import { shellWord } from "../../cli/args.js";

describe("shellWords", () => {
  it("splits on blanks, honours quotes, escapes, continuations and comments", () => {
    expect(shellWords(`npx attnsim run --set 'units.npu.buffers.ifmap=64 KiB' --a "x \\"y\\"" \\\n  --b c # a comment`)).toEqual(["npx", "attnsim", "run", "--set", "units.npu.buffers.ifmap=64 KiB", "--a", 'x "y"', "--b", "c"]);
  });
  it("reads back what shellWord quotes", () => {
    const words = ["plain", "64 KiB", "it's", "a|b,c=d:e", ""];
    expect(shellWords(words.map(shellWord).join(" "))).toEqual(words);
  });
});
