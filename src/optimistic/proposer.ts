import type { BatchView, OptimisticL1 } from "../evm/optimistic-l1.ts";
import type { L1Address } from "../l1/address.ts";
import { operationWitnesses } from "../l1/dispute-data.ts";
import { rootsCommitment, rootsProof } from "../l1/dispute-merkle.ts";
import type { SequencedBatch } from "../sequencer/sequencer.ts";
import { buildBatch } from "../state/batch.ts";
import { RollupError } from "../state/errors.ts";
import { RollupState } from "../state/rollup-state.ts";
import { applyOperation } from "../state/transition.ts";
import { encodeFullOperations, type Operation } from "../tx/index.ts";
import { Party, type ReceiptOf, type SentTransaction } from "./party.ts";

/** What a proposer remembers of a batch it posted: enough to answer any bisection and prove any step. */
interface Posted {
  readonly parent: RollupState;
  readonly ops: readonly Operation[];
  /** root_0..root_N as committed (false ones too, for a malicious proposer). */
  readonly roots: readonly bigint[];
  readonly state: RollupState;
}

/** The operations of a sequencer batch, in slot order (the sequencer puts the queue's deposits first). */
export function operationsOf(seq: SequencedBatch): Operation[] {
  const deposits: Operation[] = seq.deposits.map((d, i) => ({
    kind: "deposit",
    to: Number(seq.batch.inputs.to[i] ?? -1n),
    publicKey: d.publicKey,
    amount: d.amount,
  }));
  return [...deposits, ...seq.operations.map((p) => p.op)];
}

/**
 * An honest proposer. It posts batches (full-operation data, new root, and the keccak commitment to
 * the intermediate roots from replaying the batch with the reference model), and `step()` plays its
 * side of every dispute on its batches: reveal the requested root with its proof, submit the one-step
 * proof when the range is one operation wide, time out a silent challenger, and take back the bond of
 * batches that became final.
 */
export class Proposer extends Party {
  private readonly posted = new Map<number, Posted>();
  private current: RollupState;
  /** Whether it sends one-step proofs itself (an honest proposer wins them). */
  protected proveSteps = true;

  constructor(l1: OptimisticL1, address: L1Address, genesis?: RollupState) {
    super(l1, address);
    this.current = genesis?.clone() ?? new RollupState(this.l1.arities);
  }

  /** The state after its latest live batch (what its next batch builds on). */
  get state(): RollupState {
    return this.current;
  }

  /** Its roots for batch `n` (root_0..root_N), if it posted it. */
  rootsOf(n: number): readonly bigint[] | undefined {
    return this.posted.get(n)?.roots;
  }

  /** Pads `ops` with no-ops to the capacity and proposes them on top of its state. */
  async propose(ops: readonly Operation[]): Promise<ReceiptOf<"proposeBatch">> {
    const capacity = this.l1.capacity;
    if (ops.length > capacity) throw new RollupError("BATCH_FULL", `${ops.length} operations do not fit a batch of ${capacity}`);
    const padded: Operation[] = [...ops, ...Array.from({ length: capacity - ops.length }, () => ({ kind: "noop" }) as const)];
    const parent = this.current;
    const { roots, state } = this.execute(parent, padded);
    const receipt = this.record(
      await this.l1.proposeBatch(this.address, {
        data: encodeFullOperations(padded, this.l1.layout),
        newRoot: roots[roots.length - 1] ?? parent.root,
        rootsCommitment: rootsCommitment(roots),
      }),
    );
    if (receipt.status === "success" && receipt.result !== undefined) {
      this.posted.set(receipt.result.number, { parent, ops: padded, roots, state });
      this.current = state;
    }
    return receipt;
  }

  /** Proposes a batch cut by the sequencer (same traffic as the zk mode). */
  async proposeSequenced(seq: SequencedBatch): Promise<ReceiptOf<"proposeBatch">> {
    return this.propose(operationsOf(seq));
  }

  /** The honest execution: BuiltBatch.intermediateRoots are the roots after each slot. */
  protected execute(parent: RollupState, ops: readonly Operation[]): { roots: bigint[]; state: RollupState } {
    const built = buildBatch(parent, ops, ops.length, this.ctx);
    return { roots: [built.oldRoot, ...built.intermediateRoots], state: built.state };
  }

