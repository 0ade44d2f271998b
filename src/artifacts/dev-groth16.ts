// INSECURE development Groth16 setup: one process knows the toxic waste
// (tau, alpha, beta, gamma, delta), so every proving-key point is a single
// fixed-base multiplication of a generator by a scalar computed in Fr.
// The output is a .zkey in exactly snarkjs's layout (zkey_new.js +
// zkey_utils.js), usable by snarkjs groth16 prove/verify/export.
//
// Section order and contents, as snarkjs writes them:
//   1 header (protocol 1 = groth16)
//   2 groth16 header: n8q q n8r r nVars nPublic domainSize
//     alpha1 beta1 beta2 gamma2 delta1 delta2
//   4 coefficients of A and B (+ the extra "public input" rows)
//   3 IC[0..nPublic]          = [(beta*a_j + alpha*b_j + c_j)/gamma]_1
//   9 H[0..n)                 = [L^{2n}_{2i+1}(tau)/delta]_1
//   8 C[nPublic+1..nVars)     = [(beta*a_j + alpha*b_j + c_j)/delta]_1
//   5 A, 6 B1, 7 B2           = [a_j]_1, [b_j]_1, [b_j]_2
//  10 csHash + contributions
// where a_j = sum_c A[c][j] L_c(tau) over the size-n domain (and likewise b, c).

import { createHash } from "node:crypto";
import { buildBn128, type BnCurve } from "ffjavascript";
import {
  FQ,
  FR,
  FR_R2,
  FR_S,
  deriveScalar,
  frInv,
  frMul,
  lagrangeAt,
  packScalars,
  readScalar32,
  writeScalar32,
} from "./dev-field.ts";
import { FixedBaseEngine, G2_WORK_FACTOR, type Group } from "./dev-fixed-base.ts";
import { expectConstraintsEnd, readR1cs, type R1cs } from "../circuit/r1cs.ts";
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

export type { DevSetupTimings } from "./dev-common.ts";

export interface Groth16ToxicWaste {
  tau: bigint;
  alpha: bigint;
  beta: bigint;
  gamma: bigint;
  delta: bigint;
}

export interface DevGroth16Result {
  domainSize: number;
  nVars: number;
  nPublic: number;
  nConstraints: number;
  seconds: number;
  timings: DevSetupTimings;
}

export interface DevGroth16Options {
  r1csPath: string;
  zkeyPath: string;
  entropy?: Uint8Array;
  log?: (msg: string) => void;
}

/** Name stored in the zkey's contribution record (snarkjs shows it; max 64 bytes). */
export const DEV_ZKEY_CONTRIBUTION_NAME = "INSECURE dev setup: toxic waste known, NOT for production";

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** snarkjs misc.log2: index of the highest set bit (0 for 0). */
function snarkLog2(v: number): number {
  return v <= 0 ? 0 : 31 - Math.clz32(v);
}

export function sampleGroth16ToxicWaste(entropy?: Uint8Array): Groth16ToxicWaste {
  return {
    tau: deriveScalar("groth16/tau", entropy),
    alpha: deriveScalar("groth16/alpha", entropy),
    beta: deriveScalar("groth16/beta", entropy),
    gamma: deriveScalar("groth16/gamma", entropy),
    delta: deriveScalar("groth16/delta", entropy),
  };
}

export async function writeDevGroth16Zkey(opts: DevGroth16Options): Promise<DevGroth16Result> {
  const { entropy, ...rest } = opts;
  return writeGroth16ZkeyFromSecrets({ ...rest, secrets: sampleGroth16ToxicWaste(entropy) });
}

/**
 * Same as writeDevGroth16Zkey with explicit toxic waste. With gamma = delta = 1
 * and (tau, alpha, beta) of a ptau, sections 2-9 equal what snarkjs's newZKey
 * writes from that ptau (used by the tests as a cross-check).
 */
