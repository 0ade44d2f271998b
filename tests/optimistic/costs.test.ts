import { describe, expect, it } from "vitest";
import { BURN_ADDRESS } from "../../src/l1/optimistic-types.ts";
import { DishonestChallenger, MaliciousProposer, Proposer, Watcher, disputeCosts } from "../../src/optimistic/index.ts";
import { RollupState } from "../../src/state/index.ts";
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
  movesOf,
  newWorld,
  outcomeOf,
  play,
} from "./world.ts";

describe("a one-step proof through Poseidon(8) levels (tree [4, 8])", () => {
  it("re-executes a deposit into an empty leaf: the proposer's proof wins against a dishonest challenger", async () => {
    const arities = [4, 8];
    const w = await newWorld({ arities, genesisRoot: new RollupState(arities).root, capacity: 1 });
    const proposer = new Proposer(w.rollup, PROPOSER);
    const challenger = new DishonestChallenger(w.rollup, CHALLENGER);
    await w.rollup.deposit(ALICE_L1, w.alice.publicKey, 1000n);
    await proposer.propose([{ kind: "deposit", to: 17, publicKey: w.alice.publicKey, amount: 1000n }]);
    w.clock.advanceSlots(1);
    await challenger.challenge(1);
    await play(w, [proposer, challenger], async () => (await outcomeOf(w, 1)) !== undefined);
    expect(await outcomeOf(w, 1)).toBe("proposerWon");
    expect((await movesOf(w, 1)).map((m) => [m.kind, m.from])).toEqual([
      ["challenge", CHALLENGER],
      ["oneStep", PROPOSER],
    ]);
    expect(await w.rollup.liveBatches()).toEqual([1]);
  });
});

describe("dispute costs", () => {
  it("bonds are conserved: what the losers lose is burned or paid to the winners", async () => {
    const w = await newWorld();
    const { clock, rollup } = w;
    const everyone = [PROPOSER, HONEST_PROPOSER, MALLORY_PROPOSER, WATCHER, CHALLENGER, ANYONE, ALICE_L1, BOB_L1, CAROL_L1, MALLORY_L1, BURN_ADDRESS, BigInt(rollup.address)];
    const total = async () => (await Promise.all(everyone.map((a) => rollup.balanceOf(a)))).reduce((s, x) => s + x, 0n);
    const supply = await total();
    const burned0 = await rollup.balanceOf(BURN_ADDRESS);

    const proposer = new Proposer(rollup, PROPOSER);
    const watcher = new Watcher(rollup, WATCHER);
    const challenger = new DishonestChallenger(rollup, CHALLENGER, 1);
    const bystander = new DishonestChallenger(rollup, ANYONE, 0);
    await proposer.propose(await depositAll(w));
    clock.advanceSlots(1);
    // dispute 1: a dishonest challenger against honest batch 1; disputes 2 and 3 against minted batch 2
    await challenger.challenge(1);
    const mallory = new MaliciousProposer(rollup, MALLORY_PROPOSER, proposer.state);
    await mallory.proposeTampered([transfer(w.alice, ALICE, BOB, 100n, 0n)], { kind: "mint", at: 5, account: MALLORY, amount: 1n });
    await bystander.challenge(2);
    const outcomes = async () => Promise.all([1, 2, 3].map(async (id) => [(await rollup.dispute(id))?.batchNumber, (await rollup.dispute(id))?.challenger, await outcomeOf(w, id)]));
    await play(w, [watcher, mallory, challenger, bystander, proposer], async () => (await rollup.openDisputes()).length === 0 && (await rollup.headState()).disputeCount === 3);
    expect(await outcomes()).toEqual([
      [1, CHALLENGER, "proposerWon"],
      [2, ANYONE, "cancelled"],
      [2, WATCHER, "challengerWon"],
    ]);
    // two slashes: the challenger's bond and mallory's, each half burned
    expect((await rollup.balanceOf(BURN_ADDRESS)) - burned0).toBe((rollup.challengerBond + rollup.proposerBond) / 2n);
    expect(await total()).toBe(supply);
  });

  it("reports moves, gas per move (the receipts' gasUsed), total gas, L1 time and the finality delay", async () => {
    const w = await newWorld();
    const { clock, rollup } = w;
    const proposer = new Proposer(rollup, PROPOSER);
    const watcher = new Watcher(rollup, WATCHER);
    const challenger = new DishonestChallenger(rollup, CHALLENGER, 0);
    await proposer.propose(await depositAll(w));
    clock.advanceSlots(1);
    await challenger.challenge(1);
    await play(w, [proposer, challenger], async () => (await outcomeOf(w, 1)) !== undefined);
    // mallory builds on batch 1 with a tampered batch
    const mal = new MaliciousProposer(rollup, MALLORY_PROPOSER, proposer.state);
    await mal.proposeTampered([transfer(w.alice, ALICE, BOB, 100n, 0n), transfer(w.alice, ALICE, MALLORY, 5n, 1n)], { kind: "mint", at: 1, account: MALLORY, amount: 10n });
    await play(w, [watcher, mal], async () => (await outcomeOf(w, 2)) !== undefined);

    const sent = [proposer, watcher, challenger, mal].flatMap((p) => p.sent);
    const costs = await disputeCosts(rollup, sent);
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
      // the same moves and gas as the contract's events and their receipts show
      expect(d.gasPerMove).toEqual((await movesOf(w, d.id)).map((m) => ({ kind: m.kind, gasUsed: m.gasUsed, blockNumber: m.blockNumber })));
      expect(d.totalGas).toBe(d.gasPerMove.reduce((s, m) => s + m.gasUsed, 0));
    }
    expect(costs.disputes.map((d) => d.finalityDelaySeconds)).toEqual([0, null]);
    const kind = (k: string) => costs.byKind.find((c) => c.kind === k);
    // a bisection move is cheap next to the one-step re-execution
    expect(kind("oneStep")?.minGas ?? 0).toBeGreaterThan(Math.max(kind("reveal")?.maxGas ?? 0, kind("respond")?.maxGas ?? 0, kind("challenge")?.maxGas ?? 0));
  });
});
