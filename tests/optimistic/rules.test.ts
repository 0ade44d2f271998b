import { describe, expect, it } from "vitest";
import { FIELD_MODULUS } from "../../src/crypto/index.ts";
import { operationWitnesses, type AccountWitness } from "../../src/l1/dispute-data.ts";
import { rootsProof } from "../../src/l1/dispute-merkle.ts";
import { DishonestChallenger, MaliciousProposer, Proposer, Watcher, depositKeysOf, reexecute, stateBefore, type Reexecution } from "../../src/optimistic/index.ts";
import { RollupState } from "../../src/state/index.ts";
import { encodeFullOperations, type Operation } from "../../src/tx/index.ts";
import { ctx, transfer, withdraw } from "../helpers/fixtures.ts";
import {
  ALICE,
  ANYONE,
  BOB,
  BOB_L1,
  CHALLENGER,
  CHALLENGER_BOND,
  DAY,
  MALLORY,
  MALLORY_PROPOSER,
  PROPOSER,
  PROPOSER_BOND,
  SLOT,
  WATCHER,
  advancePast,
  depositAll,
  expectReverted,
  newWorld,
  outcomeOf,
  play,
  snapshot,
  type World,
} from "./world.ts";

describe("finality rules", () => {
  it("a batch after a disputed one is not final before the dispute resolves, and never before its parent", async () => {
    // Long response deadlines so that a slow dispute on batch 1 outlives batch 2's window.
    const w = await newWorld({ capacity: 4, responseSeconds: 2 * DAY });
    const { clock, rollup } = w;
    const proposer = new Proposer(rollup, PROPOSER);
    const challenger = new DishonestChallenger(rollup, CHALLENGER, 0);
    await proposer.propose(await depositAll(w));
    clock.advance(DAY);
    await proposer.propose([withdraw(w.bob, BOB, BOB_L1, 20n, 0n)]);
    const b1 = await rollup.batch(1);
    const b2 = await rollup.batch(2);
    if (b1 === undefined || b2 === undefined) throw new Error("batches missing");

    clock.advance(5 * DAY);
    expect((await challenger.challenge(1)).status).toBe("success");
    clock.advanceSlots(1);
    await proposer.step(); // reveals root_2; the challenger takes its time
    advancePast(w, b2.windowEnd);
    expect(await rollup.blockTime()).toBeGreaterThan(b1.windowEnd);
    expect([await rollup.isFinal(1), await rollup.isFinal(2)]).toEqual([false, false]);
    expectReverted(await rollup.claimWithdrawal(ANYONE, 2, 0), "NOT_FINAL");
    expectReverted(await rollup.finalize(ANYONE, 2), "NOT_FINAL");

    await play(w, [proposer, challenger], async () => (await outcomeOf(w, 1)) !== undefined);
    const resolvedAt = (await rollup.dispute(1))?.resolvedAt ?? 0;
    expect(await outcomeOf(w, 1)).toBe("proposerWon");
    expect(resolvedAt).toBeGreaterThan(b2.windowEnd);
    expect([await rollup.finalizedAt(1), await rollup.finalizedAt(2)]).toEqual([resolvedAt, resolvedAt]);
    expect((await rollup.claimWithdrawal(ANYONE, 2, 0)).status).toBe("success");
  });

  it("finality follows batch order: a later batch whose window closed waits for its parent's dispute", async () => {
    const w = await newWorld({ capacity: 2 });
    const { clock, rollup } = w;
    const proposer = new Proposer(rollup, PROPOSER);
    const challenger = new DishonestChallenger(rollup, CHALLENGER, 1);
    const ops = await depositAll(w);
    await proposer.propose(ops.slice(0, 2));
    clock.advanceSlots(1);
    await proposer.propose(ops.slice(2));
    const b1 = await rollup.batch(1);
    const b2 = await rollup.batch(2);
    if (b1 === undefined || b2 === undefined) throw new Error("batches missing");
    // batch 1 is challenged in the last slot of its window; batch 2's window closes one slot later, before the dispute ends
    clock.advanceSlots((b1.windowEnd - (await rollup.blockTime())) / SLOT - 1);
    expect((await challenger.challenge(1)).status).toBe("success");
    await play(w, [proposer, challenger], async () => (await rollup.blockTime()) >= b2.windowEnd);
    expect(await outcomeOf(w, 1)).toBe(undefined);
    expect([await rollup.isFinal(1), await rollup.isFinal(2)]).toEqual([false, false]);
    await play(w, [proposer, challenger], async () => (await outcomeOf(w, 1)) !== undefined);
    const resolvedAt = (await rollup.dispute(1))?.resolvedAt;
    expect(await outcomeOf(w, 1)).toBe("proposerWon");
    expect([await rollup.finalizedAt(1), await rollup.finalizedAt(2)]).toEqual([resolvedAt, resolvedAt]);
  });
});

