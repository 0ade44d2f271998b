import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBn128, type BnCurve } from "ffjavascript";
import type { JsonObject } from "snarkjs";
import { FIELD_MODULUS } from "../../src/crypto/field.ts";
import { calculateWitnessBin } from "../../src/circuit/witness.ts";
import { WarmGroth16Prover } from "../../src/prover/groth16-warm.ts";
import { FFT_MODE, loadNativeMsm, type NativeAddon } from "../../src/prover/native-msm.ts";
import { shutdownProver, verifyProof } from "../../src/prover/prove.ts";
import { buildBatch } from "../../src/state/index.ts";
import { ctx, fundedState, testArtifacts, testInstance, transfer, withdraw } from "../helpers/fixtures.ts";
import { errorCode } from "../helpers/errors.ts";

const { circuit, keys } = testArtifacts();
let curve: BnCurve;
// Not skipped when the compiler is missing: a machine of this kind has cc and Node's headers (as in native-msm.test.ts).
let native: NativeAddon;
let portable: NativeAddon;

const le = (v: bigint, n = 32) => Uint8Array.from({ length: n }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
const fromLe = (b: Uint8Array) => b.reduceRight((v, x) => (v << 8n) | BigInt(x), 0n);
const randomFr = () => fromLe(randomBytes(32)) % FIELD_MODULUS;

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

/** n field elements as ffjavascript's Fr buffers hold them (Montgomery form: any value < r is one). */
const values = (n: number, f: (i: number) => bigint) => concat(Array.from({ length: n }, (_, i) => le(f(i))));

const KINDS: Record<string, (i: number) => bigint> = {
  random: () => randomFr(),
  zeros: () => 0n,
  "p - 1": () => FIELD_MODULUS - 1n,
  "0/1 and p - 1 mixed": (i) => [0n, 1n, FIELD_MODULUS - 1n, randomFr()][i % 4] as bigint,
};

/** ffjavascript's evaluation of the polynomial with evaluations x on the coset (the warm prover's wasm path). */
async function cosetOf(x: Uint8Array, power: number): Promise<Uint8Array> {
  const { Fr } = curve;
  const inc = power === Fr.s ? Fr.shift : (Fr.w[power + 1] as Uint8Array);
  return Fr.fft(await Fr.batchApplyKey(await Fr.ifft(x), Fr.e(1), inc));
}

function domainOf(addon: NativeAddon, power: number, threads: number) {
  const { Fr } = curve;
  const inc = power === Fr.s ? Fr.shift : (Fr.w[power + 1] as Uint8Array);
  return addon.fftDomain(power, Fr.w[power] as Uint8Array, inc, threads);
}

beforeAll(async () => {
  native = loadNativeMsm();
  portable = loadNativeMsm(() => {}, { portable: true });
  curve = await buildBn128();
});

afterAll(async () => {
  await curve.terminate();
  await shutdownProver();
});

describe("native FFTs and QAP step (src/prover/native/fft.c)", () => {
  it("FFT, inverse FFT and coset evaluation equal ffjavascript's on small and 2^12 domains, random and edge values, 1 and 2 threads", async () => {
    const { Fr } = curve;
    for (const power of [1, 2, 3, 4, 7, 10, 12]) {
      const n = 2 ** power;
      for (const [kind, f] of Object.entries(KINDS)) {
        const x = values(n, f);
        const want = { fft: await Fr.fft(x), ifft: await Fr.ifft(x), coset: await cosetOf(x, power) };
        for (const threads of [1, 2]) {
          const d = domainOf(native, power, threads);
          const label = `2^${power} ${kind} ${threads} thread(s)`;
          expect(Buffer.from(native.fft(d, x, FFT_MODE.forward, threads)).equals(Buffer.from(want.fft)), `${label} fft`).toBe(true);
          expect(Buffer.from(native.fft(d, x, FFT_MODE.inverse, threads)).equals(Buffer.from(want.ifft)), `${label} ifft`).toBe(true);
          expect(Buffer.from(native.fft(d, x, FFT_MODE.coset, threads)).equals(Buffer.from(want.coset)), `${label} coset`).toBe(true);
        }
      }
    }
  });

  it("the inverse FFT undoes the FFT at 2^16 on 2 threads (the split stages of both directions)", () => {
    const power = 16;
    const x = values(2 ** power, () => randomFr());
    const d = domainOf(native, power, 2);
    const back = native.fft(d, native.fft(d, x, FFT_MODE.forward, 2), FFT_MODE.inverse, 2);
    expect(Buffer.from(back).equals(Buffer.from(x))).toBe(true);
  });

  it("the portable and the build-time-selected Montgomery multiplication give the same bytes", async () => {
    // On a CPU with BMI2 and ADX, native.mul is "adx" (mulx/adcx/adox); elsewhere both builds are portable.
    expect(portable.mul).toBe("portable");
    expect(["adx", "portable"]).toContain(native.mul);
    const power = 10;
    const x = values(2 ** power, (i) => (i % 5 === 0 ? FIELD_MODULUS - 1n - BigInt(i) : randomFr()));
    const want = await curve.Fr.fft(x);
    for (const addon of [native, portable]) {
      expect(Buffer.from(addon.fft(domainOf(addon, power, 2), x, FFT_MODE.forward, 2)).equals(Buffer.from(want))).toBe(true);
    }
    // The MSM's base field too: the same G1 sum from both builds.
    const g1 = curve.G1;
    const base = g1.toAffine(g1.timesFr(g1.g, curve.Fr.e(7)));
    const bases = new Uint8Array(64 * 3);
    for (let k = 0; k < 3; k++) g1.toRprLEM(bases, 64 * k, base);
    const scalars = values(3, (i) => [FIELD_MODULUS - 1n, 2n ** 200n + 12345n, randomFr()][i] as bigint);
    expect(Buffer.from(native.msm(1, bases, scalars, 2)).equals(Buffer.from(portable.msm(1, bases, scalars, 2)))).toBe(true);
  });

  it("H's scalars from the native QAP step equal the wasm path's for real witnesses of the test circuit", async () => {
    const prover = await WarmGroth16Prover.load(keys.zkey, { msm: "wasm", qap: "wasm" });
    const nativeProver = await WarmGroth16Prover.load(keys.zkey, { msm: "wasm", qap: "native" });
    expect(nativeProver.qapEngine).toBe("native");
    const { alice, bob, state } = fundedState();
    const b = buildBatch(state, [transfer(alice, 0, 5, 300n, 0n), withdraw(bob, 5, 0xbeefn, 20n, 0n)], testInstance.ops, ctx);
    const wtns = await calculateWitnessBin(circuit.wasm, b.inputs);
    const want = await prover.quotient(wtns);
    expect(want.length).toBe(prover.domainSize * 32);
    expect(Buffer.from(await nativeProver.quotient(wtns)).equals(Buffer.from(want))).toBe(true);
    // An all-zero witness (only the constant wire is 1 in a real one) and one of p − 1 everywhere: edge values through every coefficient.
    const header = wtns.length - prover.nVars * 32;
    for (const fill of [0n, FIELD_MODULUS - 1n]) {
      const edited = Uint8Array.from(wtns);
      edited.set(values(prover.nVars, () => fill), header);
      expect(Buffer.from(await nativeProver.quotient(edited)).equals(Buffer.from(await prover.quotient(edited))), `witness all ${fill}`).toBe(true);
    }
  });

  it("rejects a wrong domain, size or mode with a coded error", () => {
    const d = domainOf(native, 3, 2);
    expect(errorCode(() => native.fft(d, new Uint8Array(32 * 4), FFT_MODE.forward, 2))).toBe("NATIVE_MSM");
    expect(errorCode(() => native.fft(d, new Uint8Array(32 * 8), 3 as 0, 2))).toBe("NATIVE_MSM");
    expect(errorCode(() => native.fft({} as typeof d, new Uint8Array(32 * 8), FFT_MODE.forward, 2))).toBe("NATIVE_MSM");
    expect(errorCode(() => native.qap(d, new Uint8Array(32)))).toBe("NATIVE_MSM");
  });

  it("the native engine (native QAP and MSM) proves; stock snarkjs verifies the proof, and not for another public input", async () => {
    const prover = await WarmGroth16Prover.load(keys.zkey, { msm: "native" });
    expect(prover.qapEngine).toBe("native");
    const { alice, bob, state } = fundedState();
    const b = buildBatch(state, [transfer(alice, 0, 5, 7n, 0n), withdraw(bob, 5, 0xfeedn, 3n, 0n)], testInstance.ops, ctx);
    const { proof, publicSignals, breakdown } = await prover.prove(await calculateWitnessBin(circuit.wasm, b.inputs));
    expect(breakdown.qapEngine).toBe("native");
    expect(Object.keys(breakdown.msms ?? {})).toEqual(["a", "b1", "b2", "c", "h"]);
    const vkey = JSON.parse(readFileSync(keys.vkey, "utf8")) as JsonObject;
    expect(publicSignals).toEqual([b.inputHash.toString()]);
    expect(await verifyProof(vkey, publicSignals, { ...proof })).toBe(true);
    expect(await verifyProof(vkey, [(b.inputHash + 1n).toString()], { ...proof })).toBe(false);
  });
});
