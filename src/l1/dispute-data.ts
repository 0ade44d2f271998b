/**
 * Reading an optimistic batch's posted data (src/tx/full-operation.ts encoding) one operation at a
 * time: the contract splits it at proposal (deposits against the queue, withdrawal recipients) and
 * decodes the single disputed operation in a one-step proof; the watcher and the parties decode every
 * operation the same way, so an undecodable operation (a signature that is not a curve point) is
 * judged exactly where it sits.
 */
import type { PublicKey } from "../crypto/eddsa.ts";
import type { Account } from "../state/account.ts";
import { RollupError } from "../state/errors.ts";
import type { RollupState } from "../state/rollup-state.ts";
import {
  KIND_CODE,
  NONCE_BYTES,
  RECIPIENT_BYTES,
  SIGNATURE_BYTES,
  bytesToBigint,
  decodeFullOperations,
  decodeRecord,
  unpackAmount,
  type Operation,
  type RecordFields,
  type RecordLayout,
} from "../tx/index.ts";

/** One operation's slice of the posted data. */
export interface PostedOperation {
  /** Position in the batch (0-based): the operation that takes root_index to root_{index+1}. */
  readonly index: number;
  readonly record: RecordFields;
  /** The operation's full encoding (record, then nonce, signature and recipient where it has them). */
  readonly bytes: Uint8Array;
  /** For a deposit: its position among the batch's deposits (the queue entry firstDeposit + ordinal). */
  readonly depositOrdinal: number | undefined;
  /** For a withdrawal: the L1 recipient read from the data. */
  readonly recipient: bigint | undefined;
  /** Record amount, unpacked. */
  readonly amount: bigint;
}

/** Bytes of one operation's full encoding, by record kind. */
export function fullOperationBytes(kind: number, layout: RecordLayout): number {
  if (kind === KIND_CODE.transfer) return layout.recordBytes + NONCE_BYTES + SIGNATURE_BYTES;
  if (kind === KIND_CODE.withdraw) return layout.recordBytes + NONCE_BYTES + SIGNATURE_BYTES + RECIPIENT_BYTES;
  return layout.recordBytes;
}

/**
 * Splits posted data into operations by reading each record's kind (no signature is decoded here).
 * Throws RollupError MALFORMED on a record it cannot read or data that ends inside an operation.
 */
export function splitPostedData(data: Uint8Array, layout: RecordLayout): PostedOperation[] {
  const out: PostedOperation[] = [];
  let at = 0;
  let deposits = 0;
  while (at < data.length) {
    if (at + layout.recordBytes > data.length) throw new RollupError("MALFORMED", `operation ${out.length} is cut short`);
    const record = decodeRecord(data.subarray(at, at + layout.recordBytes), layout);
    const size = fullOperationBytes(record.kind, layout);
    if (at + size > data.length) throw new RollupError("MALFORMED", `operation ${out.length} is cut short`);
    const bytes = data.subarray(at, at + size);
    const isDeposit = record.kind === KIND_CODE.deposit;
    out.push({
      index: out.length,
      record,
      bytes,
      depositOrdinal: isDeposit ? deposits : undefined,
      recipient: record.kind === KIND_CODE.withdraw ? bytesToBigint(bytes.subarray(size - RECIPIENT_BYTES)) : undefined,
      amount: unpackAmount(record.amount),
    });
    if (isDeposit) deposits++;
    at += size;
  }
  return out;
}

/**
 * The operation a slice carries; a deposit takes `depositKey` (from the L1 queue). Throws RollupError
 * MALFORMED if it cannot be decoded (a signature that is not a curve point): such an operation is invalid.
 */
export function decodePostedOperation(posted: PostedOperation, layout: RecordLayout, depositKey: PublicKey | undefined): Operation {
  // A copy: circomlibjs's unpackPoint (under unpackSignature) clears the sign bit in the buffer it is given.
  const ops = decodeFullOperations(posted.bytes.slice(), layout, () => {
    if (depositKey === undefined) throw new RollupError("MALFORMED", "a deposit has no queue entry");
    return { x: depositKey.x, y: depositKey.y };
  });
  const op = ops[0];
  if (op === undefined || ops.length !== 1) throw new RollupError("MALFORMED", `operation ${posted.index} does not decode to one operation`);
  return op;
}

/** Account indices an operation reads or writes: what a one-step proof must witness. */
export function touchedAccounts(op: Operation): number[] {
  switch (op.kind) {
    case "noop":
      return [];
    case "deposit":
      return [op.to];
    case "withdraw":
      return [op.from];
    case "transfer":
      return op.from === op.to ? [op.from] : [op.from, op.to];
  }
}

/** One Merkle witness as RollupState.fromWitness takes it. */
export interface AccountWitness {
  readonly index: number;
  readonly account: Account | undefined;
  readonly path: readonly bigint[];
}

/**
 * The witnesses a one-step proof of `op` needs, read from the full state before it: the accounts it
 * touches, or leaf 0 for a no-op (one path is needed to tie the witness state to the agreed root).
 */
export function operationWitnesses(state: RollupState, op: Operation): AccountWitness[] {
  const touched = touchedAccounts(op);
  return (touched.length === 0 ? [0] : touched).map((index) => ({
    index,
    account: state.account(index),
    path: state.tree.path(index),
  }));
}
