/**
 * The benchmark's proven batches as real transactions, on the in-process EVM (default) or anvil (`--l1
 * anvil`): the same Solidity contracts either way. Gas is each receipt's gasUsed (never eth_estimateGas:
 * snarkjs's verifier returns false instead of reverting when short of gas, so an estimate can settle on a
 * limit at which the proof "fails"); every transaction is sent with a fixed limit far above need
 * (src/evm/client.ts).
 */
import type { Hex } from "viem";
import type { JsonObject } from "snarkjs";
import type { SetupArtifacts } from "../artifacts/setup.ts";
import type { CircuitInstance } from "../circuit/instances.ts";
import { ZkRollupL1 } from "../evm/zk-rollup.ts";
import { EvmSession } from "../evm/client.ts";
import { EvmError } from "../evm/errors.ts";
import { callGas } from "../evm/gas-breakdown.ts";
import { labelAddress } from "../l1/address.ts";
import type { BenchL1 } from "./options.ts";
import type { L1Gas, L1Submission } from "./results.ts";
import { stat, type Stat } from "./stats.ts";
import { BENCH_ROLLUP_ID } from "./workload.ts";

/** A proven batch, in the order the workload made it (each builds on the state the previous one left). */
export interface ProvenBatch {
  readonly source: L1Submission["source"];
  readonly transfers: number;
  readonly records: Uint8Array;
  readonly newRoot: bigint;
  readonly proof: JsonObject;
}

/** What a submission that was not accepted leaves: the configuration is then failed, as for a proof that does not verify. */
export class L1SubmissionError extends Error {
  override readonly name = "L1SubmissionError";
  readonly code = "SUBMISSION_REVERTED";
  constructor(
    message: string,
    /** The contract's revert code (ZkL1RevertCode), or UNKNOWN_REVERT. */
    readonly revertReason: string,
  ) {
    super(message);
  }
}

/** The run's EVM (zero gas price, prague); a failure to start names the flag that asked for it. */
export async function startBenchL1(l1: BenchL1): Promise<EvmSession> {
  try {
    return l1 === "anvil" ? await EvmSession.start() : await EvmSession.inProcess();
  } catch (e) {
    if (e instanceof EvmError) throw new EvmError(e.code, `--l1 ${l1}: ${e.message}`, { cause: e });
    throw e;
  }
}

export const NOT_GROTH16_REASON =
  "contracts/ZkRollup.sol verifies Groth16 proofs only (snarkjs's PLONK/FFLONK verifiers take another proof format): no batch submission to measure";

/**
 * Deploys this instance's verifier and ZkRollup.sol on `session` with the workload's genesis root, then
 * submits every batch in order. Throws L1SubmissionError at the first batch the contract does not accept.
 */
export async function submitToL1(opts: {
  readonly session: EvmSession;
  readonly instance: CircuitInstance;
  readonly keys: SetupArtifacts;
  readonly genesisRoot: bigint;
  readonly batches: readonly ProvenBatch[];
  readonly log: (message: string) => void;
}): Promise<Extract<L1Gas, { status: "measured" }>> {
  const { instance, batches } = opts;
  const config = { rollupId: BENCH_ROLLUP_ID, layout: instance.layout, capacity: instance.ops, genesisRoot: opts.genesisRoot, arities: instance.arities };
  const evm = await ZkRollupL1.start({ ...config, keys: opts.keys, session: opts.session, log: opts.log });
  const sequencer = labelAddress("zkr bench sequencer");
  const submissions: L1Submission[] = [];
  for (const [i, b] of batches.entries()) {
    const measured = await evm.submitBatch(sequencer, { records: b.records, withdrawalRecipients: [], newRoot: b.newRoot, proof: b.proof });
    if (measured.status !== "success") {
      const code = measured.revertReason ?? "UNKNOWN_REVERT";
      throw new L1SubmissionError(`the L1 rejected batch ${i + 1} of ${batches.length} (${b.source} proof): ${code}`, code);
    }
    submissions.push({
      batch: i + 1,
      source: b.source,
      transfers: b.transfers,
      calldataBytes: measured.calldata.bytes,
      gasUsed: measured.gasUsed,
      executionGas: measured.executionGas,
      txHash: measured.txHash,
      counted: i > 0,
    });
  }
  const counted = submissions.filter((s) => s.counted);
  const must = (x: Stat | null): Stat => {
    if (x === null) throw new Error("no batch after the first was submitted");
    return x;
  };
  const { deployment } = evm;
  return {
    status: "measured",
    evm: { name: deployment.evm, hardfork: deployment.hardfork, solc: deployment.solcVersion },
    deploymentGas: { verifier: deployment.gas.verifier, rollup: deployment.gas.rollup },
    verifierCallGas: submissions[0] === undefined ? null : await callGas(opts.session.backend, submissions[0].txHash as Hex, deployment.verifier),
    submissions,
    summary: {
      batches: counted.length,
      gasPerBatch: must(stat(counted.map((s) => s.gasUsed))),
      gasPerTransfer: must(stat(counted.map((s) => s.gasUsed / s.transfers))),
    },
  };
}
