import type { SetupArtifacts } from "../artifacts/setup.ts";
import { CircuitError } from "../circuit/errors.ts";
import type { CircuitInstance } from "../circuit/instances.ts";
import { ZkRollupL1, compileRollupContracts } from "../evm/zk-rollup.ts";
import { OptimisticRollupL1, compileOptimisticContracts } from "../evm/optimistic-rollup.ts";
import type { EvmSession } from "../evm/client.ts";
import type { ZkL1RevertCode } from "../evm/zk-l1.ts";
import { labelAddress, type L1Address } from "../l1/address.ts";
import type { DisputeReport } from "../l1/optimistic-types.ts";
import { DishonestChallenger } from "../optimistic/challenger.ts";
import { MaliciousProposer, Proposer } from "../optimistic/proposer.ts";
import { disputeReport } from "../optimistic/report.ts";
import { Watcher } from "../optimistic/watcher.ts";
import type { Party, SentTransaction } from "../optimistic/party.ts";
import type { Prover } from "../prover/prover.ts";
import { buildBatch } from "../state/batch.ts";
import { RollupState } from "../state/rollup-state.ts";
import { signTransfer, signWithdraw, type Operation } from "../tx/operation.ts";
import { CHALLENGER_BOND, PROPOSER_BOND, ROLLUP_ID, SEQUENCER, WATCHER, alignClock, demoClock, demoSession, type DemoL1 } from "./mode-run.ts";
import type { DemoUser, Workload } from "./workload.ts";

export interface ScenarioOutcome {
  readonly name: string;
  readonly mode: "zk" | "optimistic";
  /** Did the L1 ever hold the bad root, and did it become final? */
  readonly badRootAccepted: boolean;
  readonly badRootFinal: boolean;
  /** Was the stolen amount paid out on L1? */
  readonly theftPaid: boolean;
  readonly stolen: string;
  readonly summary: string;
  /** What happened, in L1 time. */
  readonly events: { at: number; what: string }[];
  /** The attacker's transactions the contract reverted, with the revert code decoded from its ABI. */
  readonly rejected: { what: string; code: ZkL1RevertCode | null }[];
  readonly dispute: Pick<DisputeReport, "outcome" | "rounds" | "moves" | "totalGas" | "durationSeconds" | "gasPerMove"> | undefined;
  readonly bondSlashed: string | undefined;
}

/** Told of each transaction a party sends, once mined (the web view's live timeline; the scenarios ignore it). */
export type OnSent = (party: string, tx: SentTransaction) => void;

/** Reports to `onSent` the parties' transactions not yet reported, party by party in the order sent. */
function sentReporter(onSent: OnSent | undefined, parties: Readonly<Record<string, Party>>): () => void {
  const seen = new Map<string, number>();
  return () => {
    if (onSent === undefined) return;
    for (const [name, p] of Object.entries(parties)) {
      for (const tx of p.sent.slice(seen.get(name) ?? 0)) onSent(name, tx);
      seen.set(name, p.sent.length);
    }
  };
}

interface Parties {
  readonly victim: DemoUser;
  readonly thief: DemoUser;
}

/**
 * The attack both modes face: the sequencer (the thief, account 1) moves the victim's (account 0)
 * deposit to itself with a transfer it signed itself, and withdraws it to its L1 address.
 */
function theft(instance: CircuitInstance, p: Parties, amount: bigint): Operation[] {
  return [
    signTransfer(p.thief.key, { kind: "transfer", from: 0, to: 1, amount, nonce: 0n }, instance.layout, ROLLUP_ID),
    signWithdraw(p.thief.key, { kind: "withdraw", from: 1, recipient: p.thief.l1, amount, nonce: 0n }, instance.layout, ROLLUP_ID),
  ];
}

function parties(w: Workload): Parties {
  return { victim: w.users[0]!, thief: w.users[1]! };
}

function depositOps(p: Parties): Operation[] {
  return [
    { kind: "deposit", to: 0, publicKey: p.victim.publicKey, amount: p.victim.deposit },
    { kind: "deposit", to: 1, publicKey: p.thief.publicKey, amount: p.thief.deposit },
  ];
}

/**
 * zk mode under a malicious sequencer, on ZkRollup.sol with the instance's Groth16 verifier: it cannot
 * make a proof of the theft (the witness breaks the circuit's signature rule), and the contract reverts
 * the batch sent with a reused or a forged proof. The bad root never lands.
 */
