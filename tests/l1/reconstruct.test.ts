/**
 * Reconstruction of the L2 state from L1 data alone (src/l1/reconstruct.ts), on ZkRollup.sol in the
 * in-process EVM. The proofs do not matter here: the contract runs with the test-only accepting verifier.
 */
import { describe, expect, it } from "vitest";
import { ZkRollupL1 } from "../../src/evm/zk-rollup.ts";
import { EvmSession } from "../../src/evm/client.ts";
import { labelAddress } from "../../src/l1/address.ts";
import { wordsToProof } from "../../src/l1/calldata.ts";
import { L1Clock } from "../../src/l1/clock.ts";
import { reconstructState } from "../../src/l1/reconstruct.ts";
import { RollupState, buildBatch, type BuiltBatch } from "../../src/state/index.ts";
import { ctx, fundedState, testInstance, transfer } from "../helpers/fixtures.ts";

const SEQUENCER = labelAddress("sequencer");
const DEPOSITOR = labelAddress("depositor");

describe("reconstruction from the EVM's data", () => {
  it("rebuilds the accepted state, and refuses data that does not replay to the accepted roots", async () => {
    const session = await EvmSession.inProcess();
    try {
      const clock = new L1Clock();
      clock.advanceSlots(1);
      const zk = await ZkRollupL1.start({
        rollupId: ctx.rollupId,
        layout: ctx.layout,
        arities: testInstance.arities,
        capacity: testInstance.ops,
        genesisRoot: new RollupState(testInstance.arities).root,
        verifier: "accepting",
        session,
        clock,
      });
      await zk.fund(DEPOSITOR, 10_000n);
      const { alice, bob, state, depositBatch } = fundedState([1000n, 50n]);
      for (const [user, amount] of [[alice, 1000n], [bob, 50n]] as const) expect((await zk.deposit(DEPOSITOR, user.publicKey, amount)).status).toBe("success");
      const second = buildBatch(state, [transfer(alice, 0, 5, 300n, 0n)], testInstance.ops, ctx);
      const submit = (b: BuiltBatch) => zk.submitBatch(SEQUENCER, { records: b.records, withdrawalRecipients: b.withdrawalRecipients, newRoot: b.newRoot, proof: wordsToProof([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]) });
      expect((await submit(depositBatch)).status).toBe("success");
      expect((await submit(second)).status).toBe("success");

      const data = await zk.rollupData();
      const rebuilt = reconstructState(data, testInstance.arities);
      expect(rebuilt.root).toBe(await zk.currentRoot());
      expect([rebuilt.account(0)?.balance, rebuilt.account(5)?.balance]).toEqual([700n, 350n]);

      // one bit of batch 2's first record flipped: it no longer replays to the root the L1 accepted
      const batches = data.batches.map((b, i) => {
        if (i !== 1) return b;
        const records = b.records.slice();
        records[ctx.layout.recordBytes - 1] = (records[ctx.layout.recordBytes - 1] ?? 0) ^ 1;
        return { ...b, records };
      });
      expect(() => reconstructState({ ...data, batches }, testInstance.arities)).toThrow(expect.objectContaining({ code: "RECONSTRUCTION_MISMATCH" }));
    } finally {
      await session.close();
    }
  });
});
