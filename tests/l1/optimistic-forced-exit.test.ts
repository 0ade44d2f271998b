/**
 * Forced withdrawals and exit mode on the optimistic contract, where a batch can still be rolled back:
 * the request's checks (one implementation with the zk mode), inclusion that only counts once final,
 * a request a user made stale by spending its nonce, a rolled-back carrier, and exit mode while a
 * disputed batch is still live.
 */
import { describe, expect, it } from "vitest";
import { sign } from "../../src/crypto/eddsa.ts";
import { OptimisticForcedExit, exitClaimMessage, type BatchAccountProof, type ExitClaim } from "../../src/l1/index.ts";
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
} from "../optimistic/world.ts";

const DEADLINE = 600;

/** Batch 1 (alice 1000 at 0, bob 50 at 5, mallory 10 at 3), proposed by `proposer` and final. */
async function setup(malicious = false) {
  const w = newWorld();
  const forced = new OptimisticForcedExit(w.rollup, { deadlineSeconds: DEADLINE });
  const proposer = malicious ? new MaliciousProposer(w.rollup, MALLORY_PROPOSER) : new Proposer(w.rollup, HONEST_PROPOSER);
  const deposits = await depositAll(w);
  w.chain.advanceBlocks(1);
  const b1 = await proposer.propose(deposits);
  expect(b1.status).toBe("success");
  advancePast(w, b1.result!.windowEnd);
  expect(forced.lastFinalBatch()).toBe(1);
  return { w, forced, proposer, state1: proposer.state.clone() };
}

function proofOf(forced: OptimisticForcedExit, state: RollupState, index: number, rootBatch = forced.lastFinalBatch()): BatchAccountProof {
  const account = state.account(index);
  if (account === undefined) throw new Error(`no account ${index}`);
  return { rootBatch, account, path: state.tree.path(index) };
}

/** `signer`'s claim of account `index` as `state` holds it, paid to `recipient`. */
function claimOf(state: RollupState, index: number, signer: User, recipient: bigint): ExitClaim {
  const account = state.account(index);
  if (account === undefined) throw new Error(`no account ${index}`);
  return { index, account, path: state.tree.path(index), recipient, signature: sign(signer.key, exitClaimMessage(ctx.rollupId, index, recipient)) };
}

async function request(forced: OptimisticForcedExit, state: RollupState, user: User, index: number, l1: bigint, amount: bigint, nonce = 0n) {
  return forced.requestForcedWithdrawal(l1, { withdraw: withdraw(user, index, l1, amount, nonce), witness: proofOf(forced, state, index) });
}

