/**
 * Forced withdrawals and exit mode on OptimisticRollup.sol (RollupBridge.sol's rules) in the in-process
 * EVM, where a batch can still be rolled back: a request checked against a final root, included then served
 * at finality, a rolled-back carrier, dismissal of a request whose nonce moved, exit mode while a disputed
 * batch is live, claims and refunds once, the bridge emptied; and the +p aliasing attacks refused MALFORMED.
 */
import { describe, expect, it } from "vitest";
import { sign } from "../../src/crypto/eddsa.ts";
import { FIELD_MODULUS } from "../../src/crypto/field.ts";
import { exitClaimMessage, type BatchAccountProof, type ExitClaim } from "../../src/l1/forced-exit-types.ts";
import { MaliciousProposer, Proposer, Watcher } from "../../src/optimistic/index.ts";
import { revertName } from "../../src/evm/client.ts";
import { OPTIMISTIC_ROLLUP_ABI } from "../../src/evm/optimistic-rollup.ts";
import { FORCED_REQUEST_BOND, bytesToHex } from "../../src/evm/rollup-contract.ts";
import { encodeRequestForcedWithdrawal } from "../../src/l1/forced-exit-calldata.ts";
import type { RollupState } from "../../src/state/index.ts";
import { ctx, transfer, withdraw, type User } from "../helpers/fixtures.ts";
import {
  ALICE,
  ALICE_L1,
  ANYONE,
  BOB,
  BOB_L1,
  CAROL,
  CAROL_L1,
  DAY,
  HONEST_PROPOSER,
  MALLORY,
  MALLORY_L1,
  MALLORY_PROPOSER,
  WATCHER,
  advancePast,
  depositAll,
  expectReverted,
  newWorld,
  play,
  type World,
} from "../optimistic/world.ts";

/** The client's default deadline: one day (the world's challenge window is seven). */
const DEADLINE = DAY;

/** Batch 1 (alice 1000 at 0, bob 50 at 5, mallory 10 at 3), proposed and final. */
async function setup(malicious = false) {
  const w = await newWorld();
  const proposer = malicious ? new MaliciousProposer(w.rollup, MALLORY_PROPOSER) : new Proposer(w.rollup, HONEST_PROPOSER);
  const deposits = await depositAll(w);
  w.clock.advanceSlots(1);
  const b1 = await proposer.propose(deposits);
  expect(b1.status).toBe("success");
  advancePast(w, b1.result!.windowEnd);
  expect(await w.rollup.lastFinalBatch()).toBe(1);
  return { w, proposer, state1: proposer.state.clone() };
}

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

async function request(w: World, user: User, index: number, l1: bigint, amount: bigint, nonce = 0n) {
  return w.rollup.requestForcedWithdrawal(l1, withdraw(user, index, l1, amount, nonce));
}

async function statuses(w: World): Promise<string[]> {
  return (await w.rollup.forcedRequests()).map((r) => r.status);
}

