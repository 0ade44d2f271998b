// INSECURE development powers of tau: a *prepared* (phase-2 ready) .ptau in
// snarkjs's format, computed directly from known tau, alpha, beta.
//
// Layout (powersoftau_new.js + powersoftau_preparephase2.js), N = 2^power:
//   1 header: n8q q power ceremonyPower
//   2 [tau^i]_1, i < 2N-1      3 [tau^i]_2, i < N
//   4 [alpha tau^i]_1, i < N   5 [beta tau^i]_1, i < N     6 [beta]_2
//   7 contributions (one record, named as insecure, with a valid key/hash chain)
//  12 [L^(p)_i(tau)]_1 for p = 0..power, then the 2N-point level power+1
//  13 [L^(p)_i(tau)]_2, 14 [alpha L^(p)_i(tau)]_1, 15 [beta L^(p)_i(tau)]_1, p = 0..power
// where L^(p) is the Lagrange basis of the 2^p-th roots of unity. snarkjs gets
// sections 12-15 by an inverse FFT of sections 2-5 in the group; we evaluate
// the same numbers in Fr and multiply once.

import { createHash } from "node:crypto";
import { blake2b } from "@noble/hashes/blake2.js";
import { buildBn128, type BnCurve, type PointBuffer } from "ffjavascript";
import {
  FQ,
  FR_S,
  deriveScalar,
  frInv,
  frMod,
  frMul,
  frPow,
  frRootOfUnity,
  geometric,
  lagrangeAt,
  packScalars,
} from "./dev-field.ts";
import { FixedBaseEngine, G2_WORK_FACTOR, POINT_SIZE, type Group } from "./dev-fixed-base.ts";
import { BinFileWriter, bigIntToBytesLE, u32le } from "./binfile.ts";
import {
  Stopwatch,
  decileLogger,
  hashToG2,
  lem,
  makeTimings,
  nameParams,
  uncompressed,
  type DevSetupTimings,
} from "./dev-common.ts";

export interface PtauToxicWaste {
  tau: bigint;
  alpha: bigint;
  beta: bigint;
}

export interface DevPtauResult {
  power: number;
  seconds: number;
  timings: DevSetupTimings;
}

export interface DevPtauOptions {
  power: number;
  ptauPath: string;
  entropy?: Uint8Array;
  log?: (msg: string) => void;
}

/** Name stored in the contribution record (snarkjs prints it; max 64 bytes). */
export const DEV_PTAU_CONTRIBUTION_NAME = "INSECURE dev ptau: toxic waste known, NOT for production";

/** Bytes of our contribution record: 5 points, the public key (6 G1 + 3 G2),
 * partial hash, next challenge, type, parameter length and the name parameter. */
const CONTRIBUTION_SIZE = 3 * 64 + 2 * 128 + (6 * 64 + 3 * 128) + 216 + 64 + 4 + 4 + nameParams(DEV_PTAU_CONTRIBUTION_NAME).byteLength;

/** Largest supported power: level power+1 needs a 2^(power+1)-th root of unity. */
export const DEV_PTAU_MAX_POWER = FR_S - 1;

export function samplePtauToxicWaste(entropy?: Uint8Array): PtauToxicWaste {
  return {
    tau: deriveScalar("ptau/tau", entropy),
    alpha: deriveScalar("ptau/alpha", entropy),
    beta: deriveScalar("ptau/beta", entropy),
  };
}

export async function writeDevPtau(opts: DevPtauOptions): Promise<DevPtauResult> {
  const { entropy, ...rest } = opts;
  return writePtauFromSecrets({ ...rest, secrets: samplePtauToxicWaste(entropy) });
}

/** A run of consecutive points of one section: scalars for [start, start+count). */
interface Segment {
  count: number;
  scalars: (start: number, count: number) => bigint[];
}

const STREAM_CHUNK = 1 << 15;
const MAX_IN_FLIGHT = 6;

