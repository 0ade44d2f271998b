import { describe, expect, it } from "vitest";
import { BURN_ADDRESS } from "../../src/l1/optimistic-types.ts";
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
  RESPONSE,
  SLOT,
  WATCHER,
  advancePast,
  depositAll,
  movesOf,
  newWorld,
  outcomeOf,
  play,
  type Move,
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

function answers(moves: readonly Move[]): [number | undefined, boolean | undefined][] {
  return moves.filter((m) => m.kind === "respond").map((m) => [m.index, m.agree]);
}

describe("bisection against a malicious proposer that lies from operation k on (capacity 8: 3 rounds)", () => {
  const firstLieRound: (number | undefined)[] = [];
  // k = 0..3 first lie at round 0, 4 and 5 at round 1, 6 at round 2, 7 only in root_N
  it.each([0, 2, 4, 6, 7])("tampered after operation %i: the watcher narrows it to that operation and wins", async (k) => {
    const w = await newWorld({ capacity: CAPACITY });
    const mallory = new MaliciousProposer(w.rollup, MALLORY_PROPOSER);
    const watcher = new Watcher(w.rollup, WATCHER);
    await mallory.propose(await depositAll(w));
    w.clock.advanceSlots(1);
    const r = await mallory.proposeTampered(someTransfers(w), { kind: "mint", at: k, account: MALLORY, amount: 1_000n });
    expect(r.status).toBe("success");
    await play(w, [watcher, mallory], async () => (await outcomeOf(w, 1)) !== undefined);
    const moves = await movesOf(w, 1);
    const expected = expectedPath(k, CAPACITY);
    expect(answers(moves)).toEqual(expected.answers);
    expect(await w.rollup.dispute(1)).toMatchObject({ outcome: "challengerWon", lo: k, hi: k + 1, round: 3 });
    expect(moves.at(-1)).toMatchObject({ kind: "oneStep", from: WATCHER });
    expect(await w.rollup.liveBatches()).toEqual([1]);
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
    const w = await newWorld({ capacity: CAPACITY });
    const { clock, rollup } = w;
    const proposer = new Proposer(rollup, PROPOSER);
    const challenger = new DishonestChallenger(rollup, CHALLENGER, lieAt);
    await proposer.propose(await depositAll(w));
    clock.advanceSlots(1);
    await proposer.propose(someTransfers(w));
    clock.advanceSlots(1);
    const balances = () => Promise.all([CHALLENGER, PROPOSER, BURN_ADDRESS].map((a) => rollup.balanceOf(a)));
    const [c0, p0, b0] = await balances();
    expect((await challenger.challenge(2)).status).toBe("success");
    await play(w, [proposer, challenger], async () => (await outcomeOf(w, 1)) !== undefined);

    const moves = await movesOf(w, 1);
    expect(answers(moves).map(([, agree], round) => agree === (round !== lieAt))).toEqual([true, true, true]);
    const d = await rollup.dispute(1);
    expect(d).toMatchObject({ outcome: "proposerWon", round: 3 });
    // the honest proposer itself sends the one-step proof of the (correct) operation lo
    expect(moves.map((m) => m.kind)).toEqual(["challenge", "reveal", "respond", "reveal", "respond", "reveal", "respond", "oneStep"]);
    expect(moves.at(-1)?.from).toBe(PROPOSER);
    // slashed: half the challenger's bond burned, half to the proposer
    expect(await balances()).toEqual([(c0 ?? 0n) - CHALLENGER_BOND, (p0 ?? 0n) + CHALLENGER_BOND / 2n, (b0 ?? 0n) + CHALLENGER_BOND / 2n]);
    expect(await rollup.liveBatches()).toEqual([1, 2]);

    // resolved well inside the window: no delay on finality
    const b2 = await rollup.batch(2);
    if (b2 === undefined || d?.resolvedAt === undefined) throw new Error("no batch 2 or no resolution");
    expect(d.resolvedAt).toBeLessThan(b2.windowEnd);
    advancePast(w, b2.windowEnd);
    expect(await rollup.finalizedAt(2)).toBe(b2.windowEnd);
  });
});

describe("timeouts", () => {
  it("a silent proposer loses: the watcher times it out and the batch is rolled back", async () => {
    const w = await newWorld({ capacity: CAPACITY });
    const mallory = new MaliciousProposer(w.rollup, MALLORY_PROPOSER);
    const watcher = new Watcher(w.rollup, WATCHER);
    await mallory.propose(await depositAll(w));
    w.clock.advanceSlots(1);
    await mallory.proposeTampered(someTransfers(w), { kind: "mint", at: 2, account: MALLORY, amount: 1n });
    const before = await w.rollup.balanceOf(MALLORY_PROPOSER);
    // mallory never steps
    await play(w, [watcher], async () => (await outcomeOf(w, 1)) !== undefined, 1000);
    expect((await movesOf(w, 1)).map((m) => m.kind)).toEqual(["challenge", "timeout"]);
    const d = await w.rollup.dispute(1);
    expect(d).toMatchObject({ outcome: "challengerWon" });
    expect((d?.resolvedAt ?? 0) - (d?.openedAt ?? 0)).toBe(RESPONSE + SLOT);
    expect(await w.rollup.liveBatches()).toEqual([1]);
    // its bond is gone: nothing comes back to it
    expect(await w.rollup.balanceOf(MALLORY_PROPOSER)).toBe(before);
    expect((await w.rollup.finalize(MALLORY_PROPOSER, 2)).revertReason).toBe("NOT_FINAL");
  });

  it("a silent challenger loses: the proposer times it out", async () => {
    const w = await newWorld({ capacity: CAPACITY });
    const proposer = new Proposer(w.rollup, PROPOSER);
    const challenger = new DishonestChallenger(w.rollup, CHALLENGER);
    await proposer.propose(await depositAll(w));
    w.clock.advanceSlots(1);
    const c0 = await w.rollup.balanceOf(CHALLENGER);
    await challenger.challenge(1);
    await play(w, [proposer], async () => (await outcomeOf(w, 1)) !== undefined, 1000);
    expect((await movesOf(w, 1)).map((m) => m.kind)).toEqual(["challenge", "reveal", "timeout"]);
    expect(await w.rollup.dispute(1)).toMatchObject({ outcome: "proposerWon" });
    expect(await w.rollup.balanceOf(CHALLENGER)).toBe(c0 - CHALLENGER_BOND);
  });

  it("at the last step the challenger bears the burden: no one-step proof by the deadline and it loses (capacity 1)", async () => {
    const w = await newWorld({ capacity: 1 });
    const proposer = new Proposer(w.rollup, PROPOSER);
    const ops = await depositAll(w);
    await proposer.propose(ops.slice(0, 1));
    w.clock.advanceSlots(1);
    const c = await w.rollup.challenge(CHALLENGER, 1);
    expect(c.result).toMatchObject({ turn: "oneStep", lo: 0, hi: 1 });
    const deadline = c.result?.deadline ?? 0;
    advancePast(w, deadline);
    const t = await w.rollup.timeout(ANYONE, 1);
    expect(t.status).toBe("success");
    expect(await w.rollup.dispute(1)).toMatchObject({ outcome: "proposerWon" });
  });
});
