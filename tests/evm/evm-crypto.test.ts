/**
 * The two hash/signature contracts the L1 calls (one-step proof, account proofs, forced exit), checked
 * against the reference TypeScript (circomlibjs) in the in-process EVM: the generated Poseidon(n) bytecode
 * (src/evm/poseidon-gen.ts) and contracts/BabyJubjubEdDSA.sol.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { buildBabyjub } from "circomlibjs";
import { encodeFunctionData, parseAbi, type Address, type Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIELD_MODULUS, packSignature, poseidon, privateKeyFromLabel, publicKeyOf, sign, unpackSignature, verify } from "../../src/crypto/index.ts";
import { EvmSession } from "../../src/evm/client.ts";
import { compileSources, repoSources, requireContract } from "../../src/evm/compile.ts";
import { MAX_RUNTIME_CODE_BYTES, poseidonCreationCode, poseidonRuntimeCode } from "../../src/evm/poseidon-gen.ts";

const DEPLOYER = 0x33n;
let session: EvmSession;
beforeAll(async () => {
  session = await EvmSession.inProcess();
});
afterAll(async () => session?.close());

const bytesToHex = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString("hex")}`;

/** Deploys the generated Poseidon(n) and returns a caller of poseidon(uint256[n]). */
async function generated(n: number): Promise<(inputs: readonly bigint[]) => Promise<bigint>> {
  const { address } = await session.deploy(DEPLOYER, poseidonCreationCode(n), `Poseidon(${n})`);
  const abi = parseAbi([`function poseidon(uint256[${n}]) view returns (uint256)`]);
  return async (inputs) => {
    const data = encodeFunctionData({ abi, functionName: "poseidon", args: [inputs as never] });
    const r = await session.public.call({ to: address, data });
    return BigInt(r.data ?? "0x");
  };
}

function randomField(seed: number): bigint {
  const h = keccak_256(new TextEncoder().encode(`field ${seed}`));
  return BigInt(bytesToHex(h)) % FIELD_MODULUS;
}

describe("generated Poseidon(n) bytecode", () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])("Poseidon(%i) equals circomlibjs's on random, edge and unreduced inputs", async (n) => {
    const hash = await generated(n);
    const cases: bigint[][] = [
      Array.from({ length: n }, (_, i) => randomField(100 * n + i)),
      Array.from({ length: n }, (_, i) => randomField(200 * n + i)),
      new Array<bigint>(n).fill(0n),
      new Array<bigint>(n).fill(FIELD_MODULUS - 1n),
    ];
    for (const inputs of cases) expect(await hash(inputs)).toBe(poseidon(inputs));
    // Inputs at or above p are reduced, as circomlibjs's contracts and its JS reduce them.
    const unreduced = Array.from({ length: n }, (_, i) => randomField(300 * n + i) + FIELD_MODULUS);
    expect(await hash(unreduced)).toBe(poseidon(unreduced.map((v) => v % FIELD_MODULUS)));
    expect(poseidonRuntimeCode(n).length).toBeLessThanOrEqual(MAX_RUNTIME_CODE_BYTES);
  });

  it("stops at width 8 (Poseidon(9) would not fit the EVM's code size limit)", () => {
    expect(() => poseidonRuntimeCode(9)).toThrow();
  });
});

const EDDSA_ABI = parseAbi([
  "function unpackPoint(uint256 packedWord) view returns (bool ok, uint256 x, uint256 y)",
  "function verify(uint256 ax, uint256 ay, uint256 r8x, uint256 r8y, uint256 sWord, uint256 h) view returns (bool)",
]);

