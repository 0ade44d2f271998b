/**
 * The optimistic rollup side by side on two L1s: contracts/OptimisticRollup.sol on anvil and the simulated
 * OptimisticRollupContract, both behind OptimisticL1. The same parties (src/optimistic/) send the same
 * transactions to both; every transaction must succeed, or revert with the same code, on both, with the
 * same calldata at the same time, and each scenario checks that it ended as it must (balances, outcomes,
 * rollbacks). Every transaction is recorded with both gas figures.
 *
 * One copy of the scenarios, run by tests/evm/optimistic.test.ts (which asserts the gas tolerance) and by
 * compareOptimisticGas (src/evm/optimistic-gas-compare.ts, the report of `npm run evm:gas`). A failed check
 * throws EvmError: L1_MISMATCH when the two L1s disagree, SCENARIO_FAILED when both agree on the wrong thing.
 */
import { isDeepStrictEqual } from "node:util";
import { instanceByRole } from "../circuit/instances.ts";
import { FIELD_MODULUS, privateKeyFromLabel, publicKeyOf, type PublicKey } from "../crypto/index.ts";
import { L1Chain, labelAddress, type L1Address } from "../l1/chain.ts";
import { L1Clock } from "../l1/clock.ts";
import { operationWitnesses } from "../l1/dispute-data.ts";
import { rootsProof } from "../l1/dispute-merkle.ts";
import { calldataFloorGas } from "../l1/gas.ts";
import { BURN_ADDRESS, OptimisticRollupContract, type OptimisticRollupConfig } from "../l1/optimistic-rollup.ts";
import { poseidonGas } from "../l1/poseidon-contract.ts";
import { DishonestChallenger, MaliciousProposer, Proposer, Watcher, type SentTransaction } from "../optimistic/index.ts";
import { RollupState, applyOperation, type RollupContext } from "../state/index.ts";
import { recordLayout, signTransfer, signWithdraw, type Operation, type Transfer, type Withdraw } from "../tx/index.ts";
import { AnvilOptimisticL1 } from "./anvil-optimistic-l1.ts";
import { EvmError } from "./errors.ts";
import { simulatedOptimisticL1, type DisputeView, type OptimisticL1, type OptimisticL1Receipt } from "./optimistic-l1.ts";

/** The settings every scenario runs with (development bonds, a 7-day window, 1-hour moves). */
export const OPTIMISTIC_SCENARIO_SETTINGS = {
  rollupId: 7,
  challengeWindowSeconds: 7 * 86_400,
  responseSeconds: 3_600,
  proposerBond: 1_000_000n,
  challengerBond: 400_000n,
  slashBurnFraction: 0.5,
} as const;

const WINDOW = OPTIMISTIC_SCENARIO_SETTINGS.challengeWindowSeconds;
const PROPOSER_BOND = OPTIMISTIC_SCENARIO_SETTINGS.proposerBond;
const CHALLENGER_BOND = OPTIMISTIC_SCENARIO_SETTINGS.challengerBond;

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

interface User {
  readonly key: Uint8Array;
  readonly publicKey: PublicKey;
}

/** Fixed keys: both L1s are sent byte-identical data (signatures are deterministic). */
function user(label: string): User {
  const key = privateKeyFromLabel(`optimistic evm test: ${label}`);
  return { key, publicKey: publicKeyOf(key) };
}
const alice = user("alice");
const bob = user("bob");
const mallory = user("mallory");

// ---- checks ----