export async function writePtauFromSecrets(opts: {
  power: number;
  ptauPath: string;
  secrets: PtauToxicWaste;
  log?: (msg: string) => void;
}): Promise<DevPtauResult> {
  const { power } = opts;
  const { tau, alpha, beta } = opts.secrets;
  if (!Number.isInteger(power) || power < 1 || power > DEV_PTAU_MAX_POWER) {
    throw new Error(`power must be an integer in [1, ${DEV_PTAU_MAX_POWER}]`);
  }
  const log = opts.log ?? (() => undefined);
  const tStart = performance.now();
  const N = 2 ** power;
  const g1Total = 12 * N - 4;
  const g2Total = 3 * N;
  const curve = await buildBn128(true);
  const engine = await FixedBaseEngine.create({
    g1Points: g1Total,
    g2Points: g2Total,
    curve,
    onProgress: decileLogger("dev ptau", g1Total + G2_WORK_FACTOR * g2Total, log),
  });
  const out = await BinFileWriter.create(opts.ptauPath, "ptau", 1, 11);
  const scalarTime = new Stopwatch();
  const timed = <T>(f: () => T): T => scalarTime.time(f);

  /** Streams one section; chunks are computed while earlier ones are on the workers. */
  const streamSection = async (id: number, group: Group, segments: readonly Segment[]): Promise<number> => {
    const total = segments.reduce((s, g) => s + g.count, 0);
    await out.beginSection(id, total * POINT_SIZE[group]);
    const offset = out.position;
    const pending: Promise<Uint8Array>[] = [];
    for (const seg of segments) {
      for (let start = 0; start < seg.count; start += STREAM_CHUNK) {
        const count = Math.min(STREAM_CHUNK, seg.count - start);
        pending.push(engine.mul(group, timed(() => packScalars(seg.scalars(start, count)))));
        if (pending.length >= MAX_IN_FLIGHT) await out.write(await (pending.shift() as Promise<Uint8Array>));
      }
    }
    for (const p of pending) await out.write(await p);
    await out.endSection();
    return offset;
  };
  const powersOf = (factor: bigint): Segment["scalars"] => (start, count) =>
    geometric(frMul(factor, frPow(tau, BigInt(start))), tau, count);
  const lagrangeLevels = (factor: bigint): Segment[] =>
    Array.from({ length: power + 1 }, (_, p) => ({
      count: 2 ** p,
      scalars: (start: number, count: number) => lagrangeAt(tau, p, start, count, 1, factor),
    }));

  try {
    log(`dev ptau: power ${power} (${g1Total} G1 + ${g2Total} G2 points)`);
    await out.writeSection(1, [u32le(32), bigIntToBytesLE(FQ, 32), u32le(power, power)]);
    const s2 = await streamSection(2, "G1", [{ count: 2 * N - 1, scalars: powersOf(1n) }]);
    const s3 = await streamSection(3, "G2", [{ count: N, scalars: powersOf(1n) }]);
    const s4 = await streamSection(4, "G1", [{ count: N, scalars: powersOf(alpha) }]);
    const s5 = await streamSection(5, "G1", [{ count: N, scalars: powersOf(beta) }]);
    const s6 = await streamSection(6, "G2", [{ count: 1, scalars: () => [beta] }]);

    // Section 7: the contribution record, hashed like powersoftau_contribute.js.
    // Its hashes need sections 2-6 re-read; reserve its (fixed) size and
    // compute it on the main thread while the workers do sections 12-15.
    const phase1 = [
      { offset: s2, count: 2 * N - 1, group: "G1" as const },
      { offset: s3, count: N, group: "G2" as const },
      { offset: s4, count: N, group: "G1" as const },
      { offset: s5, count: N, group: "G1" as const },
      { offset: s6, count: 1, group: "G2" as const },
    ];
    const firstPoint = (i: number, k: number): Promise<Uint8Array> => {
      const sec = phase1[i] as (typeof phase1)[number];
      const size = POINT_SIZE[sec.group];
      return out.readBack(sec.offset + k * size, size);
    };
    const s7 = await out.reserveSection(7, 4 + CONTRIBUTION_SIZE);
    const contribution = (async () =>
      ptauContribution({
        curve,
        power,
        secrets: opts.secrets,
        points: {
          tauG1: await firstPoint(0, 1),
          tauG2: await firstPoint(1, 1),
          alphaG1: await firstPoint(2, 0),
          betaG1: await firstPoint(3, 0),
          betaG2: await firstPoint(4, 0),
        },
        // Re-reads sections 2-6 and feeds their encodings to `sink`.
        forEachEncoded: async (encoding, sink) => {
          for (const sec of phase1) {
            const size = POINT_SIZE[sec.group];
            const G = curve[sec.group];
            for (let i = 0; i < sec.count; i += STREAM_CHUNK) {
              const n = Math.min(STREAM_CHUNK, sec.count - i);
              const bytes = await out.readBack(sec.offset + i * size, n * size);
              sink(encoding === "U" ? await G.batchLEMtoU(bytes) : await G.batchLEMtoC(bytes));
            }
          }
        },
      }))();
    contribution.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile
    log("dev ptau: phase 1 sections written, computing Lagrange sections");

    // Sections 12-15. Level power+1 of section 12 is what preparePhase2 gets
    // from ifft([1, tau, ..., tau^(2N-2), 0]) (section 2 lacks tau^(2N-1)):
    //   L'_i = L_i(tau) - tau^(2N-1) * w^i / (2N),  w a primitive 2N-th root.
    const M = 2 * N;
    const wM = frRootOfUnity(power + 1);
    const corr0 = frMul(frPow(tau, BigInt(M - 1)), frInv(BigInt(M)));
    const lastLevel: Segment = {
      count: M,
      scalars: (start, count) => {
        const l = lagrangeAt(tau, power + 1, start, count);
        const c = geometric(frMul(corr0, frPow(wM, BigInt(start))), wM, count);
        return l.map((v, i) => frMod(v - (c[i] as bigint)));
      },
    };
    await streamSection(12, "G1", [...lagrangeLevels(1n), lastLevel]);
    await streamSection(13, "G2", lagrangeLevels(1n));
    await streamSection(14, "G1", lagrangeLevels(alpha));
    await streamSection(15, "G1", lagrangeLevels(beta));
    const record = await contribution;
    if (record.byteLength !== CONTRIBUTION_SIZE) throw new Error("internal: contribution size mismatch");
    await out.writeAt(s7, Buffer.concat([u32le(1), record]));
    await out.commit();

    const totalMs = performance.now() - tStart;
    log(`dev ptau: wrote ${opts.ptauPath} in ${(totalMs / 1000).toFixed(2)} s`);
    const timings = makeTimings(engine.getStats(), {
      readMs: 0,
      scalarsMs: scalarTime.ms,
      writeMs: out.writeTimeMs,
      totalMs,
    });
    return { power, seconds: totalMs / 1000, timings };
  } catch (err) {
    await out.abort();
    throw err;
  } finally {
    await engine.close();
    await curve.terminate();
  }
}

