import { describe, expect, it } from "vitest";
import { BURN_ADDRESS, poseidonGas } from "../../src/l1/index.ts";
import { DishonestChallenger, MaliciousProposer, Proposer, Watcher, disputeCosts } from "../../src/optimistic/index.ts";
import { RollupState } from "../../src/state/index.ts";
import { recordLayout } from "../../src/tx/index.ts";
import { transfer } from "../helpers/fixtures.ts";
import {
  ALICE,
  ALICE_L1,
  ANYONE,
  BOB,
  BOB_L1,
  CAROL_L1,
  CHALLENGER,
  HONEST_PROPOSER,
  MALLORY,
  MALLORY_L1,
  MALLORY_PROPOSER,
  PROPOSER,
  WATCHER,
  depositAll,
  newWorld,
  play,
} from "./world.ts";

describe("one-step gas on a tree with an arity-8 level", () => {
  it("measures Poseidon(8) levels (generated contract) and reads the deposit key from the queue", async () => {
    const arities = [4, 8];
    const w = newWorld({ arities, layout: recordLayout(arities), genesisRoot: new RollupState(arities).root, capacity: 1 });
    const proposer = new Proposer(w.rollup, PROPOSER);
    const challenger = new DishonestChallenger(w.rollup, CHALLENGER);
    await w.rollup.deposit(ALICE_L1, w.alice.publicKey, 1000n);
    await proposer.propose([{ kind: "deposit", to: 17, publicKey: w.alice.publicKey, amount: 1000n }]);
    w.chain.advanceBlocks(1);
    await challenger.challenge(1);
    await play(w, [proposer, challenger], () => w.rollup.dispute(1)?.outcome !== undefined);
    expect(w.rollup.dispute(1)).toMatchObject({ outcome: "proposerWon" });
    const oneStep = w.chain.transactions().find((t) => t.method === "proveStep" && t.from === PROPOSER);
    if (oneStep === undefined) throw new Error("no one-step");
    const gas = (item: string) => oneStep.gas.find((l) => l.item === item)?.gas;
    const p4 = await poseidonGas(4);
    const p8 = await poseidonGas(8);
    expect(p8).toBeGreaterThan(await poseidonGas(6));
    // one witness (empty leaf: no leaf hash), one new leaf; each path = one Poseidon(4) level + one Poseidon(8) level
    expect(gas("poseidon: witness leaves")).toBe(undefined);
    expect(gas("poseidon: witness paths")).toBe(p4 + p8);
    expect(oneStep.gas.some((l) => l.item.includes("estimate"))).toBe(false);
    expect(gas("poseidon: new leaves")).toBe(p4);
    expect(gas("poseidon: new paths")).toBe(p4 + p8);
    expect(gas("deposit queue reads")).toBe(2 * 2_100);
    expect(gas("poseidon: signature hash")).toBe(undefined);
    expect(gas("eddsa: curve check")).toBe(undefined);
  });
});

describe("dispute costs", () => {
  it("prices every move; bonds are conserved (slashed = burned + paid to the winner)", async () => {
    const w = newWorld();
    const { chain, rollup } = w;
    const everyone = [PROPOSER, HONEST_PROPOSER, MALLORY_PROPOSER, WATCHER, CHALLENGER, ANYONE, ALICE_L1, BOB_L1, CAROL_L1, MALLORY_L1, BURN_ADDRESS, rollup.address, rollup.bridge.address];
    const total = () => everyone.reduce((s, a) => s + chain.balanceOf(a), 0n);
    const supply = total();

    const proposer = new Proposer(rollup, PROPOSER);
    const watcher = new Watcher(rollup, WATCHER);
    const challenger = new DishonestChallenger(rollup, CHALLENGER, 1);
    const bystander = new DishonestChallenger(rollup, ANYONE, 0);
    await proposer.propose(await depositAll(w));
    chain.advanceBlocks(1);
    // dispute 1: a dishonest challenger against honest batch 1; disputes 2 and 3 against minted batch 2
    await challenger.challenge(1);
    const mallory = new MaliciousProposer(rollup, MALLORY_PROPOSER, proposer.state);
    await mallory.proposeTampered([transfer(w.alice, ALICE, BOB, 100n, 0n)], { kind: "mint", at: 5, account: MALLORY, amount: 1n });
    await bystander.challenge(2);
    await play(w, [watcher, mallory, challenger, bystander, proposer], () => rollup.openDisputes().length === 0 && rollup.disputes.length === 3);
    expect(rollup.disputes.map((d) => [d.batchNumber, d.challenger, d.outcome])).toEqual([
      [1, CHALLENGER, "proposerWon"],
      [2, ANYONE, "cancelled"],
      [2, WATCHER, "challengerWon"],
    ]);
    // two slashes: the challenger's bond and mallory's, each half burned
    expect(chain.balanceOf(BURN_ADDRESS)).toBe(rollup.burned);
    expect(rollup.burned).toBe((rollup.challengerBond + rollup.proposerBond) / 2n);
    expect(total()).toBe(supply);
  });

  it("reports moves, gas per move, total gas, L1 time and the finality delay", async () => {
    const w = newWorld();
    const { chain, rollup } = w;
    const proposer = new Proposer(rollup, PROPOSER);
    const watcher = new Watcher(rollup, WATCHER);
    const challenger = new DishonestChallenger(rollup, CHALLENGER, 0);
    await proposer.propose(await depositAll(w));
    chain.advanceBlocks(1);
    await challenger.challenge(1);
    await play(w, [proposer, challenger], () => rollup.dispute(1)?.outcome !== undefined);
    // mallory builds on batch 1 with a tampered batch
    const mal = new MaliciousProposer(rollup, MALLORY_PROPOSER, proposer.state);
    await mal.proposeTampered([transfer(w.alice, ALICE, BOB, 100n, 0n), transfer(w.alice, ALICE, MALLORY, 5n, 1n)], { kind: "mint", at: 1, account: MALLORY, amount: 10n });
    await play(w, [watcher, mal], () => rollup.dispute(2)?.outcome !== undefined);

    const costs = disputeCosts(rollup);
    expect(costs.disputes.map((d) => [d.outcome, d.moves, d.rounds])).toEqual([
      ["proposerWon", 8, 3],
      ["challengerWon", 8, 3],
    ]);
    expect(costs.byKind.map((k) => [k.kind, k.count])).toEqual([
      ["challenge", 2],
      ["reveal", 6],
      ["respond", 6],
      ["oneStep", 2],
    ]);
    for (const d of costs.disputes) {
      expect(d.durationSeconds).toBe(7 * 12);
      expect(d.totalGas).toBe(d.gasPerMove.reduce((s, m) => s + m.gasUsed, 0));
    }
    expect(costs.disputes.map((d) => d.finalityDelaySeconds)).toEqual([0, null]);
    const kind = (k: string) => costs.byKind.find((c) => c.kind === k);
    // a bisection move is cheap next to the one-step re-execution
    expect(kind("oneStep")?.minGas ?? 0).toBeGreaterThan(Math.max(kind("reveal")?.maxGas ?? 0, kind("respond")?.maxGas ?? 0, kind("challenge")?.maxGas ?? 0));
    console.log(
      "[dispute costs]",
      JSON.stringify({
        byKind: costs.byKind,
        disputes: costs.disputes.map((d) => ({ outcome: d.outcome, moves: d.gasPerMove, totalGas: d.totalGas, seconds: d.durationSeconds })),
      }),
    );
  });
});
