/**
 * The exit claim's proof: the exit-claim circuit's keys for a rollup's tree shape (compiled and set up on
 * demand, cached like an instance's), its Groth16 verifier contract, and the client's proof of a claim.
 * The L1 (RollupBridge.claimExit) verifies the proof against the exit root and its own rollupId.
 */
import { exitClaimCircuit, exitClaimInputs, exitClaimPublicSignals } from "../circuit/exit-claim.ts";
import { CircuitError } from "../circuit/errors.ts";
import { calculateWitnessBin } from "../circuit/witness.ts";
import { setupInstance, type KeyVersion } from "../artifacts/setup.ts";
import { proofToWords } from "../l1/calldata.ts";
import type { ExitClaim } from "../l1/forced-exit-types.ts";
import type { L1Address } from "../l1/address.ts";
import { fastestEngine, proveWitness } from "../prover/prove.ts";
import { requireContract, type CompiledContract } from "./compile.ts";
import { EvmError } from "./errors.ts";
import { compileGroth16Verifier } from "./verifier.ts";

export const EXIT_VERIFIER_CONTRACT = "ExitClaimVerifier";

/** What claimExit sends: the claim's public words and its proof (the verifier's 8 words). */
export interface ProvenExitClaim {
  readonly index: number;
  readonly recipient: L1Address;
  readonly balance: bigint;
  readonly proof: readonly bigint[];
}

export interface ExitClaimProver {
  readonly keys: KeyVersion;
  readonly verifier: CompiledContract;
}

/**
 * The exit-claim circuit's development keys for this tree shape and their verifier contract, compiled on
 * its own (it imports nothing), so every rollup of a shape shares one solc run.
 */
export async function exitClaimProver(arities: readonly number[], log?: (m: string) => void): Promise<ExitClaimProver> {
  const keys = await setupInstance(exitClaimCircuit(arities), log === undefined ? {} : { log });
  // Its own contract name, in traces and reports.
  return { keys, verifier: requireContract(await compileGroth16Verifier(keys, EXIT_VERIFIER_CONTRACT, log), EXIT_VERIFIER_CONTRACT) };
}

/**
 * Proves `claim` under the exit root `root` of rollup `rollupId`. A claim that does not hold there (another
 * balance, a path that does not lead to the root, a signature its key did not make) has no proof: refused
 * with BAD_ARGUMENT before any transaction.
 */
export async function proveExitClaim(keys: KeyVersion, claim: ExitClaim, root: bigint, rollupId: number): Promise<ProvenExitClaim> {
  const inputs = exitClaimInputs(claim, root, rollupId);
  let wtns: Uint8Array;
  try {
    wtns = await calculateWitnessBin(keys.wasm, inputs);
  } catch (err) {
    if (err instanceof CircuitError) {
      throw new EvmError("BAD_ARGUMENT", `no exit claim for account ${claim.index} holds under root ${root}: its balance, Merkle path or signature is not the account's there`, { cause: err });
    }
    throw err;
  }
  const proved = await proveWitness(keys.zkey, wtns, "groth16", fastestEngine());
  const expected = exitClaimPublicSignals(inputs).map(String);
  if (JSON.stringify(proved.publicSignals) !== JSON.stringify(expected)) {
    throw new EvmError("BAD_CONFIG", `the exit-claim keys ${keys.version} prove other public signals than the claim's`);
  }
  return { index: claim.index, recipient: claim.recipient, balance: claim.account.balance, proof: proofToWords(proved.proof) };
}
