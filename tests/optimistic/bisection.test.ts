import { describe, expect, it } from "vitest";
import { BURN_ADDRESS, type Dispute } from "../../src/l1/index.ts";
import { DishonestChallenger, MaliciousProposer, Proposer, Watcher } from "../../src/optimistic/index.ts";
import type { Operation } from "../../src/tx/index.ts";
import { transfer, withdraw } from "../helpers/fixtures.ts";
import {
  ALICE,
  ANYONE,
  BOB,
  BOB_L1,
  CHALLENGER,
  CHALLENGER_BOND,
  MALLORY,
  MALLORY_PROPOSER,
  PROPOSER,
  PROPOSER_BOND,
  RESPONSE,
  WATCHER,
  advancePast,
  depositAll,
  newWorld,
  play,
  type World,
} from "./world.ts";

const CAPACITY = 8;

function someTransfers(w: World): Operation[] {
  return [
    transfer(w.alice, ALICE, BOB, 100n, 0n),
    transfer(w.bob, BOB, ALICE, 30n, 0n),
    transfer(w.alice, ALICE, MALLORY, 7n, 1n),
    withdraw(w.bob, BOB, BOB_L1, 20n, 1n),
  ];
}

/** The honest challenger's answers when roots 0..k are true and k+1..N false. */
function expectedPath(k: number, n: number): { answers: [number, boolean][]; lo: number } {
  const answers: [number, boolean][] = [];
  let lo = 0;
  let hi = n;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    answers.push([mid, mid <= k]);
    if (mid <= k) lo = mid;
    else hi = mid;
  }
  return { answers, lo };
}

function answers(d: Dispute | undefined): [number | undefined, boolean | undefined][] {
  return (d?.moves ?? []).filter((m) => m.kind === "respond").map((m) => [m.index, m.agree]);
}

describe("bisection against a malicious proposer that lies from operation k on (capacity 8: 3 rounds)", () => {
  const firstLieRound: (number | undefined)[] = [];
  it.each([0, 1, 2, 3, 4, 5, 6, 7])("tampered after operation %i: the watcher narrows it to that operation and wins", async (k) => {
    const w = newWorld({ capacity: CAPACITY });
    const mallory = new MaliciousProposer(w.rollup, MALLORY_PROPOSER);
    const watcher = new Watcher(w.rollup, WATCHER);
    await mallory.propose(await depositAll(w));
    w.chain.advanceBlocks(1);
    const r = await mallory.proposeTampered(someTransfers(w), { kind: "mint", at: k, account: MALLORY, amount: 1_000n });
    expect(r.status).toBe("success");
    await play(w, [watcher, mallory], () => w.rollup.dispute(1)?.outcome !== undefined);
    const d = w.rollup.dispute(1);
    const expected = expectedPath(k, CAPACITY);
    expect(answers(d)).toEqual(expected.answers);
    expect(d).toMatchObject({ outcome: "challengerWon", lo: k, hi: k + 1, round: 3 });
    expect(d?.moves.at(-1)).toMatchObject({ kind: "oneStep", index: k, from: WATCHER });
    expect(w.rollup.liveBatches).toEqual([1]);
    // the round at which the proposer first reveals a false root (none when only root_N is false)
    const lie = expected.answers.findIndex(([, agree]) => !agree);
    firstLieRound.push(lie < 0 ? undefined : lie);
  });

  it("covers a first lie at every round, and a lie only in the final root", () => {
    expect(new Set(firstLieRound)).toEqual(new Set([0, 1, 2, undefined]));
  });
});

