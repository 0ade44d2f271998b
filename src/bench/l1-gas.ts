/**
 * `zkr bench --l1 anvil`: the benchmark's proven batches as real transactions. Gas is each receipt's
 * gasUsed (never eth_estimateGas: snarkjs's verifier returns false instead of reverting when short of
 * gas, so an estimate can settle on a limit at which the proof "fails"); every transaction is sent with
 * a fixed limit far above need (src/evm/client.ts). The same calldata goes to the simulated L1, whose
 * schedule-based figure is reported beside the measured one.
 */
import type { JsonObject } from "snarkjs";
import type { SetupArtifacts } from "../artifacts/setup.ts";
import type { CircuitInstance } from "../circuit/instances.ts";
import { AnvilL1 } from "../evm/anvil-l1.ts";
import { EvmSession } from "../evm/client.ts";
import { EvmError } from "../evm/errors.ts";
import { L1Chain, labelAddress } from "../l1/chain.ts";
import { ZkRollupContract } from "../l1/zk-rollup.ts";
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

/** The run's anvil (zero gas price, prague); a failure to start names the flag that asked for it. */
export async function startBenchAnvil(): Promise<EvmSession> {
  try {
    return await EvmSession.start();
  } catch (e) {
    if (e instanceof EvmError) throw new EvmError(e.code, `--l1 anvil: ${e.message}`, { cause: e });
    throw e;
  }
}

export const NOT_GROTH16_REASON =
  "contracts/ZkRollup.sol verifies Groth16 proofs only (snarkjs's PLONK/FFLONK verifiers take another proof format): no batch submission to measure";

/**
 * Deploys this instance's verifier and ZkRollup.sol on `session` with the workload's genesis root, then
 * submits every batch in order to it and to a simulated ZkRollupContract. Throws L1SubmissionError at
 * the first batch either L1 does not accept.
 */
export async function submitToAnvil(opts: {
  readonly session: EvmSession;
  readonly instance: CircuitInstance;
  readonly keys: SetupArtifacts;
  readonly vkey: JsonObject;
  readonly genesisRoot: bigint;
  readonly batches: readonly ProvenBatch[];
  readonly log: (message: string) => void;
}): Promise<Extract<L1Gas, { status: "measured" }>> {
  const { instance, batches } = opts;
  const config = { rollupId: BENCH_ROLLUP_ID, layout: instance.layout, capacity: instance.ops, genesisRoot: opts.genesisRoot };
  const evm = await AnvilL1.start({ ...config, keys: opts.keys, session: opts.session, log: opts.log });
  const chain = new L1Chain();
  const sim = new ZkRollupContract(chain, { ...config, vkey: opts.vkey });
  const sequencer = labelAddress("zkr bench sequencer");
  const submissions: L1Submission[] = [];
  for (const [i, b] of batches.entries()) {
    chain.advance(12);
    const args = { records: b.records, withdrawalRecipients: [], newRoot: b.newRoot, proof: b.proof };
    const modelled = await sim.submitBatch(sequencer, args);
    const measured = await evm.submitBatch(sequencer, args);
    const where = `batch ${i + 1} of ${batches.length} (${b.source} proof)`;
    if (measured.status !== "success") {
      const code = measured.revertReason ?? "UNKNOWN_REVERT";
      throw new L1SubmissionError(`anvil rejected ${where}: ${code}`, code);
    }
    if (modelled.status !== "success") {
      const code = modelled.revertReason ?? "UNKNOWN_REVERT";
      throw new L1SubmissionError(`the simulated L1 rejected ${where}: ${code}`, code);
    }
    submissions.push({
      batch: i + 1,
      source: b.source,
      transfers: b.transfers,
      calldataBytes: measured.calldata.bytes,
      gasUsed: measured.gasUsed,
      executionGas: measured.executionGas,
      scheduleGas: modelled.gasUsed,
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
    evm: { anvil: deployment.evm, hardfork: deployment.hardfork, solc: deployment.solcVersion },
    deploymentGas: deployment.gas,
    submissions,
    summary: {
      batches: counted.length,
      gasPerBatch: must(stat(counted.map((s) => s.gasUsed))),
      gasPerTransfer: must(stat(counted.map((s) => s.gasUsed / s.transfers))),
      scheduleGasPerBatch: must(stat(counted.map((s) => s.scheduleGas))),
      scheduleGasPerTransfer: must(stat(counted.map((s) => s.scheduleGas / s.transfers))),
      measuredVsSchedule: must(stat(counted.map((s) => (s.gasUsed - s.scheduleGas) / s.scheduleGas))),
    },
  };
}
