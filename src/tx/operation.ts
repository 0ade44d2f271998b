import { sign, type Message, type PublicKey, type Signature } from "../crypto/eddsa.ts";
import { RollupError } from "../state/errors.ts";
import { packAmount, type PackedAmount } from "./amount.ts";
import { bigintToBytes, bytesToBigint } from "./bytes.ts";
import type { RecordLayout } from "./layout.ts";

export const KIND_CODE = { noop: 0, transfer: 1, deposit: 2, withdraw: 3 } as const;
export type OperationKind = keyof typeof KIND_CODE;

export interface Transfer {
  readonly kind: "transfer";
  readonly from: number;
  readonly to: number;
  readonly amount: bigint;
  readonly nonce: bigint;
  readonly signature: Signature;
}

/** L1 -> L2: credits `to` (creating it with `publicKey` if empty). No L2 signature: the L1 queue authorises it. */
export interface Deposit {
  readonly kind: "deposit";
  readonly to: number;
  readonly publicKey: PublicKey;
  readonly amount: bigint;
}

/** L2 -> L1: debits `from` and pays `recipient` (a 160-bit L1 address) once the batch is final. */
export interface Withdraw {
  readonly kind: "withdraw";
  readonly from: number;
  readonly recipient: bigint;
  readonly amount: bigint;
  readonly nonce: bigint;
  readonly signature: Signature;
}

export interface Noop {
  readonly kind: "noop";
}

export type Operation = Transfer | Deposit | Withdraw | Noop;
export type SignedOperation = Transfer | Withdraw;
export type UnsignedOperation<T extends SignedOperation> = Omit<T, "signature">;
/** An operation with or without its signature: what a record and a signed message are made from. */
export type OperationFields = UnsignedOperation<Transfer> | UnsignedOperation<Withdraw> | Deposit | Noop;

export const MAX_L1_ADDRESS = (1n << 160n) - 1n;

/**
 * Rollup ids are 32-bit: the signed message packs rollupId + 2^32·nonce, so an id of 2^32 or more would
 * make (id, nonce) and (id + 2^32, nonce − 1) sign the same element (a signature replayed across
 * deployments). The circuit range-checks it, and so does every constructor and this module.
 */
export const ROLLUP_ID_BITS = 32;
export const MAX_ROLLUP_ID = 2 ** ROLLUP_ID_BITS - 1;

export function isRollupId(id: number): boolean {
  return Number.isSafeInteger(id) && id >= 0 && id <= MAX_ROLLUP_ID;
}

export function checkRollupId(id: number): number {
  if (!isRollupId(id)) throw new RollupError("MALFORMED", `rollup id ${id} is not an integer in 0..2^32-1`);
  return id;
}

/** The fields every record carries; unused ones are zero (the circuit enforces it). */
export interface RecordFields {
  readonly kind: number;
  readonly from: number;
  readonly to: number;
  readonly amount: PackedAmount;
}

export function recordFields(op: OperationFields): RecordFields {
  switch (op.kind) {
    case "noop":
      return { kind: 0, from: 0, to: 0, amount: { mantissa: 0n, exponent: 0 } };
    case "transfer":
      return { kind: 1, from: op.from, to: op.to, amount: packAmount(op.amount) };
    case "deposit":
      return { kind: 2, from: 0, to: op.to, amount: packAmount(op.amount) };
    case "withdraw":
      return { kind: 3, from: op.from, to: 0, amount: packAmount(op.amount) };
  }
}

/** The record as an integer: kind | from | to | exponent | mantissa, big-endian bits. */
export function recordValue(fields: RecordFields, layout: RecordLayout): bigint {
  const ib = BigInt(layout.indexBits);
  const limit = 1 << layout.indexBits;
  if (fields.from >= limit || fields.to >= limit || fields.from < 0 || fields.to < 0) {
    throw new RollupError("UNKNOWN_ACCOUNT", `account index does not fit ${layout.indexBits} bits`);
  }
  let v = BigInt(fields.kind);
  v = (v << ib) | BigInt(fields.from);
  v = (v << ib) | BigInt(fields.to);
  v = (v << 4n) | BigInt(fields.amount.exponent);
  v = (v << 34n) | fields.amount.mantissa;
  return v;
}

export function encodeRecord(op: OperationFields, layout: RecordLayout): Uint8Array {
  return bigintToBytes(recordValue(recordFields(op), layout), layout.recordBytes);
}

/** Decodes one posted record back to its fields. */
export function decodeRecord(bytes: Uint8Array, layout: RecordLayout): RecordFields {
  if (bytes.length !== layout.recordBytes) {
    throw new RollupError("MALFORMED", `record must be ${layout.recordBytes} bytes, got ${bytes.length}`);
  }
  let v = bytesToBigint(bytes);
  const mantissa = v & ((1n << 34n) - 1n);
  v >>= 34n;
  const exponent = Number(v & 15n);
  v >>= 4n;
  const mask = (1n << BigInt(layout.indexBits)) - 1n;
  const to = Number(v & mask);
  v >>= BigInt(layout.indexBits);
  const from = Number(v & mask);
  v >>= BigInt(layout.indexBits);
  if (v > 3n) throw new RollupError("MALFORMED", "record has bits above its kind");
  return { kind: Number(v), from, to, amount: { mantissa, exponent } };
}

/** What the sender signs: M0 packs the record, the rollup id and the nonce; M1 is the L1 recipient. */
export function signedMessage(
  op: UnsignedOperation<Transfer> | UnsignedOperation<Withdraw>,
  layout: RecordLayout,
  rollupId: number,
): Message {
  checkRollupId(rollupId);
  const record = recordValue(recordFields(op), layout);
  const m0 = record + (1n << BigInt(layout.recordBytes * 8)) * (BigInt(rollupId) + (1n << 32n) * op.nonce);
  return [m0, op.kind === "withdraw" ? op.recipient : 0n];
}

export function signTransfer(
  privateKey: Uint8Array,
  op: UnsignedOperation<Transfer>,
  layout: RecordLayout,
  rollupId: number,
): Transfer {
  return { ...op, signature: sign(privateKey, signedMessage(op, layout, rollupId)) };
}

export function signWithdraw(
  privateKey: Uint8Array,
  op: UnsignedOperation<Withdraw>,
  layout: RecordLayout,
  rollupId: number,
): Withdraw {
  return { ...op, signature: sign(privateKey, signedMessage(op, layout, rollupId)) };
}
