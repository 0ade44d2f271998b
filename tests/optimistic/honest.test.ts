import { describe, expect, it } from "vitest";
import { rootsCommitment, rootsProof, verifyRootsProof } from "../../src/l1/dispute-merkle.ts";
import { Proposer, Watcher } from "../../src/optimistic/index.ts";
import { Sequencer } from "../../src/sequencer/index.ts";
import { encodeFullOperations } from "../../src/tx/index.ts";
import { ctx, testInstance, transfer, withdraw } from "../helpers/fixtures.ts";
import { ANYONE, BOB_L1, PROPOSER, PROPOSER_BOND, SLOT, WATCHER, WINDOW, advancePast, depositAll, expectReverted, newWorld } from "./world.ts";

describe("roots commitment (keccak Merkle tree over root_0..root_N)", () => {
  it("proves every root and nothing else", () => {
    for (const n of [1, 2, 3, 5, 9]) {
      const roots = Array.from({ length: n }, (_, i) => BigInt(1000 + i));
      const c = rootsCommitment(roots);
      roots.forEach((r, i) => {
        const proof = rootsProof(roots, i);
        expect(verifyRootsProof(c, n, i, r, proof)).toBe(true);
        expect(verifyRootsProof(c, n, i, r + 1n, proof)).toBe(false);
        expect(verifyRootsProof(c, n, (i + 1) % n, r, proof)).toBe(n === 1);
        expect(verifyRootsProof(c, n, i, r, proof.slice(1))).toBe(proof.length === 0);
      });
      // padding leaves are not revealable
      expect(verifyRootsProof(c, n, n, 0n, rootsProof(roots, 0))).toBe(false);
    }
  });
});

describe("honest proposer, same sequencer as the zk mode", () => {
  it("proposes, finalizes after the window, pays a withdrawal only when final and only once", async () => {
    const w = await newWorld({ capacity: 4 });
    const { clock, rollup } = w;
    await depositAll(w);
    const sequencer = new Sequencer({ capacity: 4, arities: testInstance.arities, ctx });
    const proposer = new Proposer(rollup, PROPOSER);
    const watcher = new Watcher(rollup, WATCHER);
    const queued = async () => (await rollup.depositQueue()).slice(await rollup.queueHead()).map((d) => ({ queueIndex: d.index, publicKey: d.publicKey, amount: d.amount }));
    const rollupBalance = () => rollup.balanceOf(BigInt(rollup.address));
    const locked = await rollupBalance();

    clock.advanceSlots(1);
    const cut1 = sequencer.cut(await queued());
    const r1 = await proposer.proposeSequenced(cut1);
    expect(r1.status).toBe("success");
    expect(await rollup.queueHead()).toBe(3);
    expect(await rollup.currentRoot()).toBe(cut1.batch.newRoot);
    expect(await rollup.batch(1)).toMatchObject({ number: 1, parent: 0, parentRoot: rollup.genesisRoot, newRoot: cut1.batch.newRoot, depositCount: 3 });
    expect((await rollup.batch(1))?.rootsCommitment).toBe(rootsCommitment([cut1.batch.oldRoot, ...cut1.batch.intermediateRoots]));
    // the bond sits with the contract, beside the deposits
    expect(await rollupBalance()).toBe(locked + PROPOSER_BOND);

    // Alice (index 0 by the sequencer's assignment) pays Bob, Bob withdraws.
    const aliceAt = Number(cut1.batch.inputs.to[0]);
    const bobAt = Number(cut1.batch.inputs.to[1]);
    sequencer.submit(transfer(w.alice, aliceAt, bobAt, 300n, 0n), clock.now);
    sequencer.submit(withdraw(w.bob, bobAt, BOB_L1, 20n, 0n), clock.now);
    clock.advanceSlots(1);
    const cut2 = sequencer.cut(await queued());
    const r2 = await proposer.proposeSequenced(cut2);
    expect(r2.status).toBe("success");
    expect(r2.result?.withdrawals).toEqual([{ batchNumber: 2, index: 0, recipient: BOB_L1, amount: 20n }]);

    // The watcher agrees with both and sends nothing.
    clock.advanceSlots(1);
    expect(await watcher.step()).toEqual([]);
    expect([watcher.verdict(1)?.status, watcher.verdict(2)?.status]).toEqual(["honest", "honest"]);
    expect(watcher.state.root).toBe(cut2.batch.newRoot);

    // Not final inside the window: no payout, no bond back.
    expectReverted(await rollup.claimWithdrawal(ANYONE, 2, 0), "NOT_FINAL");
    expectReverted(await rollup.finalize(ANYONE, 1), "NOT_FINAL");
    const b1 = await rollup.batch(1);
    const b2 = await rollup.batch(2);
    if (b1 === undefined || b2 === undefined) throw new Error("batches missing");
    expect(b1.windowEnd).toBe(b1.timestamp + WINDOW);
    clock.advanceSlots((b1.windowEnd - (await rollup.blockTime())) / SLOT - 1);
    expect(await rollup.blockTime()).toBe(b1.windowEnd - SLOT);
    expect(await rollup.isFinal(1)).toBe(false);
    clock.advanceSlots(1);
    expect([await rollup.isFinal(1), await rollup.finalizedAt(1)]).toEqual([true, b1.windowEnd]);
    expectReverted(await rollup.challenge(WATCHER, 1), "WINDOW_CLOSED");
    expect(await rollup.isFinal(2)).toBe(false);
    expectReverted(await rollup.claimWithdrawal(ANYONE, 2, 0), "NOT_FINAL");

    advancePast(w, b2.windowEnd);
    expect(await rollup.finalizedAt(2)).toBe(b2.windowEnd);
    const before = await rollup.balanceOf(BOB_L1);
    const paid = await rollup.claimWithdrawal(ANYONE, 2, 0);
    expect(paid.status).toBe("success");
    expect(await rollup.balanceOf(BOB_L1)).toBe(before + 20n);
    expectReverted(await rollup.claimWithdrawal(ANYONE, 2, 0), "ALREADY_CLAIMED");
    expect(await rollup.balanceOf(BOB_L1)).toBe(before + 20n);

    // The proposer takes its bonds back once each.
    const proposerBefore = await rollup.balanceOf(PROPOSER);
    const finals = await proposer.step();
    expect(finals.map((t) => [t.method, t.status])).toEqual([
      ["finalize", "success"],
      ["finalize", "success"],
    ]);
    expect(await rollup.balanceOf(PROPOSER)).toBe(proposerBefore + 2n * PROPOSER_BOND);
    expect(await rollupBalance()).toBe(locked - 20n);
    expectReverted(await rollup.finalize(ANYONE, 1), "ALREADY_FINALIZED");
    expect(await proposer.step()).toEqual([]);
  });

  it("a full batch of the encoded data is exactly what the proposal's calldata carries", async () => {
    const w = await newWorld({ capacity: 2 });
    const ops = await depositAll(w);
    const proposer = new Proposer(w.rollup, PROPOSER);
    // three deposits do not fit a batch of two
    await expect(proposer.propose(ops)).rejects.toMatchObject({ code: "BATCH_FULL" });
    const r = await proposer.propose(ops.slice(0, 2));
    expect(r.status).toBe("success");
    expect((await w.rollup.batch(1))?.data).toEqual(encodeFullOperations(ops.slice(0, 2), ctx.layout));
    expect(await w.rollup.queueHead()).toBe(2);
  });
});
