import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIELD_MODULUS } from "../../src/crypto/index.ts";
import { shutdownProver, verifyProof } from "../../src/prover/prove.ts";
import {
  BN254_BASE_FIELD,
  L1Chain,
  L1Error,
  ZkRollupContract,
  calldataCost,
  gasByItem,
  poseidonGas,
  reconstructState,
  type L1Transaction,
  type SubmitBatchArgs,
} from "../../src/l1/index.ts";
import { ctx, testInstance, type User } from "../helpers/fixtures.ts";
import { ALICE_L1, BOB_L1, GENESIS_ROOT, OTHER, RECIPIENT, SEQUENCER, args, proveZkBatches, vkey, type Proved } from "../helpers/zk-batches.ts";

let alice: User;
let bob: User;
let b1: Proved;
let b2: Proved;
let b3: Proved;
let inflated: Proved;

beforeAll(async () => {
  ({ alice, bob, b1, b2, b3, inflated } = await proveZkBatches());
});

afterAll(shutdownProver);

function newRollup(chain: L1Chain, finalitySlots = 0): ZkRollupContract {
  return new ZkRollupContract(chain, {
    rollupId: ctx.rollupId,
    layout: ctx.layout,
    capacity: testInstance.ops,
    vkey,
    genesisRoot: GENESIS_ROOT,
    finalitySlots,
  });
}

async function depositBoth(rollup: ZkRollupContract, chain: L1Chain): Promise<void> {
  expect((await rollup.deposit(ALICE_L1, alice.publicKey, 1000n)).status).toBe("success");
  chain.advance(12);
  expect((await rollup.deposit(BOB_L1, bob.publicKey, 50n)).status).toBe("success");
}

/** Everything a rejected batch must leave as it was. */
function snapshot(rollup: ZkRollupContract, chain: L1Chain) {
  return {
    root: rollup.currentRoot,
    batches: rollup.batchCount,
    queueHead: rollup.bridge.queueHead,
    queueLength: rollup.depositQueue.length,
    locked: rollup.bridge.lockedBalance,
    balances: [ALICE_L1, BOB_L1, SEQUENCER, RECIPIENT, OTHER].map((a) => chain.balanceOf(a)),
    withdrawals: [1, 2, 3].map((n) => rollup.bridge.withdrawalsOf(n).length),
  };
}

function linesSum(tx: L1Transaction): number {
  return tx.gas.reduce((s, l) => s + l.gas, 0);
}

