import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
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