export async function maliciousZk(instance: CircuitInstance, w: Workload, keys: SetupArtifacts, prover: Prover, l1: DemoL1 = "simulated"): Promise<ScenarioOutcome> {
  const p = parties(w);
  const events: ScenarioOutcome["events"] = [];
  const rejected: ScenarioOutcome["rejected"] = [];
  const clock = demoClock();
  const genesis = new RollupState(instance.arities);
  const ctx = { layout: instance.layout, rollupId: ROLLUP_ID };
  await compileRollupContracts(keys);
  return withSession(l1, async (session) => {
    const rollup = await ZkRollupL1.start({ rollupId: ROLLUP_ID, layout: instance.layout, arities: instance.arities, capacity: instance.ops, genesisRoot: genesis.root, keys, session, clock });
    await alignClock(session, clock);
    await fundAndDeposit(rollup, [p.victim, p.thief]);
    clock.advanceSlots(1);
    const first = buildBatch(genesis, depositOps(p), instance.ops, ctx);
    const firstProof = await prover.prove(first.inputs);
    const ok = await rollup.submitBatch(SEQUENCER, { records: first.records, withdrawalRecipients: first.withdrawalRecipients, newRoot: first.newRoot, proof: firstProof.proof });
    if (ok.status !== "success") throw new Error(`zk scenario: the honest batch was rejected (${ok.revertReason ?? "?"})`);
    events.push({ at: ok.timestamp, what: `honest batch 1 (deposits) proven and accepted (${ok.gasUsed} gas)` });
    clock.advanceSlots(1);

    const amount = p.victim.deposit;
    const bad = buildBatch(first.state, theft(instance, p, amount), instance.ops, { ...ctx, unchecked: true });
    let proverVerdict: string;
    try {
      await prover.prove(bad.inputs);
      proverVerdict = "the prover made a proof (unexpected)";
    } catch (err) {
      proverVerdict = err instanceof CircuitError ? `no proof can be made: ${err.message}` : `prover failed: ${String(err)}`;
    }
    events.push({ at: clock.now, what: `malicious batch 2 (victim's ${amount} to the sequencer, then withdrawn): ${proverVerdict}` });
    const badArgs = { records: bad.records, withdrawalRecipients: bad.withdrawalRecipients, newRoot: bad.newRoot };
    const pi = firstProof.proof;
    for (const [what, proof] of [
      ["batch 2 with batch 1's proof", pi],
      ["batch 2 with a forged proof (a and c swapped)", { ...pi, pi_a: pi["pi_c"], pi_c: pi["pi_a"] }],
    ] as const) {
      const r = await rollup.submitBatch(SEQUENCER, { ...badArgs, proof });
      events.push({ at: r.timestamp, what: `${what}: ${r.status} ${r.revertReason ?? ""} (${r.gasUsed} gas)`.trim() });
      if (r.status === "reverted") rejected.push({ what, code: r.revertReason });
    }
    const accepted = (await rollup.currentRoot()) === bad.newRoot || (await rollup.batchCount()) !== 1;
    return {
      name: "malicious sequencer steals a deposit",
      mode: "zk",
      badRootAccepted: accepted,
      badRootFinal: accepted,
      theftPaid: false,
      stolen: "0",
      summary: accepted
        ? "the bad root was accepted (a soundness failure)"
        : `the bad root was never accepted: no valid proof exists and the contract reverts forged or reused ones (${rejected.map((x) => x.code).join(", ")})`,
      events,
      rejected,
      dispute: undefined,
      bondSlashed: undefined,
    };
  });
}

/**
 * Optimistic mode under the same malicious sequencer, on OptimisticRollup.sol: the root is accepted with
 * a bond; with a watcher it is challenged, bisected, proven wrong by a one-step proof and rolled back;
 * with no watcher the window closes, the root is final and the thief is paid.
 */
