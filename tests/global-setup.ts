import { compileCircuit } from "../src/artifacts/compile.ts";
import { setupInstance } from "../src/artifacts/setup.ts";
import { exitClaimCircuit } from "../src/circuit/exit-claim.ts";
import { instanceByRole, instanceName, type CircuitInstance } from "../src/circuit/instances.ts";
import { shutdownProver } from "../src/prover/prove.ts";
import { recordLayout } from "../src/tx/layout.ts";

/**
 * Builds, once and before any test file, what many files need (a clean clone has no build/): the test
 * instance's circuit and development keys, the exit-claim circuit's keys for its tree and for the mixed
 * [4, 8] tree of tests/evm/optimistic.test.ts (every rollup deployment needs them), and the same tree's SHA-256 circuit beside it (circom runs in
 * its own process, so both cores work while the test instance compiles). The Solidity contracts are left
 * to the first file that deploys them: solc-js here would run alone on one core.
 */
export default async function setup(): Promise<void> {
  const log = (m: string) => console.log(`[global-setup] ${m}`);
  const test = instanceByRole("test");
  const sha: CircuitInstance = { ...test, name: instanceName(test.ops, test.arities, "sha256"), layout: recordLayout(test.arities, "sha256") };
  await Promise.all([setupInstance(test, { log }), compileCircuit(sha, { log }), setupInstance(exitClaimCircuit(test.arities), { log }), setupInstance(exitClaimCircuit([4, 8]), { log })]);
  await shutdownProver();
}
