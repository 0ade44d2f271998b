/**
 * contracts/OptimisticRollup.sol on anvil, side by side with the simulated OptimisticRollupContract: the
 * same parties (src/optimistic/, behind OptimisticL1) play the same traffic on both, every transaction
 * must succeed or revert with the same code on both, and the simulated L1's gas figures must be within
 * 10 % of the gas anvil measures. If anvil cannot start, beforeAll throws and every test here fails with
 * the reason (they are never skipped).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIELD_MODULUS, privateKeyFromLabel, publicKeyOf } from "../../src/crypto/index.ts";
import { AnvilOptimisticL1, OPTIMISTIC_ROLLUP_ABI } from "../../src/evm/anvil-optimistic-l1.ts";
import { requireContract } from "../../src/evm/compile.ts";
import { simulatedOptimisticL1, type OptimisticL1, type OptimisticL1Receipt } from "../../src/evm/optimistic-l1.ts";
import {
  BURN_ADDRESS,
  L1Chain,
  L1Clock,
  OptimisticRollupContract,
  labelAddress,
  operationWitnesses,
  poseidonGas,
  rootsProof,
  type OptimisticRollupConfig,
} from "../../src/l1/index.ts";
import { DishonestChallenger, MaliciousProposer, Proposer, Watcher, type SentTransaction } from "../../src/optimistic/index.ts";
import { RollupState, applyOperation } from "../../src/state/index.ts";
import { recordLayout, type Operation } from "../../src/tx/index.ts";
import { runMode } from "../../src/demo/mode-run.ts";
import { makeWorkload } from "../../src/demo/workload.ts";
import { ctx, testInstance, transfer, withdraw, type User } from "../helpers/fixtures.ts";

const WINDOW = 7 * 86_400;
const RESPONSE = 3_600;
const PROPOSER_BOND = 1_000_000n;
const CHALLENGER_BOND = 400_000n;
const GAS_TOLERANCE = 0.1;

const PROPOSER = labelAddress("proposer");
const MALLORY_PROPOSER = labelAddress("mallory (proposer)");
const WATCHER = labelAddress("watcher");
const CHALLENGER = labelAddress("dishonest challenger");
const ANYONE = labelAddress("anyone");
const ALICE_L1 = labelAddress("alice (L1)");
const BOB_L1 = labelAddress("bob (L1)");
const MALLORY_L1 = labelAddress("mallory (L1)");
const ALICE = 0;
const BOB = 5;
const MALLORY = 3;

/** Fixed keys: both L1s are sent byte-identical data (signatures are deterministic). */
function user(label: string): User {
  const key = privateKeyFromLabel(`optimistic evm test: ${label}`);
  return { key, publicKey: publicKeyOf(key) };
}
const alice = user("alice");
const bob = user("bob");
const mallory = user("mallory");

/** One L1 of a side-by-side pair, with the clock its transactions are mined at. */
interface Side {
  readonly name: "simulated" | "anvil";
  readonly l1: OptimisticL1;
  advanceSlots(n: number): void;
  now(): number;
}

interface Pair {
  readonly sim: Side & { readonly contract: OptimisticRollupContract };
  readonly evm: Side & { readonly anvil: AnvilOptimisticL1 };
}

const started: AnvilOptimisticL1[] = [];

async function pair(over: Partial<OptimisticRollupConfig> = {}): Promise<Pair> {
  const arities = over.arities ?? testInstance.arities;
  const config = {
    rollupId: ctx.rollupId,
    arities,
    capacity: over.capacity ?? 4,
    genesisRoot: new RollupState(arities).root,
    challengeWindowSeconds: WINDOW,
    responseSeconds: RESPONSE,
    proposerBond: PROPOSER_BOND,
    challengerBond: CHALLENGER_BOND,
    slashBurnFraction: 0.5,
  };
  const clock = new L1Clock();
  // anvil first: if it cannot start, fail at once with its reason.
  const anvil = await AnvilOptimisticL1.start({ ...config, clock });
  started.push(anvil);
  const chain = new L1Chain();
  const contract = new OptimisticRollupContract(chain, { ...config, layout: recordLayout(arities) });
  const sim = { name: "simulated" as const, l1: simulatedOptimisticL1(contract), contract, advanceSlots: (n: number) => chain.advanceBlocks(n), now: () => chain.clock.slotTimestamp(chain.blockNumber) };
  const evm = { name: "anvil" as const, l1: anvil as OptimisticL1, anvil, advanceSlots: (n: number) => clock.advanceSlots(n), now: () => clock.slotTimestamp(clock.slot) };
  for (const side of [sim, evm]) {
    for (const a of [PROPOSER, MALLORY_PROPOSER, WATCHER, CHALLENGER, ANYONE]) await side.l1.fund(a, 10_000_000n);
    for (const a of [ALICE_L1, BOB_L1, MALLORY_L1]) await side.l1.fund(a, 100_000n);
  }
  return { sim, evm };
}

