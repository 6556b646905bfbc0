import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "samples/*/src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real servers and proxies run in these tests; two cores, so keep parallelism modest.
    pool: "forks",
    maxWorkers: 2,
  },
});
