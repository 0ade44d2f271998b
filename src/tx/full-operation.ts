import { packSignature, unpackSignature } from "../crypto/eddsa.ts";
import { RollupError } from "../state/errors.ts";
import type { L1MessageSource } from "../state/replay.ts";
import { unpackAmount } from "./amount.ts";
import type { RecordLayout } from "./layout.ts";
import { bigintToBytes, bytesToBigint, concatBytes } from "./bytes.ts";
import { decodeRecord, encodeRecord, type Operation } from "./operation.ts";

/**
 * What an optimistic rollup posts per operation. With no validity proof, re-execution (the watcher,
 * the one-step fraud proof) needs what the proof made unnecessary: each signed operation's nonce
 * (4 bytes) and signature (64 bytes), and a withdrawal's recipient (20 bytes). Deposits keep the bare
 * record (their key is in the L1 queue).
 *   transfer: record | nonce | signature          (recordBytes + 68)
 *   withdraw: record | nonce | signature | recipient (recordBytes + 88)
 *   deposit, no-op: record
 */
export const NONCE_BYTES = 4;
export const SIGNATURE_BYTES = 64;
export const RECIPIENT_BYTES = 20;

export function encodeFullOperation(op: Operation, layout: RecordLayout): Uint8Array {
  const record = encodeRecord(op, layout);
  if (op.kind === "noop" || op.kind === "deposit") return record;
  if (op.nonce < 0n || op.nonce >= 1n << 32n) throw new RollupError("MALFORMED", "nonce does not fit 4 bytes");
  const parts = [record, bigintToBytes(op.nonce, NONCE_BYTES), packSignature(op.signature)];
  if (op.kind === "withdraw") parts.push(bigintToBytes(op.recipient, RECIPIENT_BYTES));
  return concatBytes(parts);
}

export function encodeFullOperations(ops: readonly Operation[], layout: RecordLayout): Uint8Array {
  return concatBytes(ops.map((op) => encodeFullOperation(op, layout)));
}

/** Decodes posted optimistic data; deposits take their public key from `l1` (the L1 queue). */
export function decodeFullOperations(data: Uint8Array, layout: RecordLayout, l1: L1MessageSource): Operation[] {
  const ops: Operation[] = [];
  let at = 0;
  const take = (n: number): Uint8Array => {
    if (at + n > data.length) throw new RollupError("MALFORMED", "posted data ends inside an operation");
    const out = data.subarray(at, at + n);
    at += n;
    return out;
  };
  while (at < data.length) {
    const r = decodeRecord(take(layout.recordBytes), layout);
    const amount = unpackAmount(r.amount);
    if (r.kind === 0) {
      ops.push({ kind: "noop" });
      continue;
    }
    if (r.kind === 2) {
      const m = l1("deposit");
      ops.push({ kind: "deposit", to: r.to, publicKey: { x: m.x, y: m.y }, amount });
      continue;
    }
    const nonce = bytesToBigint(take(NONCE_BYTES));
    const signature = unpackSignature(take(SIGNATURE_BYTES));
    if (signature === undefined) throw new RollupError("MALFORMED", "posted signature is not a curve point");
    if (r.kind === 1) ops.push({ kind: "transfer", from: r.from, to: r.to, amount, nonce, signature });
    else ops.push({ kind: "withdraw", from: r.from, recipient: bytesToBigint(take(RECIPIENT_BYTES)), amount, nonce, signature });
  }
  return ops;
}
