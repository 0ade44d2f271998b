/**
 * Rebuilds the L2 state from what the L1 holds alone: the accepted batches' posted records, the deposit
 * queue (public keys, amounts) and the withdrawal recipients. Records carry no signature and no nonce —
 * they were proven — so they are replayed through the one state-transition function in its `unchecked`
 * mode, which applies the account arithmetic (balance moves, sender nonce + 1, a deposit creating the
 * account with the queue's key) without re-checking the rules.
 */
import type { PublicKey, Signature } from "../crypto/eddsa.ts";
import { RollupState } from "../state/rollup-state.ts";
import { applyOperation, type RollupContext } from "../state/transition.ts";
import { unpackAmount } from "../tx/amount.ts";
import type { RecordLayout } from "../tx/layout.ts";
import { KIND_CODE, decodeRecord, type Operation } from "../tx/operation.ts";
import { L1Error } from "./errors.ts";

/** What reconstruction reads from the L1 (a ZkRollupContract provides it as is). */
export interface L1RollupData {
  readonly rollupId: number;
  readonly layout: RecordLayout;
  readonly genesisRoot: bigint;
  readonly currentRoot: bigint;
  readonly batches: readonly {
    readonly number: number;
    readonly newRoot: bigint;
    readonly records: Uint8Array;
    readonly withdrawalRecipients: readonly bigint[];
  }[];
  readonly depositQueue: readonly { readonly publicKey: PublicKey; readonly amount: bigint }[];
}

/** Replays every accepted batch from the empty tree; throws RECONSTRUCTION_MISMATCH unless each root matches. */
export function reconstructState(data: L1RollupData, arities: readonly number[]): RollupState {
  const state = new RollupState(arities);
  if (state.root !== data.genesisRoot) {
    throw new L1Error("RECONSTRUCTION_MISMATCH", "the genesis root is not the empty tree's: L1 data alone cannot rebuild it");
  }
  const ctx: RollupContext = { layout: data.layout, rollupId: data.rollupId, unchecked: true };
  let nextDeposit = 0;
  for (const batch of data.batches) {
    let nextRecipient = 0;
    const { recordBytes } = data.layout;
    for (let at = 0; at < batch.records.length; at += recordBytes) {
      const record = decodeRecord(batch.records.subarray(at, at + recordBytes), data.layout);
      const amount = unpackAmount(record.amount);
      const nonce = state.account(record.from)?.nonce ?? 0n;
      let op: Operation;
      switch (record.kind) {
        case KIND_CODE.transfer:
          op = { kind: "transfer", from: record.from, to: record.to, amount, nonce, signature: PROVEN };
          break;
        case KIND_CODE.deposit: {
          const entry = data.depositQueue[nextDeposit++];
          if (entry === undefined) throw mismatch(batch.number, "a deposit record has no queue entry");
          op = { kind: "deposit", to: record.to, publicKey: entry.publicKey, amount };
          break;
        }
        case KIND_CODE.withdraw: {
          const recipient = batch.withdrawalRecipients[nextRecipient++];
          if (recipient === undefined) throw mismatch(batch.number, "a withdraw record has no recipient");
          op = { kind: "withdraw", from: record.from, recipient, amount, nonce, signature: PROVEN };
          break;
        }
        default:
          op = { kind: "noop" };
      }
      applyOperation(state, op, ctx);
    }
    if (state.root !== batch.newRoot) {
      throw mismatch(batch.number, `replay gives root ${state.root}, the L1 accepted ${batch.newRoot}`);
    }
  }
  if (state.root !== data.currentRoot) {
    throw new L1Error("RECONSTRUCTION_MISMATCH", `replay gives root ${state.root}, the L1's current root is ${data.currentRoot}`);
  }
  return state;
}

/** Records carry no signature: proven operations are replayed with this placeholder (unchecked mode ignores it). */
const PROVEN: Signature = { r8x: 0n, r8y: 0n, s: 0n };

function mismatch(batchNumber: number, why: string): L1Error {
  return new L1Error("RECONSTRUCTION_MISMATCH", `batch ${batchNumber}: ${why}`);
}