/** JSON with bigints, bytes as hex, undefined fields dropped and keys sorted: equal iff the values are alike. */
function canonical(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) => {
      if (typeof v === "bigint") return `${v}n`;
      if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString("hex")}`;
      if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      }
      return v;
    }) ?? "undefined"
  );
}

function fail(code: "L1_MISMATCH" | "SCENARIO_FAILED", what: string, actual: unknown, expected: unknown): never {
  throw new EvmError(code, `${what}: got ${canonical(actual)}, expected ${canonical(expected)}`);
}

function ensure(condition: boolean, what: string): void {
  if (!condition) throw new EvmError("SCENARIO_FAILED", what);
}

function ensureEqual(actual: unknown, expected: unknown, what: string, code: "L1_MISMATCH" | "SCENARIO_FAILED" = "SCENARIO_FAILED"): void {
  if (canonical(actual) !== canonical(expected)) fail(code, what, actual, expected);
}

/** Every field of `expected` is alike in `actual` (others are ignored). */
function ensureMatch(actual: object | undefined, expected: Record<string, unknown>, what: string): void {
  const got: Record<string, unknown> = actual === undefined ? {} : Object.fromEntries(Object.entries(actual));
  for (const [k, v] of Object.entries(expected)) {
    if (!isDeepStrictEqual(got[k], v)) fail("SCENARIO_FAILED", `${what} (.${k})`, actual, expected);
  }
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new EvmError("SCENARIO_FAILED", `${what} missing`);
  return value;
}

// ---- the pair ----

/** One L1 of a side-by-side pair, with the clock its transactions are mined at. */
export interface OptimisticSide {
  readonly name: "simulated" | "anvil";
  readonly l1: OptimisticL1;
  advanceSlots(n: number): void;
  now(): number;
}

/** One value per side (a party, a list of parties), keyed by the side's name. */
export interface PerSide<T> {
  readonly simulated: T;
  readonly anvil: T;
}

/** One transaction as both L1s mined it. */
export interface OptimisticTxRow {
  readonly scenario: string;
  readonly method: string;
  /** The same on both L1s (checked). */
  readonly status: "success" | "reverted";
  readonly revertReason: string | null;
  readonly calldataBytes: number;
  /** The simulated L1's figure (EIP schedule plus measured Poseidon / EdDSA). */
  readonly simulated: number;
  /** anvil's receipt gasUsed. */
  readonly anvil: number;
  /** (simulated − anvil) / anvil */
  readonly error: number;
  /** The EIP-7623 calldata floor of the transaction (21,000 + 10 per calldata token). */
  readonly calldataFloor: number;
  /**
   * anvil's gasUsed is that floor: the transaction's execution cost less than its calldata floor, and Prague
   * charged the floor, which the simulated L1 does not apply (src/l1/gas.ts calldataFloorGas).
   */
  readonly anvilAtFloor: boolean;
}

export interface PairOptions {
  /** Tree arities (default: the test instance's). */
  readonly arities?: readonly number[];
  /** Operations per batch (default 4). */
  readonly capacity?: number;
  readonly log?: (message: string) => void;
}

/** The two L1s, funded alike, and every transaction sent to both. */
export class OptimisticL1Pair {
  /** Every transaction sent to both L1s, in sending order. */
  readonly transactions: OptimisticTxRow[] = [];
  /** The scenario playing: its name labels the rows. */
  private scenario = "";

  private constructor(
    readonly simulated: OptimisticSide & { readonly contract: OptimisticRollupContract },
    readonly anvil: OptimisticSide & { readonly evm: AnvilOptimisticL1 },
  ) {}

  /** Starts anvil first (if it cannot start, this throws at once with its reason), then the simulated L1. */
  static async start(opts: PairOptions = {}): Promise<OptimisticL1Pair> {
    const arities = opts.arities ?? instanceByRole("test").arities;
    const config: OptimisticRollupConfig = {
      ...OPTIMISTIC_SCENARIO_SETTINGS,
      arities,
      capacity: opts.capacity ?? 4,
      genesisRoot: new RollupState(arities).root,
    };
    const clock = new L1Clock();
    const anvil = await AnvilOptimisticL1.start({ ...config, clock, ...(opts.log === undefined ? {} : { log: opts.log }) });
    const chain = new L1Chain();
    const contract = new OptimisticRollupContract(chain, { ...config, layout: recordLayout(arities) });
    const pair = new OptimisticL1Pair(
      { name: "simulated", l1: simulatedOptimisticL1(contract), contract, advanceSlots: (n) => chain.advanceBlocks(n), now: () => chain.clock.slotTimestamp(chain.blockNumber) },
      { name: "anvil", l1: anvil, evm: anvil, advanceSlots: (n) => clock.advanceSlots(n), now: () => clock.slotTimestamp(clock.slot) },
    );
    try {
      for (const side of pair.sides) {
        for (const a of [PROPOSER, MALLORY_PROPOSER, WATCHER, CHALLENGER, ANYONE]) await side.l1.fund(a, 10_000_000n);
        for (const a of [ALICE_L1, BOB_L1, MALLORY_L1]) await side.l1.fund(a, 100_000n);
      }
    } catch (e) {
      await anvil.stop();
      throw e;
    }
    return pair;
  }

  /** Plays `scenario` on this pair; its transactions are recorded under its name. */
  async run(scenario: OptimisticScenario): Promise<void> {
    this.scenario = scenario.name;
    await scenario.run(this);
  }

  get sides(): readonly OptimisticSide[] {
    return [this.simulated, this.anvil];
  }

  /** The rules both contracts apply: their layout and rollup id. */
  get ctx(): RollupContext {
    return { layout: this.simulated.l1.layout, rollupId: this.simulated.l1.rollupId };
  }

  /** One party per side, made alike. */
  onBoth<P>(make: (l1: OptimisticL1) => P): PerSide<P> {
    return { simulated: make(this.simulated.l1), anvil: make(this.anvil.l1) };
  }

  advanceSlots(n: number): void {
    this.simulated.advanceSlots(n);
    this.anvil.advanceSlots(n);
  }

  async stop(): Promise<void> {
    await this.anvil.evm.stop();
  }

  /** Runs `tx` on the simulated L1, then on anvil; both must succeed, or revert with the same code. Records it. */
  async both<T>(tx: (side: OptimisticSide) => Promise<OptimisticL1Receipt<T>>): Promise<[OptimisticL1Receipt<T>, OptimisticL1Receipt<T>]> {
    const s = await tx(this.simulated);
    const e = await tx(this.anvil);
    this.record(s, e);
    ensureEqual(e.calldata, s.calldata, `${s.method}: calldata`, "L1_MISMATCH");
    ensureEqual(e.timestamp, s.timestamp, `${s.method}: timestamp`, "L1_MISMATCH");
    return [s, e];
  }

  /** Runs `tx` on both; both must revert with `code`, paying more than the base gas, returning nothing. */
  async bothReverted(code: string, tx: (side: OptimisticSide) => Promise<OptimisticL1Receipt<unknown>>): Promise<void> {
    const [s, e] = await this.both(tx);
    ensureEqual([s.revertReason, e.revertReason], [code, code], `${s.method}: revert codes`);
    ensureEqual(e.result, undefined, `${s.method}: anvil's result of a revert`);
    ensure(e.gasUsed > 21_000, `${s.method}: anvil charged ${e.gasUsed} gas for a revert, not more than the base`);
  }

  /** The transactions parties sent on each side, paired in sending order (same methods, same statuses). Records them. */
  pairSent(sim: readonly SentTransaction[], evm: readonly SentTransaction[]): [SentTransaction, SentTransaction][] {
    const steps = (txs: readonly SentTransaction[]) => txs.map((t) => [t.method, t.status, t.revertReason]);
    ensureEqual(steps(evm), steps(sim), "the parties' transactions (method, status, code)", "L1_MISMATCH");
    const pairs = sim.map((s, i): [SentTransaction, SentTransaction] => [s, evm[i] ?? s]);
    for (const [s, e] of pairs) this.record(s, e);
    return pairs;
  }

  /** Each slot every party of each side steps (same parties, same order), until `done` holds on both. */
  async play(parties: PerSide<readonly { step(): Promise<unknown> }[]>, done: (side: OptimisticSide) => Promise<boolean>, maxSlots = 200): Promise<void> {
    for (let slot = 0; slot < maxSlots; slot++) {
      for (const party of parties.simulated) await party.step();
      for (const party of parties.anvil) await party.step();
      const [ds, de] = [await done(this.simulated), await done(this.anvil)];
      ensureEqual(de, ds, `slot ${slot}: done on anvil as on the simulated L1`, "L1_MISMATCH");
      if (ds) return;
      this.advanceSlots(1);
    }
    throw new EvmError("SCENARIO_FAILED", `not done after ${maxSlots} slots`);
  }

  private record(s: OptimisticL1Receipt<unknown>, e: OptimisticL1Receipt<unknown>): void {
    const scenario = this.scenario;
    const floor = calldataFloorGas(s.calldata);
    ensureEqual({ method: e.method, status: e.status, code: e.revertReason }, { method: s.method, status: s.status, code: s.revertReason }, `${scenario === "" ? "" : `${scenario}: `}${s.method}`, "L1_MISMATCH");
    this.transactions.push({
      scenario,
      method: s.method,
      status: s.status,
      revertReason: s.revertReason,
      calldataBytes: s.calldata.bytes,
      simulated: s.gasUsed,
      anvil: e.gasUsed,
      error: (s.gasUsed - e.gasUsed) / e.gasUsed,
      calldataFloor: floor,
      anvilAtFloor: e.gasUsed === floor,
    });
  }
}

