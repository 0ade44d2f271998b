/**
 * Censorship resistance in both modes, on the same steps and the same L1 clock, on the Solidity contracts
 * (contracts/RollupBridge.sol's forced exit) in the in-process EVM (or anvil): a censoring sequencer keeps
 * posting batches but ignores Bob's forced withdrawal; once its deadline has passed anyone puts the rollup
 * in exit mode; every user takes their balance out of the exit root with a Merkle proof, once, and a
 * deposit no batch consumed goes back to its sender. Reports the L1 time from Bob's request to his funds
 * in hand, and the gas of each step (receipts' gasUsed).
 *
 * zk: an accepted batch is final, so exit mode starts one block after the deadline and claims open at
 * once. Optimistic: exit mode waits until every batch proposed by the deadline is final or rolled back
 * (the sequencer could still prove a request stale before that), so the funds come a challenge window
 * after the sequencer's last batch before the deadline (a censor posts one right at it). The exit itself
 * needs no proof, so proving time is not added to the L1 clock here.
 */
import type { JsonObject } from "snarkjs";
import type { CircuitInstance } from "../circuit/instances.ts";
import { privateKeyFromLabel, publicKeyOf, sign, type PublicKey } from "../crypto/eddsa.ts";
import { ZkRollupL1 } from "../evm/zk-rollup.ts";
import { OptimisticRollupL1 } from "../evm/optimistic-rollup.ts";
import { EvmSession } from "../evm/client.ts";
import type { ForcedExitL1 } from "../evm/forced-exit-l1.ts";
import type { DepositEntry } from "../l1/bridge-types.ts";
import type { ZkL1Receipt } from "../evm/zk-l1.ts";
import { labelAddress, type L1Address } from "../l1/address.ts";
import { L1Clock } from "../l1/clock.ts";
import { exitClaimMessage } from "../l1/forced-exit-types.ts";
import { Proposer } from "../optimistic/proposer.ts";
import type { ProvedBatch } from "../prover/prove.ts";
import { assignDeposits } from "../sequencer/sequencer.ts";
import { buildBatch, type BatchInputs, type BuiltBatch } from "../state/batch.ts";
import { RollupState } from "../state/rollup-state.ts";
import { signTransfer, signWithdraw, type Operation } from "../tx/operation.ts";
import { CHALLENGER_BOND, PROPOSER_BOND, ROLLUP_ID, SEQUENCER, type Mode } from "./mode-run.ts";

export const DEFAULT_FORCED_DEADLINE_SECONDS = 24 * 3600;

/** One transaction of the run, successful or (on purpose) reverted. */
export interface ForcedExitStep {
  readonly what: string;
  readonly at: number;
  readonly status: "success" | "reverted";
  readonly revertReason: string | null;
  readonly gasUsed: number;
}

export interface ForcedExitOutcome {
  readonly mode: Mode;
  readonly deadlineSeconds: number;
  /** Optimistic: the challenge window; zk: undefined. */
  readonly windowSeconds: number | undefined;
  readonly requestedAt: number;
  readonly deadline: number;
  /** The censoring sequencer's last batch (posted in the deadline's block). */
  readonly lastBatchAt: number;
  readonly activatedAt: number;
  /** The first block in which exit claims succeed. */
  readonly claimsOpenAt: number;
  /** Bob's exit claim: his funds in hand. */
  readonly fundsAt: number;
  readonly secondsToFunds: number;
  readonly paid: { readonly user: string; readonly amount: string; readonly how: "exit claim" | "deposit refund" }[];
  /** What the bridge holds after every claim and refund (0: everything was paid out once). */
  readonly bridgeLeft: string;
  /** Gas of the successful step of each kind. */
  readonly gas: { readonly request: number; readonly censoredBatch: number; readonly activation: number; readonly exitClaim: number; readonly refund: number };
  readonly steps: ForcedExitStep[];
  readonly summary: string;
}

/** Anything that proves a batch (the warm Prover). */
export interface BatchProver {
  prove(inputs: BatchInputs): Promise<ProvedBatch>;
}

