/**
 * Forced withdrawals and exit mode on the zk rollup (the rules: forced-exit.ts). A zk batch is
 * irreversible once accepted (its proof was verified; L1 reorgs are not modelled), so a forced
 * withdrawal is served as soon as an accepted batch carries it, and the exit root is the root of the
 * last batch accepted before exit mode — open for claims once that batch is final.
 */
import type { DepositEntry } from "./bridge.ts";
import type { L1Address, L1Chain } from "./chain.ts";
import { ForcedExit, type SignedRecord } from "./forced-exit.ts";
import { KIND_CODE, decodeRecord } from "../tx/operation.ts";
import { unpackAmount } from "../tx/amount.ts";
import type { RecordLayout } from "../tx/layout.ts";
import type { AcceptedBatch, ZkRollupContract } from "./zk-rollup.ts";

export interface ZkForcedExitConfig {
  /** L1 seconds the sequencer has to include a forced withdrawal. */
  readonly deadlineSeconds: number;
  /** The account tree's arities (the zk contract only knows the record layout). */
  readonly arities: readonly number[];
}

export class ZkForcedExit extends ForcedExit {
  constructor(
    chain: L1Chain,
    readonly zk: ZkRollupContract,
    config: ZkForcedExitConfig,
  ) {
    super(chain, { kind: "zk", deadlineSeconds: config.deadlineSeconds, rollupId: zk.rollupId, layout: zk.layout, arities: config.arities });
    zk.attachBatchHook({
      before: (tx) => this.refuseInExitMode(tx),
      accepted: (tx, batch) => this.batchAccepted(tx, batch.number, zkSignedRecords(batch, zk.layout)),
    });
  }

  get fundsAddress(): L1Address {
    return this.zk.bridge.address;
  }

  get depositQueue(): readonly DepositEntry[] {
    return this.zk.depositQueue;
  }

  get queueHead(): number {
    return this.zk.bridge.queueHead;
  }

  latestBatch(): number {
    return this.zk.batchCount;
  }

  protected isLive(n: number): boolean {
    return n >= 1 && n <= this.zk.batchCount;
  }

  protected liveRoot(n: number): bigint {
    const root = n === 0 ? this.zk.genesisRoot : this.zk.batch(n)?.newRoot;
    if (root === undefined) throw new Error(`batch ${n} is not on L1`);
    return root;
  }

  protected isFinal(n: number): boolean {
    return this.zk.isFinal(n);
  }

  protected isIrreversible(n: number): boolean {
    return this.isLive(n);
  }

  protected signedRecords(n: number): readonly SignedRecord[] {
    const batch = this.zk.batch(n);
    return batch === undefined ? [] : zkSignedRecords(batch, this.zk.layout);
  }
}

/** The transfer and withdraw records of a zk batch, withdrawals with their recipients (from the calldata). */
function zkSignedRecords(batch: AcceptedBatch, layout: RecordLayout): SignedRecord[] {
  const out: SignedRecord[] = [];
  let withdrawals = 0;
  for (let at = 0; at < batch.records.length; at += layout.recordBytes) {
    const rec = decodeRecord(batch.records.subarray(at, at + layout.recordBytes), layout);
    if (rec.kind === KIND_CODE.transfer) out.push({ from: rec.from, withdrawal: undefined });
    if (rec.kind !== KIND_CODE.withdraw) continue;
    const recipient = batch.withdrawalRecipients[withdrawals];
    if (recipient === undefined) throw new Error(`batch ${batch.number} has fewer recipients than withdraw records`);
    out.push({ from: rec.from, withdrawal: { from: rec.from, amount: unpackAmount(rec.amount), recipient, index: withdrawals++ } });
  }
  return out;
}