describe("forced withdrawals on OptimisticRollup.sol", () => {
  it("a request is queued unchecked (no proof), one open request per account; an unservable one is dismissed for its nonce, balance or signature", async () => {
    const w = await newWorld();
    const proposer = new Proposer(w.rollup, HONEST_PROPOSER);
    w.clock.advanceSlots(1);
    expect((await proposer.propose(await depositAll(w))).status).toBe("success");
    const s1 = proposer.state.clone();
    expect(w.rollup.forcedDeadlineSeconds).toBe(DEADLINE);
    expectReverted(await request(w, w.bob, BOB, BOB_L1, 0n), "BAD_AMOUNT");
    // Batch 1 is still in its window: a request is queued all the same (it is checked when served or dismissed).
    const ok = await request(w, w.bob, BOB, BOB_L1, 20n);
    console.log(`optimistic: forced-withdrawal request ${ok.gasUsed} gas (first request of the contract)`);
    expect(ok.gasUsed).toBeLessThanOrEqual(150_000);
    expect(ok.result).toMatchObject({ id: 0, status: "pending", deadline: ok.timestamp + DEADLINE, atBatch: 1, requester: BOB_L1, requestedAt: ok.timestamp });
    expect(ok.result?.withdraw).toEqual(withdraw(w.bob, BOB, BOB_L1, 20n, 0n));
    expectReverted(await request(w, w.bob, BOB, BOB_L1, 10n), "REQUEST_OPEN");
    expectReverted(await w.rollup.activateExitMode(ANYONE, 7), "NO_REQUEST");
    expectReverted(await w.rollup.activateExitMode(ANYONE, 0), "DEADLINE_NOT_PASSED");
    // Alice signs one nonce ahead; Mallory asks for more than her balance; Carol, who has no account yet, asks too.
    const ahead = await request(w, w.alice, ALICE, ALICE_L1, 20n, 1n);
    const short = await request(w, w.mallory, MALLORY, MALLORY_L1, 1_000_000n);
    const forged = await request(w, w.carol, CAROL, CAROL_L1, 1n);
    expect([ahead.status, short.status, forged.status]).toEqual(["success", "success", "success"]);
    // Not before batch 1 is final (a proof needs a final root no older than the request).
    expectReverted(await w.rollup.dismissForcedWithdrawal(ANYONE, 1, proofOf(s1, ALICE, 1)), "NOT_FINAL");
    advancePast(w, (await w.rollup.batch(1))!.windowEnd);
    expectReverted(await w.rollup.dismissForcedWithdrawal(ANYONE, 0, proofOf(s1, BOB, 1)), "SERVABLE");
    const reasons: (string | undefined)[] = [];
    for (const [id, index] of [[1, ALICE], [2, MALLORY]] as const) reasons.push((await w.rollup.dismissForcedWithdrawal(ANYONE, id, proofOf(s1, index, 1))).result?.dismissReason);
    reasons.push((await w.rollup.dismissForcedWithdrawal(ANYONE, 3, emptyProof(s1, CAROL, 1))).result?.dismissReason);
    expect(reasons).toEqual(["nonce", "balance", "balance"]);
    // A withdraw of Bob's account that Mallory signed, once Bob's own request is served: dismissed for its signature.
    w.clock.advanceSlots(1);
    const b2 = await proposer.propose([ok.result!.withdraw]);
    advancePast(w, b2.result!.windowEnd);
    const bad = await w.rollup.requestForcedWithdrawal(MALLORY_L1, withdraw(w.mallory, BOB, MALLORY_L1, 1n, 1n));
    const sig = await w.rollup.dismissForcedWithdrawal(ANYONE, bad.result!.id, proofOf(proposer.state, BOB, 2));
    console.log(`optimistic: dismissal (signature) ${sig.gasUsed} gas`);
    expect(sig.result).toMatchObject({ status: "dismissed", dismissReason: "signature" });
    expect(await statuses(w)).toEqual(["served", "dismissed", "dismissed", "dismissed", "dismissed"]);
  });

  it("included by a proposed batch, served once it is final; an included or served request never opens exit mode", async () => {
    const { w, proposer } = await setup();
    const req = await request(w, w.bob, BOB, BOB_L1, 20n);
    w.clock.advanceSlots(1);
    const b2 = await proposer.propose([req.result!.withdraw]);
    expect((await w.rollup.forcedRequests())[0]).toMatchObject({ status: "included", includedIn: { batchNumber: 2, withdrawalIndex: 0 } });
    advancePast(w, req.result!.deadline);
    expectReverted(await w.rollup.activateExitMode(ANYONE, 0), "NOT_PENDING");
    advancePast(w, b2.result!.windowEnd);
    expect((await w.rollup.forcedRequests())[0]).toMatchObject({ status: "served", servedIn: { batchNumber: 2, withdrawalIndex: 0 } });
    expectReverted(await w.rollup.activateExitMode(ANYONE, 0), "NOT_PENDING");
    expect((await w.rollup.claimWithdrawal(BOB_L1, 2, 0)).result).toMatchObject({ recipient: BOB_L1, amount: 20n });
    // Served: Bob may request again (a withdraw of the same amount later carries only the new request).
    const again = await request(w, w.bob, BOB, BOB_L1, 5n, 1n);
    expect(again.result).toMatchObject({ id: 1, status: "pending" });
  });

  it("a carrier that is rolled back does not count: the request is pending again and exit mode can start", async () => {
    const { w, proposer } = await setup(true);
    const mallory = proposer as MaliciousProposer;
    const watcher = new Watcher(w.rollup, WATCHER);
    const req = await request(w, w.bob, BOB, BOB_L1, 20n);
    w.clock.advanceSlots(1);
    // It carries Bob's withdraw, and mints for Mallory.
    await mallory.proposeTampered([req.result!.withdraw], { kind: "mint", at: 0, account: MALLORY, amount: 5000n });
    expect(await statuses(w)).toEqual(["included"]);
    await play(w, [watcher, mallory], async () => (await w.rollup.batch(2))?.rolledBackAt !== undefined);
    expect(await statuses(w)).toEqual(["pending"]);
    // The next carrier after the rollback is matched again, under the same deadline.
    expect((await w.rollup.forcedRequests())[0]?.deadline).toBe(req.result!.deadline);
    advancePast(w, req.result!.deadline);
    const on = await w.rollup.activateExitMode(ANYONE, 0);
    expect(on.result).toMatchObject({ activatedAtBatch: 1, batchNumber: 1, claimsOpen: true });
  });

  it("dismissal: a nonce spent is proven under a final root no older than the request; until then no exit mode", async () => {
    const { w, proposer, state1 } = await setup();
    w.clock.advanceSlots(1);
    // Alice's transfer at nonce 0 is in live batch 2; she forces a withdrawal at that nonce against batch 1.
    const b2 = await proposer.propose([transfer(w.alice, ALICE, BOB, 100n, 0n)]);
    const state2 = proposer.state.clone();
    const stale = await request(w, w.alice, ALICE, ALICE_L1, 50n);
    expect(stale.result?.status).toBe("pending");
    const bobReq = await request(w, w.bob, BOB, BOB_L1, 20n);
    // Past the deadline with batch 2 (proposed before it) not final: the sequencer may still dismiss.
    advancePast(w, stale.result!.deadline);
    expectReverted(await w.rollup.activateExitMode(ANYONE, 0), "NOT_FINAL");
    expectReverted(await w.rollup.dismissForcedWithdrawal(ANYONE, 0, proofOf(state2, ALICE, 2)), "NOT_FINAL");
    advancePast(w, b2.result!.windowEnd);
    // The proof must be under a root no older than the request's (batch 2 was the latest when it was made).
    expectReverted(await w.rollup.dismissForcedWithdrawal(ANYONE, 0, proofOf(state1, ALICE, 1)), "BAD_WITNESS");
    expectReverted(await w.rollup.dismissForcedWithdrawal(ANYONE, 0, { ...proofOf(state2, ALICE, 2), account: { ...state2.account(ALICE)!, nonce: 5n } }), "BAD_MERKLE_PROOF");
    const dismissed = await w.rollup.dismissForcedWithdrawal(ANYONE, 0, proofOf(state2, ALICE, 2));
    console.log(`optimistic: dismissal ${dismissed.gasUsed} gas`);
    expect(dismissed.result).toMatchObject({ id: 0, status: "dismissed", dismissReason: "nonce", dismissedAt: dismissed.timestamp });
    expectReverted(await w.rollup.dismissForcedWithdrawal(ANYONE, 0, proofOf(state2, ALICE, 2)), "NOT_PENDING");
    expectReverted(await w.rollup.activateExitMode(ANYONE, 0), "NOT_PENDING");
    expectReverted(await w.rollup.dismissForcedWithdrawal(ANYONE, 7, proofOf(state2, ALICE, 2)), "NO_REQUEST");
    // Bob's request can be served at batch 2: SERVABLE, and it opens exit mode.
    expectReverted(await w.rollup.dismissForcedWithdrawal(ANYONE, 1, proofOf(state2, BOB, 2)), "SERVABLE");
    expect(await statuses(w)).toEqual(["dismissed", "pending"]);
    expect((await w.rollup.activateExitMode(ANYONE, bobReq.result!.id)).status).toBe("success");
  });

  it("exit mode: no proposals; a live batch keeps its dispute; claims and refunds once from the root that survived; the bridge ends empty", async () => {
    const { w, proposer, state1 } = await setup(true);
    const mallory = proposer as MaliciousProposer;
    const watcher = new Watcher(w.rollup, WATCHER);
    await watcher.step();
    const req = await request(w, w.bob, BOB, BOB_L1, 20n);
    // Carol deposits; Mallory censors Bob, takes Carol's deposit in a batch that mints 5000 for herself.
    expect((await w.rollup.deposit(CAROL_L1, w.carol.publicKey, 70n)).status).toBe("success");
    w.clock.advanceSlots(1);
    const carol = { kind: "deposit", to: CAROL, publicKey: w.carol.publicKey, amount: 70n } as const;
    expect((await mallory.proposeTampered([carol], { kind: "mint", at: 0, account: MALLORY, amount: 5000n })).status).toBe("success");
    expect(await w.rollup.queueHead()).toBe(4);
    expectReverted(await w.rollup.submitExitClaim(ALICE_L1, await w.rollup.proveExitClaim(claimOf(state1, ALICE, w.alice, ALICE_L1), state1.root)), "NOT_EXIT_MODE");
    expectReverted(await w.rollup.refundDeposit(CAROL_L1, 3), "NOT_EXIT_MODE");
    // The watcher has been away: the deadline passes and batch 2's window with it closes only later.
    advancePast(w, req.result!.deadline);
    expectReverted(await w.rollup.activateExitMode(ANYONE, 0), "NOT_FINAL");
    // Batch 2 was proposed before the deadline: activation waits for it to be final or rolled back.
    await play(w, [watcher, mallory], async () => (await w.rollup.batch(2))?.rolledBackAt !== undefined);
    const on = await w.rollup.activateExitMode(ANYONE, 0);
    expect(on.result).toMatchObject({ activatedAtBatch: 1, batchNumber: 1, root: (await w.rollup.batch(1))!.newRoot, claimsOpen: true });
    expectReverted(await w.rollup.activateExitMode(ANYONE, 0), "EXIT_MODE");
    expectReverted(await request(w, w.alice, ALICE, ALICE_L1, 10n), "EXIT_MODE");
    expectReverted(await mallory.propose([]), "EXIT_MODE");

    // The minted balance has no proof under the exit root (refused before any transaction), nor does a
    // claim another key signed; a true proof sent with the minted balance is INVALID_PROOF on L1.
    const minted = claimOf(state1, MALLORY, w.mallory, MALLORY_L1);
    await expect(w.rollup.claimExit(MALLORY_L1, { ...minted, account: { ...minted.account, balance: 5010n } })).rejects.toMatchObject({ code: "BAD_ARGUMENT" });
    await expect(w.rollup.claimExit(BOB_L1, claimOf(state1, ALICE, w.bob, BOB_L1))).rejects.toMatchObject({ code: "BAD_ARGUMENT" });
    expectReverted(await w.rollup.submitExitClaim(MALLORY_L1, { ...(await w.rollup.proveExitClaim(minted)), balance: 5010n }), "INVALID_PROOF");
    const paid: bigint[] = [];
    for (const [i, u, l1] of [[ALICE, w.alice, ALICE_L1], [BOB, w.bob, BOB_L1], [MALLORY, w.mallory, MALLORY_L1]] as const) {
      const before = await w.rollup.balanceOf(l1);
      const r = await w.rollup.claimExit(l1, claimOf(state1, i, u, l1));
      expect(r.status).toBe("success");
      if (i === ALICE) console.log(`optimistic: exit claim ${r.gasUsed} gas`);
      expect(await w.rollup.balanceOf(l1)).toBe(before + r.result!);
      paid.push(r.result!);
    }
    expect(paid).toEqual([1000n, 50n, 10n]);
    expect(await w.rollup.isExitClaimed(ALICE)).toBe(true);
    expectReverted(await w.rollup.claimExit(ALICE_L1, claimOf(state1, ALICE, w.alice, ALICE_L1)), "ALREADY_CLAIMED");
    // Carol's deposit is back in the queue (its batch was rolled back): refunded once; consumed ones are not.
    expectReverted(await w.rollup.refundDeposit(ANYONE, 0), "DEPOSIT_CONSUMED");
    const carolBefore = await w.rollup.balanceOf(CAROL_L1);
    const refund = await w.rollup.refundDeposit(ANYONE, 3);
    expect([refund.status, refund.revertReason, refund.result]).toEqual(["success", null, 70n]);
    expect(await w.rollup.balanceOf(CAROL_L1)).toBe(carolBefore + 70n);
    expect(await w.rollup.isRefunded(3)).toBe(true);
    expectReverted(await w.rollup.refundDeposit(ANYONE, 3), "ALREADY_CLAIMED");
    expectReverted(await w.rollup.refundDeposit(ANYONE, 4), "NO_DEPOSIT");
    expect((await w.rollup.bridgeState()).balance).toBe(0n);
  });
});

