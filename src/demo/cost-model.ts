import { privateKeyFromLabel, publicKeyOf } from "../crypto/eddsa.ts";
import { ZkRollupL1, compileRollupContracts } from "../evm/zk-rollup.ts";
import { OptimisticRollupL1 } from "../evm/optimistic-rollup.ts";
import { toAddress } from "../evm/client.ts";
import { labelAddress } from "../l1/address.ts";
import { Proposer } from "../optimistic/proposer.ts";
import type { Prover } from "../prover/prover.ts";
import { buildBatch, type BuiltBatch } from "../state/batch.ts";
import type { SubmitBatchArgs } from "../l1/calldata.ts";
import { RollupState } from "../state/rollup-state.ts";
import { COMMITMENTS, recordLayout, type Commitment } from "../tx/layout.ts";
import { signTransfer, type Operation } from "../tx/operation.ts";
import { CHALLENGER_BOND, PROPOSER_BOND, ROLLUP_ID, SEQUENCER, alignClock, demoClock, demoSession } from "./mode-run.ts";

/** How a cost figure was obtained. Every gas figure is a receipt's gasUsed from the in-process EVM. */
export type CostSource =
  /** One transaction's receipt. */
  | "measured"
  /** ZkRollup.sol's receipt with contracts/AcceptingVerifier.sol (test only), plus the real verifier's gas measured in the same run. */
  | "contract measured with an accepting verifier + real verifier gas measured";

/** The cost table's rows: zk per public-data commitment (the circuit's choice), optimistic, plain L1. */
export type CostMode = `zk (${Commitment})` | "optimistic" | "plain L1 transfer";
export const COST_MODES: readonly CostMode[] = [...COMMITMENTS.map((c): CostMode => `zk (${c})`), "optimistic", "plain L1 transfer"];

export interface CostPoint {
  readonly mode: CostMode;
  /** Operations per batch (all transfers). */
  readonly batchSize: number;
  /** Gas of the batch's L1 transaction (plain: of `batchSize` ETH transfers). */
  readonly batchGas: number;
  readonly gasPerTransfer: number;
  /** Calldata bytes of the batch's L1 transaction. */
  readonly calldataBytes: number;
  readonly source: CostSource;
}

export interface CostModelOptions {
  /** Tree arities of the state the synthetic batches run on (the demo instance's). */
  readonly arities: readonly number[];
  readonly sizes: readonly number[];
  /**
   * The demo instance's keys and a prover: the zk rows (none without them). One full batch of the
   * instance's size is proven to measure what the real verifier adds to a batch transaction.
   */
  readonly zk?: { readonly keys: { readonly zkey: string; readonly vkey: string }; readonly prover: Prover; readonly capacity: number; readonly commitment: Commitment };
  readonly log?: (message: string) => void;
}

export interface CostByBatchSize {
  readonly points: CostPoint[];
  /**
   * What the real Groth16 verifier adds to a zk batch transaction: the gasUsed of the same proven batch
   * (same state, calldata and proof) on ZkRollup.sol with the real verifier minus with the accepting one.
   */
  readonly verifierGas: { readonly gas: number; readonly batchSize: number } | undefined;
}

/**
 * L1 gas per transfer for full batches of distinct transfers, by batch size, measured on the Solidity
 * contracts in the in-process EVM. For each size, fresh contracts take two batches and the second is
 * counted (steady-state storage: batch counter and roots already non-zero). zk: no circuit is proven per
 * size; ZkRollup.sol runs with an accepting verifier and the real verifier's gas is added, measured in the
 * same run as the difference the real verifier makes to one proven batch of the instance's size. Both
 * public-data commitments are measured this way (the contract computes the commitment; the verifier's gas
 * does not depend on it: one public input either way). The optimistic figure is proposeBatch's; the
 * plain transfer is an ETH transfer's receipt.
 */