export interface ForcedExitRunOptions {
  readonly mode: Mode;
  readonly instance: CircuitInstance;
  readonly deadlineSeconds: number;
  /** The optimistic challenge window. */
  readonly windowSeconds: number;
  /**
   * zk only: a prover for the batches and the instance's key files (the verifier contract is exported from
   * the zkey). `vkey` alone (the parsed verification key) is what callers passed before the contracts ran
   * on the EVM: not enough any more.
   */
  readonly zk?: { readonly prover: BatchProver; readonly keys?: { readonly zkey: string; readonly vkey: string }; readonly vkey?: JsonObject };
  /** The in-process EVM (default) or a fresh anvil node. */
  readonly l1?: "simulated" | "anvil";
}

interface User {
  readonly name: string;
  readonly key: Uint8Array;
  readonly publicKey: PublicKey;
  readonly l1: L1Address;
  readonly deposit: bigint;
}

/** The rollup of one mode, as the run drives it. */
interface ModeRollup {
  readonly l1: ForcedExitL1 & {
    deposit(sender: L1Address, publicKey: PublicKey, amount: bigint): Promise<ZkL1Receipt<unknown>>;
    fund(address: L1Address, amount: bigint): Promise<void>;
    isFinal(batchNumber: number): Promise<boolean>;
    depositQueue(): Promise<readonly DepositEntry[]>;
  };
  /** Posts a built batch: zk proves and submits it, optimistic proposes it with a bond. */
  post(built: BuiltBatch, ops: readonly Operation[]): Promise<ZkL1Receipt<{ readonly number: number }>>;
  /** What the bridge holds for users (the optimistic contract also holds bonds). */
  bridgeBalance(): Promise<bigint>;
}

const FORCED_AMOUNT = 1_000n;
const TRANSFER_AMOUNT = 100n;

export async function runForcedExit(opts: ForcedExitRunOptions): Promise<ForcedExitOutcome> {
  const clock = new L1Clock();
  // EDR takes a next-block timestamp of 0 for "none": start one slot in.
  clock.advanceSlots(1);
  const session = opts.l1 === "anvil" ? await EvmSession.start({ genesisTimestamp: 0 }) : await EvmSession.inProcess();
  try {
    return await run(opts, clock, session);
  } finally {
    await session.close();
  }
}

