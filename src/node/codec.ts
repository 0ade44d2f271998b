/**
 * The JSON the API and the store speak: bigints as decimal strings, L1 addresses and bytes as hex.
 * Conversions live here so the rest of the node handles typed values only.
 */
import type { PublicKey, Signature } from "../crypto/eddsa.ts";
import type { BatchAccountProof, ExitClaim } from "../l1/forced-exit-types.ts";
import type { Account } from "../state/account.ts";
import type { Deposit, SignedOperation } from "../tx/operation.ts";
import { decimal, fieldElement, integer, l1Address, literal, object, tagged, uint64, type Schema } from "./schema.ts";

export interface SignatureJson {
  r8x: string;
  r8y: string;
  s: string;
}

export interface PublicKeyJson {
  x: string;
  y: string;
}

export type OperationJson =
  | { kind: "transfer"; from: number; to: number; amount: string; nonce: string; signature: SignatureJson }
  | { kind: "withdraw"; from: number; recipient: string; amount: string; nonce: string; signature: SignatureJson };

export interface DepositJson {
  queueIndex: number;
  to: number;
  publicKey: PublicKeyJson;
  amount: string;
}

export interface AccountJson {
  publicKey: PublicKeyJson;
  balance: string;
  nonce: string;
}

/** An account's Merkle proof under a batch's root (a forced withdrawal's witness, a dismissal's). */
export interface BatchAccountProofJson {
  rootBatch: number;
  account: AccountJson;
  path: string[];
}

/** An exit claim, as POST /l1/exit-claims takes it and the L1 log stores it. */
export interface ExitClaimJson {
  index: number;
  account: AccountJson;
  path: string[];
  recipient: string;
  signature: SignatureJson;
}

/** Account indices the API accepts at all (the tree's own range is checked by the rules). */
export const MAX_INDEX = 2 ** 31 - 1;

export function addressHex(address: bigint): string {
  return `0x${address.toString(16).padStart(40, "0")}`;
}

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

export function hexToBytes(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, "hex"));
}

export function publicKeyToJson(pk: PublicKey): PublicKeyJson {
  return { x: pk.x.toString(), y: pk.y.toString() };
}

export function publicKeyFromJson(j: PublicKeyJson): PublicKey {
  return { x: BigInt(j.x), y: BigInt(j.y) };
}

export function signatureToJson(sig: Signature): SignatureJson {
  return { r8x: sig.r8x.toString(), r8y: sig.r8y.toString(), s: sig.s.toString() };
}

export function signatureFromJson(j: SignatureJson): Signature {
  return { r8x: BigInt(j.r8x), r8y: BigInt(j.r8y), s: BigInt(j.s) };
}

export function accountToJson(a: Account): AccountJson {
  return { publicKey: publicKeyToJson(a.publicKey), balance: a.balance.toString(), nonce: a.nonce.toString() };
}

export function accountFromJson(j: AccountJson): Account {
  return { publicKey: publicKeyFromJson(j.publicKey), balance: BigInt(j.balance), nonce: BigInt(j.nonce) };
}

export function operationToJson(op: SignedOperation): OperationJson {
  const common = { from: op.from, amount: op.amount.toString(), nonce: op.nonce.toString(), signature: signatureToJson(op.signature) };
  return op.kind === "transfer"
    ? { kind: "transfer", to: op.to, ...common }
    : { kind: "withdraw", recipient: addressHex(op.recipient), ...common };
}

/** From JSON this node wrote itself (the store): no checks beyond the types. */
export function operationFromJson(j: OperationJson): SignedOperation {
  const common = { from: j.from, amount: BigInt(j.amount), nonce: BigInt(j.nonce), signature: signatureFromJson(j.signature) };
  return j.kind === "transfer"
    ? { kind: "transfer", to: j.to, ...common }
    : { kind: "withdraw", recipient: BigInt(j.recipient), ...common };
}

export function batchAccountProofToJson(w: BatchAccountProof): BatchAccountProofJson {
  return { rootBatch: w.rootBatch, account: accountToJson(w.account), path: w.path.map(String) };
}

/** From JSON this node wrote itself (the L1 log); clients' JSON goes through the schemas below. */
export function batchAccountProofFromJson(j: BatchAccountProofJson): BatchAccountProof {
  return { rootBatch: j.rootBatch, account: accountFromJson(j.account), path: j.path.map((p) => BigInt(p)) };
}

export function exitClaimToJson(c: ExitClaim): ExitClaimJson {
  return {
    index: c.index,
    account: accountToJson(c.account),
    path: c.path.map(String),
    recipient: addressHex(c.recipient),
    signature: signatureToJson(c.signature),
  };
}

/** From JSON this node wrote itself (the L1 log). */
export function exitClaimFromJson(j: ExitClaimJson): ExitClaim {
  return {
    index: j.index,
    account: accountFromJson(j.account),
    path: j.path.map((p) => BigInt(p)),
    recipient: BigInt(j.recipient),
    signature: signatureFromJson(j.signature),
  };
}

export function depositToJson(queueIndex: number, d: Deposit): DepositJson {
  return { queueIndex, to: d.to, publicKey: publicKeyToJson(d.publicKey), amount: d.amount.toString() };
}

export function depositFromJson(j: DepositJson): Deposit {
  return { kind: "deposit", to: j.to, publicKey: publicKeyFromJson(j.publicKey), amount: BigInt(j.amount) };
}

// ---- schemas for what clients send ----

export const signatureSchema: Schema<Signature> = object({ r8x: fieldElement, r8y: fieldElement, s: decimal((1n << 256n) - 1n) });
export const publicKeySchema: Schema<PublicKey> = object({ x: fieldElement, y: fieldElement });
export const accountSchema: Schema<Account> = object({ publicKey: publicKeySchema, balance: uint64, nonce: uint64 });
export const indexSchema: Schema<number> = integer(0, MAX_INDEX);

const transferSchema: Schema<SignedOperation> = (v, path) => {
  const o = object({
    kind: literal("transfer"),
    from: indexSchema,
    to: indexSchema,
    amount: uint64,
    nonce: uint64,
    signature: signatureSchema,
  })(v, path);
  return { kind: "transfer", from: o.from, to: o.to, amount: o.amount, nonce: o.nonce, signature: o.signature };
};

const withdrawSchema: Schema<SignedOperation> = (v, path) => {
  const o = object({
    kind: literal("withdraw"),
    from: indexSchema,
    recipient: l1Address,
    amount: uint64,
    nonce: uint64,
    signature: signatureSchema,
  })(v, path);
  return { kind: "withdraw", from: o.from, recipient: o.recipient, amount: o.amount, nonce: o.nonce, signature: o.signature };
};

/** A signed L2 operation as POST /operations takes it. */
export const operationSchema: Schema<SignedOperation> = tagged("kind", { transfer: transferSchema, withdraw: withdrawSchema });
