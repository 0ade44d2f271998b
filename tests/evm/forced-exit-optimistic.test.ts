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

function claimOf(state: RollupState, index: number, signer: User, recipient: bigint): ExitClaim {
  const account = state.account(index);
  if (account === undefined) throw new Error(`no account ${index}`);
  return { index, account, path: state.tree.path(index), recipient, signature: sign(signer.key, exitClaimMessage(ctx.rollupId, index, recipient)) };
}

async function request(w: World, state: RollupState, user: User, index: number, l1: bigint, amount: bigint, nonce = 0n, rootBatch = 1) {
  return w.rollup.requestForcedWithdrawal(l1, { withdraw: withdraw(user, index, l1, amount, nonce), witness: proofOf(state, index, rootBatch) });
}

async function statuses(w: World): Promise<string[]> {
  return (await w.rollup.forcedRequests()).map((r) => r.status);
}

describe("forced withdrawals on OptimisticRollup.sol", () => {
  it("a request is checked against a final root: proof, key, nonce, balance; one open request per account", async () => {
    const w = await newWorld();
    const proposer = new Proposer(w.rollup, HONEST_PROPOSER);
    w.clock.advanceSlots(1);
    expect((await proposer.propose(await depositAll(w))).status).toBe("success");
    const s1 = proposer.state;
    expect(w.rollup.forcedDeadlineSeconds).toBe(DEADLINE);
    // Batch 1 is still in its window: its root is not final.
    expectReverted(await request(w, s1, w.bob, BOB, BOB_L1, 20n), "NOT_FINAL");
    advancePast(w, (await w.rollup.batch(1))!.windowEnd);

    expectReverted(await request(w, s1, w.bob, BOB, BOB_L1, 20n, 1n), "BAD_NONCE");
    expectReverted(await request(w, s1, w.bob, BOB, BOB_L1, 60n), "INSUFFICIENT_BALANCE");
    expectReverted(await request(w, s1, w.bob, BOB, BOB_L1, 0n), "BAD_AMOUNT");
    expectReverted(await w.rollup.requestForcedWithdrawal(BOB_L1, { withdraw: withdraw(w.mallory, BOB, BOB_L1, 20n, 0n), witness: proofOf(s1, BOB, 1) }), "BAD_SIGNATURE");
    const inflated = proofOf(s1, BOB, 1);
    expectReverted(
      await w.rollup.requestForcedWithdrawal(BOB_L1, { withdraw: withdraw(w.bob, BOB, BOB_L1, 60n, 0n), witness: { ...inflated, account: { ...inflated.account, balance: 100n } } }),
      "BAD_MERKLE_PROOF",
    );
    expect(await w.rollup.forcedRequests()).toEqual([]);
    const ok = await request(w, s1, w.bob, BOB, BOB_L1, 20n);
    console.log(`optimistic: forced-withdrawal request ${ok.gasUsed} gas`);
    expect(ok.result).toMatchObject({ id: 0, status: "pending", deadline: ok.timestamp + DEADLINE, rootBatch: 1, requester: BOB_L1, requestedAt: ok.timestamp });
    expect(ok.result?.withdraw).toEqual(withdraw(w.bob, BOB, BOB_L1, 20n, 0n));
    expect(ok.result?.publicKey).toEqual(w.bob.publicKey);
    expectReverted(await request(w, s1, w.bob, BOB, BOB_L1, 10n), "REQUEST_OPEN");
    expectReverted(await w.rollup.activateExitMode(ANYONE, 7), "NO_REQUEST");
    expectReverted(await w.rollup.activateExitMode(ANYONE, 0), "DEADLINE_NOT_PASSED");
  });

  it("included by a proposed batch, served once it is final; an included or served request never opens exit mode", async () => {
    const { w, proposer, state1 } = await setup();
    const req = await request(w, state1, w.bob, BOB, BOB_L1, 20n);
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
    const again = await request(w, proposer.state.clone(), w.bob, BOB, BOB_L1, 5n, 1n, 2);
    expect(again.result).toMatchObject({ id: 1, status: "pending" });
  });

  it("a carrier that is rolled back does not count: the request is pending again and exit mode can start", async () => {
    const { w, proposer, state1 } = await setup(true);
    const mallory = proposer as MaliciousProposer;
    const watcher = new Watcher(w.rollup, WATCHER);
    const req = await request(w, state1, w.bob, BOB, BOB_L1, 20n);
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

  it("dismissal: a nonce spent is proven under a later final root; until then no exit mode", async () => {
    const { w, proposer, state1 } = await setup();
    w.clock.advanceSlots(1);
    // Alice's transfer at nonce 0 is in live batch 2; she forces a withdrawal at that nonce against batch 1.
    const b2 = await proposer.propose([transfer(w.alice, ALICE, BOB, 100n, 0n)]);
    const state2 = proposer.state.clone();
    const stale = await request(w, state1, w.alice, ALICE, ALICE_L1, 50n);
    expect(stale.result?.status).toBe("pending");
    const bobReq = await request(w, state1, w.bob, BOB, BOB_L1, 20n);
    // Past the deadline with batch 2 (proposed before it) not final: the sequencer may still dismiss.
    advancePast(w, stale.result!.deadline);
    expectReverted(await w.rollup.activateExitMode(ANYONE, 0), "NOT_FINAL");
    expectReverted(await w.rollup.dismissForcedWithdrawal(ANYONE, 0, proofOf(state2, ALICE, 2)), "NOT_FINAL");
    advancePast(w, b2.result!.windowEnd);
    // The proof must be under a root later than the request's.
    expectReverted(await w.rollup.dismissForcedWithdrawal(ANYONE, 0, proofOf(state1, ALICE, 1)), "BAD_WITNESS");
    expectReverted(await w.rollup.dismissForcedWithdrawal(ANYONE, 0, { ...proofOf(state2, ALICE, 2), account: { ...state2.account(ALICE)!, nonce: 5n } }), "BAD_MERKLE_PROOF");
    const dismissed = await w.rollup.dismissForcedWithdrawal(ANYONE, 0, proofOf(state2, ALICE, 2));
    console.log(`optimistic: dismissal ${dismissed.gasUsed} gas`);
    expect(dismissed.result).toMatchObject({ id: 0, status: "dismissed", dismissedAt: dismissed.timestamp });
    expectReverted(await w.rollup.dismissForcedWithdrawal(ANYONE, 0, proofOf(state2, ALICE, 2)), "NOT_PENDING");
    expectReverted(await w.rollup.activateExitMode(ANYONE, 0), "NOT_PENDING");
    expectReverted(await w.rollup.dismissForcedWithdrawal(ANYONE, 7, proofOf(state2, ALICE, 2)), "NO_REQUEST");
    // Bob's nonce has not moved at batch 2: his request is not stale, and it opens exit mode.
    expectReverted(await w.rollup.dismissForcedWithdrawal(ANYONE, 1, proofOf(state2, BOB, 2)), "NOT_STALE");
    expect(await statuses(w)).toEqual(["dismissed", "pending"]);
    expect((await w.rollup.activateExitMode(ANYONE, bobReq.result!.id)).status).toBe("success");
  });

  it("exit mode: no proposals; a live batch keeps its dispute; claims and refunds once from the root that survived; the bridge ends empty", async () => {
    const { w, proposer, state1 } = await setup(true);
    const mallory = proposer as MaliciousProposer;
    const watcher = new Watcher(w.rollup, WATCHER);
    await watcher.step();
    const req = await request(w, state1, w.bob, BOB, BOB_L1, 20n);
    // Carol deposits; Mallory censors Bob, takes Carol's deposit in a batch that mints 5000 for herself.
    expect((await w.rollup.deposit(CAROL_L1, w.carol.publicKey, 70n)).status).toBe("success");
    w.clock.advanceSlots(1);
    const carol = { kind: "deposit", to: CAROL, publicKey: w.carol.publicKey, amount: 70n } as const;
    expect((await mallory.proposeTampered([carol], { kind: "mint", at: 0, account: MALLORY, amount: 5000n })).status).toBe("success");
    expect(await w.rollup.queueHead()).toBe(4);
    expectReverted(await w.rollup.claimExit(ALICE_L1, claimOf(state1, ALICE, w.alice, ALICE_L1)), "NOT_EXIT_MODE");
    expectReverted(await w.rollup.refundDeposit(CAROL_L1, 3), "NOT_EXIT_MODE");
    // The watcher has been away: the deadline passes and batch 2's window with it closes only later.
    advancePast(w, req.result!.deadline);
    expectReverted(await w.rollup.activateExitMode(ANYONE, 0), "NOT_FINAL");
    // Batch 2 was proposed before the deadline: activation waits for it to be final or rolled back.
    await play(w, [watcher, mallory], async () => (await w.rollup.batch(2))?.rolledBackAt !== undefined);
    const on = await w.rollup.activateExitMode(ANYONE, 0);
    expect(on.result).toMatchObject({ activatedAtBatch: 1, batchNumber: 1, root: (await w.rollup.batch(1))!.newRoot, claimsOpen: true });
    expectReverted(await w.rollup.activateExitMode(ANYONE, 0), "EXIT_MODE");
    expectReverted(await request(w, state1, w.alice, ALICE, ALICE_L1, 10n), "EXIT_MODE");
    expectReverted(await mallory.propose([]), "EXIT_MODE");

    const minted = claimOf(state1, MALLORY, w.mallory, MALLORY_L1);
    expectReverted(await w.rollup.claimExit(MALLORY_L1, { ...minted, account: { ...minted.account, balance: 5010n } }), "BAD_MERKLE_PROOF");
    expectReverted(await w.rollup.claimExit(BOB_L1, claimOf(state1, ALICE, w.bob, BOB_L1)), "BAD_SIGNATURE");
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
  it("a request proving balance + p, key + p or a path word + p; a recipient wider than 160 bits", async () => {
    const { w, state1 } = await setup();
    const honest = proofOf(state1, BOB, 1);
    const big = honest.account.balance + 1000n;
    const send = (amount: bigint, witness: BatchAccountProof, recipient = BOB_L1) =>
      w.rollup.requestForcedWithdrawal(BOB_L1, { withdraw: { ...withdraw(w.bob, BOB, BOB_L1, amount, 0n), recipient }, witness });
    expectReverted(await send(big, { ...honest, account: { ...honest.account, balance: honest.account.balance + FIELD_MODULUS } }), "MALFORMED");
    const key = honest.account.publicKey;
    expectReverted(await send(1n, { ...honest, account: { ...honest.account, publicKey: { ...key, x: key.x + FIELD_MODULUS } } }), "MALFORMED");
    expectReverted(await send(1n, { ...honest, account: { ...honest.account, nonce: honest.account.nonce + FIELD_MODULUS } }), "MALFORMED");
    expectReverted(await send(1n, { ...honest, path: honest.path.map((p, i) => (i === 0 ? p + FIELD_MODULUS : p)) }), "MALFORMED");
    expectReverted(await send(1n, honest, BOB_L1 + (1n << 160n)), "MALFORMED");
    expect(await w.rollup.forcedRequests()).toEqual([]);
    expect((await send(1n, honest)).status).toBe("success");
  });

  it("a dismissal proving nonce + p is MALFORMED: an honest pending request stays pending", async () => {
    const { w, proposer, state1 } = await setup();
    expect((await request(w, state1, w.bob, BOB, BOB_L1, 10n)).status).toBe("success");
    w.clock.advanceSlots(1);
    const b2 = await proposer.propose([]);
    advancePast(w, b2.result!.windowEnd);
    const later = proofOf(proposer.state, BOB, 2);
    expectReverted(await w.rollup.dismissForcedWithdrawal(ANYONE, 0, { ...later, account: { ...later.account, nonce: later.account.nonce + FIELD_MODULUS } }), "MALFORMED");
    expectReverted(await w.rollup.dismissForcedWithdrawal(ANYONE, 0, later), "NOT_STALE");
    expect(await statuses(w)).toEqual(["pending"]);
  });

  it("an exit claim proving balance + p is MALFORMED", async () => {
    const { w, state1 } = await setup();
    const req = await request(w, state1, w.bob, BOB, BOB_L1, 10n);
    advancePast(w, req.result!.deadline);
    expect((await w.rollup.activateExitMode(ANYONE, 0)).status).toBe("success");
    const claim = claimOf(state1, ALICE, w.alice, ALICE_L1);
    expectReverted(await w.rollup.claimExit(ALICE_L1, { ...claim, account: { ...claim.account, balance: claim.account.balance + FIELD_MODULUS } }), "MALFORMED");
    expectReverted(await w.rollup.claimExit(ALICE_L1, { ...claim, recipient: ALICE_L1 + (1n << 160n) }), "MALFORMED");
    expect((await w.rollup.claimExit(ALICE_L1, claim)).result).toBe(claim.account.balance);
  });
});