afterAll(async () => {
  for (const a of started) await a.stop();
});

/** Runs `tx` on both L1s; both must succeed, or revert with the same code. Returns [simulated, anvil]. */
async function both<T>(p: Pair, tx: (side: Side) => Promise<OptimisticL1Receipt<T>>): Promise<[OptimisticL1Receipt<T>, OptimisticL1Receipt<T>]> {
  const s = await tx(p.sim);
  const e = await tx(p.evm);
  expect({ status: e.status, code: e.revertReason }).toEqual({ status: s.status, code: s.revertReason });
  expect(e.calldata).toEqual(s.calldata);
  expect(e.timestamp).toBe(s.timestamp);
  return [s, e];
}

async function expectBothReverted(p: Pair, code: string, tx: (side: Side) => Promise<OptimisticL1Receipt<unknown>>): Promise<void> {
  const [s, e] = await both(p, tx);
  expect([s.revertReason, e.revertReason]).toEqual([code, code]);
  expect(e.result).toBeUndefined();
  expect(e.gasUsed).toBeGreaterThan(21_000);
}

/** One row of the gas comparison: a method, the simulated L1's figure and anvil's receipt. */
interface GasRow {
  readonly scenario: string;
  readonly method: string;
  readonly simulated: number;
  readonly anvil: number;
}
const gasRows: GasRow[] = [];

function compareGas(scenario: string, s: OptimisticL1Receipt<unknown>, e: OptimisticL1Receipt<unknown>): void {
  expect(e.method).toBe(s.method);
  gasRows.push({ scenario, method: s.method, simulated: s.gasUsed, anvil: e.gasUsed });
  const error = Math.abs(s.gasUsed - e.gasUsed) / e.gasUsed;
  expect(error, `${scenario} ${s.method}: simulated ${s.gasUsed}, anvil ${e.gasUsed}`).toBeLessThan(GAS_TOLERANCE);
}

/** Each slot every party of each side steps (same parties, same order), until `done` holds on both. */
async function playBoth(p: Pair, parties: { sim: { step(): Promise<unknown> }[]; evm: { step(): Promise<unknown> }[] }, done: (side: Side) => Promise<boolean>, maxSlots = 200): Promise<void> {
  for (let slot = 0; slot < maxSlots; slot++) {
    for (const party of parties.sim) await party.step();
    for (const party of parties.evm) await party.step();
    const [ds, de] = [await done(p.sim), await done(p.evm)];
    expect(de).toBe(ds);
    if (ds) return;
    p.sim.advanceSlots(1);
    p.evm.advanceSlots(1);
  }
  throw new Error(`not done after ${maxSlots} slots`);
}

/** The successful transactions of parties, paired across the two L1s in the order they were sent. */
function pairSent(sim: readonly SentTransaction[], evm: readonly SentTransaction[]): [SentTransaction, SentTransaction][] {
  expect(evm.map((t) => [t.method, t.status])).toEqual(sim.map((t) => [t.method, t.status]));
  return sim.map((s, i) => [s, evm[i] ?? s]);
}

function deposits(): Operation[] {
  return [
    { kind: "deposit", to: ALICE, publicKey: alice.publicKey, amount: 1000n },
    { kind: "deposit", to: BOB, publicKey: bob.publicKey, amount: 50n },
    { kind: "deposit", to: MALLORY, publicKey: mallory.publicKey, amount: 10n },
  ];
}

async function depositAll(p: Pair): Promise<void> {
  for (const [who, u, amount] of [[ALICE_L1, alice, 1000n], [BOB_L1, bob, 50n], [MALLORY_L1, mallory, 10n]] as const) {
    const [s, e] = await both(p, (side) => side.l1.deposit(who, u.publicKey, amount));
    expect(e.status).toBe("success");
    compareGas("deposits", s, e);
  }
}

