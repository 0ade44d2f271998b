/**
 * The node's mempool: the sequencer's operation queue (src/sequencer/mempool.ts: admission by the
 * reference rules, restore, advance, rebase) plus what a crash-safe node needs:
 * - an operation is only handed to a batch once it is on disk (`durable`), so a batch never holds an
 *   operation the store does not know as accepted;
 * - after a batch the pending state is not rebuilt but advanced by the batch's deposits (a full
 *   re-application of a few hundred pending operations blocked admission for over a second);
 * - restoring after a restart re-applies already-checked operations without verifying their signatures
 *   again (balances and overflow still checked).
 */
import { OperationQueue, type PendingOperation } from "../sequencer/mempool.ts";

export interface PendingOp extends PendingOperation {
  /** Admission order, unique over the node's life. */
  readonly seq: number;
  durable: boolean;
}

export class NodeMempool extends OperationQueue<PendingOp> {
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
  override take(n: number): PendingOp[] {
    return super.take(this.durablePrefix(n));
  }
}