export async function maliciousOptimistic(instance: CircuitInstance, w: Workload, windowSeconds: number, watcherOn: boolean, l1: DemoL1 = "simulated", onSent?: OnSent): Promise<ScenarioOutcome> {
  const p = parties(w);
  const events: ScenarioOutcome["events"] = [];
  const rejected: ScenarioOutcome["rejected"] = [];
  compileOptimisticContracts();
  return withSession(l1, async (session) => {
    const { clock, rollup, genesis } = await optimisticWorld(session, instance, windowSeconds);
    const proposer = new MaliciousProposer(rollup, SEQUENCER, genesis);
    const watcher = new Watcher(rollup, WATCHER, genesis);
    watcher.enabled = watcherOn;
    const reportSent = sentReporter(onSent, { sequencer: proposer, watcher });
    await fundAndDeposit(rollup, [p.victim, p.thief]);
    clock.advanceSlots(1);
    const r1 = await proposer.propose(depositOps(p));
    events.push({ at: r1.timestamp, what: `honest batch 1 (deposits) proposed with a bond (${r1.gasUsed} gas)` });
    clock.advanceSlots(1);
    const amount = p.victim.deposit;
    const r2 = await proposer.proposeTampered(theft(instance, p, amount), { kind: "steal", at: 0 });
    if (r2.status !== "success" || r2.result === undefined) throw new Error(`optimistic scenario: the malicious batch was not proposed (${r2.revertReason ?? "?"})`);
    const badBatch = r2.result.number;
    events.push({ at: r2.timestamp, what: `malicious batch ${badBatch} proposed: the victim's ${amount} moved to the sequencer and withdrawn; accepted with a bond, no proof asked (${r2.gasUsed} gas)` });

    let disputeId: number | undefined;
    const end = r2.timestamp + windowSeconds + 24 * 3600;
    while (clock.now < end) {
      clock.advanceSlots(1);
      await proposer.step();
      await watcher.step();
      reportSent();
      const d = disputeId === undefined ? (await rollup.openDisputes()).find((x) => x.batchNumber === badBatch) : undefined;
      if (d !== undefined) {
        disputeId = d.id;
        events.push({ at: d.openedAt, what: `the watcher re-executed batch ${badBatch}, found the bad root and challenged (dispute ${d.id})` });
      }
      const b = await rollup.batch(badBatch);
      if (b?.rolledBackAt !== undefined || (await rollup.isFinal(badBatch))) break;
      // No dispute running: nothing happens until the window closes.
      if (disputeId === undefined && !watcherOn) clock.advance(Math.max(0, (b?.windowEnd ?? clock.now) - clock.now));
    }
    const b = await rollup.batch(badBatch);
    const dispute = disputeId === undefined ? undefined : await disputeReport(rollup, disputeId, [...proposer.sent, ...watcher.sent]);
    if (b?.rolledBackAt !== undefined) events.push({ at: b.rolledBackAt, what: `one-step proof: batch ${badBatch} is invalid; proposer slashed, batch ${badBatch} and its descendants rolled back` });
    const finalAt = await rollup.finalizedAt(badBatch);
    if (finalAt !== undefined) events.push({ at: finalAt, what: `challenge window closed with no challenge: the bad root of batch ${badBatch} is final` });
    // Gas is free here (price 0): the thief's balance moves only by what the bridge pays.
    const before = await rollup.balanceOf(p.thief.l1);
    const claim = await rollup.claimWithdrawal(p.thief.l1, badBatch, 0);
    const paid = (await rollup.balanceOf(p.thief.l1)) - before;
    if (claim.status === "reverted") rejected.push({ what: `the thief's claim of batch ${badBatch}'s withdrawal`, code: claim.revertReason });
    events.push({ at: claim.timestamp, what: `the thief claims the withdrawal: ${claim.status === "success" ? `paid ${paid}` : `refused (${claim.revertReason ?? "reverted"})`}` });
    return {
      name: `malicious sequencer steals a deposit, watcher ${watcherOn ? "on" : "off"}`,
      mode: "optimistic",
      badRootAccepted: true,
      badRootFinal: finalAt !== undefined,
      theftPaid: paid > 0n,
      stolen: paid.toString(),
      summary:
        paid > 0n
          ? `no watcher challenged within the window: the bad root finalized and the thief was paid ${paid}`
          : `the watcher challenged; after ${dispute?.moves ?? 0} dispute moves the bad root was rolled back and nothing was paid`,
      events,
      rejected,
      dispute: dispute === undefined ? undefined : pickDispute(dispute),
      bondSlashed: dispute?.outcome === "challengerWon" ? PROPOSER_BOND.toString() : undefined,
    };
  });
}

