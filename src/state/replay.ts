import type { RecordLayout } from "../tx/layout.ts";
import { decodeRecord, type Operation } from "../tx/operation.ts";
import { unpackAmount } from "../tx/amount.ts";
import { buildBatch, type BuiltBatch } from "./batch.ts";
import { RollupError } from "./errors.ts";
import type { RollupState } from "./rollup-state.ts";
import type { L1Message, RollupContext } from "./transition.ts";

const NO_SIGNATURE = { r8x: 0n, r8y: 0n, s: 0n };

/** Where a replay finds what records do not carry: a deposit's public key, a withdrawal's recipient. */
export type L1MessageSource = (kind: "deposit" | "withdraw") => L1Message;

/** Reads the L1 messages of a batch in record order (as batch.json stores them). */
export function inOrder(l1Messages: readonly L1Message[]): L1MessageSource & { readonly used: () => number } {
  let next = 0;
  const source = () => {
    const m = l1Messages[next++];
    if (m === undefined) throw new RollupError("MALFORMED", "more deposits and withdrawals than L1 messages");
    return m;
  };
  return Object.assign(source, { used: () => next });
}

/**
 * Turns posted records back into operations. Deposits take their public key, withdrawals their
 * recipient, from `l1`. Signatures and nonces are not posted.
 */
export function operationsFromRecords(records: Uint8Array, layout: RecordLayout, l1: L1MessageSource): Operation[] {
  if (records.length % layout.recordBytes !== 0) {
    throw new RollupError("MALFORMED", `posted data is ${records.length} bytes, not a multiple of ${layout.recordBytes}`);
  }
  const ops: Operation[] = [];
  for (let at = 0; at < records.length; at += layout.recordBytes) {
    const r = decodeRecord(records.subarray(at, at + layout.recordBytes), layout);
    const amount = unpackAmount(r.amount);
    if (r.kind === 0) ops.push({ kind: "noop" });
    else if (r.kind === 1) ops.push({ kind: "transfer", from: r.from, to: r.to, amount, nonce: 0n, signature: NO_SIGNATURE });
    else if (r.kind === 2) {
      const m = l1("deposit");
      ops.push({ kind: "deposit", to: r.to, publicKey: { x: m.x, y: m.y }, amount });
    } else ops.push({ kind: "withdraw", from: r.from, recipient: l1("withdraw").x, amount, nonce: 0n, signature: NO_SIGNATURE });
  }
  return ops;
}

/**
 * Re-executes a batch from its posted data with the reference rules (all but signatures and nonces):
 * the result's newRoot and inputHash are what the batch claims if it is honest.
 */
export function replayBatch(state: RollupState, records: Uint8Array, l1: L1MessageSource, ctx: RollupContext): BuiltBatch {
  const ops = operationsFromRecords(records, ctx.layout, l1);
  return buildBatch(state, ops, ops.length, { ...ctx, fromPostedData: true });
}