type Blake2bState = ReturnType<typeof blake2b.create>;

/**
 * The snarkjs contribution record of a single contributor whose private keys
 * are (tau, alpha, beta). The hash chain matches powersoftau_contribute.js, so
 * `snarkjs powersoftau verify` accepts the file:
 *   challenge  = calculateFirstChallengeHash(power)
 *   response   = blake2b(challenge || compressed sections 2-6 || public key)
 *   next       = blake2b(response || uncompressed sections 2-6)
 */
async function ptauContribution(args: {
  curve: BnCurve;
  power: number;
  secrets: PtauToxicWaste;
  points: { tauG1: Uint8Array; tauG2: Uint8Array; alphaG1: Uint8Array; betaG1: Uint8Array; betaG2: Uint8Array };
  forEachEncoded: (encoding: "U" | "C", sink: (bytes: Uint8Array) => void) => Promise<void>;
}): Promise<Uint8Array> {
  const { curve, power, secrets, points } = args;
  const { G1, G2 } = curve;
  const challenge = firstChallengeHash(curve, power);

  // keypair.js createPTauKey/calculatePubKey with our secrets as private keys.
  const seed = Buffer.concat([bigIntToBytesLE(secrets.tau, 32), bigIntToBytesLE(secrets.beta, 32)]);
  const keys = (["tau", "alpha", "beta"] as const).map((name, personalization) => {
    const prv = secrets[name];
    const g1s = G1.toAffine(G1.timesScalar(G1.g, deriveScalar(`ptau/pok/${name}`, seed)));
    const g1sx = G1.toAffine(G1.timesScalar(g1s, prv));
    const h = createHash("blake2b512")
      .update(new Uint8Array([personalization]))
      .update(challenge)
      .update(uncompressed(curve, "G1", g1s))
      .update(uncompressed(curve, "G1", g1sx))
      .digest();
    const g2spx = G2.toAffine(G2.timesScalar(hashToG2(curve, h), prv));
    return { g1s, g1sx, g2spx };
  });
  const [kTau, kAlpha, kBeta] = keys as [(typeof keys)[0], (typeof keys)[0], (typeof keys)[0]];
  const pubKeyOrder: [PointBuffer, 1 | 2][] = [
    [kTau.g1s, 1],
    [kTau.g1sx, 1],
    [kAlpha.g1s, 1],
    [kAlpha.g1sx, 1],
    [kBeta.g1s, 1],
    [kBeta.g1sx, 1],
    [kTau.g2spx, 2],
    [kAlpha.g2spx, 2],
    [kBeta.g2spx, 2],
  ];
  const encodeKey = (montgomery: boolean): Uint8Array =>
    Buffer.concat(
      pubKeyOrder.map(([p, g]) => {
        const group = g === 1 ? "G1" : "G2";
        return montgomery ? lem(curve, group, p) : uncompressed(curve, group, p);
      }),
    );

  const responseHasher = blake2b.create({ dkLen: 64 });
  responseHasher.update(challenge);
  await args.forEachEncoded("C", (b) => responseHasher.update(b));
  const partialHash = toPartialHash(responseHasher);
  const response = responseHasher.update(encodeKey(false)).digest();

  const nextHasher = createHash("blake2b512").update(response);
  await args.forEachEncoded("U", (b) => nextHasher.update(b));
  const nextChallenge = nextHasher.digest();

  const params = nameParams(DEV_PTAU_CONTRIBUTION_NAME);
  return Buffer.concat([
    points.tauG1,
    points.tauG2,
    points.alphaG1,
    points.betaG1,
    points.betaG2,
    encodeKey(true),
    partialHash,
    nextChallenge,
    u32le(0, params.byteLength),
    params,
  ]);
}

