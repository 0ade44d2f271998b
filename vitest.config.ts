import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // `npm test` (CI) runs every rule's tests; suites that time engines against each other or soak for long
    // are *.long.test.ts, run by `npm run test:long` (vitest.long.config.ts).
    include: ["tests/**/*.test.ts"],
    exclude: ["tests/**/*.long.test.ts", "node_modules/**"],
    // Builds the test instance's circuit and development keys once (a clean clone has no build/).
    globalSetup: ["tests/global-setup.ts"],
    // Separate processes: snarkjs curve workers and circom witness wasm stay per file.
    pool: "forks",
    // Both cores: the suite is mostly waiting on proofs, anvil and child nodes, and each file has its own process.
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});
