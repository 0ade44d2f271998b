/**
 * A small optimistic deployment for the tests: contracts/OptimisticRollup.sol in the in-process EVM on the
 * test tree (16 accounts), capacity 8 unless told, driven at an L1Clock's time; the test's EVM is closed
 * when the test finishes.
 */
import { parseEventLogs, type Hex } from "viem";
import { expect, onTestFinished } from "vitest";
import { OptimisticRollupL1, OPTIMISTIC_ROLLUP_ABI } from "../../src/evm/optimistic-rollup.ts";
import { EvmSession } from "../../src/evm/client.ts";
import { labelAddress, type L1Address } from "../../src/l1/address.ts";
import { L1Clock } from "../../src/l1/clock.ts";
import { OPTIMISTIC_SIGNATURES } from "../../src/l1/dispute-calldata.ts";
import { selector } from "../../src/l1/calldata.ts";
import { BURN_ADDRESS, type DisputeMoveKind, type OptimisticRollupConfig } from "../../src/l1/optimistic-types.ts";
import { RollupState } from "../../src/state/index.ts";
import type { Operation } from "../../src/tx/index.ts";
import { ctx, newUser, testInstance, type User } from "../helpers/fixtures.ts";

export const DAY = 86_400;
export const WINDOW = 7 * DAY;
export const RESPONSE = 3_600;
export const SLOT = 12;
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
  readonly clock: L1Clock;
  readonly rollup: OptimisticRollupL1;
  readonly alice: User;
  readonly bob: User;
  readonly carol: User;
  readonly mallory: User;
}

/** A fresh EVM with the rollup deployed and the parties funded (closed when the test finishes). */
export async function newWorld(over: Partial<OptimisticRollupConfig> = {}): Promise<World> {
  const session = await EvmSession.inProcess();
  onTestFinished(() => session.close());
  const clock = new L1Clock();
  // EDR takes a next-block timestamp of 0 for "none" (and mines at the wall clock): start one slot in.
  clock.advanceSlots(1);
  const arities = over.arities ?? testInstance.arities;
  const rollup = await OptimisticRollupL1.start({
    rollupId: ctx.rollupId,
    arities,
    capacity: 8,
    genesisRoot: new RollupState(arities).root,
    challengeWindowSeconds: WINDOW,
    responseSeconds: RESPONSE,
    proposerBond: PROPOSER_BOND,
    challengerBond: CHALLENGER_BOND,
    slashBurnFraction: 0.5,
    ...over,
    session,
    clock,
  });
  for (const a of [PROPOSER, HONEST_PROPOSER, MALLORY_PROPOSER, WATCHER, CHALLENGER, ANYONE]) await rollup.fund(a, 10_000_000n);
  for (const a of [ALICE_L1, BOB_L1, CAROL_L1, MALLORY_L1]) await rollup.fund(a, 100_000n);
  return { clock, rollup, alice: newUser(), bob: newUser(), carol: newUser(), mallory: newUser() };
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
export async function play(w: World, parties: readonly Stepper[], done: () => Promise<boolean>, maxSlots = 200): Promise<number> {
  for (let slot = 0; slot < maxSlots; slot++) {
    for (const p of parties) await p.step();
    if (await done()) return slot;
    w.clock.advanceSlots(1);
  }
  throw new Error(`not done after ${maxSlots} slots`);
}

/** Moves the clock to just after `time` (the start of the first slot after it). */
export function advancePast(w: World, time: number): void {
  const target = Math.floor(time / w.clock.slotSeconds) + 1;
  if (target > w.clock.slot) w.clock.advanceSlots(target - w.clock.slot);
}

export async function outcomeOf(w: World, id: number) {
  return (await w.rollup.dispute(id))?.outcome;
}

export function expectReverted(tx: { status: string; revertReason: string | null; result: unknown }, code: string): void {
  expect({ status: tx.status, code: tx.revertReason }).toEqual({ status: "reverted", code });
  expect(tx.result).toBe(undefined);
}

/** Everything a reverted transaction must leave as it was. */
export async function snapshot(w: World) {
  const r = w.rollup;
  const head = await r.headState();
  const batches = [];
  for (let n = 1; n <= head.batchCount; n++) batches.push(await r.batch(n));
  const disputes = [];
  for (let id = 1; id <= head.disputeCount; id++) disputes.push(await r.dispute(id));
  const balances = [];
  for (const a of [BigInt(r.address), PROPOSER, HONEST_PROPOSER, MALLORY_PROPOSER, WATCHER, CHALLENGER, ANYONE, BURN_ADDRESS]) balances.push(await r.balanceOf(a));
  return { head, root: await r.currentRoot(), live: await r.liveBatches(), batches, disputes, bridge: await r.bridgeState(), balances };
}

/** One successful move of a dispute, read from the contract's events and the transactions that emitted them. */
export interface Move {
  readonly kind: DisputeMoveKind;
  readonly from: L1Address;
  readonly blockNumber: number;
  /** The root index revealed or answered. */
  readonly index: number | undefined;
  readonly agree: boolean | undefined;
  readonly gasUsed: number;
}

const hexSelector = (signature: string): Hex => `0x${Buffer.from(selector(signature)).toString("hex")}`;
/** The transactions that resolve a dispute as a move of their own (their first word is the dispute id). */
const RESOLVING: readonly [Hex, DisputeMoveKind][] = [
  [hexSelector(OPTIMISTIC_SIGNATURES.proveStep), "oneStep"],
  [hexSelector(OPTIMISTIC_SIGNATURES.timeout), "timeout"],
];

/** Dispute `id`'s moves in order, from L1 data alone (a cancellation by another dispute is no move of its own). */
export async function movesOf(w: World, id: number): Promise<Move[]> {
  const client = w.rollup.session.public;
  const logs = parseEventLogs({
    abi: OPTIMISTIC_ROLLUP_ABI,
    logs: await client.getLogs({ address: w.rollup.address, fromBlock: 0n, toBlock: "latest" }),
  });
  const moves: Move[] = [];
  for (const log of logs) {
    if (!("disputeId" in log.args) || log.args.disputeId !== BigInt(id)) continue;
    const tx = await client.getTransaction({ hash: log.transactionHash });
    const receipt = await client.getTransactionReceipt({ hash: log.transactionHash });
    const base = { from: BigInt(tx.from), blockNumber: Number(log.blockNumber), gasUsed: Number(receipt.gasUsed), index: undefined, agree: undefined };
    if (log.eventName === "DisputeOpened") moves.push({ ...base, kind: "challenge" });
    else if (log.eventName === "RootRevealed") moves.push({ ...base, kind: "reveal", index: Number(log.args.index) });
    else if (log.eventName === "RootAnswered") moves.push({ ...base, kind: "respond", index: Number(log.args.index), agree: log.args.agree === 1n });
    else if (log.eventName === "DisputeResolved") {
      const kind = RESOLVING.find(([sel]) => tx.input.startsWith(sel))?.[1];
      if (kind !== undefined && BigInt(`0x${tx.input.slice(10, 74)}`) === BigInt(id)) moves.push({ ...base, kind });
    }
  }
  return moves;
}
