import { privateKeyFromLabel, publicKeyOf } from "../crypto/eddsa.ts";
import { L1Chain, labelAddress } from "../l1/chain.ts";
import { ETH_TRANSFER_GAS } from "../l1/gas.ts";
import { OptimisticRollupContract } from "../l1/optimistic-rollup.ts";
import { ZkRollupContract } from "../l1/zk-rollup.ts";
import { Proposer } from "../optimistic/proposer.ts";
import { buildBatch } from "../state/batch.ts";
import { RollupState } from "../state/rollup-state.ts";
import { recordLayout } from "../tx/layout.ts";
import { signTransfer, type Operation } from "../tx/operation.ts";
import { PROPOSER_BOND, ROLLUP_ID, SEQUENCER } from "./mode-run.ts";

export interface CostPoint {
  readonly mode: "zk" | "optimistic" | "plain L1 transfer";
  readonly batchSize: number;
  readonly batchGas: number;
  readonly gasPerTransfer: number;
  readonly calldataBytes: number;
}

/**
 * L1 gas per transfer for full batches of transfers, by batch size, from each contract's own gas
 * accounting (the schedule plus the measured Poseidon contract). The zk contract runs in its gas-model
 * mode (the Groth16 check is charged at its schedule price, not executed: no proof is made per size);
 * the optimistic contract needs no proof. Each figure is the second batch of a run (steady-state storage).
 */
export async function costByBatchSize(arities: readonly number[], sizes: readonly number[]): Promise<CostPoint[]> {
  const layout = recordLayout(arities);
  const ctx = { layout, rollupId: ROLLUP_ID };
  const alice = privateKeyFromLabel("cost model alice");
  const genesis = new RollupState(arities);
  genesis.setAccount(0, { publicKey: publicKeyOf(alice), balance: 10n ** 15n, nonce: 0n });
  genesis.setAccount(1, { publicKey: publicKeyOf(privateKeyFromLabel("cost model bob")), balance: 0n, nonce: 0n });
  const points: CostPoint[] = [];
  for (const n of sizes) {
    // Alice pays Bob n times a batch; her nonce counts the transfers.
    const batches = [0, 1].map((b): Operation[] =>
      Array.from({ length: n }, (_, i) =>
        signTransfer(alice, { kind: "transfer", from: 0, to: 1, amount: 1000n, nonce: BigInt(b * n + i) }, layout, ROLLUP_ID),
      ),
    );

    const zkChain = new L1Chain();
    const zk = new ZkRollupContract(zkChain, { rollupId: ROLLUP_ID, layout, capacity: n, vkey: { protocol: "groth16", nPublic: 1 }, genesisRoot: genesis.root, unverifiedGasModel: true });
    const optChain = new L1Chain();
    const opt = new OptimisticRollupContract(optChain, { rollupId: ROLLUP_ID, arities, capacity: n, genesisRoot: genesis.root, proposerBond: PROPOSER_BOND, challengerBond: PROPOSER_BOND });
    optChain.mint(SEQUENCER, 10n * PROPOSER_BOND);
    const proposer = new Proposer(opt, SEQUENCER, genesis);
    let zkState = genesis;
    let zkGas = 0;
    let zkBytes = 0;
    let optGas = 0;
    let optBytes = 0;
    for (const ops of batches) {
      const b = buildBatch(zkState, ops, n, ctx);
      zkState = b.state;
      const fakeProof = { pi_a: ["1", "2", "1"], pi_b: [["1", "2"], ["3", "4"], ["1", "0"]], pi_c: ["1", "2", "1"], protocol: "groth16", curve: "bn128" };
      const r = await zk.submitBatch(labelAddress("sequencer"), { records: b.records, withdrawalRecipients: [], newRoot: b.newRoot, proof: fakeProof });
      zkGas = r.gasUsed;
      zkBytes = r.calldata.bytes;
      zkChain.clock.advanceSlots(1);
      const o = await proposer.propose(ops);
      optGas = o.gasUsed;
      optBytes = o.calldata.bytes;
      optChain.clock.advanceSlots(1);
    }
    points.push({ mode: "zk", batchSize: n, batchGas: zkGas, gasPerTransfer: Math.round(zkGas / n), calldataBytes: zkBytes });
    points.push({ mode: "optimistic", batchSize: n, batchGas: optGas, gasPerTransfer: Math.round(optGas / n), calldataBytes: optBytes });
    points.push({ mode: "plain L1 transfer", batchSize: n, batchGas: ETH_TRANSFER_GAS * n, gasPerTransfer: ETH_TRANSFER_GAS, calldataBytes: 0 });
  }
  return points;
}
