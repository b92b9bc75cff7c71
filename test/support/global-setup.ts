/** Vitest global setup: one line per system program whose tests will be skipped (test/support/system-tools.ts). */
import { skipNotice, TOOL_SPECS, type ToolName } from "./system-tools.js";

export default function setup(): void {
  for (const name of Object.keys(TOOL_SPECS) as ToolName[]) {
    const notice = skipNotice(name);
    if (notice) process.stdout.write(`attnsim: ${notice}\n`);
  }
}