async function run(opts: ForcedExitRunOptions, clock: L1Clock, session: EvmSession): Promise<ForcedExitOutcome> {
  const { mode, instance } = opts;
  const ctx = { layout: instance.layout, rollupId: ROLLUP_ID };
  let state = new RollupState(instance.arities);
  const rollup = mode === "zk" ? await zkRollup(opts, clock, session, state) : await optimisticRollup(opts, clock, session, state);
  const forced = rollup.l1;
  const [alice, bob, carol] = (["alice", "bob", "carol"] as const).map((name, i) => user(name, BigInt(5_000 - 1_000 * i)));
  if (alice === undefined || bob === undefined || carol === undefined) throw new Error("three users");
  const anyone = labelAddress("forced exit: anyone");
  const steps: ForcedExitStep[] = [];
  const record = <T>(what: string, r: ZkL1Receipt<T>): ZkL1Receipt<T> => {
    steps.push({ what, at: r.timestamp, status: r.status, revertReason: r.revertReason, gasUsed: r.gasUsed });
    return r;
  };
  const post = async (what: string, ops: Operation[]) => {
    const built = buildBatch(state, ops, instance.ops, ctx);
    const r = record(what, await rollup.post(built, ops));
    if (r.status !== "success" || r.result === undefined) throw new Error(`${what}: ${r.revertReason ?? "?"}`);
    state = built.state;
    return { r, built, number: r.result.number };
  };
  const untilFinal = async (n: number): Promise<void> => {
    while (!(await forced.isFinal(n))) clock.advanceSlots(1);
  };
  const index = (u: User): number => {
    for (const [i, a] of state.entries()) if (a.publicKey.x === u.publicKey.x && a.publicKey.y === u.publicKey.y) return i;
    throw new Error(`${u.name} has no account`);
  };
  /**
   * `u`'s exit claim, proven under `root` (default: the exit root) by the exit-claim circuit; `extra` is
   * added to the proven balance on its way to the L1 (the proof is then of another balance).
   */
  const claim = async (u: User, opts: { readonly extra?: bigint; readonly root?: bigint } = {}) => {
    const i = index(u);
    const account = state.account(i);
    if (account === undefined) throw new Error(`${u.name} has no account`);
    const signature = sign(u.key, exitClaimMessage(ROLLUP_ID, i, u.l1));
    const proven = await forced.proveExitClaim({ index: i, account, path: state.tree.path(i), recipient: u.l1, signature }, opts.root);
    return forced.submitExitClaim(u.l1, { ...proven, balance: proven.balance + (opts.extra ?? 0n) });
  };

  // Alice and Bob deposit; the first batch credits them and becomes final.
  for (const u of [alice, bob]) {
    await forced.fund(u.l1, 2n * u.deposit);
    record(`${u.name} deposits ${u.deposit}`, await forced.deposit(u.l1, u.publicKey, u.deposit));
  }
  clock.advanceSlots(1);
  const first = await post("batch 1: the deposits", assignDeposits(state, [alice, bob].map((u) => ({ publicKey: u.publicKey, amount: u.deposit }))));
  await untilFinal(first.number);

  // Bob forces a withdrawal against the final root; the sequencer will ignore it.
  const bobIndex = index(bob);
  const bobAccount = state.account(bobIndex);
  if (bobAccount === undefined) throw new Error("bob has no account");
  const withdraw = signWithdraw(bob.key, { kind: "withdraw", from: bobIndex, recipient: bob.l1, amount: FORCED_AMOUNT, nonce: bobAccount.nonce }, ctx.layout, ROLLUP_ID);
  const request = record(`bob requests a forced withdrawal of ${FORCED_AMOUNT} (his signed withdraw, nonce ${bobAccount.nonce})`, await forced.requestForcedWithdrawal(bob.l1, withdraw));
  const requestId = request.result?.id;
  const deadline = request.result?.deadline;
  if (requestId === undefined || deadline === undefined) throw new Error(`the request reverted: ${request.revertReason ?? "?"}`);
  record("bob claims an exit before exit mode", await claim(bob, { root: state.root }));

  // The censor keeps posting, without the request, right up to the deadline.
  clock.advanceSlots(Math.max(0, clock.slotOf(deadline) - clock.slot));
  const censored = await post("the censoring sequencer's batch (Alice pays Bob, no forced withdrawal)", [
    signTransfer(alice.key, { kind: "transfer", from: index(alice), to: bobIndex, amount: TRANSFER_AMOUNT, nonce: 0n }, ctx.layout, ROLLUP_ID),
  ]);
  record("exit mode activated at the deadline", await forced.activateExitMode(anyone, requestId));
  await forced.fund(carol.l1, 2n * carol.deposit);
  record(`carol deposits ${carol.deposit} (no batch will take it)`, await forced.deposit(carol.l1, carol.publicKey, carol.deposit));
  clock.advanceSlots(1);
  let activation = record("exit mode activated after the deadline", await forced.activateExitMode(anyone, requestId));
  if (activation.status !== "success") {
    // Optimistic: the censor's batch of the deadline must be final (or rolled back) first.
    await untilFinal(censored.number);
    activation = record("exit mode activated once the batches of the deadline are final", await forced.activateExitMode(anyone, requestId));
  }
  if (activation.status !== "success") throw new Error(`activation reverted: ${activation.revertReason ?? "?"}`);
  record("the sequencer posts another batch", await rollup.post(censored.built, []));

  // Claims open once the exit batch is final; each account exits once.
  let bobClaim = record("bob claims his exit", await claim(bob));
  if (bobClaim.status !== "success") {
    const exit = await forced.exitMode();
    if (exit !== undefined) await untilFinal(exit.batchNumber);
    bobClaim = record("bob claims his exit once the exit root is final", await claim(bob));
  }
  record("bob claims again", await claim(bob));
  record("alice sends her proven claim with 1 more than her balance", await claim(alice, { extra: 1n }));
  const aliceClaim = record("alice claims her exit", await claim(alice));
  const carolDeposit = (await forced.depositQueue()).find((d) => d.sender === carol.l1)?.index ?? 0;
  const refund = record("carol's unconsumed deposit is refunded", await forced.refundDeposit(carol.l1, carolDeposit));
  record("the bond of bob's request (pending at exit mode) goes back to his recipient", await forced.releaseBond(anyone, requestId));

  if (bobClaim.status !== "success" || aliceClaim.status !== "success" || refund.status !== "success") {
    throw new Error(`the forced exit did not complete: ${steps.map((s) => `${s.what}: ${s.revertReason ?? s.status}`).join("; ")}`);
  }
  const firstOpen = steps.find((s) => s.status === "success" && s.what.startsWith("bob claims his exit"));
  const fundsAt = bobClaim.timestamp;
  const windowSeconds = mode === "optimistic" ? opts.windowSeconds : undefined;
  return {
    mode,
    deadlineSeconds: opts.deadlineSeconds,
    windowSeconds,
    requestedAt: request.timestamp,
    deadline,
    lastBatchAt: censored.r.timestamp,
    activatedAt: activation.timestamp,
    claimsOpenAt: firstOpen?.at ?? fundsAt,
    fundsAt,
    secondsToFunds: fundsAt - request.timestamp,
    paid: [
      { user: "bob", amount: String(bobClaim.result ?? 0n), how: "exit claim" },
      { user: "alice", amount: String(aliceClaim.result ?? 0n), how: "exit claim" },
      { user: "carol", amount: String(refund.result ?? 0n), how: "deposit refund" },
    ],
    bridgeLeft: (await rollup.bridgeBalance()).toString(),
    gas: { request: request.gasUsed, censoredBatch: censored.r.gasUsed, activation: activation.gasUsed, exitClaim: bobClaim.gasUsed, refund: refund.gasUsed },
    steps,
    summary:
      `bob's funds in hand ${fundsAt - request.timestamp} L1 seconds after his request: deadline ${opts.deadlineSeconds} s` +
      (mode === "zk"
        ? ", then one block (an accepted batch is final: exit mode and claims at once)"
        : `, then the challenge window of the censor's batch at the deadline (${opts.windowSeconds} s) before exit mode and claims`),
  };
}

