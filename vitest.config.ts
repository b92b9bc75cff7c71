import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**"],
    testTimeout: 60_000,
    // Inert unless ATTNSIM_MUTANT is set (npm run mutation).
    setupFiles: ["test/mutation-setup.ts"],
    // One line per system program (chromium, redis-server) whose tests will be skipped.
    globalSetup: ["test/support/global-setup.ts"],
  },
});
