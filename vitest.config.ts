import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "dist/**"],
    testTimeout: 60_000,
    // One line per system program (chromium, redis-server) whose tests will be skipped.
    globalSetup: ["test/support/global-setup.ts"],
  },
});
