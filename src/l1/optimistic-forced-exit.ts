/**
 * Forced withdrawals and exit mode on the optimistic rollup (the rules: forced-exit.ts). A proposed
 * batch can be rolled back until its challenge window closes with no dispute open, so:
 * - a forced withdrawal carried by a proposed batch is only *included*; it is *served* once that batch
 *   is final, and a rolled-back carrier does not count (the request is pending again);
 * - the deadline bounds inclusion: exit mode can be activated once a request is pending after it;
 * - exit mode stops proposals, but the batches already live keep their windows and disputes: the exit
 *   root is the latest live batch's root once it is final — activation time plus up to one challenge
 *   window (more if a dispute runs), which is what a censored user pays in time over zk mode.
 */
import type { DepositEntry } from "./bridge.ts";
import type { L1Address } from "./chain.ts";
import { splitPostedData } from "./dispute-data.ts";
import { ForcedExit, type SignedRecord } from "./forced-exit.ts";
import type { OptimisticRollupContract } from "./optimistic-rollup.ts";
import type { RecordLayout } from "../tx/layout.ts";
import { KIND_CODE } from "../tx/operation.ts";

export interface OptimisticForcedExitConfig {
  /** L1 seconds the sequencer has to include a forced withdrawal in a proposed batch. */
  readonly deadlineSeconds: number;
}

export class OptimisticForcedExit extends ForcedExit {
  constructor(
    readonly rollup: OptimisticRollupContract,
    config: OptimisticForcedExitConfig,
  ) {
    super(rollup.chain, { kind: "optimistic", deadlineSeconds: config.deadlineSeconds, rollupId: rollup.rollupId, layout: rollup.layout, arities: rollup.arities });
    rollup.attachBatchHook({
      before: (tx) => this.refuseInExitMode(tx),
      accepted: (tx, batch) => this.batchAccepted(tx, batch.number, postedSignedRecords(batch.data, rollup.layout)),
    });
  }

  get fundsAddress(): L1Address {
    return this.rollup.bridge.address;
  }

  get depositQueue(): readonly DepositEntry[] {
    return this.rollup.depositQueue;
  }

  /** Moves back when a rollback returns a batch's deposits to the queue. */
  get queueHead(): number {
    return this.rollup.queueHead;
  }

  latestBatch(): number {
    return this.rollup.latestBatchNumber;
  }

  protected isLive(n: number): boolean {
    return this.rollup.liveBatches.includes(n);
  }

  protected liveRoot(n: number): bigint {
    if (n === 0) return this.rollup.genesisRoot;
    const b = this.rollup.batch(n);
    if (b === undefined || !this.isLive(n)) throw new Error(`batch ${n} is not live`);
    return b.newRoot;
  }

  protected isFinal(n: number): boolean {
    return this.rollup.isFinal(n);
  }

  protected isIrreversible(n: number): boolean {
    return this.rollup.isFinal(n);
  }

  protected signedRecords(n: number): readonly SignedRecord[] {
    const b = this.rollup.batch(n);
    return b === undefined ? [] : postedSignedRecords(b.data, this.rollup.layout);
  }
}

/** The transfers and withdraws in an optimistic batch's posted data (split, so decodable, at proposal). */
function postedSignedRecords(data: Uint8Array, layout: RecordLayout): SignedRecord[] {
  const out: SignedRecord[] = [];
  let withdrawals = 0;
  for (const op of splitPostedData(data, layout)) {
    const from = op.record.from;
    if (op.record.kind === KIND_CODE.transfer) out.push({ from, withdrawal: undefined });
    if (op.recipient !== undefined) out.push({ from, withdrawal: { from, amount: op.amount, recipient: op.recipient, index: withdrawals++ } });
  }
  return out;
}