// ---- the traffic ----

function transfer(ctx: RollupContext, u: User, from: number, to: number, amount: bigint, nonce: bigint): Transfer {
  return signTransfer(u.key, { kind: "transfer", from, to, amount, nonce }, ctx.layout, ctx.rollupId);
}

function withdraw(ctx: RollupContext, u: User, from: number, recipient: L1Address, amount: bigint, nonce: bigint): Withdraw {
  return signWithdraw(u.key, { kind: "withdraw", from, recipient, amount, nonce }, ctx.layout, ctx.rollupId);
}

/** The first batch's operations: the three deposits depositAll queued. */
function deposits(): Operation[] {
  return [
    { kind: "deposit", to: ALICE, publicKey: alice.publicKey, amount: 1000n },
    { kind: "deposit", to: BOB, publicKey: bob.publicKey, amount: 50n },
    { kind: "deposit", to: MALLORY, publicKey: mallory.publicKey, amount: 10n },
  ];
}

async function depositAll(p: OptimisticL1Pair): Promise<void> {
  for (const [who, u, amount] of [[ALICE_L1, alice, 1000n], [BOB_L1, bob, 50n], [MALLORY_L1, mallory, 10n]] as const) {
    const [, e] = await p.both((side) => side.l1.deposit(who, u.publicKey, amount));
    ensureEqual(e.status, "success", "deposit");
  }
}

