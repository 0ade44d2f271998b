import { describe, expect, it } from "vitest";
import { BURN_ADDRESS } from "../../src/l1/optimistic-types.ts";
import { MaliciousProposer, Proposer, Watcher } from "../../src/optimistic/index.ts";
import type { Operation } from "../../src/tx/index.ts";
import { transfer, withdraw } from "../helpers/fixtures.ts";
import {
  ALICE,
  ANYONE,
  BOB,
  CAROL,
  CAROL_L1,
  CHALLENGER_BOND,
  HONEST_PROPOSER,
  MALLORY,
  MALLORY_L1,
  MALLORY_PROPOSER,
  PROPOSER_BOND,
  RESPONSE,
  WATCHER,
  advancePast,
  depositAll,
  expectReverted,
  movesOf,
  newWorld,
  outcomeOf,
  play,
  type World,
} from "./world.ts";

/**
 * Batch 1: honest deposits (alice 1000 at 0, bob 50 at 5, mallory 10 at 3).
 * Batch 2: tampered (mint or steal). Batch 3: mallory cashes out on top of it, with carol's deposit.
 */
async function attack(w: World, kind: "mint" | "steal") {
  const mallory = new MaliciousProposer(w.rollup, MALLORY_PROPOSER);
  const deposits = await depositAll(w);
  w.clock.advanceSlots(1);
  expect((await mallory.propose(deposits)).status).toBe("success");
  expect((await w.rollup.deposit(CAROL_L1, w.carol.publicKey, 70n)).status).toBe("success");
  w.clock.advanceSlots(1);
  let loot: bigint;
  if (kind === "mint") {
    loot = 5000n;
    const ops: Operation[] = [transfer(w.alice, ALICE, BOB, 100n, 0n), transfer(w.bob, BOB, ALICE, 10n, 0n), transfer(w.alice, ALICE, MALLORY, 5n, 1n)];
    expect((await mallory.proposeTampered(ops, { kind: "mint", at: 1, account: MALLORY, amount: loot })).status).toBe("success");
  } else {
    loot = 900n;
    // Mallory signs a transfer out of alice's account with her own key, at alice's nonce.
    const forged = transfer(w.mallory, ALICE, MALLORY, loot, 0n);
    const ops: Operation[] = [transfer(w.bob, BOB, ALICE, 10n, 0n), forged];
    expect((await mallory.proposeTampered(ops, { kind: "steal", at: 1 })).status).toBe("success");
  }
  w.clock.advanceSlots(1);
  const cashOut: Operation[] = [{ kind: "deposit", to: CAROL, publicKey: w.carol.publicKey, amount: 70n }, withdraw(w.mallory, MALLORY, MALLORY_L1, loot, 0n)];
  const r3 = await mallory.propose(cashOut);
  expect(r3.status).toBe("success");
  expect(await w.rollup.queueHead()).toBe(4);
  expect(r3.result?.withdrawals).toEqual([{ batchNumber: 3, index: 0, recipient: MALLORY_L1, amount: loot }]);
  return { mallory, loot };
}

describe.each(["mint", "steal"] as const)("malicious proposer (%s) against an honest watcher", (kind) => {
  it("is challenged, bisected, proven wrong in one step, slashed and rolled back with its descendant", async () => {
    const w = await newWorld();
    const { clock, rollup } = w;
    const { mallory } = await attack(w, kind);
    const watcher = new Watcher(rollup, WATCHER);
    const balances = () => Promise.all([MALLORY_PROPOSER, WATCHER, BURN_ADDRESS, BigInt(rollup.address)].map((a) => rollup.balanceOf(a)));
    const [mp0 = 0n, wa0 = 0n, burn0 = 0n, locked0 = 0n] = await balances();

    await play(w, [watcher, mallory], async () => (await outcomeOf(w, 1)) !== undefined);
    expect(watcher.verdict(1)?.status).toBe("honest");
    expect(watcher.verdict(2)).toMatchObject(
      kind === "mint" ? { status: "bad", invalidAt: undefined } : { status: "bad", invalidAt: 1, invalidCode: "BAD_SIGNATURE" },
    );
    expect(watcher.verdict(3)?.status).toBe("unchecked");

    const d = await rollup.dispute(1);
    if (d === undefined) throw new Error("no dispute");
    expect(d).toMatchObject({ batchNumber: 2, challenger: WATCHER, proposer: MALLORY_PROPOSER, outcome: "challengerWon", lo: 1, hi: 2, round: 3 });
    // [0,8]: root_4 is false → disagree; [0,4]: root_2 false → disagree; [0,2]: root_1 honest → agree; one step on operation 1.
    const moves = await movesOf(w, 1);
    expect(moves.map((m) => [m.kind, m.index, m.agree])).toEqual([
      ["challenge", undefined, undefined],
      ["reveal", 4, undefined],
      ["respond", 4, false],
      ["reveal", 2, undefined],
      ["respond", 2, false],
      ["reveal", 1, undefined],
      ["respond", 1, true],
      ["oneStep", undefined, undefined],
    ]);
    // Each move is in a later block than the one before (a party reacts to mined transactions).
    moves.forEach((m, i) => i > 0 && expect(m.blockNumber).toBeGreaterThan(moves[i - 1]?.blockNumber ?? 0));

    // Slashed: half of the proposer bond burned, half to the watcher, whose own bond comes back; batch 3's
    // bond is returned (it was not proven wrong); batch 1's stays locked until it is final.
    const [mp1 = 0n, wa1 = 0n, burn1 = 0n, locked1 = 0n] = await balances();
    expect([wa1 - wa0, burn1 - burn0, mp1 - mp0, locked0 - locked1]).toEqual([PROPOSER_BOND / 2n, PROPOSER_BOND / 2n, PROPOSER_BOND, 2n * PROPOSER_BOND]);

    // Rolled back: root, live chain, deposit queue.
    const b1 = await rollup.batch(1);
    expect(await rollup.liveBatches()).toEqual([1]);
    expect(await rollup.currentRoot()).toBe(b1?.newRoot);
    expect(await rollup.queueHead()).toBe(3);
    expect((await rollup.depositQueue()).slice(3).map((e) => e.amount)).toEqual([70n]);
    for (const n of [2, 3]) expect((await rollup.batch(n))?.rolledBackAt).toBe(d.resolvedAt);

    // Withdrawals of rolled-back batches are never paid, however long one waits.
    const b3 = await rollup.batch(3);
    if (b3 === undefined) throw new Error("no batch 3");
    advancePast(w, b3.windowEnd + 30 * 86_400);
    expect([await rollup.isFinal(1), await rollup.isFinal(2), await rollup.isFinal(3)]).toEqual([true, false, false]);
    expectReverted(await rollup.claimWithdrawal(ANYONE, 3, 0), "NOT_FINAL");
    expectReverted(await rollup.finalize(ANYONE, 2), "NOT_FINAL");
    expectReverted(await rollup.challenge(WATCHER, 3), "NOT_CHALLENGEABLE");

    // Carol's deposit went back to the queue; an honest proposer includes it again on top of batch 1.
    const honest = new Proposer(rollup, HONEST_PROPOSER, watcher.state);
    const r4 = await honest.propose([{ kind: "deposit", to: CAROL, publicKey: w.carol.publicKey, amount: 70n }]);
    expect(r4.status).toBe("success");
    expect(await rollup.batch(4)).toMatchObject({ parent: 1, firstDeposit: 3, depositCount: 1, parentRoot: b1?.newRoot });
    clock.advanceSlots(1);
    expect(await watcher.step()).toEqual([]);
    expect(watcher.verdict(4)?.status).toBe("honest");
    expect((d.resolvedAt ?? 0) - d.openedAt).toBe(7 * 12);
  });
});