describe("OptimisticRollup.sol on anvil, beside the simulated contract (test tree, development bonds)", () => {
  let p: Pair;
  beforeAll(async () => {
    p = await pair();
  });

  it("compiles with solc-js; the ABI the client uses is the contract's; Poseidon(8) fits EIP-170", () => {
    const compiled = requireContract(p.evm.anvil.compiled, "OptimisticRollup");
    const names = new Set(compiled.abi.map((item) => ("name" in item ? `${item.type}:${item.name}` : item.type)));
    for (const item of OPTIMISTIC_ROLLUP_ABI) expect(names.has(`${item.type}:${item.name}`)).toBe(true);
    expect(compiled.deployedBytes).toBeLessThan(24_576);
    expect(p.evm.anvil.deployment.hardfork).toBe("prague");
    expect(p.evm.anvil.deployment.gas.poseidon8).toBeGreaterThan(p.evm.anvil.deployment.gas.poseidon6);
  });

  it("honest batches: proposed, final after the window, withdrawal paid once, bonds back", async () => {
    await depositAll(p);
    const proposers = { sim: new Proposer(p.sim.l1, PROPOSER), evm: new Proposer(p.evm.l1, PROPOSER) };
    const watchers = { sim: new Watcher(p.sim.l1, WATCHER), evm: new Watcher(p.evm.l1, WATCHER) };
    p.sim.advanceSlots(1);
    p.evm.advanceSlots(1);
    const [s1, e1] = await both(p, (side) => proposers[side.name === "anvil" ? "evm" : "sim"].propose(deposits()));
    expect(e1.status).toBe("success");
    compareGas("honest", s1, e1);
    expect(e1.result).toMatchObject({ number: 1, parent: 0, firstDeposit: 0, depositCount: 3, newRoot: s1.result?.newRoot, windowEnd: s1.result?.windowEnd });
    p.sim.advanceSlots(1);
    p.evm.advanceSlots(1);
    const ops = [transfer(alice, ALICE, BOB, 300n, 0n), withdraw(bob, BOB, BOB_L1, 20n, 0n)];
    const [s2, e2] = await both(p, (side) => proposers[side.name === "anvil" ? "evm" : "sim"].propose(ops));
    compareGas("honest", s2, e2);
    expect(e2.result?.withdrawals).toEqual([{ batchNumber: 2, index: 0, recipient: BOB_L1, amount: 20n }]);
    expect(await p.evm.l1.currentRoot()).toBe(await p.sim.l1.currentRoot());
    expect(await p.evm.l1.liveBatches()).toEqual([1, 2]);

    // The watcher re-executes both from L1 data alone and sends nothing.
    p.sim.advanceSlots(1);
    p.evm.advanceSlots(1);
    expect(await watchers.evm.step()).toEqual([]);
    expect(await watchers.sim.step()).toEqual([]);
    expect([watchers.evm.verdict(1)?.status, watchers.evm.verdict(2)?.status]).toEqual(["honest", "honest"]);

    // Inside the window: not final, nothing paid.
    await expectBothReverted(p, "NOT_FINAL", (side) => side.l1.claimWithdrawal(ANYONE, 2, 0));
    await expectBothReverted(p, "NOT_FINAL", (side) => side.l1.finalize(ANYONE, 1));
    const b2 = await p.evm.l1.batch(2);
    if (b2 === undefined) throw new Error("no batch 2");
    const slots = Math.floor(b2.windowEnd / 12) + 1 - Math.floor(p.evm.now() / 12);
    p.sim.advanceSlots(slots);
    p.evm.advanceSlots(slots);
    expect([await p.evm.l1.isFinal(1), await p.evm.l1.isFinal(2)]).toEqual([true, true]);
    await expectBothReverted(p, "WINDOW_CLOSED", (side) => side.l1.challenge(CHALLENGER, 2));

    const before = await p.evm.l1.balanceOf(BOB_L1);
    const [sc, ec] = await both(p, (side) => side.l1.claimWithdrawal(ANYONE, 2, 0));
    expect(ec.result).toEqual({ batchNumber: 2, index: 0, recipient: BOB_L1, amount: 20n });
    compareGas("honest", sc, ec);
    expect(await p.evm.l1.balanceOf(BOB_L1)).toBe(before + 20n);
    await expectBothReverted(p, "ALREADY_CLAIMED", (side) => side.l1.claimWithdrawal(ANYONE, 2, 0));
    expect(await p.evm.l1.balanceOf(BOB_L1)).toBe(before + 20n);

    // The proposer takes its two bonds back, once.
    const bonds = await p.evm.l1.balanceOf(PROPOSER);
    const finals = pairSent(await proposers.sim.step(), await proposers.evm.step());
    expect(finals.map(([s]) => s.method)).toEqual(["finalize", "finalize"]);
    for (const [s, e] of finals) compareGas("honest", s, e);
    expect(await p.evm.l1.balanceOf(PROPOSER)).toBe(bonds + 2n * PROPOSER_BOND);
    await expectBothReverted(p, "ALREADY_FINALIZED", (side) => side.l1.finalize(ANYONE, 1));
  });
});

