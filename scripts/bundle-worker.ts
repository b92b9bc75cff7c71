/**
 * Part of `npm run build`, after tsc: the sweep worker process's code as one module (esbuild), which
 * sweeps/worker-pool.ts starts instead of dist/sweeps/worker-process.js when it is the newer. A
 * worker loaded ~300 modules (attnsim's ~100 and TypeBox's ~200, whose schemas the design, sweep
 * and workload files are built with) in ~0.3 s before its first point; the bundle loads in ~0.1 s
 * (bench grid, 3 alternating runs, 2026-12-01: imports 308-316 -> 109-121 ms). The packages attnsim
 * depends on stay imports of the bundle (mathjs and ajv are loaded when first used; a native or
 * CommonJS package does not belong in an ES module bundle), except TypeBox, whose many small
 * modules are what the bundle saves.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSync } from "esbuild";
import { packageRoot } from "../common/package-root.js";
import { workerFiles } from "../sweeps/worker-pool.js";

export function bundleWorker(): string {
  const { modules, bundle } = workerFiles();
  const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { dependencies: Record<string, string> };
  const external = Object.keys(pkg.dependencies).filter((d) => d !== "@sinclair/typebox").flatMap((d) => [d, `${d}/*`]);
  buildSync({ entryPoints: [modules], outfile: bundle, bundle: true, platform: "node", format: "esm", target: "node20", external, logLevel: "warning" });
  return bundle;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ""))) {
  console.log(`wrote ${bundleWorker()}`);
}