  /** One round of reactions; returns the transactions it sent. */
  async step(): Promise<SentTransaction[]> {
    const out: SentTransaction[] = [];
    const now = await this.l1.blockTime();
    const batches = new Map<number, BatchView | undefined>();
    for (const n of this.posted.keys()) batches.set(n, await this.l1.batch(n));
    this.resync(batches);
    for (const d of await this.l1.openDisputes()) {
      const mine = this.posted.get(d.batchNumber);
      if (mine === undefined || d.proposer !== this.address) continue;
      if (this.overdue(d, now)) {
        // Its own deadline passed (it was silent): nothing to save; a silent challenger: claim the win.
        if (d.turn !== "proposer") out.push(this.record(await this.l1.timeout(this.address, d.id)));
        continue;
      }
      if (!this.seen(d, now)) continue;
      if (d.turn === "proposer") {
        const mid = d.lo + Math.floor((d.hi - d.lo) / 2);
        const root = mine.roots[mid];
        if (root === undefined) continue;
        out.push(this.record(await this.l1.revealRoot(this.address, d.id, root, rootsProof(mine.roots, mid))));
      } else if (d.turn === "oneStep" && this.proveSteps) {
        const before = mine.parent.clone();
        for (const op of mine.ops.slice(0, d.lo)) applyOperation(before, op, this.ctx);
        const op = mine.ops[d.lo] ?? { kind: "noop" };
        out.push(this.record(await this.l1.proveStep(this.address, d.id, operationWitnesses(before, op))));
      }
    }
    for (const n of this.posted.keys()) {
      const b = batches.get(n);
      if (b !== undefined && !b.bondReturned && (await this.l1.isFinal(n))) {
        out.push(this.record(await this.l1.finalize(this.address, n)));
      }
    }
    return out;
  }

  /** After a rollback of one of its batches, its state goes back to that batch's parent state. */
  private resync(batches: ReadonlyMap<number, BatchView | undefined>): void {
    let earliest: number | undefined;
    for (const n of this.posted.keys()) {
      if (batches.get(n)?.rolledBackAt !== undefined && (earliest === undefined || n < earliest)) earliest = n;
    }
    if (earliest === undefined) return;
    const rolled = this.posted.get(earliest);
    if (rolled !== undefined) this.current = rolled.parent;
    for (const n of [...this.posted.keys()]) if (n >= earliest) this.posted.delete(n);
  }
}

/** How a malicious proposer's execution departs from the rules, from operation `at` on. */
export type Tamper =
  /** (a) mint: after operation `at`, credit `amount` to `account` out of nothing. */
  | { readonly kind: "mint"; readonly at: number; readonly account: number; readonly amount: bigint }
  /** (b) steal: operation `at` (a transfer whose signature is not the sender's) is applied without its signature and nonce checks. */
  | { readonly kind: "steal"; readonly at: number };

/**
 * A malicious proposer: its next batch's roots (new root and the intermediate roots from the tampered
 * operation on) come from a tampered execution, and its later batches build on that false state. It
 * answers bisection requests consistently with its false roots, and never sends a one-step proof.
 */
export class MaliciousProposer extends Proposer {
  private tamper: Tamper | undefined;

  constructor(l1: OptimisticL1, address: L1Address, genesis?: RollupState) {
    super(l1, address, genesis);
    this.proveSteps = false;
  }

  /** Proposes `ops` with `tamper` applied to this batch only. */
  async proposeTampered(ops: readonly Operation[], tamper: Tamper): Promise<ReceiptOf<"proposeBatch">> {
    this.tamper = tamper;
    try {
      return await this.propose(ops);
    } finally {
      this.tamper = undefined;
    }
  }

  protected override execute(parent: RollupState, ops: readonly Operation[]): { roots: bigint[]; state: RollupState } {
    const tamper = this.tamper;
    if (tamper === undefined) return super.execute(parent, ops);
    const state = parent.clone();
    const roots = [state.root];
    ops.forEach((op, i) => {
      if (tamper.kind === "steal" && i === tamper.at) applyOperation(state, op, { ...this.ctx, fromPostedData: true });
      else applyOperation(state, op, this.ctx);
      if (tamper.kind === "mint" && i === tamper.at) {
        const a = state.account(tamper.account);
        if (a === undefined) throw new RollupError("UNKNOWN_ACCOUNT", `account ${tamper.account} does not exist`);
        state.setAccount(tamper.account, { ...a, balance: a.balance + tamper.amount });
      }
      roots.push(state.root);
    });
    return { roots, state };
  }
}