describe("a full dispute on anvil: bad batch challenged, bisected, proven wrong in one step, slashed, rolled back", () => {
  let p: Pair;
  beforeAll(async () => {
    p = await pair({ capacity: 8 });
  });

  it("the watcher wins against a minting proposer; both L1s agree move by move", async () => {
    await depositAll(p);
    const malloryOn = { sim: new MaliciousProposer(p.sim.l1, MALLORY_PROPOSER), evm: new MaliciousProposer(p.evm.l1, MALLORY_PROPOSER) };
    const watchers = { sim: new Watcher(p.sim.l1, WATCHER), evm: new Watcher(p.evm.l1, WATCHER) };
    const on = (side: Side) => (side.name === "anvil" ? "evm" : "sim");
    p.sim.advanceSlots(1);
    p.evm.advanceSlots(1);
    compareGas("dispute (mint)", ...(await both(p, (side) => malloryOn[on(side)].propose(deposits()))));
    p.sim.advanceSlots(1);
    p.evm.advanceSlots(1);
    const minted = [
      transfer(alice, ALICE, BOB, 100n, 0n),
      transfer(bob, BOB, ALICE, 10n, 0n),
      transfer(alice, ALICE, MALLORY, 5n, 1n),
      transfer(alice, ALICE, BOB, 7n, 2n),
      transfer(bob, BOB, MALLORY, 1n, 1n),
      transfer(alice, ALICE, BOB, 2n, 3n),
      transfer(bob, BOB, ALICE, 3n, 2n),
      transfer(alice, ALICE, MALLORY, 4n, 4n),
    ];
    compareGas("dispute (mint)", ...(await both(p, (side) => malloryOn[on(side)].proposeTampered(minted, { kind: "mint", at: 1, account: MALLORY, amount: 5000n }))));
    p.sim.advanceSlots(1);
    p.evm.advanceSlots(1);
    const [s3, e3] = await both(p, (side) => malloryOn[on(side)].propose([withdraw(mallory, MALLORY, MALLORY_L1, 5000n, 0n)]));
    expect(e3.status).toBe("success");
    compareGas("dispute (mint)", s3, e3);

    const balances = async (side: Side) => Promise.all([MALLORY_PROPOSER, WATCHER, BURN_ADDRESS].map((a) => side.l1.balanceOf(a)));
    const [mp0 = 0n, wa0 = 0n, burn0 = 0n] = await balances(p.evm);
    await playBoth(p, { sim: [watchers.sim, malloryOn.sim], evm: [watchers.evm, malloryOn.evm] }, async (side) => (await side.l1.dispute(1))?.outcome !== undefined);

    const d = await p.evm.l1.dispute(1);
    expect(d).toMatchObject({ batchNumber: 2, challenger: WATCHER, proposer: MALLORY_PROPOSER, outcome: "challengerWon", lo: 1, hi: 2, round: 3 });
    expect(d).toEqual(await p.sim.l1.dispute(1).then((x) => x && { ...pick(x) }));
    // Slashed: half the proposer bond burned, half to the watcher (its own bond back); batch 3's bond returned.
    const [mp1 = 0n, wa1 = 0n, burn1 = 0n] = await balances(p.evm);
    expect(wa1 - wa0).toBe(PROPOSER_BOND / 2n);
    expect(burn1 - burn0).toBe(PROPOSER_BOND / 2n);
    expect(mp1 - mp0).toBe(PROPOSER_BOND);
    // Rolled back with its descendant: root, live chain, deposit queue head.
    expect(await p.evm.l1.liveBatches()).toEqual([1]);
    expect(await p.evm.l1.currentRoot()).toBe((await p.evm.l1.batch(1))?.newRoot);
    expect(await p.evm.l1.queueHead()).toBe(3);
    for (const n of [2, 3]) expect((await p.evm.l1.batch(n))?.rolledBackAt).toBe(d?.resolvedAt);

    // Every move, paired: same methods in the same order, gas within 10 %.
    const moves = [...pairSent(watchers.sim.sent, watchers.evm.sent), ...pairSent(malloryOn.sim.sent.slice(3), malloryOn.evm.sent.slice(3))];
    expect(moves.map(([s]) => s.method).sort()).toEqual(["challenge", "proveStep", "respond", "respond", "respond", "revealRoot", "revealRoot", "revealRoot"]);
    for (const [s, e] of moves) compareGas("dispute (mint)", s, e);

    // The rolled-back withdrawal is never paid, however long one waits; nor can the batch be finalized.
    const slots = Math.ceil((WINDOW + 30 * 86_400) / 12);
    p.sim.advanceSlots(slots);
    p.evm.advanceSlots(slots);
    expect([await p.evm.l1.isFinal(1), await p.evm.l1.isFinal(2), await p.evm.l1.isFinal(3)]).toEqual([true, false, false]);
    await expectBothReverted(p, "NOT_FINAL", (side) => side.l1.claimWithdrawal(ANYONE, 3, 0));
    await expectBothReverted(p, "NOT_FINAL", (side) => side.l1.finalize(ANYONE, 2));
    await expectBothReverted(p, "NOT_CHALLENGEABLE", (side) => side.l1.challenge(WATCHER, 3));
  });
});

