import { createHash, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { buildEddsa, type Point } from "circomlibjs";
import { poseidon } from "./poseidon.ts";
import { isFieldElement } from "./field.ts";

// circomlibjs's blake-hash (CommonJS) is what its EdDSA uses to derive keys and nonces.
const createBlakeHash = createRequire(import.meta.url)("blake-hash") as (
  algorithm: "blake512",
) => { update(data: Buffer): { digest(): Buffer } };

const eddsa = await buildEddsa();
const babyJub = eddsa.babyJub;
const F = babyJub.F;

export interface PublicKey {
  readonly x: bigint;
  readonly y: bigint;
}

export interface Signature {
  readonly r8x: bigint;
  readonly r8y: bigint;
  readonly s: bigint;
}

/** The signed message: two field elements (see circuits/lib/eddsa_poseidon.circom). */
export type Message = readonly [bigint, bigint];

export function newPrivateKey(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

/** A reproducible key for demos and tests: sha256 of a label. Never for value. */
export function privateKeyFromLabel(label: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(label).digest());
}

export function publicKeyOf(privateKey: Uint8Array): PublicKey {
  const [x, y] = eddsa.prv2pub(privateKey);
  return { x: F.toObject(x), y: F.toObject(y) };
}

/**
 * EdDSA-Poseidon on Baby Jubjub, as circomlibjs's signPoseidon but with h = Poseidon(R8, A, M0, M1).
 * Deterministic: r = blake512(key half || M0 || M1).
 */
export function sign(privateKey: Uint8Array, message: Message): Signature {
  const sBuff = eddsa.pruneBuffer(createBlakeHash("blake512").update(Buffer.from(privateKey)).digest());
  const s = leBytesToBigint(sBuff.subarray(0, 32));
  const a = babyJub.mulPointEscalar(babyJub.Base8, s >> 3n);

  const compose = new Uint8Array(32 + 64);
  compose.set(sBuff.subarray(32, 64), 0);
  F.toRprLE(compose, 32, F.e(message[0]));
  F.toRprLE(compose, 64, F.e(message[1]));
  const rBuff = createBlakeHash("blake512").update(Buffer.from(compose)).digest();
  const r = leBytesToBigint(rBuff) % babyJub.subOrder;
  const r8 = babyJub.mulPointEscalar(babyJub.Base8, r);

  const r8x = F.toObject(r8[0]);
  const r8y = F.toObject(r8[1]);
  const h = poseidon([r8x, r8y, F.toObject(a[0]), F.toObject(a[1]), message[0], message[1]]);
  return { r8x, r8y, s: (r + h * s) % babyJub.subOrder };
}

/**
 * A key that can ever sign: two field elements on Baby Jubjub whose 8·A is not the identity (the
 * circuit's verifier rejects small-order keys). Funds sent to any other key could never be spent, so
 * the L1 refuses such deposits.
 */
export function isValidPublicKey(publicKey: PublicKey): boolean {
  if (!isFieldElement(publicKey.x) || !isFieldElement(publicKey.y)) return false;
  const a: Point = [F.e(publicKey.x), F.e(publicKey.y)];
  if (!babyJub.inCurve(a)) return false;
  return F.toObject(babyJub.mulPointEscalar(a, 8n)[0]) !== 0n;
}

/** The same checks as the circuit's verifier: S < l, 8·A not the identity, S·B8 = R8 + 8·h·A. */
export function verify(publicKey: PublicKey, message: Message, signature: Signature): boolean {
  if (signature.s >= babyJub.subOrder || signature.s < 0n) return false;
  // Words from outside are checked before they are hashed (Poseidon refuses unreduced inputs).
  const words = [publicKey.x, publicKey.y, signature.r8x, signature.r8y, message[0], message[1]];
  if (!words.every(isFieldElement)) return false;
  const a: Point = [F.e(publicKey.x), F.e(publicKey.y)];
  const r8: Point = [F.e(signature.r8x), F.e(signature.r8y)];
  if (!babyJub.inCurve(a) || !babyJub.inCurve(r8)) return false;
  const h = poseidon([signature.r8x, signature.r8y, publicKey.x, publicKey.y, message[0], message[1]]);
  const a8 = babyJub.mulPointEscalar(a, 8n);
  if (F.toObject(a8[0]) === 0n) return false;
  const left = babyJub.mulPointEscalar(babyJub.Base8, signature.s);
  const right = babyJub.addPoint(r8, babyJub.mulPointEscalar(a8, h));
  return F.eq(left[0], right[0]) && F.eq(left[1], right[1]);
}

function leBytesToBigint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i] ?? 0);
  return v;
}

/** 64 bytes: R8 compressed (y with the sign of x, as circomlibjs packs points) then S little-endian. */
export function packSignature(sig: Signature): Uint8Array {
  const out = new Uint8Array(64);
  out.set(babyJub.packPoint([F.e(sig.r8x), F.e(sig.r8y)]), 0);
  let v = sig.s;
  for (let i = 0; i < 32; i++) {
    out[32 + i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** The inverse of packSignature; undefined if R8 is not a curve point. */
export function unpackSignature(bytes: Uint8Array): Signature | undefined {
  if (bytes.length !== 64) return undefined;
  // unpackPoint clears the sign bit in the buffer it is given: hand it a copy.
  const r8 = babyJub.unpackPoint(bytes.slice(0, 32));
  if (r8 === null) return undefined;
  return { r8x: F.toObject(r8[0]), r8y: F.toObject(r8[1]), s: leBytesToBigint(bytes.subarray(32, 64)) };
}