describe("zk rollup contract on the simulated L1 (test instance, development keys)", () => {
  const chain = new L1Chain();
  const rollup = newRollup(chain);
  chain.mint(ALICE_L1, 5_000n);
  chain.mint(BOB_L1, 500n);

  async function expectRejected(submission: SubmitBatchArgs, code: string): Promise<L1Transaction> {
    const before = snapshot(rollup, chain);
    const r = await rollup.submitBatch(SEQUENCER, submission);
    expect(r.status).toBe("reverted");
    expect(r.revertReason).toBe(code);
    expect(r.events).toEqual([]);
    expect(r.gasUsed).toBe(linesSum(r));
    expect(snapshot(rollup, chain)).toEqual(before);
    return r;
  }

  it("deposits lock L1 funds and queue the L2 keys in order", async () => {
    await depositBoth(rollup, chain);
    expect(rollup.depositQueue.map((d) => [d.index, d.publicKey, d.amount, d.timestamp])).toEqual([
      [0, alice.publicKey, 1000n, 0],
      [1, bob.publicKey, 50n, 12],
    ]);
    expect([chain.balanceOf(ALICE_L1), chain.balanceOf(BOB_L1), rollup.bridge.lockedBalance]).toEqual([4000n, 450n, 1050n]);
    expect(rollup.bridge.queueHead).toBe(0);
  });

  it("rejects a validly proven batch whose deposit amount differs from the queue (DEPOSIT_MISMATCH)", async () => {
    // The proof is fine for its own data; only the L1's queue check stops the inflated credit.
    expect(await verifyProof(vkey, [inflated.batch.inputHash.toString()], inflated.proved.proof)).toBe(true);
    await expectRejected(args(inflated), "DEPOSIT_MISMATCH");
  });

  it("rejects tampered proofs (INVALID_PROOF)", async () => {
    const proof = b1.proved.proof;
    const piA = proof["pi_a"] as string[];
    const piC = proof["pi_c"] as string[];
    const [ax = "0", ay = "0"] = piA;
    // another valid curve point
    await expectRejected(args(b1, { proof: { ...proof, pi_a: piC, pi_c: piA } }), "INVALID_PROOF");
    // a point off the curve
    await expectRejected(args(b1, { proof: { ...proof, pi_a: [(BigInt(ax) + 1n).toString(), ay, "1"] } }), "INVALID_PROOF");
    // the same point written non-canonically (x + q): the precompile rejects it, so must we
    await expectRejected(args(b1, { proof: { ...proof, pi_a: [(BigInt(ax) + BN254_BASE_FIELD).toString(), ay, "1"] } }), "INVALID_PROOF");
  });

  it("rejects records of the wrong length (BAD_RECORDS_LENGTH)", async () => {
    await expectRejected(args(b1, { records: b1.batch.records.subarray(1) }), "BAD_RECORDS_LENGTH");
    await expectRejected(args(b1, { records: new Uint8Array([...b1.batch.records, 0]) }), "BAD_RECORDS_LENGTH");
  });

  it("accepts the deposit batch: root, batch, queue head, event, gas by item", async () => {
    chain.advance(12);
    const r = await rollup.submitBatch(SEQUENCER, args(b1));
    expect(r.status).toBe("success");
    expect(rollup.currentRoot).toBe(b1.batch.newRoot);
    expect(rollup.batchCount).toBe(1);
    expect(rollup.bridge.queueHead).toBe(2);
    expect(rollup.batch(1)).toMatchObject({
      number: 1,
      oldRoot: GENESIS_ROOT,
      newRoot: b1.batch.newRoot,
      records: b1.batch.records,
      firstDeposit: 0,
      depositCount: 2,
      l1Acc: b1.batch.l1Acc,
      inputHash: b1.batch.inputHash,
      blockNumber: 2,
      timestamp: 24,
    });
    expect(r.events).toEqual([
      { address: rollup.address, name: "BatchAccepted", args: { batchNumber: 1, oldRoot: GENESIS_ROOT, newRoot: b1.batch.newRoot } },
    ]);
    const p3 = await poseidonGas(3);
    const p6 = await poseidonGas(6);
    expect(r.gas.map((l) => [l.item, l.gas])).toEqual([
      ["base", 21_000],
      ["calldata", r.calldata.gas],
      ["deposit queue reads", 3 * 2_100],
      ["deposit queue reads", 3 * 2_100],
      ["poseidon: L1 message chain", 2 * p3],
      ["poseidon: input hash", p6],
      ["groth16 verification", 187_150],
      ["contract calls", 3 * 2_600 + 100], // Poseidon(3) twice, Poseidon(6), the verifier
      ["storage reads", 2 * 2_100], // queue head and length
      ["storage writes", 5_000], // root
      ["storage writes", 22_100], // batch count 0 → 1
      ["storage writes", 22_100], // queue head 0 → 2
      ["logs", 375 + 2 * 375 + 8 * 64],
    ]);
    expect(r.gasUsed).toBe(linesSum(r));
    expect(gasByItem(r.gas).find((e) => e.item === "storage writes")?.gas).toBe(5_000 + 2 * 22_100);
  });

  it("rejects a replay of the accepted deposit batch (its deposits are consumed)", async () => {
    await expectRejected(args(b1), "DEPOSIT_QUEUE_EMPTY");
  });

  it("rejects a batch that skips one (its old root is not the current root)", async () => {
    await expectRejected(args(b3), "INVALID_PROOF");
  });

  it("rejects wrong withdrawal recipients", async () => {
    await expectRejected(args(b2, { withdrawalRecipients: [OTHER] }), "INVALID_PROOF");
    await expectRejected(args(b2, { withdrawalRecipients: [] }), "WITHDRAWAL_COUNT");
    await expectRejected(args(b2, { withdrawalRecipients: [RECIPIENT, RECIPIENT] }), "WITHDRAWAL_COUNT");
    const mined = chain.transactions().length;
    const tooWide = rollup.submitBatch(SEQUENCER, args(b2, { withdrawalRecipients: [1n << 160n] }));
    await expect(tooWide).rejects.toBeInstanceOf(L1Error);
    await expect(tooWide).rejects.toMatchObject({ code: "BAD_ARGUMENT" });
    expect(chain.transactions()).toHaveLength(mined);
  });

  it("rejects every single-byte change of the posted records", async () => {
    const records = b2.batch.records;
    const { recordBytes } = ctx.layout;
    for (let i = 0; i < records.length; i++) {
      const tampered = records.slice();
      tampered[i] = (tampered[i] ?? 0) ^ 1;
      // A flipped kind bit may turn a record into a deposit (the queue is empty now) or drop a withdrawal;
      // every other change reaches the verifier and fails there.
      const kinds = Array.from({ length: testInstance.ops }, (_, k) => (tampered[k * recordBytes] ?? 0) >> 6);
      const expected = kinds.includes(2)
        ? "DEPOSIT_QUEUE_EMPTY"
        : kinds.filter((k) => k === 3).length !== 1
          ? "WITHDRAWAL_COUNT"
          : "INVALID_PROOF";
      await expectRejected(args(b2, { records: tampered }), expected);
    }
  });

  it("rejects a new root that is not the proven one, or not a field element", async () => {
    await expectRejected(args(b2, { newRoot: b2.batch.newRoot + 1n }), "INVALID_PROOF");
    // Same value modulo the field: Poseidon would reduce it, so the contract must refuse it outright.
    await expectRejected(args(b2, { newRoot: b2.batch.newRoot + FIELD_MODULUS }), "MALFORMED");
  });

  it("accepts the transfer + withdrawal batch and registers the withdrawal; its gas adds up", async () => {
    chain.advance(12);
    const r = await rollup.submitBatch(SEQUENCER, args(b2));
    expect(r.status).toBe("success");
    expect(rollup.currentRoot).toBe(b2.batch.newRoot);
    expect(rollup.bridge.withdrawalsOf(2)).toEqual([{ batchNumber: 2, index: 0, recipient: RECIPIENT, amount: 20n }]);
    expect(rollup.isFinal(2)).toBe(true);

    // calldata: selector, root, 8 proof words, records length, 12 record bytes, recipient count, one recipient
    expect(r.calldata.bytes).toBe(4 + 32 + 256 + 32 + 2 * ctx.layout.recordBytes + 32 + 20);
    expect(r.calldata).toEqual(calldataCost(r.input));
    const p3 = await poseidonGas(3);
    const p6 = await poseidonGas(6);
    expect(r.gas.map((l) => [l.item, l.gas])).toEqual([
      ["base", 21_000],
      ["calldata", 16 * r.calldata.nonZeroBytes + 4 * r.calldata.zeroBytes],
      ["poseidon: L1 message chain", p3],
      ["poseidon: input hash", p6],
      ["groth16 verification", 187_150],
      ["contract calls", 3 * 2_600], // Poseidon(3), Poseidon(6), the verifier
      ["storage reads", 2 * 2_100],
      ["storage writes", 5_000], // root
      ["storage writes", 5_000], // batch count
      ["storage writes", 22_100], // one withdrawal
      ["logs", 1_637],
    ]);
    expect(r.gasUsed).toBe(21_000 + r.calldata.gas + p3 + p6 + 187_150 + 3 * 2_600 + 4_200 + 32_100 + 1_637);
    expect(r.gasProvenance).toMatch(/EIP/);
  });

  it("pays the withdrawal once: a second claim reverts and pays nothing", async () => {
    const locked = rollup.bridge.lockedBalance;
    const first = await rollup.claimWithdrawal(SEQUENCER, 2, 0);
    expect(first.status).toBe("success");
    expect(chain.balanceOf(RECIPIENT)).toBe(20n);
    expect(rollup.bridge.lockedBalance).toBe(locked - 20n);
    expect(first.events).toEqual([
      { address: rollup.address, name: "WithdrawalClaimed", args: { batchNumber: 2, index: 0, recipient: RECIPIENT, amount: 20n } },
    ]);
    expect(first.gasUsed).toBe(linesSum(first));

    const before = snapshot(rollup, chain);
    const again = await rollup.claimWithdrawal(RECIPIENT, 2, 0);
    expect(again.revertReason).toBe("ALREADY_CLAIMED");
    expect(snapshot(rollup, chain)).toEqual(before);
    expect((await rollup.claimWithdrawal(SEQUENCER, 2, 1)).revertReason).toBe("NO_WITHDRAWAL");
    expect((await rollup.claimWithdrawal(SEQUENCER, 1, 0)).revertReason).toBe("NO_WITHDRAWAL");
    expect(snapshot(rollup, chain)).toEqual(before);
  });

  it("rejects a replay of the accepted transfer batch (stale old root)", async () => {
    await expectRejected(args(b2), "INVALID_PROOF");
  });

  it("accepts the next batch; the L2 state rebuilt from L1 data alone has the L1's root", async () => {
    expect((await rollup.submitBatch(SEQUENCER, args(b3))).status).toBe("success");
    const state = reconstructState(rollup, testInstance.arities);
    expect(state.root).toBe(rollup.currentRoot);
    expect(state.root).toBe(b3.batch.newRoot);
    expect([...state.entries()].sort(([a], [b]) => a - b)).toEqual([...b3.batch.state.entries()].sort(([a], [b]) => a - b));
    expect(state.account(0)).toMatchObject({ balance: 600n, nonce: 2n });
    expect(state.account(5)).toMatchObject({ balance: 430n, nonce: 1n });
  });

  it("reconstruction refuses data that does not replay to the accepted roots", () => {
    const batches = rollup.batches.map((b, i) => {
      if (i !== 1) return b;
      const records = b.records.slice();
      records[ctx.layout.recordBytes - 1] = (records[ctx.layout.recordBytes - 1] ?? 0) ^ 1;
      return { ...b, records };
    });
    expect(() => reconstructState({ ...dataOf(rollup), batches }, testInstance.arities)).toThrow(
      expect.objectContaining({ code: "RECONSTRUCTION_MISMATCH" }),
    );
  });

  it("keeps every transaction, reverted ones included, in the L1's blocks", () => {
    const txs = chain.transactions();
    expect(txs.filter((t) => t.method === "submitBatch" && t.status === "success")).toHaveLength(3);
    expect(txs.filter((t) => t.status === "reverted").every((t) => t.gasUsed > 21_000 && t.events.length === 0)).toBe(true);
    const perBlock = Array.from({ length: chain.blockNumber + 1 }, (_, n) => chain.block(n).transactions.length);
    expect(perBlock.reduce((a, b) => a + b, 0)).toBe(txs.length);
  });
});

describe("finality delay", () => {
  it("pays a withdrawal only once its batch is final", async () => {
    const chain = new L1Chain();
    const rollup = newRollup(chain, 2);
    chain.mint(ALICE_L1, 5_000n);
    chain.mint(BOB_L1, 500n);
    await depositBoth(rollup, chain);
    expect((await rollup.submitBatch(SEQUENCER, args(b1))).status).toBe("success");
    expect((await rollup.submitBatch(SEQUENCER, args(b2))).status).toBe("success");
    const early = await rollup.claimWithdrawal(SEQUENCER, 2, 0);
    expect(early.revertReason).toBe("NOT_FINAL");
    expect(chain.balanceOf(RECIPIENT)).toBe(0n);
    chain.advanceBlocks(2);
    expect((await rollup.claimWithdrawal(SEQUENCER, 2, 0)).status).toBe("success");
    expect(chain.balanceOf(RECIPIENT)).toBe(20n);
  });
});

function dataOf(rollup: ZkRollupContract) {
  return {
    rollupId: rollup.rollupId,
    layout: rollup.layout,
    genesisRoot: rollup.genesisRoot,
    currentRoot: rollup.currentRoot,
    batches: rollup.batches,
    depositQueue: rollup.depositQueue,
  };
}