describe("rejections on anvil carry the simulated L1's codes", () => {
  let p: Pair;
  beforeAll(async () => {
    p = await pair({ capacity: 8 });
  });

  it("wrong mover, bad Merkle proofs, bad or aliased witnesses, deadlines", async () => {
    await depositAll(p);
    const malloryOn = { sim: new MaliciousProposer(p.sim.l1, MALLORY_PROPOSER), evm: new MaliciousProposer(p.evm.l1, MALLORY_PROPOSER) };
    const on = (side: Side) => (side.name === "anvil" ? "evm" : "sim");
    p.sim.advanceSlots(1);
    p.evm.advanceSlots(1);
    await both(p, (side) => malloryOn[on(side)].propose(deposits()));
    p.sim.advanceSlots(1);
    p.evm.advanceSlots(1);
    // Mallory signs a transfer out of alice's account with her own key and posts it (the roots skip the check).
    const forged = [transfer(mallory, ALICE, MALLORY, 900n, 0n)];
    await both(p, (side) => malloryOn[on(side)].proposeTampered(forged, { kind: "steal", at: 0 }));
    const roots = malloryOn.evm.rootsOf(2) ?? [];
    await expectBothReverted(p, "NO_SUCH_BATCH", (side) => side.l1.challenge(WATCHER, 9));
    await expectBothReverted(p, "INSUFFICIENT_BOND", (side) => side.l1.challenge(WATCHER, 2, CHALLENGER_BOND - 1n));
    const [sc, ec] = await both(p, (side) => side.l1.challenge(WATCHER, 2));
    compareGas("rejections", sc, ec);

    await expectBothReverted(p, "NOT_YOUR_TURN", (side) => side.l1.revealRoot(WATCHER, 1, roots[4] ?? 0n, rootsProof(roots, 4)));
    await expectBothReverted(p, "NOT_YOUR_TURN", (side) => side.l1.respond(MALLORY_PROPOSER, 1, true));
    await expectBothReverted(p, "NOT_YOUR_TURN", (side) => side.l1.proveStep(WATCHER, 1, []));
    await expectBothReverted(p, "DEADLINE_NOT_PASSED", (side) => side.l1.timeout(ANYONE, 1));
    await expectBothReverted(p, "NO_SUCH_DISPUTE", (side) => side.l1.revealRoot(MALLORY_PROPOSER, 2, 0n, []));
    await expectBothReverted(p, "BAD_MERKLE_PROOF", (side) => side.l1.revealRoot(MALLORY_PROPOSER, 1, (roots[4] ?? 0n) + 1n, rootsProof(roots, 4)));
    await expectBothReverted(p, "BAD_MERKLE_PROOF", (side) => side.l1.revealRoot(MALLORY_PROPOSER, 1, roots[3] ?? 0n, rootsProof(roots, 3)));
    await expectBothReverted(p, "BAD_MERKLE_PROOF", (side) => side.l1.revealRoot(MALLORY_PROPOSER, 1, roots[4] ?? 0n, rootsProof(roots, 4).slice(1)));

    // Bisect down to operation 0 by hand: disagree with every root.
    for (const mid of [4, 2, 1]) {
      p.sim.advanceSlots(1);
      p.evm.advanceSlots(1);
      const [sr, er] = await both(p, (side) => side.l1.revealRoot(MALLORY_PROPOSER, 1, roots[mid] ?? 0n, rootsProof(roots, mid)));
      compareGas("rejections", sr, er);
      p.sim.advanceSlots(1);
      p.evm.advanceSlots(1);
      const [sa, ea] = await both(p, (side) => side.l1.respond(WATCHER, 1, false));
      compareGas("rejections", sa, ea);
    }
    expect(await p.evm.l1.dispute(1)).toMatchObject({ turn: "oneStep", lo: 0, hi: 1 });

    // Witnesses of the state before operation 0 (after batch 1).
    const state = new RollupState(testInstance.arities);
    for (const op of deposits()) applyOperation(state, op, ctx);
    const op = forged[0];
    if (op === undefined) throw new Error("no operation");
    const good = operationWitnesses(state, op);
    const [senderW, receiverW] = good;
    if (senderW?.account === undefined || receiverW === undefined) throw new Error("witnesses missing");
    // a sibling changed (position 1 of level 0: alice sits at 0), a missing receiver, a duplicate
    const badPath = [{ ...senderW, path: senderW.path.map((x, i) => (i === 1 ? x + 1n : x)) }, receiverW];
    // Soundness: Poseidon reduces mod p, so balance + p hashes like the true balance; it must not pass.
    const aliased = [{ ...senderW, account: { ...senderW.account, balance: senderW.account.balance + FIELD_MODULUS } }, receiverW];
    await expectBothReverted(p, "BAD_WITNESS", (side) => side.l1.proveStep(WATCHER, 1, badPath));
    await expectBothReverted(p, "BAD_WITNESS", (side) => side.l1.proveStep(WATCHER, 1, aliased));
    await expectBothReverted(p, "BAD_WITNESS", (side) => side.l1.proveStep(WATCHER, 1, [senderW]));
    await expectBothReverted(p, "BAD_WITNESS", (side) => side.l1.proveStep(WATCHER, 1, [senderW, senderW, receiverW]));
    const b2 = await p.evm.l1.batch(2);
    const otherData = (b2?.data ?? new Uint8Array(0)).slice();
    otherData[0] = (otherData[0] ?? 0) ^ 1;
    await expectBothReverted(p, "BAD_BATCH_DATA", (side) => side.l1.proveStep(WATCHER, 1, good, otherData));

    // The honest one-step: the signature is not alice's, the operation is invalid, the proposer loses.
    const [sp, ep] = await both(p, (side) => side.l1.proveStep(ANYONE, 1, good));
    expect(ep.result).toMatchObject({ outcome: "challengerWon" });
    compareGas("forged signature", sp, ep);
    await expectBothReverted(p, "DISPUTE_OVER", (side) => side.l1.respond(WATCHER, 1, true));
    await expectBothReverted(p, "NOT_CHALLENGEABLE", (side) => side.l1.challenge(WATCHER, 2));
  });
});

