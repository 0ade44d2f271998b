/** A small optimistic deployment for the tests: the test tree (16 accounts), capacity 8 unless told. */
import { expect } from "vitest";
import {
  L1Chain,
  OptimisticRollupContract,
  labelAddress,
  type L1Transaction,
  type OptimisticRollupConfig,
} from "../../src/l1/index.ts";
import { RollupState } from "../../src/state/index.ts";
import type { Operation } from "../../src/tx/index.ts";
import { ctx, newUser, testInstance, type User } from "../helpers/fixtures.ts";

export const DAY = 86_400;
export const WINDOW = 7 * DAY;
export const RESPONSE = 3_600;
export const PROPOSER_BOND = 1_000_000n;
export const CHALLENGER_BOND = 400_000n;

export const PROPOSER = labelAddress("proposer");
export const HONEST_PROPOSER = labelAddress("honest proposer");
export const MALLORY_PROPOSER = labelAddress("mallory (proposer)");
export const WATCHER = labelAddress("watcher");
export const CHALLENGER = labelAddress("dishonest challenger");
export const ALICE_L1 = labelAddress("alice (L1)");
export const BOB_L1 = labelAddress("bob (L1)");
export const CAROL_L1 = labelAddress("carol (L1)");
export const MALLORY_L1 = labelAddress("mallory (L1)");
export const ANYONE = labelAddress("anyone");

/** Where the users sit in the tree. */
export const ALICE = 0;
export const BOB = 5;
export const MALLORY = 3;
export const CAROL = 9;

export interface World {
  readonly chain: L1Chain;
  readonly rollup: OptimisticRollupContract;
  readonly alice: User;
  readonly bob: User;
  readonly carol: User;
  readonly mallory: User;
}

export function newWorld(over: Partial<OptimisticRollupConfig> = {}): World {
  const chain = new L1Chain();
  const rollup = new OptimisticRollupContract(chain, {
    rollupId: ctx.rollupId,
    arities: testInstance.arities,
    layout: ctx.layout,
    capacity: 8,
    genesisRoot: new RollupState(testInstance.arities).root,
    challengeWindowSeconds: WINDOW,
    responseSeconds: RESPONSE,
    proposerBond: PROPOSER_BOND,
    challengerBond: CHALLENGER_BOND,
    slashBurnFraction: 0.5,
    ...over,
  });
  for (const a of [PROPOSER, HONEST_PROPOSER, MALLORY_PROPOSER, WATCHER, CHALLENGER, ANYONE]) chain.mint(a, 10_000_000n);
  for (const a of [ALICE_L1, BOB_L1, CAROL_L1, MALLORY_L1]) chain.mint(a, 100_000n);
  return { chain, rollup, alice: newUser(), bob: newUser(), carol: newUser(), mallory: newUser() };
}

/** Queues alice 1000, bob 50, mallory 10 and returns the deposit operations that consume them. */
export async function depositAll(w: World): Promise<Operation[]> {
  const deposits: [User, bigint, bigint, number][] = [
    [w.alice, ALICE_L1, 1000n, ALICE],
    [w.bob, BOB_L1, 50n, BOB],
    [w.mallory, MALLORY_L1, 10n, MALLORY],
  ];
  const ops: Operation[] = [];
  for (const [user, l1, amount, index] of deposits) {
    const r = await w.rollup.deposit(l1, user.publicKey, amount);
    expect(r.status).toBe("success");
    ops.push({ kind: "deposit", to: index, publicKey: user.publicKey, amount });
  }
  return ops;
}

export interface Stepper {
  step(): Promise<unknown>;
}

/** Every party steps once per slot until `done()`; returns the slots it took. */
export async function play(w: World, parties: readonly Stepper[], done: () => boolean, maxSlots = 200): Promise<number> {
  for (let slot = 0; slot < maxSlots; slot++) {
    for (const p of parties) await p.step();
    if (done()) return slot;
    w.chain.advanceBlocks(1);
  }
  throw new Error(`not done after ${maxSlots} slots`);
}

/** Moves the clock to just after `time` (the start of the first slot after it). */
export function advancePast(w: World, time: number): void {
  const target = Math.floor(time / w.chain.clock.slotSeconds) + 1;
  if (target > w.chain.blockNumber) w.chain.advanceBlocks(target - w.chain.blockNumber);
}

export function expectReverted(tx: L1Transaction, code: string): void {
  expect(tx.status).toBe("reverted");
  expect(tx.revertReason).toBe(code);
  expect(tx.events).toEqual([]);
  expect(tx.gasUsed).toBe(tx.gas.reduce((s, l) => s + l.gas, 0));
}

/** Everything a reverted transaction must leave as it was. */
export function snapshot(w: World) {
  const r = w.rollup;
  return {
    root: r.currentRoot,
    live: r.liveBatches,
    batches: r.batches,
    disputes: r.disputes,
    queueHead: r.queueHead,
    burned: r.burned,
    balances: [r.address, r.bridge.address, PROPOSER, HONEST_PROPOSER, MALLORY_PROPOSER, WATCHER, CHALLENGER, ANYONE, 0n].map((a) =>
      w.chain.balanceOf(a),
    ),
  };
}