describe("forced withdrawals on the optimistic contract", () => {
  it("one set of rules per contract, with a positive deadline", () => {
    const w = newWorld();
    expect(() => new OptimisticForcedExit(w.rollup, { deadlineSeconds: 0 })).toThrow(expect.objectContaining({ code: "BAD_CONFIG" }));
    new OptimisticForcedExit(w.rollup, { deadlineSeconds: DEADLINE });
    expect(() => new OptimisticForcedExit(w.rollup, { deadlineSeconds: DEADLINE })).toThrow(expect.objectContaining({ code: "BAD_CONFIG" }));
  });

  it("a request is checked against a final root: proof, key, nonce, balance", async () => {
    const w = newWorld();
    const forced = new OptimisticForcedExit(w.rollup, { deadlineSeconds: DEADLINE });
    const proposer = new Proposer(w.rollup, HONEST_PROPOSER);
    w.chain.advanceBlocks(1);
    expect((await proposer.propose(await depositAll(w))).status).toBe("success");
    const s1 = proposer.state;
    // Batch 1 is still in its window: its root is not final.
    expectReverted(await forced.requestForcedWithdrawal(BOB_L1, { withdraw: withdraw(w.bob, BOB, BOB_L1, 20n, 0n), witness: proofOf(forced, s1, BOB, 1) }), "NOT_FINAL");
    advancePast(w, w.rollup.batch(1)!.windowEnd);

    expectReverted(await request(forced, s1, w.bob, BOB, BOB_L1, 20n, 1n), "BAD_NONCE");
    expectReverted(await request(forced, s1, w.bob, BOB, BOB_L1, 60n), "INSUFFICIENT_BALANCE");
    expectReverted(await forced.requestForcedWithdrawal(BOB_L1, { withdraw: withdraw(w.mallory, BOB, BOB_L1, 20n, 0n), witness: proofOf(forced, s1, BOB) }), "BAD_SIGNATURE");
    const inflated = proofOf(forced, s1, BOB);
    expectReverted(
      await forced.requestForcedWithdrawal(BOB_L1, { withdraw: withdraw(w.bob, BOB, BOB_L1, 60n, 0n), witness: { ...inflated, account: { ...inflated.account, balance: 100n } } }),
      "BAD_MERKLE_PROOF",
    );
    const ok = await request(forced, s1, w.bob, BOB, BOB_L1, 20n);
    expect(ok.result).toMatchObject({ id: 0, status: "pending", deadline: ok.timestamp + DEADLINE, rootBatch: 1 });
    expectReverted(await forced.activateExitMode(ANYONE, 7), "NO_REQUEST");
    expectReverted(await forced.activateExitMode(ANYONE, 0), "DEADLINE_NOT_PASSED");
  });

  it("an honest sequencer includes it; served once that batch is final; it never triggers exit mode", async () => {
    const { w, forced, proposer, state1 } = await setup();
    const req = await request(forced, state1, w.bob, BOB, BOB_L1, 20n);
    w.chain.advanceBlocks(1);
    const b2 = await proposer.propose([req.result!.withdraw]);
    expect(forced.requests[0]).toMatchObject({ status: "included", includedIn: { batchNumber: 2, withdrawalIndex: 0 } });
    // Past the deadline, but its carrier may still become final: no exit mode.
    advancePast(w, req.result!.deadline);
    expectReverted(await forced.activateExitMode(ANYONE, 0), "NOT_PENDING");
    advancePast(w, b2.result!.windowEnd);
    expect(forced.requests[0]).toMatchObject({ status: "served", servedIn: { batchNumber: 2, withdrawalIndex: 0 } });
    expectReverted(await forced.activateExitMode(ANYONE, 0), "NOT_PENDING");
    expect((await w.rollup.claimWithdrawal(BOB_L1, 2, 0)).result).toMatchObject({ recipient: BOB_L1, amount: 20n });

    // Sent to the sequencer first, then forced against an older final root: included at once.
    const aliceWithdraw = withdraw(w.alice, ALICE, ALICE_L1, 30n, 0n);
    expect((await proposer.propose([aliceWithdraw])).status).toBe("success");
    const late = await forced.requestForcedWithdrawal(ALICE_L1, { withdraw: aliceWithdraw, witness: proofOf(forced, state1, ALICE, 1) });
    expect(late.result).toMatchObject({ status: "included", includedIn: { batchNumber: 3, withdrawalIndex: 0 } });
  });

  it("a nonce spent in a batch not yet final makes the request stale: no exit mode, dismissed once final", async () => {
    const { w, forced, proposer, state1 } = await setup();
    w.chain.advanceBlocks(1);
    // Alice's transfer at nonce 0 is in live batch 2; she forces a withdrawal at that nonce against batch 1.
    const b2 = await proposer.propose([transfer(w.alice, ALICE, BOB, 100n, 0n)]);
    const state2 = proposer.state.clone();
    const stale = await request(forced, state1, w.alice, ALICE, ALICE_L1, 50n);
    expect(stale.result).toMatchObject({ status: "stale", nonceUsedIn: 2 });
    // Bob's request is pending; his nonce is spent only after it, in batch 3.
    const bobReq = await request(forced, state1, w.bob, BOB, BOB_L1, 20n);
    w.chain.advanceBlocks(1);
    await proposer.propose([transfer(w.bob, BOB, ALICE, 5n, 0n)]);
    expect(forced.requests.map((r) => r.status)).toEqual(["stale", "stale"]);
    advancePast(w, bobReq.result!.deadline);
    expectReverted(await forced.activateExitMode(ANYONE, 0), "NOT_PENDING");
    expectReverted(await forced.activateExitMode(ANYONE, 1), "NOT_PENDING");

    // Dismissal needs a later final root that shows the nonce moved.
    expectReverted(await forced.dismissForcedWithdrawal(ANYONE, 0, proofOf(forced, state1, ALICE, 1)), "BAD_WITNESS");
    advancePast(w, b2.result!.windowEnd);
    expect(forced.lastFinalBatch()).toBe(3); // batch 3's window closed in the same slot
    const dismissed = await forced.dismissForcedWithdrawal(ANYONE, 0, proofOf(forced, state2, ALICE, 2));
    expect(dismissed.result).toMatchObject({ status: "dismissed", dismissedAt: dismissed.timestamp });
    expectReverted(await forced.dismissForcedWithdrawal(ANYONE, 0, proofOf(forced, state2, ALICE, 2)), "NOT_PENDING");
    // Bob's nonce has not moved at batch 2 (his transfer is in batch 3): not dismissible yet.
    expectReverted(await forced.dismissForcedWithdrawal(ANYONE, 1, proofOf(forced, state2, BOB, 2)), "NOT_STALE");
  });

  it("a carrier that is rolled back does not count: the request lapses and exit mode can start", async () => {
    const { w, forced, proposer, state1 } = await setup(true);
    const mallory = proposer as MaliciousProposer;
    const watcher = new Watcher(w.rollup, WATCHER);
    const req = await request(forced, state1, w.bob, BOB, BOB_L1, 20n);
    w.chain.advanceBlocks(1);
    // It carries Bob's withdraw, and mints for Mallory.
    await mallory.proposeTampered([req.result!.withdraw], { kind: "mint", at: 0, account: MALLORY, amount: 5000n });
    expect(forced.requests[0]?.status).toBe("included");
    await play(w, [watcher, mallory], () => w.rollup.batch(2)?.rolledBackAt !== undefined);
    expect(forced.requests[0]?.status).toBe("pending");
    advancePast(w, req.result!.deadline);
    const on = await forced.activateExitMode(ANYONE, 0);
    expect(on.result).toMatchObject({ batchNumber: 1, claimsOpen: true });
  });

  it("exit mode: no proposals; a live batch keeps its dispute; claims once nothing live remains, from the root that survived", async () => {
    const { w, forced, proposer, state1 } = await setup(true);
    const mallory = proposer as MaliciousProposer;
    const watcher = new Watcher(w.rollup, WATCHER);
    await watcher.step();
    const req = await request(forced, state1, w.bob, BOB, BOB_L1, 20n);
    // Carol deposits; Mallory censors Bob, takes Carol's deposit in a batch that mints 5000 for herself.
    expect((await w.rollup.deposit(CAROL_L1, w.carol.publicKey, 70n)).status).toBe("success");
    w.chain.advanceBlocks(1);
    const carol = { kind: "deposit", to: CAROL, publicKey: w.carol.publicKey, amount: 70n } as const;
    expect((await mallory.proposeTampered([carol], { kind: "mint", at: 0, account: MALLORY, amount: 5000n })).status).toBe("success");
    expect(w.rollup.queueHead).toBe(4);
    // The watcher has been away: the deadline passes with batch 2 still live.
    advancePast(w, req.result!.deadline);
    const on = await forced.activateExitMode(ANYONE, 0);
    expect(on.result).toMatchObject({ activatedAtBatch: 2, batchNumber: 2, root: w.rollup.batch(2)!.newRoot, claimsOpen: false });
    expectReverted(await forced.activateExitMode(ANYONE, 0), "EXIT_MODE");
    expectReverted(await request(forced, state1, w.alice, ALICE, ALICE_L1, 10n), "EXIT_MODE");
    const noMore = await mallory.propose([]);
    expectReverted(noMore, "EXIT_MODE");
    expectReverted(await forced.claimExit(ALICE_L1, claimOf(state1, ALICE, w.alice, ALICE_L1)), "NOT_FINAL");
    expectReverted(await forced.refundDeposit(CAROL_L1, 3), "NOT_FINAL");

    // The dispute runs in exit mode; the rollback moves the exit root back to batch 1, now final.
    await play(w, [watcher, mallory], () => w.rollup.batch(2)?.rolledBackAt !== undefined);
    expect(forced.exitMode).toMatchObject({ activatedAtBatch: 2, batchNumber: 1, root: w.rollup.batch(1)!.newRoot, claimsOpen: true });

    // Mallory's minted balance is not under the exit root; a claim signed by another key pays nothing.
    const minted = claimOf(state1, MALLORY, w.mallory, MALLORY_L1);
    expectReverted(await forced.claimExit(MALLORY_L1, { ...minted, account: { ...minted.account, balance: 5010n } }), "BAD_MERKLE_PROOF");
    expectReverted(await forced.claimExit(BOB_L1, claimOf(state1, ALICE, w.bob, BOB_L1)), "BAD_SIGNATURE");
    const paid: bigint[] = [];
    for (const [i, u, l1] of [[ALICE, w.alice, ALICE_L1], [BOB, w.bob, BOB_L1], [MALLORY, w.mallory, MALLORY_L1]] as const) {
      const r = await forced.claimExit(l1, claimOf(state1, i, u, l1));
      expect(r.status).toBe("success");
      paid.push(r.result!);
    }
    expect(paid).toEqual([1000n, 50n, 10n]);
    expectReverted(await forced.claimExit(ALICE_L1, claimOf(state1, ALICE, w.alice, ALICE_L1)), "ALREADY_CLAIMED");
    // Carol's deposit is back in the queue (its batch was rolled back): refunded once; consumed ones are not.
    expectReverted(await forced.refundDeposit(ANYONE, 0), "DEPOSIT_CONSUMED");
    expect((await forced.refundDeposit(ANYONE, 3)).result).toBe(70n);
    expectReverted(await forced.refundDeposit(ANYONE, 3), "ALREADY_CLAIMED");
    expectReverted(await forced.refundDeposit(ANYONE, 4), "NO_DEPOSIT");
    expect(w.chain.balanceOf(w.rollup.bridge.address)).toBe(0n);
  });
});