describe("BabyJubjubEdDSA.sol (in-process EVM) against src/crypto/eddsa.ts", () => {
  const word = (bytes: Uint8Array): bigint => BigInt(bytesToHex(bytes));
  let eddsa: Address;
  beforeAll(async () => {
    const artifact = requireContract(compileSources(repoSources()), "BabyJubjubEdDSA");
    eddsa = (await session.deploy(DEPLOYER, artifact.bytecode, "BabyJubjubEdDSA")).address;
  });
  const runUnpackPoint = async (packed: bigint) => {
    const [ok, x, y] = await session.public.readContract({ address: eddsa, abi: EDDSA_ABI, functionName: "unpackPoint", args: [packed] });
    return { point: ok ? { x, y } : undefined };
  };
  const runVerify = async (a: { ax: bigint; ay: bigint; r8x: bigint; r8y: bigint; sWord: bigint; h: bigint }) => ({
    valid: await session.public.readContract({ address: eddsa, abi: EDDSA_ABI, functionName: "verify", args: [a.ax, a.ay, a.r8x, a.r8y, a.sWord, a.h] }),
  });

  it("decompresses R8 exactly as circomlibjs: honest points, random bytes, x = 0, y ≥ p", async () => {
    for (let k = 0; k < 6; k++) {
      const key = privateKeyFromLabel(`eddsa test ${k}`);
      const sig = sign(key, [BigInt(k) + 1n, 7n]);
      const unpacked = await runUnpackPoint(word(packSignature(sig).subarray(0, 32)));
      expect(unpacked.point).toEqual({ x: sig.r8x, y: sig.r8y });
    }
    let none = 0;
    for (let k = 0; k < 40; k++) {
      const bytes = keccak_256(new TextEncoder().encode(`random R8 ${k}`));
      const ts = unpackSignature(new Uint8Array([...bytes, ...new Uint8Array(32)]));
      const evm = await runUnpackPoint(word(bytes));
      expect(evm.point).toEqual(ts === undefined ? undefined : { x: ts.r8x, y: ts.r8y });
      if (ts === undefined) none++;
    }
    expect(none).toBeGreaterThan(5); // about half of random y have no x
    const le = (v: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn));
    // y = 1 gives x = 0: circomlibjs refuses it (x² must be a non-zero square), so must the contract
    expect(unpackSignature(new Uint8Array([...le(1n), ...new Uint8Array(32)]))).toBeUndefined();
    expect((await runUnpackPoint(word(le(1n)))).point).toBeUndefined();
    // y + p (still below 2^255) decodes like y
    const sig = sign(privateKeyFromLabel("eddsa alias"), [1n, 2n]);
    const aliased = le(sig.r8y + FIELD_MODULUS);
    const ts = unpackSignature(new Uint8Array([...aliased, ...new Uint8Array(32)]));
    expect((await runUnpackPoint(word(aliased))).point).toEqual(ts === undefined ? undefined : { x: ts.r8x, y: ts.r8y });
  });

  it("verifies exactly when the reference does: good, wrong message, S ≥ l, A off the curve, A of small order", async () => {
    const babyJub = await buildBabyjub();
    const key = privateKeyFromLabel("eddsa verify");
    const a = publicKeyOf(key);
    const message = [123n, 456n] as const;
    const sig = sign(key, message);
    const hashOf = (pk: { x: bigint; y: bigint }, m: readonly [bigint, bigint], s = sig) => poseidon([s.r8x, s.r8y, pk.x, pk.y, m[0], m[1]]);
    const sWord = (s: bigint) => word(Uint8Array.from({ length: 32 }, (_, i) => Number((s >> BigInt(8 * i)) & 0xffn)));
    const run = (pk: { x: bigint; y: bigint }, m: readonly [bigint, bigint], s: bigint) =>
      runVerify({ ax: pk.x, ay: pk.y, r8x: sig.r8x, r8y: sig.r8y, sWord: sWord(s), h: hashOf(pk, m) });

    const good = await run(a, message, sig.s);
    expect([good.valid, verify(a, message, sig)]).toEqual([true, true]);
    const otherMessage = [124n, 456n] as const;
    expect([(await run(a, otherMessage, sig.s)).valid, verify(a, otherMessage, sig)]).toEqual([false, false]);
    const big = sig.s + babyJub.subOrder; // the same point, but S ≥ l is refused
    expect([(await run(a, message, big)).valid, verify(a, message, { ...sig, s: big })]).toEqual([false, false]);
    const offCurve = { x: a.x, y: a.y + 1n };
    expect([(await run(offCurve, message, sig.s)).valid, verify(offCurve, message, sig)]).toEqual([false, false]);
    // (0, −1) has order 2: 8·A is the identity, whose x is 0
    const smallOrder = { x: 0n, y: FIELD_MODULUS - 1n };
    expect([(await run(smallOrder, message, sig.s)).valid, verify(smallOrder, message, sig)]).toEqual([false, false]);
  });
});
