/**
 * Tests that need a program from outside npm (a browser, a Redis server) find it here. On a machine
 * with only Node they are skipped, and the global setup prints one line per missing program naming
 * the Debian package to install. With ATTNSIM_REQUIRE_SYSTEM_TESTS=1 (set by .ci/run) they are never
 * skipped: a missing program fails them, so CI cannot pass without running them.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export interface SystemTool {
  /** What the tests use it for, for the notice. */
  purpose: string;
  /** The Debian package that provides it. */
  debianPackage: string;
  /** Absolute path of the executable, or undefined when it is not installed. */
  path: string | undefined;
  /** Run the tests that need it: it is installed, or the environment requires system tests. */
  run: boolean;
}

/** The environment variable that turns skips into failures. */
export const REQUIRE_SYSTEM_TESTS = "ATTNSIM_REQUIRE_SYSTEM_TESTS";

export function systemTestsRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[REQUIRE_SYSTEM_TESTS] === "1";
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `command -v name`: the first executable of that name on PATH. */
export function onPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** An executable named by an environment variable (a path), else found on PATH. */
function locate(variable: string, names: string[], env: NodeJS.ProcessEnv): string | undefined {
  const given = env[variable];
  if (given !== undefined && given !== "") return executable(given) ? given : undefined;
  for (const name of names) {
    const found = onPath(name, env);
    if (found) return found;
  }
  return undefined;
}

export const TOOL_SPECS = {
  chromium: { variable: "CHROMIUM_PATH", names: ["chromium", "chromium-browser"], debianPackage: "chromium", purpose: "the report.html and explorer tests in a real browser" },
  "redis-server": { variable: "REDIS_SERVER_PATH", names: ["redis-server"], debianPackage: "redis-server", purpose: "the distributed-sweep tests and the README tour's Redis steps" },
} as const;

export type ToolName = keyof typeof TOOL_SPECS;

export function systemTool(name: ToolName, env: NodeJS.ProcessEnv = process.env): SystemTool {
  const spec = TOOL_SPECS[name];
  const path = locate(spec.variable, [...spec.names], env);
  return { purpose: spec.purpose, debianPackage: spec.debianPackage, path, run: path !== undefined || systemTestsRequired(env) };
}

/** The one-line notice for a tool whose tests are skipped, or undefined when they run. */
export function skipNotice(name: ToolName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const tool = systemTool(name, env);
  if (tool.run) return undefined;
  const spec = TOOL_SPECS[name];
  return `skipped ${tool.purpose}: ${name} not found (apt-get install ${tool.debianPackage}, or set ${spec.variable}; ${REQUIRE_SYSTEM_TESTS}=1 makes this a failure)`;
}

/** The message a required-but-missing tool fails with. */
export function missingMessage(name: ToolName): string {
  const spec = TOOL_SPECS[name];
  return `${name} not found and ${REQUIRE_SYSTEM_TESTS}=1: apt-get install ${spec.debianPackage} (or set ${spec.variable})`;
}