/** powersoftau_utils.js calculateFirstChallengeHash: hash of the blank (tau = 1) accumulator. */
function firstChallengeHash(curve: BnCurve, power: number): Buffer {
  const N = 2 ** power;
  const g1 = uncompressed(curve, "G1", curve.G1.g);
  const g2 = uncompressed(curve, "G2", curve.G2.g);
  const hasher = createHash("blake2b512").update(createHash("blake2b512").digest());
  const repeat = (p: Uint8Array, n: number): void => {
    const block = Buffer.alloc(p.byteLength * 4096);
    for (let i = 0; i < 4096; i++) block.set(p, i * p.byteLength);
    let left = n;
    for (; left >= 4096; left -= 4096) hasher.update(block);
    if (left > 0) hasher.update(block.subarray(0, left * p.byteLength));
  };
  repeat(g1, 2 * N - 1);
  repeat(g2, N);
  repeat(g1, N);
  repeat(g1, N);
  hasher.update(g2);
  return hasher.digest();
}

/**
 * misc.js toPartialHash: snarkjs stores the blake2b state (buffer, h words,
 * counters) so verifiers can finish the response hash. Uses noble's internals,
 * exactly as snarkjs does.
 */
function toPartialHash(state: Blake2bState): Uint8Array {
  const s = state as unknown as { buffer: Uint8Array; pos: number; length: number } & Record<string, number>;
  const res = new Uint8Array(216);
  const r32 = new Uint32Array(res.buffer, 128, 22);
  res.set(s.buffer.subarray(0, 128));
  for (let i = 0; i < 8; i++) {
    r32[2 * i] = (s[`v${i}l`] as number) >>> 0;
    r32[2 * i + 1] = (s[`v${i}h`] as number) >>> 0;
  }
  r32[16] = s.length - s.pos;
  r32[18] = s.pos;
  return res;
}