export async function writeGroth16ZkeyFromSecrets(opts: {
  r1csPath: string;
  zkeyPath: string;
  secrets: Groth16ToxicWaste;
  log?: (msg: string) => void;
}): Promise<DevGroth16Result> {
  const log = opts.log ?? (() => undefined);
  const { tau, alpha, beta, gamma, delta } = opts.secrets;
  const tStart = performance.now();

  const r1cs = readR1cs(opts.r1csPath);
  if (r1cs.prime !== FR || r1cs.n8 !== 32) throw new Error("r1cs is not over the BN254 scalar field");
  const readMs = performance.now() - tStart;

  const nVars = r1cs.nWires;
  const nPublic = r1cs.nOutputs + r1cs.nPubInputs;
  const nConstraints = r1cs.nConstraints;
  // Exactly zkey_new.js: the nPublic+1 extra rows A[nConstraints+i][i] = 1 must fit.
  const cirPower = snarkLog2(nConstraints + nPublic) + 1;
  const domainSize = 2 ** cirPower;
  // H uses the 2n domain; snarkjs special-cases cirPower == Fr.s, we do not.
  if (cirPower + 1 > FR_S) throw new Error(`circuit too big: domain 2^${cirPower}`);
  log(`dev groth16: ${nConstraints} constraints, ${nVars} wires, ${nPublic} public, domain 2^${cirPower}`);

  const g1Total = 3 + (nPublic + 1) + domainSize + (nVars - nPublic - 1) + 2 * nVars;
  const g2Total = 3 + nVars;
  const curve = await buildBn128(true);
  const engine = await FixedBaseEngine.create({
    g1Points: g1Total,
    g2Points: g2Total,
    curve,
    onProgress: decileLogger("dev groth16", g1Total + G2_WORK_FACTOR * g2Total, log),
  });
  const out = await BinFileWriter.create(opts.zkeyPath, "zkey", 1, 10);
  try {
    const scalarTime = new Stopwatch();
    const timed = <T>(f: () => T): T => scalarTime.time(f);
    const submit = (g: Group, scalars: readonly bigint[]): Promise<Uint8Array> =>
      engine.mul(g, timed(() => packScalars(scalars)));

    const gammaInv = frInv(gamma);
    const deltaInv = frInv(delta);

    // Queue the work in file order; the workers start while we do the r1cs pass.
    const header1 = submit("G1", [alpha, beta, delta]);
    const header2 = submit("G2", [beta, gamma, delta]);
    // H_i = L^{2n}_{2i+1}(tau) / delta: odd points of the 2n domain, i.e. the
    // coset on which snarkjs's prover evaluates A*B - C (see groth16_prove.js).
    const hPoints = submit("G1", timed(() => lagrangeAt(tau, cirPower + 1, 1, domainSize, 2, deltaInv)));

    await yieldToEventLoop();
    const { coefs, a, b, c } = await processConstraints(r1cs, tau, cirPower, nPublic, scalarTime);

    const ic: bigint[] = new Array<bigint>(nPublic + 1);
    const cPriv: bigint[] = new Array<bigint>(nVars - nPublic - 1);
    timed(() => {
      for (let j = 0; j < nVars; j++) {
        const v = (beta * (a[j] as bigint) + alpha * (b[j] as bigint) + (c[j] as bigint)) % FR;
        if (j <= nPublic) ic[j] = frMul(v, gammaInv);
        else cPriv[j - nPublic - 1] = frMul(v, deltaInv);
      }
    });
    const icPoints = submit("G1", ic);
    const cPoints = submit("G1", cPriv);
    const aPoints = submit("G1", a);
    const b1Points = submit("G1", b);
    const b2Points = submit("G2", b);
    log(`dev groth16: scalars ready (${(scalarTime.ms / 1000).toFixed(2)} s), computing points`);

    // Section 1: protocol id.
    await out.writeSection(1, [u32le(1)]);
    // Section 2: groth16 header.
    const g1h = await header1;
    const g2h = await header2;
    const [alpha1, beta1, delta1] = [0, 1, 2].map((i) => g1h.subarray(i * 64, (i + 1) * 64)) as [
      Uint8Array,
      Uint8Array,
      Uint8Array,
    ];
    const [beta2, gamma2, delta2] = [0, 1, 2].map((i) => g2h.subarray(i * 128, (i + 1) * 128)) as [
      Uint8Array,
      Uint8Array,
      Uint8Array,
    ];
    const headerSection = [
      u32le(32),
      bigIntToBytesLE(FQ, 32),
      u32le(32),
      bigIntToBytesLE(FR, 32),
      u32le(nVars, nPublic, domainSize),
      alpha1,
      beta1,
      beta2,
      gamma2,
      delta1,
      delta2,
    ];
    await out.writeSection(2, headerSection);
    await out.writeSection(4, [coefs]);
    await out.writeSection(3, [await icPoints]);
    await out.writeSection(9, [await hPoints]);
    await out.writeSection(8, [await cPoints]);
    await out.writeSection(5, [await aPoints]);
    await out.writeSection(6, [await b1Points]);
    await out.writeSection(7, [await b2Points]);

    // Section 10: snarkjs's csHash is the hash of the delta=gamma=1 key, which
    // we never build; store a hash binding the r1cs and our header instead.
    const csHash = createHash("blake2b512")
      .update("zk-rollup-lab insecure dev groth16 zkey v1\0")
      .update(r1cs.bytes)
      .update(Buffer.concat(headerSection))
      .digest();
    // The proof-of-knowledge base point is derived from the secrets, so output is deterministic.
    const pokSeed = Buffer.concat([bigIntToBytesLE(tau, 32), bigIntToBytesLE(delta, 32)]);
    const contribution = devContribution(curve, csHash, delta, delta1, deriveScalar("groth16/pok", pokSeed));
    await out.writeSection(10, [csHash, u32le(1), contribution]);
    await out.commit();

    const totalMs = performance.now() - tStart;
    const timings: DevSetupTimings = makeTimings(engine.getStats(), {
      readMs,
      scalarsMs: scalarTime.ms,
      writeMs: out.writeTimeMs,
      totalMs,
    });
    log(`dev groth16: wrote ${opts.zkeyPath} in ${(totalMs / 1000).toFixed(2)} s`);
    return { domainSize, nVars, nPublic, nConstraints, seconds: totalMs / 1000, timings };
  } catch (err) {
    await out.abort();
    throw err;
  } finally {
    await engine.close();
    await curve.terminate();
  }
}

