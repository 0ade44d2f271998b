/**
 * Forced withdrawals and exit mode on ZkRollup.sol (RollupBridge.sol's rules) in the in-process EVM with
 * real Groth16 batches: requests are queued unchecked (≤ 150,000 gas); an accepted batch cannot be rolled
 * back, so a request it carries is served at acceptance; one its account cannot honour under a final root
 * (spent nonce, empty leaf, forged signature) is dismissed with a proof, one it can is SERVABLE; a pending
 * request past its deadline opens exit mode; claims from the exit root and refunds once each; the bridge ends empty.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newPrivateKey, publicKeyOf, sign } from "../../src/crypto/eddsa.ts";
import { FIELD_MODULUS } from "../../src/crypto/field.ts";
import { BASE_FIELD_MODULUS } from "../../src/prover-pool/job.ts";
import { ZK_ROLLUP_ABI, ZkRollupL1 } from "../../src/evm/zk-rollup.ts";
import { EvmSession, revertName } from "../../src/evm/client.ts";
import { labelAddress } from "../../src/l1/address.ts";
import { L1Clock } from "../../src/l1/clock.ts";
import { exitClaimMessage, type BatchAccountProof, type ExitClaim } from "../../src/l1/forced-exit-types.ts";
import { shutdownProver } from "../../src/prover/prove.ts";
import { buildBatch, type RollupState } from "../../src/state/index.ts";
import { FORCED_REQUEST_BOND, bytesToHex } from "../../src/evm/rollup-contract.ts";
import { encodeActivateExitMode, encodeDismissForcedWithdrawal, encodeRequestForcedWithdrawal } from "../../src/l1/forced-exit-calldata.ts";
import type { Withdraw } from "../../src/tx/operation.ts";
import { ctx, testInstance, withdraw, type User } from "../helpers/fixtures.ts";
import { ALICE_L1, BOB_L1, GENESIS_ROOT, RECIPIENT, SEQUENCER, args, keys, proveZkBatches, type ZkBatches } from "../helpers/zk-batches.ts";

const DEADLINE = 600;
const ANYONE = labelAddress("anyone");
const CAROL_L1 = labelAddress("carol (L1)");
const ALICE = 0;
const BOB = 5;
/** A leaf no deposit fills. */
const EMPTY = 7;

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

