import type { PublicKey } from "../crypto/eddsa.ts";
import { buildBatch, type BuiltBatch } from "../state/batch.ts";
import { RollupError } from "../state/errors.ts";
import { RollupState } from "../state/rollup-state.ts";
import type { RollupContext } from "../state/transition.ts";
import type { Deposit, SignedOperation } from "../tx/operation.ts";
import { Mempool, type PendingOperation } from "./mempool.ts";

/** A deposit waiting in the L1 queue, as the sequencer reads it. */
export interface QueuedDeposit {
  readonly queueIndex: number;
  readonly publicKey: PublicKey;
  readonly amount: bigint;
}

export interface SequencerOptions {
  readonly capacity: number;
  readonly arities: readonly number[];
  readonly ctx: RollupContext;
  /** Cut a partial batch once the oldest pending operation has waited this long (L1 seconds). */
  readonly maxWaitSeconds?: number;
}

export interface SequencedBatch {
  /** The state the batch starts from. */
  readonly parent: RollupState;
  readonly batch: BuiltBatch;
  readonly deposits: QueuedDeposit[];
  readonly operations: PendingOperation[];
}

/**
 * Admits signed operations into the mempool and cuts batches: deposits from the L1 queue first and
 * in queue order, then pending operations in admission order, padded with no-ops to the capacity.
 */
export class Sequencer {
  readonly mempool: Mempool;
  private committed: RollupState;
  /** Queue index of the first deposit not yet in a cut batch (cut batches may not be on L1 yet). */
  private nextDeposit = 0;
  private readonly maxWait: number;

  constructor(
    private readonly opts: SequencerOptions,
    genesis: RollupState = new RollupState(opts.arities),
  ) {
    this.committed = genesis;
    this.mempool = new Mempool(genesis, opts.ctx);
    this.maxWait = opts.maxWaitSeconds ?? 60;
  }

  /** The state after the last batch cut. */
  get state(): RollupState {
    return this.committed;
  }

  submit(op: SignedOperation, now: number): PendingOperation {
    return this.mempool.submit(op, now);
  }

  /** The queued deposits no cut batch has taken yet. */
  freshDeposits(depositQueue: readonly QueuedDeposit[]): QueuedDeposit[] {
    return depositQueue.filter((d) => d.queueIndex >= this.nextDeposit);
  }

  /** Size trigger (a full batch is waiting) or time trigger (the oldest operation waited long enough). */
  shouldCut(now: number, queuedDeposits: number): boolean {
    if (this.mempool.size + queuedDeposits >= this.opts.capacity) return true;
    const oldest = this.mempool.oldestAdmittedAt;
    return (oldest !== undefined && now - oldest >= this.maxWait) || (queuedDeposits > 0 && this.mempool.size === 0);
  }

  /** Builds the next batch; the committed state advances only if the batch builds. */
  cut(depositQueue: readonly QueuedDeposit[]): SequencedBatch {
    const deposits = this.freshDeposits(depositQueue).slice(0, this.opts.capacity);
    const depositOps = assignDeposits(this.committed, deposits);
    const operations = this.mempool.take(this.opts.capacity - depositOps.length);
    const parent = this.committed;
    const batch = buildBatch(parent, [...depositOps, ...operations.map((p) => p.op)], this.opts.capacity, this.opts.ctx);
    this.committed = batch.state;
    this.mempool.rebase(batch.state);
    const last = deposits[deposits.length - 1];
    if (last !== undefined) this.nextDeposit = last.queueIndex + 1;
    return { parent, batch, deposits, operations };
  }
}

/**
 * Where deposits land: the account already holding the deposit's key, or the lowest free index
 * (deposits earlier in the same list count as taken).
 */
export function assignDeposits(state: RollupState, deposits: readonly { publicKey: PublicKey; amount: bigint }[]): Deposit[] {
  const byKey = new Map<string, number>();
  for (const [i, a] of state.entries()) byKey.set(keyOf(a.publicKey), i);
  const taken = new Set<number>(byKey.values());
  let free = 0;
  return deposits.map((d) => {
    let to = byKey.get(keyOf(d.publicKey));
    if (to === undefined) {
      while (taken.has(free)) free++;
      if (free >= state.capacity) throw new RollupError("UNKNOWN_ACCOUNT", "the account tree is full");
      to = free;
      taken.add(to);
      byKey.set(keyOf(d.publicKey), to);
    }
    return { kind: "deposit", to, publicKey: d.publicKey, amount: d.amount };
  });
}

function keyOf(pk: PublicKey): string {
  return `${pk.x}:${pk.y}`;
}