describe("with no honest watcher during the window", () => {
  it("the bad root finalizes and the theft succeeds", async () => {
    const w = await newWorld();
    const { rollup } = w;
    const { mallory, loot } = await attack(w, "steal");
    const watcher = new Watcher(rollup, WATCHER);
    watcher.enabled = false;
    const b3 = await rollup.batch(3);
    if (b3 === undefined) throw new Error("no batch 3");
    advancePast(w, b3.windowEnd);
    await play(w, [watcher, mallory], async () => true);
    expect((await rollup.headState()).disputeCount).toBe(0);
    expect([await rollup.isFinal(2), await rollup.isFinal(3)]).toEqual([true, true]);
    const before = await rollup.balanceOf(MALLORY_L1);
    const paid = await rollup.claimWithdrawal(MALLORY_L1, 3, 0);
    expect(paid.status).toBe("success");
    // alice's 900, moved by a signature she never made, leaves the bridge
    expect(await rollup.balanceOf(MALLORY_L1)).toBe(before + loot);
    // and the thief even gets its bonds back
    expect(mallory.sent.filter((t) => t.method === "finalize" && t.status === "success").length).toBe(3);

    // Switched on too late: the window is closed, the watcher sees the bad batch but cannot challenge.
    watcher.enabled = true;
    expect(await watcher.step()).toEqual([]);
    expect(watcher.verdict(2)?.status).toBe("bad");
    expectReverted(await rollup.challenge(WATCHER, 2, CHALLENGER_BOND), "WINDOW_CLOSED");
  });

  it("a watcher that misses its one-step deadline loses its bond, and challenges again while the window is open", async () => {
    const w = await newWorld();
    const { rollup } = w;
    const { mallory } = await attack(w, "mint");
    const watcher = new Watcher(rollup, WATCHER);
    await play(w, [watcher, mallory], async () => (await rollup.dispute(1))?.turn === "oneStep");
    watcher.enabled = false;
    const d1 = await rollup.dispute(1);
    if (d1 === undefined) throw new Error("no dispute");
    advancePast(w, d1.deadline);
    expectReverted(await rollup.proveStep(WATCHER, 1, []), "DEADLINE_PASSED");
    const w0 = await rollup.balanceOf(WATCHER);
    // the malicious proposer claims the timeout: the challenger bore the burden of the last step
    await mallory.step();
    expect(await rollup.dispute(1)).toMatchObject({ outcome: "proposerWon" });
    expect(await rollup.balanceOf(WATCHER)).toBe(w0);
    expect(await rollup.liveBatches()).toEqual([1, 2, 3]);
    expect((await rollup.batch(2))?.openDisputes).toBe(0);

    watcher.enabled = true;
    await play(w, [watcher, mallory], async () => (await outcomeOf(w, 2)) !== undefined);
    const d2 = await rollup.dispute(2);
    expect(d2).toMatchObject({ batchNumber: 2, outcome: "challengerWon" });
    expect(await rollup.liveBatches()).toEqual([1]);
    expect((d2?.resolvedAt ?? 0) - (d2?.openedAt ?? 0)).toBeLessThan(RESPONSE);
  });
});
