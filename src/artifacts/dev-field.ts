// BN254 scalar-field helpers for the development (known toxic waste) setups.
// Everything is plain bigint; the hot loops are a few hundred thousand
// mulmods (~0.2 µs each), which is negligible next to the curve work.

import { createHash, randomBytes } from "node:crypto";

/** BN254 scalar field order r. */
export const FR = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
/** BN254 base field order q. */
export const FQ = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
/** 2-adicity of r - 1. */
export const FR_S = 28;

/** Montgomery constants for r with 256-bit limbs: R = 2^256 mod r, R2 = R^2 mod r. */
export const FR_R = (1n << 256n) % FR;
export const FR_R2 = (FR_R * FR_R) % FR;

export function frMod(a: bigint): bigint {
  const m = a % FR;
  return m < 0n ? m + FR : m;
}

export function frMul(a: bigint, b: bigint): bigint {
  return (a * b) % FR;
}

export function frPow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = frMod(base);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % FR;
    b = (b * b) % FR;
    e >>= 1n;
  }
  return result;
}

export function frInv(a: bigint): bigint {
  const x = frMod(a);
  if (x === 0n) throw new Error("frInv: inverse of zero");
  return frPow(x, FR - 2n);
}

/** In-place Montgomery batch inversion (all inputs must be non-zero). */
export function frBatchInvert(values: bigint[]): void {
  const n = values.length;
  if (n === 0) return;
  const prefix = new Array<bigint>(n);
  let acc = 1n;
  for (let i = 0; i < n; i++) {
    prefix[i] = acc;
    acc = (acc * (values[i] as bigint)) % FR;
  }
  let inv = frInv(acc);
  for (let i = n - 1; i >= 0; i--) {
    const v = values[i] as bigint;
    values[i] = (inv * (prefix[i] as bigint)) % FR;
    inv = (inv * v) % FR;
  }
}

let rootsCache: bigint[] | undefined;

/**
 * Principal 2^k-th roots of unity, identical to ffjavascript's `Fr.w[k]`
 * (w[28] = nqr^t with nqr the first quadratic non-residue >= 2, w[k] = w[k+1]^2),
 * so our Lagrange bases index the domain exactly like snarkjs's FFTs.
 */
export function frRootsOfUnity(): readonly bigint[] {
  if (rootsCache) return rootsCache;
  const half = (FR - 1n) >> 1n;
  let nqr = 2n;
  while (frPow(nqr, half) !== FR - 1n) nqr += 1n;
  const t = (FR - 1n) >> BigInt(FR_S);
  const w = new Array<bigint>(FR_S + 1);
  w[FR_S] = frPow(nqr, t);
  for (let k = FR_S - 1; k >= 0; k--) {
    const next = w[k + 1] as bigint;
    w[k] = (next * next) % FR;
  }
  rootsCache = w;
  return w;
}

export function frRootOfUnity(power: number): bigint {
  if (power < 0 || power > FR_S) throw new Error(`no 2^${power}-th root of unity in BN254 Fr`);
  return frRootsOfUnity()[power] as bigint;
}

/**
 * Evaluations at tau of the Lagrange basis of the size-2^power domain
 * {w^i}, for i in [first, first + count*step) with the given index step:
 *   L_i(tau) = (tau^m - 1)/m * w^i / (tau - w^i)      (m = 2^power)
 * multiplied by `factor`. One batch inversion for the whole range.
 */
export function lagrangeAt(
  tau: bigint,
  power: number,
  first: number,
  count: number,
  step = 1,
  factor = 1n,
): bigint[] {
  const m = 1n << BigInt(power);
  const w = frRootOfUnity(power);
  const zOverM = frMul(frPow(tau, m) - 1n + FR, frInv(m));
  if (zOverM === 0n) throw new Error("tau lies in the evaluation domain");
  const k = frMul(zOverM, frMod(factor));
  const wStep = frPow(w, BigInt(step));
  let wi = frPow(w, BigInt(first));
  const num = new Array<bigint>(count);
  const den = new Array<bigint>(count);
  for (let i = 0; i < count; i++) {
    num[i] = wi;
    den[i] = frMod(tau - wi);
    wi = (wi * wStep) % FR;
  }
  frBatchInvert(den);
  for (let i = 0; i < count; i++) {
    num[i] = ((((num[i] as bigint) * (den[i] as bigint)) % FR) * k) % FR;
  }
  return num;
}

/** [start, start*x, start*x^2, ...] (count terms). */
export function geometric(start: bigint, ratio: bigint, count: number): bigint[] {
  const out = new Array<bigint>(count);
  let v = frMod(start);
  for (let i = 0; i < count; i++) {
    out[i] = v;
    v = (v * ratio) % FR;
  }
  return out;
}

/**
 * Derives a non-zero scalar. With `entropy` the result is deterministic
 * (SHA-512 of a domain tag, the label and the entropy, reduced mod r);
 * otherwise 64 fresh random bytes are used.
 */
export function deriveScalar(label: string, entropy?: Uint8Array): bigint {
  for (let counter = 0; ; counter++) {
    const h = createHash("sha512");
    h.update("zk-rollup-lab/dev-setup/v1\0");
    h.update(label);
    h.update(new Uint8Array([counter]));
    h.update(entropy ?? randomBytes(64));
    const v = bytesToBigIntLE(h.digest()) % FR;
    if (v !== 0n) return v;
  }
}

export function bytesToBigIntLE(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i] as number);
  return v;
}

const MASK64 = (1n << 64n) - 1n;

/** Writes a < 2^256 as 32 little-endian bytes at `offset`. */
export function writeScalar32(view: DataView, offset: number, v: bigint): void {
  view.setBigUint64(offset, BigInt.asUintN(64, v), true);
  view.setBigUint64(offset + 8, BigInt.asUintN(64, v >> 64n), true);
  view.setBigUint64(offset + 16, BigInt.asUintN(64, v >> 128n), true);
  view.setBigUint64(offset + 24, (v >> 192n) & MASK64, true);
}

export function readScalar32(view: DataView, offset: number): bigint {
  return (
    view.getBigUint64(offset, true) |
    (view.getBigUint64(offset + 8, true) << 64n) |
    (view.getBigUint64(offset + 16, true) << 128n) |
    (view.getBigUint64(offset + 24, true) << 192n)
  );
}

/** Packs scalars (already reduced mod r) as consecutive 32-byte LE words. */
export function packScalars(values: readonly bigint[], from = 0, to = values.length): Uint8Array {
  const out = new Uint8Array((to - from) * 32);
  const view = new DataView(out.buffer);
  for (let i = from; i < to; i++) {
    const v = values[i] as bigint;
    if (v !== 0n) writeScalar32(view, (i - from) * 32, v);
  }
  return out;
}