describe("forced exit on OptimisticRollup.sol: calldata words aliased by +p are MALFORMED", () => {
  it("a request whose signature words are + p, whose nonce no account reaches, or whose recipient is wider than 160 bits", async () => {
    const { w } = await setup();
    const honest = withdraw(w.bob, BOB, BOB_L1, 1n, 0n);
    const sig = honest.signature;
    for (const bad of [
      { ...honest, signature: { ...sig, r8x: sig.r8x + FIELD_MODULUS } },
      { ...honest, signature: { ...sig, s: sig.s + FIELD_MODULUS } },
      { ...honest, nonce: 2n ** 64n },
      { ...honest, recipient: BOB_L1 + (1n << 160n) },
    ]) expectReverted(await w.rollup.requestForcedWithdrawal(BOB_L1, bad), "MALFORMED");
    expect(await w.rollup.forcedRequests()).toEqual([]);
    // The bond is exact (OptimisticRollup.sol's payable fallback passes the value through to the shared rule).
    for (const value of [0n, FORCED_REQUEST_BOND - 1n]) {
      const sent = await w.rollup.session.send({ from: BOB_L1, to: w.rollup.address, data: bytesToHex(encodeRequestForcedWithdrawal(honest)), value });
      expect(revertName(OPTIMISTIC_ROLLUP_ABI, sent.revertData)).toBe("BAD_BOND");
    }
    const accepted = await w.rollup.requestForcedWithdrawal(BOB_L1, honest);
    expect([accepted.status, accepted.revertReason]).toEqual(["success", null]);
  });

  it("a dismissal proving nonce + p is MALFORMED: an honest pending request stays pending", async () => {
    const { w, proposer } = await setup();
    expect((await request(w, w.bob, BOB, BOB_L1, 10n)).status).toBe("success");
    w.clock.advanceSlots(1);
    const b2 = await proposer.propose([]);
    advancePast(w, b2.result!.windowEnd);
    const later = proofOf(proposer.state, BOB, 2);
    expectReverted(await w.rollup.dismissForcedWithdrawal(ANYONE, 0, { ...later, account: { ...later.account, nonce: later.account.nonce + FIELD_MODULUS } }), "MALFORMED");
    expectReverted(await w.rollup.dismissForcedWithdrawal(ANYONE, 0, later), "SERVABLE");
    expect(await statuses(w)).toEqual(["pending"]);
  });

  it("an exit claim with balance + p or a recipient wider than 160 bits is MALFORMED", async () => {
    const { w, state1 } = await setup();
    const req = await request(w, w.bob, BOB, BOB_L1, 10n);
    advancePast(w, req.result!.deadline);
    expect((await w.rollup.activateExitMode(ANYONE, 0)).status).toBe("success");
    const claim = claimOf(state1, ALICE, w.alice, ALICE_L1);
    const proven = await w.rollup.proveExitClaim(claim);
    expectReverted(await w.rollup.submitExitClaim(ALICE_L1, { ...proven, balance: proven.balance + FIELD_MODULUS }), "MALFORMED");
    expectReverted(await w.rollup.submitExitClaim(ALICE_L1, { ...proven, recipient: ALICE_L1 + (1n << 160n) }), "MALFORMED");
    expect((await w.rollup.submitExitClaim(ALICE_L1, proven)).result).toBe(claim.account.balance);
  });
});
