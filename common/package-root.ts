/** The attnsim package's root folder, found from this module's location (works from src and dist). */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "attnsim") return (root = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error("attnsim: cannot find the package root");
    dir = parent;
  }
}