/** The dispute fields both L1s show (the simulated one has more). */
function pick(d: DisputeView | undefined) {
  if (d === undefined) return undefined;
  const { id, batchNumber, challenger, proposer, lo, hi, rootLo, rootHi, mid, midRoot, turn, round, deadline, openedAt, outcome, resolvedAt } = d;
  return { id, batchNumber, challenger, proposer, lo, hi, rootLo, rootHi, mid, midRoot, turn, round, deadline, openedAt, outcome, resolvedAt };
}

// ---- the scenarios ----

/** A scenario: the pair it needs and what it plays on it. */
export interface OptimisticScenario {
  readonly name: string;
  readonly pair: Omit<PairOptions, "log">;
  run(p: OptimisticL1Pair): Promise<void>;
}

/** Honest batches: proposed, final after the window, withdrawal paid once, bonds back. */
export const honestScenario: OptimisticScenario = {
  name: "honest",
  pair: {},
  async run(p) {
    const ctx = p.ctx;
    await depositAll(p);
    const proposers = p.onBoth((l1) => new Proposer(l1, PROPOSER));
    const watchers = p.onBoth((l1) => new Watcher(l1, WATCHER));
    p.advanceSlots(1);
    const [s1, e1] = await p.both((side) => proposers[side.name].propose(deposits()));
    ensureEqual(e1.status, "success", "first proposal");
    ensureMatch(e1.result, { number: 1, parent: 0, firstDeposit: 0, depositCount: 3, newRoot: s1.result?.newRoot, windowEnd: s1.result?.windowEnd }, "batch 1 on anvil");
    p.advanceSlots(1);
    const ops = [transfer(ctx, alice, ALICE, BOB, 300n, 0n), withdraw(ctx, bob, BOB, BOB_L1, 20n, 0n)];
    const [, e2] = await p.both((side) => proposers[side.name].propose(ops));
    ensureEqual(e2.result?.withdrawals, [{ batchNumber: 2, index: 0, recipient: BOB_L1, amount: 20n }], "batch 2's withdrawals on anvil");
    ensureEqual(await p.anvil.l1.currentRoot(), await p.simulated.l1.currentRoot(), "current root", "L1_MISMATCH");
    ensureEqual(await p.anvil.l1.liveBatches(), [1, 2], "live batches");

    // The watcher re-executes both from L1 data alone and sends nothing.
    p.advanceSlots(1);
    ensureEqual(await watchers.anvil.step(), [], "the watcher's transactions (anvil)");
    ensureEqual(await watchers.simulated.step(), [], "the watcher's transactions (simulated)");
    ensureEqual([watchers.anvil.verdict(1)?.status, watchers.anvil.verdict(2)?.status], ["honest", "honest"], "the watcher's verdicts");

    // Inside the window: not final, nothing paid.
    await p.bothReverted("NOT_FINAL", (side) => side.l1.claimWithdrawal(ANYONE, 2, 0));
    await p.bothReverted("NOT_FINAL", (side) => side.l1.finalize(ANYONE, 1));
    const b2 = required(await p.anvil.l1.batch(2), "batch 2");
    p.advanceSlots(Math.floor(b2.windowEnd / 12) + 1 - Math.floor(p.anvil.now() / 12));
    ensureEqual([await p.anvil.l1.isFinal(1), await p.anvil.l1.isFinal(2)], [true, true], "final after the window");
    await p.bothReverted("WINDOW_CLOSED", (side) => side.l1.challenge(CHALLENGER, 2));

    const before = await p.anvil.l1.balanceOf(BOB_L1);
    const [, ec] = await p.both((side) => side.l1.claimWithdrawal(ANYONE, 2, 0));
    ensureEqual(ec.result, { batchNumber: 2, index: 0, recipient: BOB_L1, amount: 20n }, "the claimed withdrawal");
    ensureEqual(await p.anvil.l1.balanceOf(BOB_L1), before + 20n, "bob's L1 balance after the claim");
    await p.bothReverted("ALREADY_CLAIMED", (side) => side.l1.claimWithdrawal(ANYONE, 2, 0));
    ensureEqual(await p.anvil.l1.balanceOf(BOB_L1), before + 20n, "bob's L1 balance after a second claim");

    // The proposer takes its two bonds back, once.
    const bonds = await p.anvil.l1.balanceOf(PROPOSER);
    const finals = p.pairSent(await proposers.simulated.step(), await proposers.anvil.step());
    ensureEqual(finals.map(([s]) => s.method), ["finalize", "finalize"], "the proposer's moves after the window");
    ensureEqual(await p.anvil.l1.balanceOf(PROPOSER), bonds + 2n * PROPOSER_BOND, "the proposer's balance after finalizing");
    await p.bothReverted("ALREADY_FINALIZED", (side) => side.l1.finalize(ANYONE, 1));
  },
};