/** The all-zero account of an empty leaf, under a root. */
function emptyProof(state: RollupState, index: number, rootBatch: number): BatchAccountProof {
  if (state.account(index) !== undefined) throw new Error(`account ${index} is not empty`);
  return { rootBatch, account: { publicKey: { x: 0n, y: 0n }, balance: 0n, nonce: 0n }, path: state.tree.path(index) };
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
    for (const a of [ALICE_L1, BOB_L1, CAROL_L1, ANYONE]) await evm.fund(a, 10_000n);
    expect((await evm.deposit(ALICE_L1, alice.publicKey, 1000n)).status).toBe("success");
    expect((await evm.deposit(BOB_L1, bob.publicKey, 50n)).status).toBe("success");
    clock.advanceSlots(1);
    expect((await evm.submitBatch(SEQUENCER, args(b1))).status).toBe("success");
    expect(await evm.lastFinalBatch()).toBe(1);

    // Requests are queued unchecked. Bob forces the very withdraw batch 2 carries; Alice forces one at the
    // nonce her transfer in batch 2 spends; someone forces one from an empty leaf.
    clock.advanceSlots(1);
    const bobReq = await evm.requestForcedWithdrawal(BOB_L1, withdraw(bob, BOB, RECIPIENT, 20n, 0n));
    console.log(`zk: forced-withdrawal request ${bobReq.gasUsed} gas (first request of the contract)`);
    expect(bobReq.gasUsed).toBeLessThanOrEqual(150_000);
    expect(bobReq.result).toMatchObject({ id: 0, status: "pending", deadline: bobReq.timestamp + DEADLINE, atBatch: 1, requester: BOB_L1 });
    expectReverted(await evm.requestForcedWithdrawal(BOB_L1, withdraw(bob, BOB, BOB_L1, 10n, 0n)), "REQUEST_OPEN");
    const aliceReq = await evm.requestForcedWithdrawal(ALICE_L1, withdraw(alice, ALICE, ALICE_L1, 10n, 0n));
    expect(aliceReq.result?.status).toBe("pending");
    const emptyReq = await evm.requestForcedWithdrawal(ANYONE, withdraw(bob, EMPTY, ANYONE, 5n, 0n));
    expect(emptyReq.result).toMatchObject({ id: 2, status: "pending" });

    // Under batch 1's root Alice's request can still be served: SERVABLE. The empty leaf has nothing: dismissed.
    expectReverted(await evm.dismissForcedWithdrawal(ANYONE, 1, proofOf(s1, ALICE, 1)), "SERVABLE");
    const empty = await evm.dismissForcedWithdrawal(ANYONE, 2, emptyProof(s1, EMPTY, 1));
    expect(empty.result).toMatchObject({ id: 2, status: "dismissed", dismissReason: "balance", dismissedAt: empty.timestamp });
    clock.advanceSlots(1);
    expect((await evm.submitBatch(SEQUENCER, args(b2))).status).toBe("success");
    expect((await evm.forcedRequests()).map((r) => r.status)).toEqual(["served", "pending", "dismissed"]);
    expect((await evm.forcedRequests())[0]?.servedIn).toEqual({ batchNumber: 2, withdrawalIndex: 0 });
    expectReverted(await evm.activateExitMode(ANYONE, 0), "NOT_PENDING");
    expectReverted(await evm.activateExitMode(ANYONE, 1), "DEADLINE_NOT_PASSED");
    expectReverted(await evm.dismissForcedWithdrawal(ANYONE, 0, proofOf(s2, BOB, 2)), "NOT_PENDING");
    // Served: its bond goes to the withdrawal's recipient, once; a pending request's stays until exit mode.
    expectReverted(await evm.releaseBond(ANYONE, 1), "NOT_FINAL");
    const recipientBefore = await evm.balanceOf(RECIPIENT);
    expect((await evm.releaseBond(ANYONE, 0)).result).toBe(FORCED_REQUEST_BOND);
    expect(await evm.balanceOf(RECIPIENT)).toBe(recipientBefore + FORCED_REQUEST_BOND);
    expectReverted(await evm.releaseBond(ANYONE, 0), "ALREADY_CLAIMED");

    // Alice's nonce moved at batch 2: dismissed under that root, as spent; the dismisser takes the bond.
    const dismisserBefore = await evm.balanceOf(ANYONE);
    const dismissed = await evm.dismissForcedWithdrawal(ANYONE, 1, proofOf(s2, ALICE, 2));
    expect(await evm.balanceOf(ANYONE)).toBe(dismisserBefore + FORCED_REQUEST_BOND);
    expectReverted(await evm.releaseBond(ANYONE, 1), "ALREADY_CLAIMED");
    console.log(`zk: dismissal (nonce) ${dismissed.gasUsed} gas`);
    expect(dismissed.result).toMatchObject({ id: 1, status: "dismissed", dismissReason: "nonce", dismissedAt: dismissed.timestamp });
    expectReverted(await evm.dismissForcedWithdrawal(ANYONE, 1, proofOf(s2, ALICE, 2)), "NOT_PENDING");

    // A withdraw of Alice's account that Bob signed: queued, then dismissed for its signature (an EdDSA check on L1).
    const forged = await evm.requestForcedWithdrawal(BOB_L1, withdraw(bob, ALICE, BOB_L1, 10n, 1n));
    expect(forged.result).toMatchObject({ id: 3, status: "pending", atBatch: 2 });
    expectReverted(await evm.dismissForcedWithdrawal(ANYONE, 3, proofOf(s1, ALICE, 1)), "BAD_WITNESS");
    const badSig = await evm.dismissForcedWithdrawal(ANYONE, 3, proofOf(s2, ALICE, 2));
    console.log(`zk: dismissal (signature) ${badSig.gasUsed} gas`);
    expect(badSig.result).toMatchObject({ id: 3, status: "dismissed", dismissReason: "signature" });

    // Bob asks again (his first request was served); batch 3 pays him, his nonce stays: SERVABLE.
    const again = await evm.requestForcedWithdrawal(BOB_L1, withdraw(bob, BOB, BOB_L1, 30n, 1n));
    expect(again.result).toMatchObject({ id: 4, status: "pending" });
    clock.advanceSlots(1);
    expect((await evm.submitBatch(SEQUENCER, args(b3))).status).toBe("success");
    expectReverted(await evm.dismissForcedWithdrawal(ANYONE, 4, proofOf(s3, BOB, 3)), "SERVABLE");
    expectReverted(await evm.submitExitClaim(ALICE_L1, await evm.proveExitClaim(claimOf(s3, ALICE, alice, ALICE_L1), s3.root)), "NOT_EXIT_MODE");
    // Carol's deposit comes after the last batch: no batch takes it.
    const carolKey = publicKeyOf(newPrivateKey());
    expect((await evm.deposit(CAROL_L1, carolKey, 70n)).status).toBe("success");

    // The censor does not serve Bob's second request: exit mode after its deadline (not at it), at batch 3.
    const deadline = again.result?.deadline ?? 0;
    clock.advance(deadline - clock.now);
    expectReverted(await evm.activateExitMode(ANYONE, 4), "DEADLINE_NOT_PASSED");
    clock.advanceSlots(1);
    const on = await evm.activateExitMode(ANYONE, 4);
    expect(on.result).toMatchObject({ requestId: 4, activatedAtBatch: 3, batchNumber: 3, root: b3.batch.newRoot, claimsOpen: true });
    expectReverted(await evm.activateExitMode(ANYONE, 4), "EXIT_MODE");
    expectReverted(await evm.submitBatch(SEQUENCER, args(b3)), "EXIT_MODE");
    expectReverted(await evm.requestForcedWithdrawal(ALICE_L1, withdraw(alice, ALICE, ALICE_L1, 10n, 2n)), "EXIT_MODE");

    // Claims from the exit root, once each, proven by the exit-claim circuit. No proof exists for another
    // balance or another key's signature (refused before any transaction); a proof's words altered on the
    // way are refused by the L1: aliased or too wide MALFORMED, another balance, recipient or account, a
    // proof under an older root or a proof word + q INVALID_PROOF.
    const aliceClaim = claimOf(s3, ALICE, alice, ALICE_L1);
    await expect(evm.claimExit(ALICE_L1, { ...aliceClaim, account: { ...aliceClaim.account, balance: aliceClaim.account.balance + 1n } })).rejects.toMatchObject({ code: "BAD_ARGUMENT" });
    await expect(evm.claimExit(BOB_L1, claimOf(s3, ALICE, bob, BOB_L1))).rejects.toMatchObject({ code: "BAD_ARGUMENT" });
    const proven = await evm.proveExitClaim(aliceClaim);
    expectReverted(await evm.submitExitClaim(ALICE_L1, { ...proven, balance: proven.balance + FIELD_MODULUS }), "MALFORMED");
    expectReverted(await evm.submitExitClaim(ALICE_L1, { ...proven, recipient: proven.recipient + (1n << 160n) }), "MALFORMED");
    expectReverted(await evm.submitExitClaim(ALICE_L1, { ...proven, index: proven.index + testInstance.accounts }), "MALFORMED");
    expectReverted(await evm.submitExitClaim(ALICE_L1, { ...proven, balance: proven.balance + 1n }), "INVALID_PROOF");
    expectReverted(await evm.submitExitClaim(BOB_L1, { ...proven, recipient: BOB_L1 }), "INVALID_PROOF");
    expectReverted(await evm.submitExitClaim(ALICE_L1, { ...proven, index: BOB }), "INVALID_PROOF");
    expectReverted(await evm.submitExitClaim(ALICE_L1, { ...proven, proof: proven.proof.map((w, i) => (i === 0 ? w + BASE_FIELD_MODULUS : w)) }), "INVALID_PROOF");
    expect(s2.account(ALICE)).not.toEqual(s3.account(ALICE));
    expectReverted(await evm.submitExitClaim(ALICE_L1, await evm.proveExitClaim(claimOf(s2, ALICE, alice, ALICE_L1), s2.root)), "INVALID_PROOF");
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
    // Bob's last request was pending when exit mode began: its bond goes back to its recipient.
    expect((await evm.releaseBond(ANYONE, 4)).result).toBe(FORCED_REQUEST_BOND);
    expect(await evm.balanceOf(BigInt(evm.address))).toBe(0n);
  }, 300_000);

  it("words out of range are MALFORMED, a dismissal must show the request's own words, and old roots expire", async () => {
    const evm = await ZkRollupL1.start({ rollupId: ctx.rollupId, layout: ctx.layout, capacity: testInstance.ops, genesisRoot: GENESIS_ROOT, keys, arities: testInstance.arities, verifier: "accepting", session });
    const { alice, bob, b1 } = z;
    for (const a of [ALICE_L1, BOB_L1]) await evm.fund(a, 10_000n);
    await evm.deposit(ALICE_L1, alice.publicKey, 1000n);
    await evm.deposit(BOB_L1, bob.publicKey, 50n);
    expect((await evm.submitBatch(SEQUENCER, args(b1))).status).toBe("success");
    const honest = withdraw(bob, BOB, BOB_L1, 1n, 0n);
    const send = (w: Withdraw) => evm.requestForcedWithdrawal(BOB_L1, w);
    const sig = honest.signature;
    // Every word range-checked before it is stored: a field word + p, a nonce no account reaches, a wide recipient.
    for (const w of [
      { ...honest, signature: { ...sig, r8x: sig.r8x + FIELD_MODULUS } },
      { ...honest, signature: { ...sig, r8y: sig.r8y + FIELD_MODULUS } },
      { ...honest, signature: { ...sig, s: sig.s + FIELD_MODULUS } },
      { ...honest, nonce: 2n ** 64n },
      { ...honest, recipient: 2n ** 160n },
      { ...honest, amount: 2n ** 64n },
      { ...honest, from: 16 },
    ]) expectReverted(await send(w), "MALFORMED");
    expectReverted(await send({ ...honest, amount: 0n }), "BAD_AMOUNT");
    // Without the bond, or with value on a batch: refused.
    const withValue = async (data: Uint8Array, value: bigint) => {
      const sent = await evm.session.send({ from: BOB_L1, to: evm.address, data: bytesToHex(data), value });
      return { status: sent.receipt.status, code: revertName(ZK_ROLLUP_ABI, sent.revertData) };
    };
    expect(await withValue(encodeRequestForcedWithdrawal(honest), 0n)).toEqual({ status: "reverted", code: "BAD_BOND" });
    expect(await withValue(encodeRequestForcedWithdrawal(honest), FORCED_REQUEST_BOND + 1n)).toEqual({ status: "reverted", code: "BAD_BOND" });
    expect(await withValue(encodeActivateExitMode(0), 1n)).toEqual({ status: "reverted", code: "MALFORMED" });
    expect(await evm.forcedRequests()).toEqual([]);
    expect((await send(honest)).status).toBe("success");

    // A dismissal claiming other request words (a nonce the account moved past, a signature Bob did not make) is BAD_WITNESS.
    const witness = proofOf(b1.batch.state, BOB, 1);
    const raw = async (w: Withdraw) => {
      const sent = await evm.session.send({ from: ANYONE, to: evm.address, data: bytesToHex(encodeDismissForcedWithdrawal(0, w, witness)), value: 0n });
      return { status: sent.receipt.status, code: revertName(ZK_ROLLUP_ABI, sent.revertData) };
    };
    for (const w of [{ ...honest, nonce: 7n }, { ...honest, signature: { ...sig, s: sig.s + 1n } }, { ...honest, signature: { ...sig, r8x: sig.r8x + FIELD_MODULUS } }]) {
      expect(await raw(w)).toEqual({ status: "reverted", code: "BAD_WITNESS" });
    }
    expect((await evm.forcedRequests())[0]?.status).toBe("pending");

    // 64 batches later batch 1's root has left the ring of recent roots: ROOT_EXPIRED.
    let state = b1.batch.state;
    for (let n = 2; n <= 65; n++) {
      const empty = buildBatch(state, [], testInstance.ops, ctx);
      state = empty.state;
      expect((await evm.submitBatch(SEQUENCER, { records: empty.records, withdrawalRecipients: [], newRoot: empty.newRoot, proof: args(b1).proof })).status).toBe("success");
    }
    expectReverted(await evm.dismissForcedWithdrawal(ANYONE, 0, witness), "ROOT_EXPIRED");
    expectReverted(await evm.dismissForcedWithdrawal(ANYONE, 0, proofOf(state, BOB, 65)), "SERVABLE");
  }, 300_000);
});