describe("a dishonest challenger against an honest proposer", () => {
  it.each([0, 1, 2, -1])("disagreeing with a true root at round %i (−1: never), it loses its bond", async (lieAt) => {
    const w = newWorld({ capacity: CAPACITY });
    const { chain, rollup } = w;
    const proposer = new Proposer(rollup, PROPOSER);
    const challenger = new DishonestChallenger(rollup, CHALLENGER, lieAt);
    await proposer.propose(await depositAll(w));
    chain.advanceBlocks(1);
    await proposer.propose(someTransfers(w));
    chain.advanceBlocks(1);
    const [c0, p0, b0] = [CHALLENGER, PROPOSER, BURN_ADDRESS].map((a) => chain.balanceOf(a));
    expect((await challenger.challenge(2)).status).toBe("success");
    await play(w, [proposer, challenger], () => rollup.dispute(1)?.outcome !== undefined);

    const d = rollup.dispute(1);
    expect(answers(d).map(([, agree], round) => agree === (round !== lieAt))).toEqual([true, true, true]);
    expect(d).toMatchObject({ outcome: "proposerWon", round: 3 });
    // the honest proposer itself sends the one-step proof of the (correct) operation lo
    expect(d?.moves.at(-1)).toMatchObject({ kind: "oneStep", from: PROPOSER, index: d?.lo });
    expect(d?.slash).toEqual({ loser: CHALLENGER, winner: PROPOSER, bond: CHALLENGER_BOND, burned: CHALLENGER_BOND / 2n, toWinner: CHALLENGER_BOND / 2n });
    expect(chain.balanceOf(CHALLENGER)).toBe((c0 ?? 0n) - CHALLENGER_BOND);
    expect(chain.balanceOf(PROPOSER)).toBe((p0 ?? 0n) + CHALLENGER_BOND / 2n);
    expect(chain.balanceOf(BURN_ADDRESS)).toBe((b0 ?? 0n) + CHALLENGER_BOND / 2n);
    expect(rollup.liveBatches).toEqual([1, 2]);

    // resolved well inside the window: no delay on finality
    const b2 = rollup.batch(2);
    if (b2 === undefined) throw new Error("no batch 2");
    expect(rollup.disputeReport(1)).toMatchObject({ finalityDelaySeconds: 0, moves: 8 });
    advancePast(w, b2.windowEnd);
    expect(rollup.finalizedAt(2)).toBe(b2.windowEnd);
  });
});

describe("timeouts", () => {
  it("a silent proposer loses: the watcher times it out and the batch is rolled back", async () => {
    const w = newWorld({ capacity: CAPACITY });
    const mallory = new MaliciousProposer(w.rollup, MALLORY_PROPOSER);
    const watcher = new Watcher(w.rollup, WATCHER);
    await mallory.propose(await depositAll(w));
    w.chain.advanceBlocks(1);
    await mallory.proposeTampered(someTransfers(w), { kind: "mint", at: 2, account: MALLORY, amount: 1n });
    // mallory never steps
    await play(w, [watcher], () => w.rollup.dispute(1)?.outcome !== undefined, 1000);
    const d = w.rollup.dispute(1);
    expect(d?.moves.map((m) => m.kind)).toEqual(["challenge", "timeout"]);
    expect(d).toMatchObject({ outcome: "challengerWon", slash: { loser: MALLORY_PROPOSER, bond: PROPOSER_BOND } });
    expect(w.rollup.disputeReport(1)?.durationSeconds).toBe(RESPONSE + 12);
    expect(w.rollup.liveBatches).toEqual([1]);
  });

  it("a silent challenger loses: the proposer times it out", async () => {
    const w = newWorld({ capacity: CAPACITY });
    const proposer = new Proposer(w.rollup, PROPOSER);
    const challenger = new DishonestChallenger(w.rollup, CHALLENGER);
    await proposer.propose(await depositAll(w));
    w.chain.advanceBlocks(1);
    await challenger.challenge(1);
    await play(w, [proposer], () => w.rollup.dispute(1)?.outcome !== undefined, 1000);
    const d = w.rollup.dispute(1);
    expect(d?.moves.map((m) => m.kind)).toEqual(["challenge", "reveal", "timeout"]);
    expect(d).toMatchObject({ outcome: "proposerWon", slash: { loser: CHALLENGER, bond: CHALLENGER_BOND } });
  });

  it("at the last step the challenger bears the burden: no one-step proof by the deadline and it loses (capacity 1)", async () => {
    const w = newWorld({ capacity: 1 });
    const proposer = new Proposer(w.rollup, PROPOSER);
    const ops = await depositAll(w);
    await proposer.propose(ops.slice(0, 1));
    w.chain.advanceBlocks(1);
    const c = await w.rollup.challenge(CHALLENGER, 1);
    expect(c.result).toMatchObject({ turn: "oneStep", lo: 0, hi: 1 });
    const deadline = c.result?.deadline ?? 0;
    advancePast(w, deadline);
    const t = await w.rollup.timeout(ANYONE, 1);
    expect(t.status).toBe("success");
    expect(w.rollup.dispute(1)).toMatchObject({ outcome: "proposerWon" });
  });
});
