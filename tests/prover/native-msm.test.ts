import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBn128, type BnCurve } from "ffjavascript";
import type { JsonObject } from "snarkjs";
import { binSection, parseBinFile } from "../../src/artifacts/binfile.ts";
import { FIELD_MODULUS } from "../../src/crypto/field.ts";
import { loadNativeMsm, type NativeMsm } from "../../src/prover/native-msm.ts";
import { proveBatch, shutdownProver, verifyProof } from "../../src/prover/prove.ts";
import { buildBatch } from "../../src/state/index.ts";
import { ctx, fundedState, testArtifacts, testInstance, transfer, withdraw } from "../helpers/fixtures.ts";
import { errorCode } from "../helpers/errors.ts";

const { circuit, keys } = testArtifacts();
const BASE_FIELD = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
let curve: BnCurve;
// Not skipped when the compiler is missing: a machine of this kind has cc and Node's headers, so a
// failure to build is a defect to see (the bench skips the engine with the reason instead).
let native: NativeMsm;

/** Non-infinity affine bases of a zkey section (G1: 64 bytes, G2: 128 bytes each). */
function zkeyBases(section: number, size: number, max: number): Uint8Array {
  const points = binSection(parseBinFile(readFileSync(keys.zkey), "zkey"), section);
  const out: Uint8Array[] = [];
  for (let at = 0; at < points.length && out.length < max; at += size) {
    const p = points.subarray(at, at + size);
    if (p.some((b) => b !== 0)) out.push(p);
  }
  return concat(out);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

const le = (v: bigint, n = 32) => Uint8Array.from({ length: n }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
const fromLe = (b: Uint8Array) => b.reduceRight((v, x) => (v << 8n) | BigInt(x), 0n);
const randomScalar = () => fromLe(randomBytes(32)) % FIELD_MODULUS;

/** −P of an affine G1 point in Montgomery form: y ↦ q − y (the Montgomery form of −y). */
function negG1(p: Uint8Array): Uint8Array {
  const y = fromLe(p.subarray(32, 64));
  return concat([p.subarray(0, 32), le(y === 0n ? 0n : BASE_FIELD - y)]);
}

/** The native result in ffjavascript's projective layout, compared with ffjavascript's own multiExpAffine. */
async function agrees(group: "G1" | "G2", bases: Uint8Array, scalars: readonly bigint[]): Promise<boolean> {
  const G = curve[group];
  const packed = concat(scalars.map((s) => le(s)));
  const want = await G.multiExpAffine(bases, packed);
  const got = native.msm(group === "G1" ? 1 : 2, bases, packed, 2);
  if (got.every((b) => b === 0)) return G.eq(G.zero, want);
  return G.eq(concat([got, G.F.one]), want);
}

beforeAll(async () => {
  native = loadNativeMsm();
  curve = await buildBn128();
});

afterAll(async () => {
  await curve.terminate();
  await shutdownProver();
});

describe("native multi-scalar multiplication (src/prover/native/msm.c)", () => {
  it("equals ffjavascript's multiExpAffine in G1 and G2 for random, small and extreme scalars", async () => {
    const g1 = zkeyBases(9, 64, 600);
    const g2 = zkeyBases(7, 128, 200);
    const n1 = g1.length / 64;
    const n2 = g2.length / 128;
    const kinds: ((i: number) => bigint)[] = [
      () => randomScalar(),
      (i) => BigInt(i % 2), // bits: only window 0 is used
      (i) => BigInt(i * 7919) % 65536n,
      () => FIELD_MODULUS - 1n,
      (i) => (i % 3 === 0 ? 0n : randomScalar()),
    ];
    for (const k of kinds) {
      expect(await agrees("G1", g1, Array.from({ length: n1 }, (_, i) => k(i)))).toBe(true);
      expect(await agrees("G2", g2, Array.from({ length: n2 }, (_, i) => k(i)))).toBe(true);
    }
    // Enough points for wider windows and several batches of affine additions a window.
    const many = zkeyBases(9, 64, 6000);
    expect(await agrees("G1", many, Array.from({ length: many.length / 64 }, () => randomScalar()))).toBe(true);
    // Sparse windows: 1 scalar in 100 is nonzero, so most buckets are empty and the lanes of the bucket
    // sums meet doublings (total += running where the two are equal) and lanes with nothing in them.
    expect(await agrees("G1", many, Array.from({ length: many.length / 64 }, (_, i) => (i % 100 === 0 ? randomScalar() : 0n)))).toBe(true);
    const manyG2 = zkeyBases(7, 128, 6000);
    expect(await agrees("G2", manyG2, Array.from({ length: manyG2.length / 128 }, (_, i) => (i % 7 === 0 ? randomScalar() : BigInt(i % 3))))).toBe(true);
  });

  it("handles the addition edge cases: P + P (doubling in a bucket), P + (−P) (infinity) and an all-zero sum", async () => {
    const p = zkeyBases(9, 64, 2);
    const a = p.subarray(0, 64);
    const b = p.subarray(64, 128);
    // Same point, same digit: the bucket adds P to P.
    expect(await agrees("G1", concat([a, a, b]), [5n, 5n, 3n])).toBe(true);
    // The same with negative signed digits (3 = 4 − 1 in 2-bit windows: −P into bucket 1, then a carry).
    expect(await agrees("G1", concat([a, a, b]), [3n, 3n, 1n])).toBe(true);
    expect(await agrees("G1", concat([a, negG1(a), b]), [3n, 3n, 1n])).toBe(true);
    // P and −P with the same scalar cancel: the sum is the point at infinity.
    const inf = native.msm(1, concat([a, negG1(a)]), concat([le(9n), le(9n)]), 2);
    expect(inf.every((x) => x === 0)).toBe(true);
    expect(await agrees("G1", concat([a, negG1(a), b]), [9n, 9n, 1n])).toBe(true);
    // Zero scalars only.
    expect(native.msm(1, concat([a, b]), new Uint8Array(64), 2).every((x) => x === 0)).toBe(true);
    // One thread gives the same sum as two.
    const sc = concat([le(randomScalar()), le(randomScalar())]);
    expect(native.msm(1, concat([a, b]), sc, 1)).toEqual(native.msm(1, concat([a, b]), sc, 2));
  });

  it("rejects mismatched inputs with a coded error", () => {
    expect(errorCode(() => native.msm(1, new Uint8Array(64), new Uint8Array(64), 2))).toBe("NATIVE_MSM");
    expect(errorCode(() => native.msm(3 as 1, new Uint8Array(64), new Uint8Array(32), 2))).toBe("NATIVE_MSM");
    expect(errorCode(() => native.msm(2, new Uint8Array(64), new Uint8Array(32), 2))).toBe("NATIVE_MSM");
  });

  it("the native engine's Groth16 proof verifies, and not for another public input", async () => {
    const { alice, bob, state } = fundedState();
    const b = buildBatch(state, [transfer(alice, 0, 5, 300n, 0n), withdraw(bob, 5, 0xbeefn, 20n, 0n)], testInstance.ops, ctx);
    const proved = await proveBatch({ zkey: keys.zkey, wasm: circuit.wasm }, b.inputs, "groth16", "native");
    const vkey = JSON.parse(readFileSync(keys.vkey, "utf8")) as JsonObject;
    expect(proved.publicSignals).toEqual([b.inputHash.toString()]);
    expect(await verifyProof(vkey, proved.publicSignals, proved.proof)).toBe(true);
    expect(await verifyProof(vkey, [(b.inputHash + 1n).toString()], proved.proof)).toBe(false);
  });
});
