import { createHash } from "node:crypto";
import { RollupError } from "../state/errors.ts";
import type { RollupState } from "../state/rollup-state.ts";
import { applyOperation, type RollupContext } from "../state/transition.ts";
import type { SignedOperation } from "../tx/operation.ts";

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
 */
export class Mempool {
  private readonly queue: PendingOperation[] = [];
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

  submit(op: SignedOperation, now: number): PendingOperation {
    const id = operationId(op);
    if (this.ids.has(id)) throw new RollupError("DUPLICATE", `operation ${id} is already pending`);
    // Throws with the rule's code before touching the pending state.
    applyOperation(this.pendingState, op, this.ctx);
    const pending = { id, op, admittedAt: now };
    this.queue.push(pending);
    this.ids.add(id);
    return pending;
  }

  /** Removes and returns up to `n` operations in admission order. */
  take(n: number): PendingOperation[] {
    const taken = this.queue.splice(0, n);
    for (const p of taken) this.ids.delete(p.id);
    return taken;
  }

  /**
   * Re-bases the pending state after a batch: `base` is the state the batch produced; the operations
   * still waiting are re-applied in order (they were valid before and deposits only add funds).
   */
  rebase(base: RollupState): void {
    const next = base.clone();
    // Their signatures and nonces were checked at admission, in this order: only balances can move.
    for (const p of this.queue) applyOperation(next, p.op, { ...this.ctx, fromPostedData: true });
    this.pendingState = next;
  }

  /** The state after every pending operation: what a wallet should sign against. */
  get state(): RollupState {
    return this.pendingState;
  }
}

/** A stable id: sha256 of the operation's fields and signature. */
export function operationId(op: SignedOperation): string {
  const fields = op.kind === "transfer" ? [op.from, op.to] : [op.from, op.recipient];
  const text = [op.kind, ...fields, op.amount, op.nonce, op.signature.r8x, op.signature.r8y, op.signature.s].join(":");
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}