/** A running dispute over a batch tampered after operation 2 (capacity 8), driven by hand. */
async function disputeInProgress(): Promise<{ w: World; mallory: MaliciousProposer; watcher: Watcher; roots: readonly bigint[] }> {
  const w = await newWorld();
  const mallory = new MaliciousProposer(w.rollup, MALLORY_PROPOSER);
  const watcher = new Watcher(w.rollup, WATCHER);
  await mallory.propose(await depositAll(w));
  w.clock.advanceSlots(1);
  const ops: Operation[] = [transfer(w.alice, ALICE, BOB, 100n, 0n), transfer(w.bob, BOB, ALICE, 30n, 0n), transfer(w.alice, ALICE, MALLORY, 7n, 1n)];
  await mallory.proposeTampered(ops, { kind: "mint", at: 2, account: MALLORY, amount: 1_000n });
  w.clock.advanceSlots(1);
  await watcher.step();
  const roots = mallory.rootsOf(2);
  if (roots === undefined) throw new Error("no roots");
  expect(await w.rollup.dispute(1)).toMatchObject({ turn: "proposer", lo: 0, hi: 8 });
  return { w, mallory, watcher, roots };
}

describe("reverts change nothing and carry their code", () => {
  it("proposals: bond, length, deposits, data", async () => {
    const w = await newWorld({ capacity: 2 });
    const ops = await depositAll(w);
    const args = { data: encodeFullOperations(ops.slice(0, 2), ctx.layout), newRoot: 1n, rootsCommitment: 2n };
    const before = await snapshot(w);
    expectReverted(await w.rollup.proposeBatch(PROPOSER, { ...args, bond: PROPOSER_BOND - 1n }), "INSUFFICIENT_BOND");
    expectReverted(await w.rollup.proposeBatch(PROPOSER, { ...args, data: encodeFullOperations(ops, ctx.layout) }), "BAD_RECORDS_LENGTH");
    expectReverted(await w.rollup.proposeBatch(PROPOSER, { ...args, data: args.data.subarray(1) }), "MALFORMED");
    const inflated = encodeFullOperations([{ ...ops[0], amount: 2000n } as Operation, { kind: "noop" }], ctx.layout);
    expectReverted(await w.rollup.proposeBatch(PROPOSER, { ...args, data: inflated }), "DEPOSIT_MISMATCH");
    const fourth = encodeFullOperations([...ops.slice(0, 1), { kind: "deposit", to: 9, publicKey: w.carol.publicKey, amount: 10n }], ctx.layout);
    expectReverted(await w.rollup.proposeBatch(PROPOSER, { ...args, data: fourth }), "DEPOSIT_MISMATCH");
    expect(await snapshot(w)).toEqual(before);
    // a deposit beyond the queue
    const r = await w.rollup.proposeBatch(PROPOSER, { ...args, data: encodeFullOperations(ops.slice(0, 2), ctx.layout) });
    expect(r.status).toBe("success");
    const beyond = encodeFullOperations([ops[2] as Operation, { kind: "deposit", to: 9, publicKey: w.carol.publicKey, amount: 10n }], ctx.layout);
    expectReverted(await w.rollup.proposeBatch(PROPOSER, { ...args, data: beyond }), "DEPOSIT_QUEUE_EMPTY");
  });

  it("challenges: unknown batch, bond, window", async () => {
    const w = await newWorld({ capacity: 2 });
    const proposer = new Proposer(w.rollup, PROPOSER);
    await proposer.propose((await depositAll(w)).slice(0, 2));
    const before = await snapshot(w);
    expectReverted(await w.rollup.challenge(CHALLENGER, 9), "NO_SUCH_BATCH");
    expectReverted(await w.rollup.challenge(CHALLENGER, 1, CHALLENGER_BOND - 1n), "INSUFFICIENT_BOND");
    expectReverted(await w.rollup.challenge(CHALLENGER, 1, CHALLENGER_BOND + 1n), "BAD_AMOUNT");
    expect(await snapshot(w)).toEqual(before);
    advancePast(w, ((await w.rollup.batch(1))?.windowEnd ?? 0) - 1);
    expectReverted(await w.rollup.challenge(CHALLENGER, 1), "WINDOW_CLOSED");
    expect(await snapshot(w)).toEqual(before);
  });

  it("bisection moves: turn, Merkle proof, deadline", async () => {
    const { w, mallory, watcher, roots } = await disputeInProgress();
    const { rollup } = w;
    const before = await snapshot(w);
    expectReverted(await rollup.respond(WATCHER, 1, true), "NOT_YOUR_TURN");
    expectReverted(await rollup.revealRoot(WATCHER, 1, roots[4] ?? 0n, rootsProof(roots, 4)), "NOT_YOUR_TURN");
    expectReverted(await rollup.proveStep(WATCHER, 1, []), "NOT_YOUR_TURN");
    expectReverted(await rollup.timeout(ANYONE, 1), "DEADLINE_NOT_PASSED");
    expectReverted(await rollup.revealRoot(MALLORY_PROPOSER, 2, 0n, []), "NO_SUCH_DISPUTE");
    // a root that is not the committed one, a proof for another index, a cut proof, a stale proof
    expectReverted(await rollup.revealRoot(MALLORY_PROPOSER, 1, (roots[4] ?? 0n) + 1n, rootsProof(roots, 4)), "BAD_MERKLE_PROOF");
    expectReverted(await rollup.revealRoot(MALLORY_PROPOSER, 1, roots[3] ?? 0n, rootsProof(roots, 3)), "BAD_MERKLE_PROOF");
    expectReverted(await rollup.revealRoot(MALLORY_PROPOSER, 1, roots[4] ?? 0n, rootsProof(roots, 4).slice(1)), "BAD_MERKLE_PROOF");
    const otherBatch = mallory.rootsOf(1) ?? [];
    expectReverted(await rollup.revealRoot(MALLORY_PROPOSER, 1, otherBatch[4] ?? 0n, rootsProof(otherBatch, 4)), "BAD_MERKLE_PROOF");
    expect(await snapshot(w)).toEqual(before);

    w.clock.advanceSlots(1);
    const ok = await rollup.revealRoot(MALLORY_PROPOSER, 1, roots[4] ?? 0n, rootsProof(roots, 4));
    expect(ok.status).toBe("success");
    // a dispute transaction's result is the dispute as it left it
    expect(ok.result).toMatchObject({ turn: "challenger", mid: 4, midRoot: roots[4], round: 1, lo: 0, hi: 8 });
    expectReverted(await rollup.revealRoot(MALLORY_PROPOSER, 1, roots[4] ?? 0n, rootsProof(roots, 4)), "NOT_YOUR_TURN");
    expectReverted(await rollup.respond(MALLORY_PROPOSER, 1, true), "NOT_YOUR_TURN");
    const deadline = (await rollup.dispute(1))?.deadline ?? 0;
    advancePast(w, deadline);
    const late = await snapshot(w);
    expectReverted(await rollup.respond(WATCHER, 1, false), "DEADLINE_PASSED");
    expect(await snapshot(w)).toEqual(late);
    // the watcher, whose move it was, has lost by the deadline: anyone can now close the dispute
    expect(watcher.sent.map((t) => t.method)).toEqual(["challenge"]);
    expect((await rollup.timeout(ANYONE, 1)).status).toBe("success");
    expect(await outcomeOf(w, 1)).toBe("proposerWon");
  });

  it("one-step proofs: witnesses must rebuild the agreed root and cover the operation; the data must be the batch's", async () => {
    const { w, mallory, watcher } = await disputeInProgress();
    const { rollup } = w;
    await play(w, [watcher, mallory], async () => (await rollup.dispute(1))?.turn === "oneStep");
    // the watcher would send its proof next slot: stop it and try broken ones by hand
    watcher.enabled = false;
    const d = await rollup.dispute(1);
    expect(d).toMatchObject({ lo: 2, hi: 3 });
    const b = await rollup.batch(2);
    if (b === undefined) throw new Error("no batch 2");
    expect(watcher.rootsOf(2)?.[2]).toBe(d?.rootLo);
    const run = await reexecuteFrom(w, watcher, 2);
    const op = run.ops[2];
    if (op === undefined) throw new Error("no operation 2");
    const good = operationWitnesses(stateBefore(run, 2, watcher.ctx), op);
    const stale = operationWitnesses(stateBefore(run, 3, watcher.ctx), op); // after operation 2, not before
    const onlySender = good.slice(0, 1);
    const richer: AccountWitness[] = good.map((x, i) =>
      i === 0 && x.account !== undefined ? { ...x, account: { ...x.account, balance: x.account.balance + 1n } } : x,
    );
    // Poseidon reduces mod p: balance + p hashes like the true balance and would pass an overdraft off as valid.
    const aliased: AccountWitness[] = good.map((x, i) =>
      i === 0 && x.account !== undefined ? { ...x, account: { ...x.account, balance: x.account.balance + FIELD_MODULUS } } : x,
    );
    expect(RollupState.fromWitness(rollup.arities, aliased).root).toBe(d?.rootLo);
    const before = await snapshot(w);
    expectReverted(await rollup.proveStep(WATCHER, 1, aliased), "BAD_WITNESS");
    expectReverted(await rollup.proveStep(WATCHER, 1, stale), "BAD_WITNESS");
    expectReverted(await rollup.proveStep(WATCHER, 1, onlySender), "BAD_WITNESS");
    expectReverted(await rollup.proveStep(WATCHER, 1, richer), "BAD_WITNESS");
    expectReverted(await rollup.proveStep(WATCHER, 1, [...good, good[0] as AccountWitness]), "BAD_WITNESS");
    expectReverted(await rollup.proveStep(WATCHER, 1, []), "BAD_WITNESS");
    const otherData = b.data.slice();
    otherData[0] = (otherData[0] ?? 0) ^ 1;
    expectReverted(await rollup.proveStep(WATCHER, 1, good, otherData), "BAD_BATCH_DATA");
    expect(await snapshot(w)).toEqual(before);

    const proof = await rollup.proveStep(ANYONE, 1, good);
    expect(proof.status).toBe("success");
    expect(await outcomeOf(w, 1)).toBe("challengerWon");
    expectReverted(await rollup.respond(WATCHER, 1, true), "DISPUTE_OVER");
    expectReverted(await rollup.timeout(ANYONE, 1), "DISPUTE_OVER");
    expectReverted(await rollup.challenge(WATCHER, 2), "NOT_CHALLENGEABLE");
  });

  it("several challengers at once: the proposer's loss cancels the other disputes and returns their bonds", async () => {
    const { w, mallory, watcher } = await disputeInProgress();
    const bystander = new DishonestChallenger(w.rollup, CHALLENGER, 0);
    const c0 = await w.rollup.balanceOf(CHALLENGER);
    expect((await bystander.challenge(2)).status).toBe("success");
    await play(w, [watcher, mallory], async () => (await outcomeOf(w, 1)) !== undefined);
    expect(await w.rollup.dispute(2)).toMatchObject({ outcome: "cancelled", turn: undefined });
    expect(await w.rollup.balanceOf(CHALLENGER)).toBe(c0);
    expect((await w.rollup.batch(2))?.openDisputes).toBe(0);
  });
});

/** A watcher's re-execution of live batch `n`, rebuilt from public L1 data the way it does it. */
async function reexecuteFrom(w: World, watcher: Watcher, n: number): Promise<Reexecution> {
  let state = new RollupState(w.rollup.arities);
  const queue = await w.rollup.depositQueue();
  for (const k of await w.rollup.liveBatches()) {
    const b = await w.rollup.batch(k);
    if (b === undefined) break;
    const run = reexecute(state, b.data, depositKeysOf(b, queue), watcher.ctx);
    if (k === n) return run;
    state = run.state;
  }
  throw new Error(`batch ${n} is not live`);
}