describe("a one-step proof through Poseidon(8) levels (tree [4, 8]) on anvil", () => {
  it("a dishonest challenger loses to the proposer's one-step of a deposit; gas within 10 %", async () => {
    const arities = [4, 8];
    const p = await pair({ arities, capacity: 1 });
    const proposers = { sim: new Proposer(p.sim.l1, PROPOSER), evm: new Proposer(p.evm.l1, PROPOSER) };
    const challengers = { sim: new DishonestChallenger(p.sim.l1, CHALLENGER), evm: new DishonestChallenger(p.evm.l1, CHALLENGER) };
    const on = (side: Side) => (side.name === "anvil" ? "evm" : "sim");
    await both(p, (side) => side.l1.deposit(ALICE_L1, alice.publicKey, 1000n));
    await both(p, (side) => proposers[on(side)].propose([{ kind: "deposit", to: 17, publicKey: alice.publicKey, amount: 1000n }]));
    p.sim.advanceSlots(1);
    p.evm.advanceSlots(1);
    await both(p, (side) => challengers[on(side)].challenge(1));
    await playBoth(p, { sim: [proposers.sim, challengers.sim], evm: [proposers.evm, challengers.evm] }, async (side) => (await side.l1.dispute(1))?.outcome !== undefined);
    expect(await p.evm.l1.dispute(1)).toMatchObject({ outcome: "proposerWon" });
    const [oneStep] = pairSent(proposers.sim.sent.slice(1), proposers.evm.sent.slice(1));
    if (oneStep === undefined) throw new Error("no one-step");
    const [s, e] = oneStep;
    expect(s.method).toBe("proveStep");
    // two Poseidon(4) + two Poseidon(8) hashes (witness path, new path) and a leaf: the one-step is over 500k gas
    expect(e.gasUsed).toBeGreaterThan(2 * (await poseidonGas(8)));
    compareGas("tree [4,8]", s, e);
  });
});

