import { createHash } from "node:crypto";
import { RollupError } from "../state/errors.ts";
import type { RollupState } from "../state/rollup-state.ts";
import { applyOperation, type RollupContext } from "../state/transition.ts";
import type { Deposit, SignedOperation } from "../tx/operation.ts";

export interface PendingOperation {
  readonly id: string;
  readonly op: SignedOperation;
  /** L1 clock time of admission. */
  readonly admittedAt: number;
}

/**
 * Signed L2 operations waiting for a batch. Admission applies the reference rules to the state the
 * operation will meet (the last built state plus everything pending before it), so a rejected
 * operation never enters, and an admitted one stays valid until batched (deposits only add funds).
 * Per account, operations must arrive in nonce order: a nonce already used or pending is rejected
 * (BAD_NONCE), a gap too.
 *
 * The sequencer's Mempool and the node's crash-safe one (src/node/mempool.ts) are this queue with
 * their own entries.
 */
export class OperationQueue<P extends PendingOperation> {
  protected readonly queue: P[] = [];
  private readonly ids = new Set<string>();
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

  /** Admission time of the oldest waiting operation. */
  get oldestAdmittedAt(): number | undefined {
    return this.queue[0]?.admittedAt;
  }

  /** The state after every pending operation: what a wallet should sign against. */
  get state(): RollupState {
    return this.pendingState;
  }

  pending(): readonly P[] {
    return this.queue;
  }

  /** Checks `p.op` by every rule against the pending state (throws RollupError, changing nothing) and queues it. */
  admit(p: P): void {
    if (this.ids.has(p.id)) throw new RollupError("DUPLICATE", `operation ${p.id} is already pending`);
    applyOperation(this.pendingState, p.op, this.ctx);
    this.push(p);
  }

  /** Queues an operation checked before (e.g. before a restart): signatures are not verified again, balances are. */
  restore(p: P): void {
    applyOperation(this.pendingState, p.op, { ...this.ctx, fromPostedData: true });
    this.push(p);
  }

  /** Removes and returns up to `n` operations in admission order. */
  take(n: number): P[] {
    const taken = this.queue.splice(0, n);
    for (const p of taken) this.ids.delete(p.id);
    return taken;
  }

  /**
   * After a batch of the oldest pending operations: credits the batch's deposits to the pending state.
   * Credits commute with the waiting operations (balances add up the same; deposits create only accounts
   * no pending operation can name; nonces do not move), so this gives the state `rebase` would — at
   * O(deposits) instead of O(pending) leaf updates.
   */
  advance(deposits: readonly Deposit[]): void {
    for (const d of deposits) applyOperation(this.pendingState, d, { ...this.ctx, fromPostedData: true });
  }

  /**
   * Re-bases the pending state on `base` (the state a batch produced): the operations still waiting
   * are re-applied in order (they were valid before and deposits only add funds).
   */
  rebase(base: RollupState): void {
    const next = base.clone();
    // Their signatures and nonces were checked at admission, in this order: only balances can move.
    for (const p of this.queue) applyOperation(next, p.op, { ...this.ctx, fromPostedData: true });
    this.pendingState = next;
  }

  private push(p: P): void {
    this.queue.push(p);
    this.ids.add(p.id);
  }
}

/** The sequencer's mempool: operations identified by their content, admitted at an L1 time. */
export class Mempool extends OperationQueue<PendingOperation> {
  submit(op: SignedOperation, now: number): PendingOperation {
    const pending = { id: operationId(op), op, admittedAt: now };
    this.admit(pending);
    return pending;
  }
}

/** A stable id: sha256 of the operation's fields and signature. */
export function operationId(op: SignedOperation): string {
  const fields = op.kind === "transfer" ? [op.from, op.to] : [op.from, op.recipient];
  const text = [op.kind, ...fields, op.amount, op.nonce, op.signature.r8x, op.signature.r8y, op.signature.s].join(":");
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}
