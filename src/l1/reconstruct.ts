/**
 * Rebuilds the L2 state from what the L1 holds alone: the accepted batches' posted records, the deposit
 * queue (public keys, amounts) and the withdrawal recipients, replayed with the reference rules
 * (src/state/replay.ts; records carry no signature or nonce).
 */
import type { PublicKey } from "../crypto/eddsa.ts";
import { RollupError } from "../state/errors.ts";
import { replayBatch, type L1MessageSource } from "../state/replay.ts";
import { RollupState } from "../state/rollup-state.ts";
import type { RollupContext } from "../state/transition.ts";
import type { RecordLayout } from "../tx/layout.ts";
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
  let state = new RollupState(arities);
  if (state.root !== data.genesisRoot) {
    throw new L1Error("RECONSTRUCTION_MISMATCH", "the genesis root is not the empty tree's: L1 data alone cannot rebuild it");
  }
  const ctx: RollupContext = { layout: data.layout, rollupId: data.rollupId };
  let nextDeposit = 0;
  for (const batch of data.batches) {
    let nextRecipient = 0;
    // Deposits take their key from the L1 queue, withdrawals their recipient from the batch's calldata.
    const l1: L1MessageSource = (kind) => {
      if (kind === "deposit") {
        const entry = data.depositQueue[nextDeposit++];
        if (entry === undefined) throw mismatch(batch.number, "a deposit record has no queue entry");
        return entry.publicKey;
      }
      const recipient = batch.withdrawalRecipients[nextRecipient++];
      if (recipient === undefined) throw mismatch(batch.number, "a withdraw record has no recipient");
      return { x: recipient, y: 0n };
    };
    try {
      state = replayBatch(state, batch.records, l1, ctx).state;
    } catch (err) {
      if (err instanceof RollupError) throw mismatch(batch.number, `replay breaks a rule: ${err.code}`);
      throw err;
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

function mismatch(batchNumber: number, why: string): L1Error {
  return new L1Error("RECONSTRUCTION_MISMATCH", `batch ${batchNumber}: ${why}`);
}