/**
 * One pass over the r1cs constraints: builds section 4 (A and B coefficients,
 * stored as coef * R^2 mod r like zkey_new.js, so that the prover's Montgomery
 * multiplication by a standard-form witness yields coef*w in Montgomery form)
 * and the QAP evaluations a_j, b_j, c_j at tau.
 */
async function processConstraints(
  r1cs: R1cs,
  tau: bigint,
  cirPower: number,
  nPublic: number,
  sw: Stopwatch,
): Promise<{ coefs: Uint8Array; a: bigint[]; b: bigint[]; c: bigint[] }> {
  const { constraintsView: view, nConstraints, nWires } = r1cs;

  // Pass 1: count A and B terms to size the coefficient section exactly (cheap).
  let nCoefs = nPublic + 1;
  let p = 0;
  for (let ci = 0; ci < nConstraints; ci++) {
    for (let m = 0; m < 3; m++) {
      const n = view.getUint32(p, true);
      if (m < 2) nCoefs += n;
      p += 4 + n * 36;
    }
  }
  expectConstraintsEnd(r1cs, p);

  // L_c(tau) for every row actually used (constraints + public-input rows).
  const L = sw.time(() => lagrangeAt(tau, cirPower, 0, nConstraints + nPublic + 1));
  await yieldToEventLoop();

  const acc: [bigint[], bigint[], bigint[]] = [
    new Array<bigint>(nWires).fill(0n),
    new Array<bigint>(nWires).fill(0n),
    new Array<bigint>(nWires).fill(0n),
  ];
  const coefs = new Uint8Array(4 + nCoefs * 44);
  const cv = new DataView(coefs.buffer);
  cv.setUint32(0, nCoefs, true);
  let cp = 4;
  const montCache = new Map<bigint, bigint>();
  const writeCoef = (m: number, row: number, signal: number, v: bigint): void => {
    cv.setUint32(cp, m, true);
    cv.setUint32(cp + 4, row, true);
    cv.setUint32(cp + 8, signal, true);
    let mont = montCache.get(v);
    if (mont === undefined) {
      mont = (v * FR_R2) % FR;
      if (montCache.size < 4096) montCache.set(v, mont);
    }
    writeScalar32(cv, cp + 12, mont);
    cp += 44;
  };

  p = 0;
  const processRows = (from: number, to: number): void => {
    for (let ci = from; ci < to; ci++) {
      const lc = L[ci] as bigint;
      for (let m = 0; m < 3; m++) {
        const n = view.getUint32(p, true);
        p += 4;
        const am = acc[m as 0 | 1 | 2];
        for (let k = 0; k < n; k++) {
          const s = view.getUint32(p, true);
          const v = readScalar32(view, p + 4);
          p += 36;
          if (s >= nWires) throw new Error(`r1cs references wire ${s} >= ${nWires}`);
          // Unreduced accumulation: bigint addition is cheap, reduce once at the end.
          am[s] = (am[s] as bigint) + (v === 1n ? lc : v * lc);
          if (m < 2) writeCoef(m, ci, s, v);
        }
      }
    }
  };
  // In slices, yielding so the worker pool keeps being fed meanwhile.
  for (let from = 0; from < nConstraints; from += 16384) {
    sw.time(() => processRows(from, Math.min(nConstraints, from + 16384)));
    await yieldToEventLoop();
  }
  // zkey_new.js: A[nConstraints + s][s] = 1 for s = 0..nPublic, so that the
  // public inputs are linearly independent in the QAP.
  for (let s = 0; s <= nPublic; s++) {
    acc[0][s] = (acc[0][s] as bigint) + (L[nConstraints + s] as bigint);
    writeCoef(0, nConstraints + s, s, 1n);
  }
  if (cp !== coefs.byteLength) throw new Error("internal: coefficient count mismatch");
  sw.time(() => {
    for (const arr of acc) {
      for (let j = 0; j < nWires; j++) arr[j] = (arr[j] as bigint) % FR;
    }
  });
  return { coefs, a: acc[0], b: acc[1], c: acc[2] };
}

/**
 * A snarkjs-style contribution record (zkey_contribute.js) whose private key
 * is delta itself, so the delta proof of knowledge is consistent, and whose
 * name marks the key as an insecure development setup.
 */
function devContribution(
  curve: BnCurve,
  csHash: Uint8Array,
  delta: bigint,
  delta1: Uint8Array,
  s: bigint,
): Uint8Array {
  const { G1, G2 } = curve;
  const g1s = G1.toAffine(G1.timesScalar(G1.g, s));
  const g1sx = G1.toAffine(G1.timesScalar(g1s, delta));
  const transcript = createHash("blake2b512")
    .update(csHash)
    .update(uncompressed(curve, "G1", g1s))
    .update(uncompressed(curve, "G1", g1sx))
    .digest();
  const g2spx = G2.toAffine(G2.timesScalar(hashToG2(curve, transcript), delta));
  const params = nameParams(DEV_ZKEY_CONTRIBUTION_NAME);
  return Buffer.concat([
    delta1,
    lem(curve, "G1", g1s),
    lem(curve, "G1", g1sx),
    lem(curve, "G2", g2spx),
    transcript,
    u32le(0, params.byteLength),
    params,
  ]);
}
