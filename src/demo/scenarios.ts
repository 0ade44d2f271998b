import { readFileSync } from "node:fs";
import type { JsonObject } from "snarkjs";
import type { SetupArtifacts } from "../artifacts/setup.ts";
import { CircuitError } from "../circuit/errors.ts";
import type { CircuitInstance } from "../circuit/instances.ts";
import { L1Chain, labelAddress, type L1Address } from "../l1/chain.ts";
import { OptimisticRollupContract, type DisputeReport } from "../l1/optimistic-rollup.ts";
import { ZkRollupContract } from "../l1/zk-rollup.ts";
import { DishonestChallenger } from "../optimistic/challenger.ts";
import { MaliciousProposer, Proposer } from "../optimistic/proposer.ts";
import { Watcher } from "../optimistic/watcher.ts";
import type { Prover } from "../prover/prover.ts";
import { buildBatch } from "../state/batch.ts";
import { RollupState } from "../state/rollup-state.ts";
import { signTransfer, signWithdraw, type Operation } from "../tx/operation.ts";
import { CHALLENGER_BOND, PROPOSER_BOND, ROLLUP_ID, SEQUENCER, WATCHER } from "./mode-run.ts";
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
  readonly dispute: Pick<DisputeReport, "outcome" | "rounds" | "moves" | "totalGas" | "durationSeconds" | "gasPerMove"> | undefined;
  readonly bondSlashed: string | undefined;
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
 * zk mode under a malicious sequencer: it cannot make a proof of the theft (the witness breaks the
 * circuit's signature rule), and a reused or forged proof is rejected by the L1. The bad root never lands.
 */
export async function maliciousZk(instance: CircuitInstance, w: Workload, keys: SetupArtifacts, prover: Prover): Promise<ScenarioOutcome> {
  const p = parties(w);
  const events: ScenarioOutcome["events"] = [];
  const chain = new L1Chain();
  const genesis = new RollupState(instance.arities);
  const vkey = JSON.parse(readFileSync(keys.vkey, "utf8")) as JsonObject;
  const rollup = new ZkRollupContract(chain, { rollupId: ROLLUP_ID, layout: instance.layout, capacity: instance.ops, vkey, genesisRoot: genesis.root });
  const ctx = { layout: instance.layout, rollupId: ROLLUP_ID };
  await fund(chain, [p.victim, p.thief], (u) => rollup.deposit(u.l1, u.publicKey, u.deposit));
  chain.clock.advanceSlots(1);
  const first = buildBatch(genesis, depositOps(p), instance.ops, ctx);
  const firstProof = await prover.prove(first.inputs);
  const ok = await rollup.submitBatch(SEQUENCER, { records: first.records, withdrawalRecipients: first.withdrawalRecipients, newRoot: first.newRoot, proof: firstProof.proof });
  events.push({ at: ok.timestamp, what: `honest batch 1 (deposits) proven and accepted (${ok.gasUsed} gas)` });
  chain.clock.advanceSlots(1);

  const amount = p.victim.deposit;
  const bad = buildBatch(first.state, theft(instance, p, amount), instance.ops, { ...ctx, unchecked: true });
  let proverVerdict: string;
  try {
    await prover.prove(bad.inputs);
    proverVerdict = "the prover made a proof (unexpected)";
  } catch (err) {
    proverVerdict = err instanceof CircuitError ? `no proof can be made: ${err.message}` : `prover failed: ${String(err)}`;
  }
  events.push({ at: chain.now, what: `malicious batch 2 (victim's ${amount} to the sequencer, then withdrawn): ${proverVerdict}` });
  const reused = await rollup.submitBatch(SEQUENCER, { records: bad.records, withdrawalRecipients: bad.withdrawalRecipients, newRoot: bad.newRoot, proof: firstProof.proof });
  events.push({ at: reused.timestamp, what: `batch 2 submitted with batch 1's proof: ${reused.status} ${reused.revertReason ?? ""}`.trim() });
  const pi = firstProof.proof;
  const forged = await rollup.submitBatch(SEQUENCER, { records: bad.records, withdrawalRecipients: bad.withdrawalRecipients, newRoot: bad.newRoot, proof: { ...pi, pi_a: pi["pi_c"], pi_c: pi["pi_a"] } });
  events.push({ at: forged.timestamp, what: `batch 2 submitted with a forged proof: ${forged.status} ${forged.revertReason ?? ""}`.trim() });
  const accepted = rollup.currentRoot === bad.newRoot;
  return {
    name: "malicious sequencer steals a deposit",
    mode: "zk",
    badRootAccepted: accepted,
    badRootFinal: accepted,
    theftPaid: false,
    stolen: "0",
    summary: accepted ? "the bad root was accepted (a soundness failure)" : "the bad root was never accepted: no valid proof exists and the L1 rejects forged or reused ones",
    events,
    dispute: undefined,
    bondSlashed: undefined,
  };
}

/**
 * Optimistic mode under the same malicious sequencer: the root is accepted with a bond; with a watcher
 * it is challenged, bisected, proven wrong by a one-step proof and rolled back; with no watcher the
 * window closes, the root is final and the thief is paid.
 */
export async function maliciousOptimistic(instance: CircuitInstance, w: Workload, windowSeconds: number, watcherOn: boolean): Promise<ScenarioOutcome> {
  const p = parties(w);
  const events: ScenarioOutcome["events"] = [];
  const { chain, rollup, genesis } = optimisticWorld(instance, windowSeconds);
  const proposer = new MaliciousProposer(rollup, SEQUENCER, genesis);
  const watcher = new Watcher(rollup, WATCHER, genesis);
  watcher.enabled = watcherOn;
  await fund(chain, [p.victim, p.thief], (u) => rollup.deposit(u.l1, u.publicKey, u.deposit));
  chain.clock.advanceSlots(1);
  const r1 = await proposer.propose(depositOps(p));
  events.push({ at: r1.timestamp, what: `honest batch 1 (deposits) proposed with a bond (${r1.gasUsed} gas)` });
  chain.clock.advanceSlots(1);
  const amount = p.victim.deposit;
  const r2 = await proposer.proposeTampered(theft(instance, p, amount), { kind: "steal", at: 0 });
  const badBatch = r2.result?.number ?? 2;
  events.push({ at: r2.timestamp, what: `malicious batch ${badBatch} proposed: the victim's ${amount} moved to the sequencer and withdrawn; accepted with a bond, no proof asked (${r2.gasUsed} gas)` });

  let disputeSeen = false;
  const end = r2.timestamp + windowSeconds + 24 * 3600;
  while (chain.now < end) {
    chain.clock.advanceSlots(1);
    await proposer.step();
    await watcher.step();
    const d = rollup.disputes.find((x) => x.batchNumber === badBatch);
    if (d !== undefined && !disputeSeen) {
      disputeSeen = true;
      events.push({ at: chain.now, what: `the watcher re-executed batch ${badBatch}, found the bad root and challenged (dispute ${d.id})` });
    }
    if (rollup.batch(badBatch)?.rolledBackAt !== undefined || rollup.isFinal(badBatch)) break;
    // No dispute running: nothing happens until the window closes.
    if (!disputeSeen && !watcherOn) chain.advance(Math.max(0, (rollup.batch(badBatch)?.windowEnd ?? chain.now) - chain.now));
  }
  const b = rollup.batch(badBatch);
  const dispute = rollup.disputes.map((d) => rollup.disputeReport(d.id)).find((r) => r?.batchNumber === badBatch);
  if (b?.rolledBackAt !== undefined) events.push({ at: b.rolledBackAt, what: `one-step proof: batch ${badBatch} is invalid; proposer slashed, batch ${badBatch} and its descendants rolled back` });
  const finalAt = rollup.finalizedAt(badBatch);
  if (finalAt !== undefined) events.push({ at: finalAt, what: `challenge window closed with no challenge: the bad root of batch ${badBatch} is final` });
  const before = chain.balanceOf(p.thief.l1);
  const claim = await rollup.claimWithdrawal(p.thief.l1, badBatch, 0);
  const paid = chain.balanceOf(p.thief.l1) - before;
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
    dispute: dispute === undefined ? undefined : pickDispute(dispute),
    bondSlashed: dispute?.slash === undefined ? undefined : PROPOSER_BOND.toString(),
  };
}