/** A dishonest challenger disputes an honest batch on OptimisticRollup.sol and loses its bond. */
export async function dishonestChallenger(instance: CircuitInstance, w: Workload, windowSeconds: number, l1: DemoL1 = "simulated", onSent?: OnSent): Promise<ScenarioOutcome> {
  const p = parties(w);
  const events: ScenarioOutcome["events"] = [];
  compileOptimisticContracts();
  return withSession(l1, async (session) => {
    const { clock, rollup, genesis } = await optimisticWorld(session, instance, windowSeconds);
    const proposer = new Proposer(rollup, SEQUENCER, genesis);
    const griefer: L1Address = labelAddress("dishonest challenger");
    await rollup.fund(griefer, 10n * CHALLENGER_BOND);
    const challenger = new DishonestChallenger(rollup, griefer, 0);
    const reportSent = sentReporter(onSent, { sequencer: proposer, "dishonest challenger": challenger });
    await fundAndDeposit(rollup, [p.victim, p.thief]);
    clock.advanceSlots(1);
    const r1 = await proposer.propose(depositOps(p));
    events.push({ at: r1.timestamp, what: "honest batch 1 proposed" });
    clock.advanceSlots(1);
    const c = await challenger.challenge(r1.result?.number ?? 1);
    events.push({ at: c.timestamp, what: `a dishonest challenger disputes the honest batch (${c.status})` });
    const before = await rollup.balanceOf(griefer);
    for (let i = 0; i < 500 && (await rollup.openDisputes()).length > 0; i++) {
      clock.advanceSlots(1);
      await proposer.step();
      await challenger.step();
      reportSent();
    }
    const dispute = c.result === undefined ? undefined : await disputeReport(rollup, c.result.id, [...proposer.sent, ...challenger.sent]);
    events.push({ at: dispute?.resolvedAt ?? clock.now, what: `dispute resolved: ${dispute?.outcome ?? "?"}` });
    const refund = (await rollup.balanceOf(griefer)) - before;
    return {
      name: "dishonest challenger against an honest proposer",
      mode: "optimistic",
      badRootAccepted: false,
      badRootFinal: false,
      theftPaid: false,
      stolen: "0",
      summary: dispute?.outcome === "proposerWon" ? `the challenger lost its bond of ${CHALLENGER_BOND} (got back ${refund} of it); the honest batch stands` : "unexpected outcome",
      events,
      rejected: [],
      dispute: dispute === undefined ? undefined : pickDispute(dispute),
      bondSlashed: dispute?.outcome === "proposerWon" ? CHALLENGER_BOND.toString() : undefined,
    };
  });
}

function pickDispute(d: DisputeReport): NonNullable<ScenarioOutcome["dispute"]> {
  return { outcome: d.outcome, rounds: d.rounds, moves: d.moves, totalGas: d.totalGas, durationSeconds: d.durationSeconds, gasPerMove: d.gasPerMove };
}

/** Runs `body` on a fresh EVM (in-process or anvil), closed afterwards whatever happens. */
async function withSession<T>(l1: DemoL1, body: (session: EvmSession) => Promise<T>): Promise<T> {
  const session = await demoSession(l1);
  try {
    return await body(session);
  } finally {
    await session.close();
  }
}

async function optimisticWorld(session: EvmSession, instance: CircuitInstance, windowSeconds: number) {
  const clock = demoClock();
  const genesis = new RollupState(instance.arities);
  const rollup = await OptimisticRollupL1.start({
    rollupId: ROLLUP_ID,
    arities: instance.arities,
    capacity: instance.ops,
    genesisRoot: genesis.root,
    challengeWindowSeconds: windowSeconds,
    proposerBond: PROPOSER_BOND,
    challengerBond: CHALLENGER_BOND,
    session,
    clock,
  });
  await alignClock(session, clock);
  await rollup.fund(SEQUENCER, 100n * PROPOSER_BOND);
  await rollup.fund(WATCHER, 100n * CHALLENGER_BOND);
  return { clock, rollup, genesis };
}

/** Each user gets twice its deposit on L1 and deposits it, in order (queue index = account index). */
async function fundAndDeposit(rollup: ZkRollupL1 | OptimisticRollupL1, users: readonly DemoUser[]): Promise<void> {
  for (const u of users) {
    await rollup.fund(u.l1, u.deposit * 2n);
    const r = await rollup.deposit(u.l1, u.publicKey, u.deposit);
    if (r.status !== "success") throw new Error(`deposit of ${u.name} reverted (${r.revertReason ?? "?"})`);
  }
}