/** A minting proposer against the watcher: challenged, bisected, proven wrong in one step, slashed, rolled back. */
export const mintDisputeScenario: OptimisticScenario = {
  name: "dispute (mint)",
  pair: { capacity: 8 },
  async run(p) {
    const ctx = p.ctx;
    await depositAll(p);
    const malloryOn = p.onBoth((l1) => new MaliciousProposer(l1, MALLORY_PROPOSER));
    const watchers = p.onBoth((l1) => new Watcher(l1, WATCHER));
    p.advanceSlots(1);
    await p.both((side) => malloryOn[side.name].propose(deposits()));
    p.advanceSlots(1);
    const minted = [
      transfer(ctx, alice, ALICE, BOB, 100n, 0n),
      transfer(ctx, bob, BOB, ALICE, 10n, 0n),
      transfer(ctx, alice, ALICE, MALLORY, 5n, 1n),
      transfer(ctx, alice, ALICE, BOB, 7n, 2n),
      transfer(ctx, bob, BOB, MALLORY, 1n, 1n),
      transfer(ctx, alice, ALICE, BOB, 2n, 3n),
      transfer(ctx, bob, BOB, ALICE, 3n, 2n),
      transfer(ctx, alice, ALICE, MALLORY, 4n, 4n),
    ];
    await p.both((side) => malloryOn[side.name].proposeTampered(minted, { kind: "mint", at: 1, account: MALLORY, amount: 5000n }));
    p.advanceSlots(1);
    const [, e3] = await p.both((side) => malloryOn[side.name].propose([withdraw(ctx, mallory, MALLORY, MALLORY_L1, 5000n, 0n)]));
    ensureEqual(e3.status, "success", "the withdrawal of minted funds is proposed");

    const balances = async (side: OptimisticSide) => Promise.all([MALLORY_PROPOSER, WATCHER, BURN_ADDRESS].map((a) => side.l1.balanceOf(a)));
    const [mp0 = 0n, wa0 = 0n, burn0 = 0n] = await balances(p.anvil);
    await p.play({ simulated: [watchers.simulated, malloryOn.simulated], anvil: [watchers.anvil, malloryOn.anvil] }, async (side) => (await side.l1.dispute(1))?.outcome !== undefined);

    const d = await p.anvil.l1.dispute(1);
    ensureMatch(d, { batchNumber: 2, challenger: WATCHER, proposer: MALLORY_PROPOSER, outcome: "challengerWon", lo: 1, hi: 2, round: 3 }, "dispute 1 on anvil");
    ensureEqual(pick(d), pick(await p.simulated.l1.dispute(1)), "dispute 1", "L1_MISMATCH");
    // Slashed: half the proposer bond burned, half to the watcher (its own bond back); batch 3's bond returned.
    const [mp1 = 0n, wa1 = 0n, burn1 = 0n] = await balances(p.anvil);
    ensureEqual([wa1 - wa0, burn1 - burn0, mp1 - mp0], [PROPOSER_BOND / 2n, PROPOSER_BOND / 2n, PROPOSER_BOND], "watcher, burn and proposer balance changes");
    // Rolled back with its descendant: root, live chain, deposit queue head.
    ensureEqual(await p.anvil.l1.liveBatches(), [1], "live batches after the rollback");
    ensureEqual(await p.anvil.l1.currentRoot(), (await p.anvil.l1.batch(1))?.newRoot, "current root after the rollback");
    ensureEqual(await p.anvil.l1.queueHead(), 3, "deposit queue head after the rollback");
    for (const n of [2, 3]) ensureEqual((await p.anvil.l1.batch(n))?.rolledBackAt, d?.resolvedAt, `batch ${n} rolled back when the dispute resolved`);

    // Every move, paired: same methods in the same order.
    const moves = [...p.pairSent(watchers.simulated.sent, watchers.anvil.sent), ...p.pairSent(malloryOn.simulated.sent.slice(3), malloryOn.anvil.sent.slice(3))];
    ensureEqual(moves.map(([s]) => s.method).sort(), ["challenge", "proveStep", "respond", "respond", "respond", "revealRoot", "revealRoot", "revealRoot"], "the dispute's moves");

    // The rolled-back withdrawal is never paid, however long one waits; nor can the batch be finalized.
    p.advanceSlots(Math.ceil((WINDOW + 30 * 86_400) / 12));
    ensureEqual([await p.anvil.l1.isFinal(1), await p.anvil.l1.isFinal(2), await p.anvil.l1.isFinal(3)], [true, false, false], "finality of batches 1-3");
    await p.bothReverted("NOT_FINAL", (side) => side.l1.claimWithdrawal(ANYONE, 3, 0));
    await p.bothReverted("NOT_FINAL", (side) => side.l1.finalize(ANYONE, 2));
    await p.bothReverted("NOT_CHALLENGEABLE", (side) => side.l1.challenge(WATCHER, 3));
  },
};

