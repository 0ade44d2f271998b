/**
 * The node's mempool: admission by the reference rules (applyOperation on the state the operation will
 * meet), like src/sequencer/mempool.ts, plus what a crash-safe node needs:
 * - an operation is only handed to a batch once it is on disk (`durable`), so a batch never holds an
 *   operation the store does not know as accepted;
 * - after a batch the pending state is not rebuilt: a batch takes the oldest pending operations in
 *   order, so the pending state already is "batch + the rest" except for the batch's deposits, which
 *   are credited on top (`advance`). Credits commute with the waiting operations (balances add up the
 *   same; deposits create only accounts no pending operation can name; nonces do not move), so the
 *   result is the state a full re-application gives — at O(deposits) instead of O(pending) leaf updates
 *   (a full re-application of a few hundred pending operations blocked admission for over a second);
 * - restoring after a restart re-applies already-checked operations without verifying their signatures
 *   again (`fromPostedData`: balances and overflow still checked).
 */
import type { RollupState } from "../state/rollup-state.ts";
import { applyOperation, type RollupContext } from "../state/transition.ts";
import type { Deposit, SignedOperation } from "../tx/operation.ts";

export interface PendingOp {
  readonly id: string;
  readonly op: SignedOperation;
  /** Admission order, unique over the node's life. */
  readonly seq: number;
  /** L1 time of admission. */
  readonly admittedAt: number;
  durable: boolean;
}

export class NodeMempool {
  private readonly queue: PendingOp[] = [];
  private pendingState: RollupState;

  constructor(
    base: RollupState,
    private readonly ctx: RollupContext,
  ) {
    this.pendingState = base.clone();
  }

  get size(): number {
    return this.queue.length;
  }

  /** The state after every pending operation: what a wallet signs against. */
  get state(): RollupState {
    return this.pendingState;
  }

  /** Checks `p.op` by every rule against the pending state (throws RollupError) and queues it. */
  admit(p: PendingOp): void {
    applyOperation(this.pendingState, p.op, this.ctx);
    this.queue.push(p);
  }

  /** Queues an operation that was admitted before a restart (already checked, already on disk). */
  restore(p: PendingOp): void {
    applyOperation(this.pendingState, p.op, { ...this.ctx, fromPostedData: true });
    this.queue.push(p);
  }

  /** Operations at the head that are on disk: only those may be batched. */
  durablePrefix(limit = Infinity): number {
    let n = 0;
    while (n < this.queue.length && n < limit && this.queue[n]?.durable === true) n++;
    return n;
  }

  /** Admission time of the oldest operation that could be batched now. */
  oldestDurableAdmittedAt(): number | undefined {
    const head = this.queue[0];
    return head?.durable === true ? head.admittedAt : undefined;
  }

  /** Removes up to `n` durable operations from the head, in admission order. */
  take(n: number): PendingOp[] {
    return this.queue.splice(0, this.durablePrefix(n));
  }

  /** After a batch of the oldest pending operations: credits the batch's deposits to the pending state. */
  advance(deposits: readonly Deposit[]): void {
    for (const d of deposits) applyOperation(this.pendingState, d, { ...this.ctx, fromPostedData: true });
  }

  /** Re-bases on another state; waiting operations are re-applied in order (O(pending)). */
  rebase(base: RollupState): void {
    const next = base.clone();
    for (const p of this.queue) applyOperation(next, p.op, { ...this.ctx, fromPostedData: true });
    this.pendingState = next;
  }

  pending(): readonly PendingOp[] {
    return this.queue;
  }
}