/** A dishonest challenger disputes an honest batch and loses its bond. */
export async function dishonestChallenger(instance: CircuitInstance, w: Workload, windowSeconds: number): Promise<ScenarioOutcome> {
  const p = parties(w);
  const events: ScenarioOutcome["events"] = [];
  const { chain, rollup, genesis } = optimisticWorld(instance, windowSeconds);
  const proposer = new Proposer(rollup, SEQUENCER, genesis);
  const griefer: L1Address = labelAddress("dishonest challenger");
  chain.mint(griefer, 10n * CHALLENGER_BOND);
  const challenger = new DishonestChallenger(rollup, griefer, 0);
  await fund(chain, [p.victim, p.thief], (u) => rollup.deposit(u.l1, u.publicKey, u.deposit));
  chain.clock.advanceSlots(1);
  const r1 = await proposer.propose(depositOps(p));
  events.push({ at: r1.timestamp, what: "honest batch 1 proposed" });
  chain.clock.advanceSlots(1);
  const c = await challenger.challenge(r1.result?.number ?? 1);
  events.push({ at: c.timestamp, what: `a dishonest challenger disputes the honest batch (${c.status})` });
  const before = chain.balanceOf(griefer);
  for (let i = 0; i < 500 && rollup.openDisputes().length > 0; i++) {
    chain.clock.advanceSlots(1);
    await proposer.step();
    await challenger.step();
  }
  const dispute = rollup.disputes.map((d) => rollup.disputeReport(d.id)).find((r) => r !== undefined);
  events.push({ at: dispute?.resolvedAt ?? chain.now, what: `dispute resolved: ${dispute?.outcome ?? "?"} (${dispute?.reason ?? ""})` });
  return {
    name: "dishonest challenger against an honest proposer",
    mode: "optimistic",
    badRootAccepted: false,
    badRootFinal: false,
    theftPaid: false,
    stolen: "0",
    summary: dispute?.outcome === "proposerWon" ? `the challenger lost its bond of ${CHALLENGER_BOND} (got back ${chain.balanceOf(griefer) - before} of it); the honest batch stands` : "unexpected outcome",
    events,
    dispute: dispute === undefined ? undefined : pickDispute(dispute),
    bondSlashed: dispute?.outcome === "proposerWon" ? CHALLENGER_BOND.toString() : undefined,
  };
}

function pickDispute(d: DisputeReport): NonNullable<ScenarioOutcome["dispute"]> {
  return { outcome: d.outcome, rounds: d.rounds, moves: d.moves, totalGas: d.totalGas, durationSeconds: d.durationSeconds, gasPerMove: d.gasPerMove };
}

function optimisticWorld(instance: CircuitInstance, windowSeconds: number) {
  const chain = new L1Chain();
  const genesis = new RollupState(instance.arities);
  const rollup = new OptimisticRollupContract(chain, {
    rollupId: ROLLUP_ID,
    arities: instance.arities,
    capacity: instance.ops,
    genesisRoot: genesis.root,
    challengeWindowSeconds: windowSeconds,
    proposerBond: PROPOSER_BOND,
    challengerBond: CHALLENGER_BOND,
  });
  chain.mint(SEQUENCER, 100n * PROPOSER_BOND);
  chain.mint(WATCHER, 100n * CHALLENGER_BOND);
  return { chain, rollup, genesis };
}

async function fund(chain: L1Chain, users: DemoUser[], deposit: (u: DemoUser) => Promise<unknown>): Promise<void> {
  for (const u of users) {
    chain.mint(u.l1, u.deposit * 2n);
    await deposit(u);
  }
}
