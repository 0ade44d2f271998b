/**
 * Forced withdrawals and exit mode on ZkRollup.sol (RollupBridge.sol's rules) in the in-process EVM with
 * real Groth16 batches: an accepted batch cannot be rolled back, so a request it carries is served at
 * acceptance; a request whose nonce moved is dismissed with a proof under a later root; a pending request
 * past its deadline opens exit mode; claims from the exit root and refunds once each; the bridge ends empty.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newPrivateKey, publicKeyOf, sign } from "../../src/crypto/eddsa.ts";
import { FIELD_MODULUS } from "../../src/crypto/field.ts";
import { ZkRollupL1 } from "../../src/evm/zk-rollup.ts";
import { EvmSession } from "../../src/evm/client.ts";
import { labelAddress } from "../../src/l1/address.ts";
import { L1Clock } from "../../src/l1/clock.ts";
import { exitClaimMessage, type BatchAccountProof, type ExitClaim } from "../../src/l1/forced-exit-types.ts";
import { shutdownProver } from "../../src/prover/prove.ts";
import type { RollupState } from "../../src/state/index.ts";
import { ctx, testInstance, withdraw, type User } from "../helpers/fixtures.ts";
import { ALICE_L1, BOB_L1, GENESIS_ROOT, RECIPIENT, SEQUENCER, args, keys, proveZkBatches, type ZkBatches } from "../helpers/zk-batches.ts";

const DEADLINE = 600;
const ANYONE = labelAddress("anyone");
const CAROL_L1 = labelAddress("carol (L1)");
const ALICE = 0;
const BOB = 5;

let session: EvmSession;
let z: ZkBatches;

beforeAll(async () => {
  session = await EvmSession.inProcess();
  z = await proveZkBatches();
}, 300_000);

afterAll(async () => {
  await session?.close();
  await shutdownProver();
});

function proofOf(state: RollupState, index: number, rootBatch: number): BatchAccountProof {
  const account = state.account(index);
  if (account === undefined) throw new Error(`no account ${index}`);
  return { rootBatch, account, path: state.tree.path(index) };
}

function claimOf(state: RollupState, index: number, signer: User, recipient: bigint): ExitClaim {
  const account = state.account(index);
  if (account === undefined) throw new Error(`no account ${index}`);
  return { index, account, path: state.tree.path(index), recipient, signature: sign(signer.key, exitClaimMessage(ctx.rollupId, index, recipient)) };
}

function expectReverted(tx: { status: string; revertReason: string | null; result: unknown }, code: string): void {
  expect({ status: tx.status, code: tx.revertReason }).toEqual({ status: "reverted", code });
  expect(tx.result).toBe(undefined);
}

describe("forced withdrawals and exit mode on ZkRollup.sol", () => {
  it("served at acceptance, dismissed once stale, exit mode after the deadline, every account out once, the bridge empty", async () => {
    const clock = new L1Clock();
    clock.advanceSlots(1);
    const evm = await ZkRollupL1.start({
      rollupId: ctx.rollupId,
      layout: ctx.layout,
      capacity: testInstance.ops,
      genesisRoot: GENESIS_ROOT,
      keys,
      arities: testInstance.arities,
      forcedDeadlineSeconds: DEADLINE,
      session,
      clock,
    });
    const { alice, bob, b1, b2, b3 } = z;
    const s1 = b1.batch.state;
    const s2 = b2.batch.state;
    const s3 = b3.batch.state;
    for (const a of [ALICE_L1, BOB_L1, CAROL_L1]) await evm.fund(a, 10_000n);
    expect((await evm.deposit(ALICE_L1, alice.publicKey, 1000n)).status).toBe("success");
    expect((await evm.deposit(BOB_L1, bob.publicKey, 50n)).status).toBe("success");
    // No batch yet: only the genesis root is final, where Bob has no account.
    expectReverted(await evm.requestForcedWithdrawal(BOB_L1, { withdraw: withdraw(bob, BOB, RECIPIENT, 20n, 0n), witness: proofOf(s1, BOB, 1) }), "NOT_FINAL");
    clock.advanceSlots(1);
    expect((await evm.submitBatch(SEQUENCER, args(b1))).status).toBe("success");
    expect(await evm.lastFinalBatch()).toBe(1);

    // Bob forces the very withdraw batch 2 carries; Alice forces one at the nonce her transfer in batch 2 spends.
    clock.advanceSlots(1);
    const bobReq = await evm.requestForcedWithdrawal(BOB_L1, { withdraw: withdraw(bob, BOB, RECIPIENT, 20n, 0n), witness: proofOf(s1, BOB, 1) });
    console.log(`zk: forced-withdrawal request ${bobReq.gasUsed} gas`);
    expect(bobReq.result).toMatchObject({ id: 0, status: "pending", deadline: bobReq.timestamp + DEADLINE, rootBatch: 1 });
    expectReverted(await evm.requestForcedWithdrawal(BOB_L1, { withdraw: withdraw(bob, BOB, BOB_L1, 10n, 0n), witness: proofOf(s1, BOB, 1) }), "REQUEST_OPEN");
    expectReverted(await evm.requestForcedWithdrawal(BOB_L1, { withdraw: withdraw(alice, BOB, BOB_L1, 10n, 0n), witness: proofOf(s1, BOB, 1) }), "BAD_SIGNATURE");
    const aliceReq = await evm.requestForcedWithdrawal(ALICE_L1, { withdraw: withdraw(alice, ALICE, ALICE_L1, 10n, 0n), witness: proofOf(s1, ALICE, 1) });
    expect(aliceReq.result?.status).toBe("pending");
    clock.advanceSlots(1);
    expect((await evm.submitBatch(SEQUENCER, args(b2))).status).toBe("success");
    expect((await evm.forcedRequests()).map((r) => r.status)).toEqual(["served", "pending"]);
    expect((await evm.forcedRequests())[0]?.servedIn).toEqual({ batchNumber: 2, withdrawalIndex: 0 });
    expectReverted(await evm.activateExitMode(ANYONE, 0), "NOT_PENDING");
    expectReverted(await evm.activateExitMode(ANYONE, 1), "DEADLINE_NOT_PASSED");

    // Alice's nonce moved at batch 2: dismissed under that root (not under the request's own).
    expectReverted(await evm.dismissForcedWithdrawal(ANYONE, 1, proofOf(s1, ALICE, 1)), "BAD_WITNESS");
    const dismissed = await evm.dismissForcedWithdrawal(ANYONE, 1, proofOf(s2, ALICE, 2));
    console.log(`zk: dismissal ${dismissed.gasUsed} gas`);
    expect(dismissed.result).toMatchObject({ id: 1, status: "dismissed", dismissedAt: dismissed.timestamp });

    // Bob asks again (his first request was served); batch 3 pays him, his nonce stays: not stale.
    const again = await evm.requestForcedWithdrawal(BOB_L1, { withdraw: withdraw(bob, BOB, BOB_L1, 30n, 1n), witness: proofOf(s2, BOB, 2) });
    expect(again.result).toMatchObject({ id: 2, status: "pending" });
    clock.advanceSlots(1);
    expect((await evm.submitBatch(SEQUENCER, args(b3))).status).toBe("success");
    expectReverted(await evm.dismissForcedWithdrawal(ANYONE, 2, proofOf(s3, BOB, 3)), "NOT_STALE");
    expectReverted(await evm.claimExit(ALICE_L1, claimOf(s3, ALICE, alice, ALICE_L1)), "NOT_EXIT_MODE");
    // Carol's deposit comes after the last batch: no batch takes it.
    const carolKey = publicKeyOf(newPrivateKey());
    expect((await evm.deposit(CAROL_L1, carolKey, 70n)).status).toBe("success");

    // The censor does not serve Bob's second request: exit mode after its deadline (not at it), at batch 3.
    const deadline = again.result?.deadline ?? 0;
    clock.advance(deadline - clock.now);
    expectReverted(await evm.activateExitMode(ANYONE, 2), "DEADLINE_NOT_PASSED");
    clock.advanceSlots(1);
    const on = await evm.activateExitMode(ANYONE, 2);
    expect(on.result).toMatchObject({ requestId: 2, activatedAtBatch: 3, batchNumber: 3, root: b3.batch.newRoot, claimsOpen: true });
    expectReverted(await evm.activateExitMode(ANYONE, 2), "EXIT_MODE");
    expectReverted(await evm.submitBatch(SEQUENCER, args(b3)), "EXIT_MODE");
    expectReverted(await evm.requestForcedWithdrawal(ALICE_L1, { withdraw: withdraw(alice, ALICE, ALICE_L1, 10n, 2n), witness: proofOf(s3, ALICE, 3) }), "EXIT_MODE");

    // Claims from the exit root, once each; the aliased balance is MALFORMED, another key's signature BAD_SIGNATURE.
    const aliceClaim = claimOf(s3, ALICE, alice, ALICE_L1);
    expectReverted(await evm.claimExit(ALICE_L1, { ...aliceClaim, account: { ...aliceClaim.account, balance: aliceClaim.account.balance + FIELD_MODULUS } }), "MALFORMED");
    expectReverted(await evm.claimExit(ALICE_L1, { ...aliceClaim, account: { ...aliceClaim.account, balance: aliceClaim.account.balance + 1n } }), "BAD_MERKLE_PROOF");
    expectReverted(await evm.claimExit(BOB_L1, claimOf(s3, ALICE, bob, BOB_L1)), "BAD_SIGNATURE");
    const a = await evm.claimExit(ALICE_L1, aliceClaim);
    console.log(`zk: exit claim ${a.gasUsed} gas`);
    const b = await evm.claimExit(BOB_L1, claimOf(s3, BOB, bob, BOB_L1));
    expect([a.result, b.result]).toEqual([600n, 430n]);
    expectReverted(await evm.claimExit(ALICE_L1, aliceClaim), "ALREADY_CLAIMED");
    // Batch 2's withdrawal was debited before the exit root: still paid.
    expect((await evm.claimWithdrawal(ANYONE, 2, 0)).result).toMatchObject({ recipient: RECIPIENT, amount: 20n });
    expectReverted(await evm.refundDeposit(ANYONE, 0), "DEPOSIT_CONSUMED");
    expectReverted(await evm.refundDeposit(ANYONE, 3), "NO_DEPOSIT");
    expect((await evm.refundDeposit(ANYONE, 2)).result).toBe(70n);
    expectReverted(await evm.refundDeposit(ANYONE, 2), "ALREADY_CLAIMED");
    expect(await evm.isRefunded(2)).toBe(true);
    expect(await evm.balanceOf(BigInt(evm.address))).toBe(0n);
  }, 300_000);

  it("a request proving balance + p or a key word + p is MALFORMED", async () => {
    const evm = await ZkRollupL1.start({ rollupId: ctx.rollupId, layout: ctx.layout, capacity: testInstance.ops, genesisRoot: GENESIS_ROOT, keys, arities: testInstance.arities, session });
    const { alice, bob, b1 } = z;
    for (const a of [ALICE_L1, BOB_L1]) await evm.fund(a, 10_000n);
    await evm.deposit(ALICE_L1, alice.publicKey, 1000n);
    await evm.deposit(BOB_L1, bob.publicKey, 50n);
    expect((await evm.submitBatch(SEQUENCER, args(b1))).status).toBe("success");
    const honest = proofOf(b1.batch.state, BOB, 1);
    const send = (witness: BatchAccountProof, amount = 1n) => evm.requestForcedWithdrawal(BOB_L1, { withdraw: withdraw(bob, BOB, BOB_L1, amount, 0n), witness });
    expectReverted(await send({ ...honest, account: { ...honest.account, balance: honest.account.balance + FIELD_MODULUS } }, 1000n), "MALFORMED");
    const key = honest.account.publicKey;
    expectReverted(await send({ ...honest, account: { ...honest.account, publicKey: { ...key, y: key.y + FIELD_MODULUS } } }), "MALFORMED");
    expectReverted(await send({ ...honest, path: honest.path.map((p, i) => (i === 1 ? p + FIELD_MODULUS : p)) }), "MALFORMED");
    expect(await evm.forcedRequests()).toEqual([]);
    expect((await send(honest)).status).toBe("success");
  }, 300_000);
});