function user(name: string, deposit: bigint): User {
  const key = privateKeyFromLabel(`zkr forced exit ${name}`);
  return { name, key, publicKey: publicKeyOf(key), l1: labelAddress(`forced exit: ${name}`), deposit };
}

async function zkRollup(opts: ForcedExitRunOptions, clock: L1Clock, session: EvmSession, genesis: RollupState): Promise<ModeRollup> {
  if (opts.zk === undefined) throw new Error("zk mode needs a prover and the instance's keys");
  const { prover, keys } = opts.zk;
  if (keys === undefined) throw new Error("zk mode on the EVM needs the instance's key files (zk.keys: the verifier is exported from the zkey)");
  const zk = await ZkRollupL1.start({
    rollupId: ROLLUP_ID,
    layout: opts.instance.layout,
    capacity: opts.instance.ops,
    genesisRoot: genesis.root,
    keys,
    arities: opts.instance.arities,
    forcedDeadlineSeconds: opts.deadlineSeconds,
    session,
    clock,
  });
  const proofs = new Map<BuiltBatch, ProvedBatch>();
  return {
    l1: zk,
    post: async (built) => {
      const proved = proofs.get(built) ?? (await prover.prove(built.inputs));
      proofs.set(built, proved);
      return zk.submitBatch(SEQUENCER, { records: built.records, withdrawalRecipients: built.withdrawalRecipients, newRoot: built.newRoot, proof: proved.proof });
    },
    bridgeBalance: () => zk.balanceOf(BigInt(zk.address)),
  };
}

async function optimisticRollup(opts: ForcedExitRunOptions, clock: L1Clock, session: EvmSession, genesis: RollupState): Promise<ModeRollup> {
  const rollup = await OptimisticRollupL1.start({
    rollupId: ROLLUP_ID,
    arities: opts.instance.arities,
    capacity: opts.instance.ops,
    genesisRoot: genesis.root,
    challengeWindowSeconds: opts.windowSeconds,
    proposerBond: PROPOSER_BOND,
    challengerBond: CHALLENGER_BOND,
    forcedDeadlineSeconds: opts.deadlineSeconds,
    session,
    clock,
  });
  const proposer = new Proposer(rollup, SEQUENCER, genesis);
  await rollup.fund(SEQUENCER, 100n * PROPOSER_BOND);
  return {
    l1: rollup,
    post: (_built, ops) => proposer.propose(ops),
    bridgeBalance: async () => (await rollup.bridgeState()).balance,
  };
}