describe("gas: simulated schedule vs anvil, per method", () => {
  it("every compared transaction was within 10 % (table printed)", () => {
    expect(gasRows.length).toBeGreaterThan(10);
    const byMethod = new Map<string, { n: number; simulated: number; anvil: number; worst: number }>();
    for (const r of gasRows) {
      const k = `${r.method}`;
      const e = byMethod.get(k) ?? { n: 0, simulated: 0, anvil: 0, worst: 0 };
      byMethod.set(k, { n: e.n + 1, simulated: e.simulated + r.simulated, anvil: e.anvil + r.anvil, worst: Math.max(e.worst, Math.abs(r.simulated - r.anvil) / r.anvil) });
    }
    for (const r of gasRows) console.log(`[gas] ${r.scenario.padEnd(24)} ${r.method.padEnd(16)} simulated ${String(r.simulated).padStart(9)}  anvil ${String(r.anvil).padStart(9)}  ${(((r.simulated - r.anvil) / r.anvil) * 100).toFixed(1)} %`);
    console.log("[gas by method]", JSON.stringify([...byMethod].map(([method, v]) => ({ method, n: v.n, simulatedMean: Math.round(v.simulated / v.n), anvilMean: Math.round(v.anvil / v.n), worstError: Number(v.worst.toFixed(3)) }))));
    for (const v of byMethod.values()) expect(v.worst).toBeLessThan(GAS_TOLERANCE);
  });
});

/** The dispute fields both L1s show (the simulated one has more). */
function pick(d: NonNullable<Awaited<ReturnType<OptimisticL1["dispute"]>>>) {
  const { id, batchNumber, challenger, proposer, lo, hi, rootLo, rootHi, mid, midRoot, turn, round, deadline, openedAt, outcome, resolvedAt } = d;
  return { id, batchNumber, challenger, proposer, lo, hi, rootLo, rootHi, mid, midRoot, turn, round, deadline, openedAt, outcome, resolvedAt };
}

describe("zkr demo --l1 anvil: the honest optimistic run on anvil", () => {
  it("runs the same traffic as on the simulated L1: same batches, finality times and withdrawal; gas within 10 %", async () => {
    const workload = makeWorkload(3, 3, 6, 2);
    const run = (l1: "simulated" | "anvil") =>
      runMode({ mode: "optimistic", instance: testInstance, workload, windowSeconds: 3_600, watcher: true, log: () => {}, l1 });
    const sim = await run("simulated");
    const evm = await run("anvil");
    expect([sim.l1, evm.l1]).toEqual(["simulated", "anvil"]);
    expect(evm.batches.map((b) => [b.number, b.counts, b.submittedAt, b.finalAt, b.calldataBytes])).toEqual(
      sim.batches.map((b) => [b.number, b.counts, b.submittedAt, b.finalAt, b.calldataBytes]),
    );
    expect(evm.withdrawal).toMatchObject({ batch: sim.withdrawal?.batch, finalAt: sim.withdrawal?.finalAt, paidAt: sim.withdrawal?.paidAt, amount: sim.withdrawal?.amount });
    expect(evm.batches.length).toBeGreaterThan(1);
    sim.batches.forEach((b, i) => {
      const measured = evm.batches[i]?.gas ?? 0;
      expect(Math.abs(b.gas - measured) / measured).toBeLessThan(GAS_TOLERANCE);
    });
  });
});
