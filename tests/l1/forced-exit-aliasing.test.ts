/**
 * Words that arrive in calldata are range-checked before they are hashed or compared: a balance or a
 * nonce shifted by p hashes to the same leaf (Poseidon reduces mod p), so without the check a user could
 * queue a request no batch can serve (and halt the rollup through exit mode), and a censor could dismiss
 * an honest request. The forced-exit rules are one implementation for both modes; the optimistic world
 * is the one where roots become final by time alone, so it is the cheaper one to drive here.
 */
import { describe, expect, it } from "vitest";
import { sign } from "../../src/crypto/eddsa.ts";
import { FIELD_MODULUS } from "../../src/crypto/field.ts";
import { poseidon } from "../../src/crypto/poseidon.ts";
import { OptimisticForcedExit, exitClaimMessage, type BatchAccountProof } from "../../src/l1/index.ts";
import { Proposer } from "../../src/optimistic/index.ts";
import { leafHash, verifyAccountProof, type RollupState } from "../../src/state/index.ts";
import { ctx, withdraw } from "../helpers/fixtures.ts";
import { ALICE, ALICE_L1, ANYONE, BOB, BOB_L1, HONEST_PROPOSER, advancePast, depositAll, expectReverted, newWorld } from "../optimistic/world.ts";

const DEADLINE = 600;

function proofOf(state: RollupState, index: number, rootBatch: number): BatchAccountProof {
  const account = state.account(index);
  if (account === undefined) throw new Error(`no account ${index}`);
  return { rootBatch, account, path: state.tree.path(index) };
}

async function finalWorld() {
  const w = newWorld();
  const forced = new OptimisticForcedExit(w.rollup, { deadlineSeconds: DEADLINE });
  const proposer = new Proposer(w.rollup, HONEST_PROPOSER);
  w.chain.advanceBlocks(1);
  const b1 = await proposer.propose(await depositAll(w));
  advancePast(w, b1.result!.windowEnd);
  return { w, forced, proposer };
}

describe("forced exit: calldata words aliased by +p are refused", () => {
  it("the leaf hash cannot tell balance from balance + p: the account proof check must", () => {
    const account = { publicKey: { x: 1n, y: 2n }, balance: 1000n, nonce: 0n };
    const aliased = { ...account, balance: 1000n + FIELD_MODULUS };
    // The attack's premise: the leaf hash (inputs reduced into the field, as in the circuit) is the same.
    expect(leafHash(aliased)).toBe(leafHash(account));
    const arities = [2];
    const path = [leafHash(account), 0n];
    const root = poseidon(path);
    expect(verifyAccountProof(arities, root, { index: 0, account, path })).toBe(true);
    expect(verifyAccountProof(arities, root, { index: 0, account: aliased, path })).toBe(false);
    expect(verifyAccountProof(arities, root, { index: 0, account: { ...account, nonce: FIELD_MODULUS } , path: [leafHash({ ...account, nonce: 0n }), 0n] })).toBe(false);
    expect(verifyAccountProof(arities, root, { index: 0, account, path: [path[0]!, FIELD_MODULUS] })).toBe(false);
    // Poseidon itself refuses an unreduced input rather than reducing it silently.
    expect(() => poseidon([1n + FIELD_MODULUS, 0n])).toThrow(RangeError);
  });

  it("a request proving balance + p is MALFORMED (it would be queued, unservable, and open exit mode)", async () => {
    const { w, forced, proposer } = await finalWorld();
    const honest = proofOf(proposer.state, BOB, 1);
    const balance = honest.account.balance;
    const aliased = { ...honest, account: { ...honest.account, balance: balance + FIELD_MODULUS } };
    const big = balance + 1000n;
    expectReverted(await forced.requestForcedWithdrawal(BOB_L1, { withdraw: withdraw(w.bob, BOB, BOB_L1, big, 0n), witness: aliased }), "MALFORMED");
    // Key words and path words are range-checked too.
    const keyAliased = { ...honest, account: { ...honest.account, publicKey: { ...honest.account.publicKey, x: honest.account.publicKey.x + FIELD_MODULUS } } };
    expectReverted(await forced.requestForcedWithdrawal(BOB_L1, { withdraw: withdraw(w.bob, BOB, BOB_L1, 1n, 0n), witness: keyAliased }), "MALFORMED");
    const pathAliased = { ...honest, path: honest.path.map((p, i) => (i === 0 ? p + FIELD_MODULUS : p)) };
    expectReverted(await forced.requestForcedWithdrawal(BOB_L1, { withdraw: withdraw(w.bob, BOB, BOB_L1, 1n, 0n), witness: pathAliased }), "MALFORMED");
    expect(forced.requests).toHaveLength(0);
    // The honest request still goes through.
    expect((await forced.requestForcedWithdrawal(BOB_L1, { withdraw: withdraw(w.bob, BOB, BOB_L1, 1n, 0n), witness: honest })).status).toBe("success");
  });

  it("a dismissal proving nonce + p is MALFORMED: an honest pending request stays pending", async () => {
    const { w, forced, proposer } = await finalWorld();
    const state1 = proposer.state.clone();
    expect((await forced.requestForcedWithdrawal(BOB_L1, { withdraw: withdraw(w.bob, BOB, BOB_L1, 10n, 0n), witness: proofOf(state1, BOB, 1) })).status).toBe("success");
    // A later final root (an empty batch) so that a dismissal may be tried at all.
    w.chain.advanceBlocks(1);
    const b2 = await proposer.propose([]);
    advancePast(w, b2.result!.windowEnd);
    const later = proofOf(proposer.state, BOB, 2);
    const aliased = { ...later, account: { ...later.account, nonce: later.account.nonce + FIELD_MODULUS } };
    expectReverted(await forced.dismissForcedWithdrawal(ANYONE, 0, aliased), "MALFORMED");
    expectReverted(await forced.dismissForcedWithdrawal(ANYONE, 0, later), "NOT_STALE");
    expect(forced.requests[0]?.status).toBe("pending");
  });

  it("an exit claim proving balance + p is MALFORMED", async () => {
    const { w, forced, proposer } = await finalWorld();
    const state1 = proposer.state.clone();
    expect((await forced.requestForcedWithdrawal(BOB_L1, { withdraw: withdraw(w.bob, BOB, BOB_L1, 10n, 0n), witness: proofOf(state1, BOB, 1) })).status).toBe("success");
    advancePast(w, forced.requests[0]!.deadline);
    expect((await forced.activateExitMode(ANYONE, 0)).status).toBe("success");
    const account = state1.account(ALICE)!;
    const claim = {
      index: ALICE,
      account: { ...account, balance: account.balance + FIELD_MODULUS },
      path: state1.tree.path(ALICE),
      recipient: ALICE_L1,
      signature: sign(w.alice.key, exitClaimMessage(ctx.rollupId, ALICE, ALICE_L1)),
    };
    expectReverted(await forced.claimExit(ALICE_L1, claim), "MALFORMED");
    expect((await forced.claimExit(ALICE_L1, { ...claim, account })).result).toBe(account.balance);
  });
});