/** Rejections carry the same codes: wrong mover, bad Merkle proofs, bad or aliased witnesses, deadlines; then a forged signature proven. */
export const rejectionsScenario: OptimisticScenario = {
  name: "rejections",
  pair: { capacity: 8 },
  async run(p) {
    const ctx = p.ctx;
    await depositAll(p);
    const malloryOn = p.onBoth((l1) => new MaliciousProposer(l1, MALLORY_PROPOSER));
    p.advanceSlots(1);
    await p.both((side) => malloryOn[side.name].propose(deposits()));
    p.advanceSlots(1);
    // Mallory signs a transfer out of alice's account with her own key and posts it (the roots skip the check).
    const forged = [transfer(ctx, mallory, ALICE, MALLORY, 900n, 0n)];
    await p.both((side) => malloryOn[side.name].proposeTampered(forged, { kind: "steal", at: 0 }));
    const roots = malloryOn.anvil.rootsOf(2) ?? [];
    await p.bothReverted("NO_SUCH_BATCH", (side) => side.l1.challenge(WATCHER, 9));
    await p.bothReverted("INSUFFICIENT_BOND", (side) => side.l1.challenge(WATCHER, 2, CHALLENGER_BOND - 1n));
    await p.both((side) => side.l1.challenge(WATCHER, 2));

    await p.bothReverted("NOT_YOUR_TURN", (side) => side.l1.revealRoot(WATCHER, 1, roots[4] ?? 0n, rootsProof(roots, 4)));
    await p.bothReverted("NOT_YOUR_TURN", (side) => side.l1.respond(MALLORY_PROPOSER, 1, true));
    await p.bothReverted("NOT_YOUR_TURN", (side) => side.l1.proveStep(WATCHER, 1, []));
    await p.bothReverted("DEADLINE_NOT_PASSED", (side) => side.l1.timeout(ANYONE, 1));
    await p.bothReverted("NO_SUCH_DISPUTE", (side) => side.l1.revealRoot(MALLORY_PROPOSER, 2, 0n, []));
    await p.bothReverted("BAD_MERKLE_PROOF", (side) => side.l1.revealRoot(MALLORY_PROPOSER, 1, (roots[4] ?? 0n) + 1n, rootsProof(roots, 4)));
    await p.bothReverted("BAD_MERKLE_PROOF", (side) => side.l1.revealRoot(MALLORY_PROPOSER, 1, roots[3] ?? 0n, rootsProof(roots, 3)));
    await p.bothReverted("BAD_MERKLE_PROOF", (side) => side.l1.revealRoot(MALLORY_PROPOSER, 1, roots[4] ?? 0n, rootsProof(roots, 4).slice(1)));

    // Bisect down to operation 0 by hand: disagree with every root.
    for (const mid of [4, 2, 1]) {
      p.advanceSlots(1);
      await p.both((side) => side.l1.revealRoot(MALLORY_PROPOSER, 1, roots[mid] ?? 0n, rootsProof(roots, mid)));
      p.advanceSlots(1);
      await p.both((side) => side.l1.respond(WATCHER, 1, false));
    }
    ensureMatch(await p.anvil.l1.dispute(1), { turn: "oneStep", lo: 0, hi: 1 }, "dispute 1 after bisecting");

    // Witnesses of the state before operation 0 (after batch 1).
    const state = new RollupState(p.simulated.l1.arities);
    for (const op of deposits()) applyOperation(state, op, ctx);
    const op = required(forged[0], "the forged operation");
    const good = operationWitnesses(state, op);
    const [senderW, receiverW] = good;
    const senderAccount = required(senderW?.account, "the sender's witness");
    const sender = required(senderW, "the sender's witness");
    const receiver = required(receiverW, "the receiver's witness");
    // a sibling changed (position 1 of level 0: alice sits at 0), a missing receiver, a duplicate
    const badPath = [{ ...sender, path: sender.path.map((x, i) => (i === 1 ? x + 1n : x)) }, receiver];
    // Soundness: Poseidon reduces mod p, so balance + p hashes like the true balance; it must not pass.
    const aliased = [{ ...sender, account: { ...senderAccount, balance: senderAccount.balance + FIELD_MODULUS } }, receiver];
    await p.bothReverted("BAD_WITNESS", (side) => side.l1.proveStep(WATCHER, 1, badPath));
    await p.bothReverted("BAD_WITNESS", (side) => side.l1.proveStep(WATCHER, 1, aliased));
    await p.bothReverted("BAD_WITNESS", (side) => side.l1.proveStep(WATCHER, 1, [sender]));
    await p.bothReverted("BAD_WITNESS", (side) => side.l1.proveStep(WATCHER, 1, [sender, sender, receiver]));
    const otherData = ((await p.anvil.l1.batch(2))?.data ?? new Uint8Array(0)).slice();
    otherData[0] = (otherData[0] ?? 0) ^ 1;
    await p.bothReverted("BAD_BATCH_DATA", (side) => side.l1.proveStep(WATCHER, 1, good, otherData));

    // The honest one-step: the signature is not alice's, the operation is invalid, the proposer loses.
    const [, ep] = await p.both((side) => side.l1.proveStep(ANYONE, 1, good));
    ensureMatch(ep.result, { outcome: "challengerWon" }, "the one-step's dispute on anvil");
    await p.bothReverted("DISPUTE_OVER", (side) => side.l1.respond(WATCHER, 1, true));
    await p.bothReverted("NOT_CHALLENGEABLE", (side) => side.l1.challenge(WATCHER, 2));
  },
};