export async function costByBatchSize(opts: CostModelOptions): Promise<CostByBatchSize> {
  // The instance's own commitment builds the proven batch; records are the same bytes under either.
  const layout = recordLayout(opts.arities, opts.zk?.commitment ?? "poseidon");
  const ctx = { layout, rollupId: ROLLUP_ID };
  const sizes = [...new Set(opts.sizes)].sort((a, b) => a - b);
  const maxSize = Math.max(1, ...sizes);
  // Distinct senders where the tree has room: account i pays account i+1 (mod m), each with its own key.
  const accountCount = Math.min(maxSize + 1, opts.arities.reduce((a, b) => a * b, 1));
  const keys = Array.from({ length: accountCount }, (_, i) => privateKeyFromLabel(`cost model account ${i}`));
  const genesis = new RollupState(opts.arities);
  keys.forEach((k, i) => genesis.setAccount(i, { publicKey: publicKeyOf(k), balance: 10n ** 15n, nonce: 0n }));
  /** Two batches of n transfers: transfer j is sent by account j mod m to the next account. */
  const twoBatches = (n: number): (BuiltBatch & { operations: Operation[] })[] => {
    const nonces = new Array<bigint>(accountCount).fill(0n);
    let state = genesis;
    return [0, 1].map((b) => {
      const ops: Operation[] = Array.from({ length: n }, (_, i) => {
        const from = (b * n + i) % accountCount;
        const nonce = nonces[from] ?? 0n;
        nonces[from] = nonce + 1n;
        return signTransfer(keys[from]!, { kind: "transfer", from, to: (from + 1) % accountCount, amount: 1000n + BigInt(i), nonce }, layout, ROLLUP_ID);
      });
      const built = buildBatch(state, ops, n, ctx);
      state = built.state;
      return { ...built, operations: ops };
    });
  };

  const zk = opts.zk;
  // The accepting verifier is compiled with the real one (one compile, cached), before the EVM starts.
  if (zk !== undefined) await compileRollupContracts(zk.keys, opts.log);
  const session = await demoSession("simulated");
  const clock = demoClock();
  const points: CostPoint[] = [];
  try {
    /** Deploys ZkRollup.sol (capacity n) with `verifier` and submits `batches` with `proof`; the receipts. */
    const zkRun = async (n: number, batches: readonly BuiltBatch[], proof: SubmitBatchArgs["proof"], verifier: "groth16" | "accepting", commitment = layout.commitment) => {
      const rollup = await ZkRollupL1.start({ rollupId: ROLLUP_ID, layout: recordLayout(opts.arities, commitment), arities: opts.arities, capacity: n, genesisRoot: genesis.root, verifier, ...(zk === undefined ? {} : { keys: zk.keys }), session, clock });
      await alignClock(session, clock);
      const receipts = [];
      for (const [i, b] of batches.entries()) {
        clock.advanceSlots(1);
        const r = await rollup.submitBatch(SEQUENCER, { records: b.records, withdrawalRecipients: b.withdrawalRecipients, newRoot: b.newRoot, proof });
        if (r.status !== "success") throw new Error(`cost model: zk batch ${i + 1} of ${n} transfers reverted (${r.revertReason ?? "?"})`);
        receipts.push(r);
      }
      return receipts;
    };

    // The real verifier's gas: one proven batch through the real and the accepting verifier.
    let verifierGas: CostByBatchSize["verifierGas"];
    let proof: SubmitBatchArgs["proof"] | undefined;
    if (zk !== undefined) {
      const n = zk.capacity;
      const [first] = twoBatches(n);
      proof = (await zk.prover.prove(first!.inputs)).proof;
      const [real] = await zkRun(n, [first!], proof, "groth16");
      const [accepting] = await zkRun(n, [first!], proof, "accepting");
      verifierGas = { gas: real!.gasUsed - accepting!.gasUsed, batchSize: n };
      opts.log?.(`cost model: the Groth16 verifier adds ${fmt(verifierGas.gas)} gas to a batch transaction (measured on a proven batch of ${n})`);
    }

    for (const n of sizes) {
      const batches = twoBatches(n);
      if (verifierGas !== undefined && proof !== undefined) {
        // The proof's bytes as calldata (what a real proof costs to post); the accepting verifier takes them.
        for (const commitment of COMMITMENTS) {
          const r = (await zkRun(n, batches, proof, "accepting", commitment))[1]!;
          const gas = r.gasUsed + verifierGas.gas;
          points.push({ mode: `zk (${commitment})`, batchSize: n, batchGas: gas, gasPerTransfer: Math.round(gas / n), calldataBytes: r.calldata.bytes, source: "contract measured with an accepting verifier + real verifier gas measured" });
        }
      }
      const opt = await OptimisticRollupL1.start({ rollupId: ROLLUP_ID, arities: opts.arities, capacity: n, genesisRoot: genesis.root, proposerBond: PROPOSER_BOND, challengerBond: CHALLENGER_BOND, session, clock });
      await alignClock(session, clock);
      await opt.fund(SEQUENCER, 10n * PROPOSER_BOND);
      const proposer = new Proposer(opt, SEQUENCER, genesis);
      let last;
      for (const b of batches) {
        clock.advanceSlots(1);
        last = await proposer.propose(b.operations);
        if (last.status !== "success") throw new Error(`cost model: optimistic batch of ${n} transfers reverted (${last.revertReason ?? "?"})`);
      }
      points.push({ mode: "optimistic", batchSize: n, batchGas: last!.gasUsed, gasPerTransfer: Math.round(last!.gasUsed / n), calldataBytes: last!.calldata.bytes, source: "measured" });
    }

    // A plain ETH transfer between two accounts, for scale.
    const payer = labelAddress("cost model payer");
    await session.setBalance(payer, 10n ** 18n);
    const plain = await session.send({ from: payer, to: toAddress(labelAddress("cost model payee")), data: "0x", value: 1n });
    const plainGas = Number(plain.receipt.gasUsed);
    for (const n of sizes) points.push({ mode: "plain L1 transfer", batchSize: n, batchGas: plainGas * n, gasPerTransfer: plainGas, calldataBytes: 0, source: "measured" });
    return { points: points.sort((a, b) => a.batchSize - b.batchSize), verifierGas };
  } finally {
    await session.close();
  }
}

function fmt(n: number): string {
  return n.toLocaleString("en-US");
}
