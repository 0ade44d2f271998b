import { compileCircuit } from "../src/artifacts/compile.ts";
import { setupInstance } from "../src/artifacts/setup.ts";
import { instanceByRole, instanceName, type CircuitInstance } from "../src/circuit/instances.ts";
import { compileSources, repoSources } from "../src/evm/compile.ts";
import { compileRollupContracts } from "../src/evm/zk-rollup.ts";
import { shutdownProver } from "../src/prover/prove.ts";
import { recordLayout } from "../src/tx/layout.ts";

/**
 * Builds, once and before any test file, what many files need (a clean clone has no build/): the test
 * instance's circuit and development keys, the same tree's SHA-256 circuit (compiled in parallel: circom
 * runs in its own process, so both cores work), and the Solidity contracts the zk and optimistic clients
 * deploy (otherwise the first file of each worker compiles them at the same time).
 */
export default async function setup(): Promise<void> {
  const log = (m: string) => console.log(`[global-setup] ${m}`);
  const test = instanceByRole("test");
  const sha: CircuitInstance = { ...test, name: instanceName(test.ops, test.arities, "sha256"), layout: recordLayout(test.arities, "sha256") };
  const [keys] = await Promise.all([setupInstance(test, { log }), compileCircuit(sha, { log })]);
  await shutdownProver();
  compileSources(repoSources(), { log });
  await compileRollupContracts(keys, log);
}