/** A one-step proof through Poseidon(8) levels (tree [4, 8]): a dishonest challenger loses to the proposer's one-step of a deposit. */
export const poseidon8Scenario: OptimisticScenario = {
  name: "Poseidon(8) one-step",
  pair: { arities: [4, 8], capacity: 1 },
  async run(p) {
    const proposers = p.onBoth((l1) => new Proposer(l1, PROPOSER));
    const challengers = p.onBoth((l1) => new DishonestChallenger(l1, CHALLENGER));
    await p.both((side) => side.l1.deposit(ALICE_L1, alice.publicKey, 1000n));
    await p.both((side) => proposers[side.name].propose([{ kind: "deposit", to: 17, publicKey: alice.publicKey, amount: 1000n }]));
    p.advanceSlots(1);
    await p.both((side) => challengers[side.name].challenge(1));
    await p.play({ simulated: [proposers.simulated, challengers.simulated], anvil: [proposers.anvil, challengers.anvil] }, async (side) => (await side.l1.dispute(1))?.outcome !== undefined);
    ensureMatch(await p.anvil.l1.dispute(1), { outcome: "proposerWon" }, "dispute 1 on anvil");
    const [oneStep] = p.pairSent(proposers.simulated.sent.slice(1), proposers.anvil.sent.slice(1));
    p.pairSent(challengers.simulated.sent.slice(1), challengers.anvil.sent.slice(1));
    const [s, e] = required(oneStep, "the proposer's one-step");
    ensureEqual(s.method, "proveStep", "the proposer's first move");
    // two Poseidon(4) + two Poseidon(8) hashes (witness path, new path) and a leaf: the one-step is over 500k gas
    const floor = 2 * (await poseidonGas(8));
    ensure(e.gasUsed > floor, `the one-step used ${e.gasUsed} gas on anvil, not more than two Poseidon(8) (${floor})`);
  },
};

/** Every scenario, in the order the test and the report run them. */
export const OPTIMISTIC_SCENARIOS: readonly OptimisticScenario[] = [honestScenario, mintDisputeScenario, rejectionsScenario, poseidon8Scenario];
