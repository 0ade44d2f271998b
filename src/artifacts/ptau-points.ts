/**
 * Checks the points of a powers-of-tau file that a Groth16 key is made from, before snarkjs makes one.
 *
 * snarkjs's `zkey new` takes from a prepared ptau the Lagrange bases at tau of the circuit's domain
 * (section 12 for G1, 13 for G2, 14 and 15 times alpha and beta) and of the doubled domain (section 12
 * again: the H points), plus alpha·G1, beta·G1 and beta·G2 (sections 4-6). It trusts them: one wrong
 * point and every key made from the file fails to prove, silently. inspectPtau (ptau.ts) checks the
 * structure only; this checks the points, with random linear combinations and a few pairings.
 *
 * For a domain {ω^j} of size m the values l_j = L_j(τ) are exactly the solutions of
 *   (a)  l_{j+1}·(τ·ω^-(j+1) − 1) = l_j·(τ·ω^-j − 1)  for every j      (all equal (τ^m − 1)/m)
 *   (b)  Σ l_j = 1                                                       (the basis sums to one)
 * (a) for every j at once, with random 64-bit r_j: e(Σ_j s_j·P_j, τ·G2) = e(Σ_j d_j·P_j, G2) where
 * d_j = r_{j−1} − r_j and s_j = ω^-j·d_j; a wrong point passes with probability ~2^-64. (b) is one sum
 * against the generator (alpha·G1 for the alpha-scaled basis). Sections 12 (both domains) and 14 are
 * checked so; 13 and 15 are tied to 12 by one pairing each over a random combination (G2 generator,
 * beta·G2), and beta·G1 to beta·G2.
 *
 * One exception: the largest domain of section 12 (N = 2^(power+1), the H points of a circuit as large
 * as the ptau allows) is made from tauG1[0..N−2] only, τ^(N−1) missing, so its points are
 * l'_j = l_j − ω^j·τ^(N−1)/N (exact for the polynomials of degree < N−1 that H is used for). Then (a)
 * reads τ·X − Y = k·τ^(N−1) with k = Σ_j r_j·(ω^(j+1) − ω^j)/N, checked as e(X − k·tauG1[N−2], τ·G2) = e(Y, G2);
 * (b) is unchanged (the ω^j sum to zero).
 */
import { randomBytes } from "node:crypto";
import { closeSync, readSync } from "node:fs";
import { buildBn128, type BnCurve, type PointBuffer } from "ffjavascript";
import { findBinSection, readBinTable, type BinTable } from "./binfile.ts";
import { FR, frInv, frRootOfUnity } from "./dev-field.ts";
import { ArtifactError } from "./errors.ts";
import { openPtauFile } from "./ptau.ts";

const G1_BYTES = 64;
const G2_BYTES = 128;
/** Random coefficients of 64 bits; shifted by 2^64 to be positive they fit 9 bytes (a cheap MSM). */
const SMALL_BYTES = 9;
const SHIFT = 1n << 64n;

/**
 * Throws ArtifactError BAD_PTAU unless the ptau's points that a Groth16 key of domain 2^power uses
 * are the Lagrange bases at one tau (see above). About four full multi-exponentiations of 2^power G1
 * points: seconds at 2^15, a fraction of what snarkjs's zkey new then takes.
 */
export async function checkGroth16PtauPoints(path: string, power: number, log: (m: string) => void = () => {}): Promise<void> {
  const { fd, size } = openPtauFile(path);
  try {
    const read = (offset: number, length: number): Buffer => {
      if (offset + length > size) throw new ArtifactError("BAD_PTAU", `${path} is truncated`);
      const b = Buffer.alloc(length);
      let off = 0;
      while (off < length) {
        const n = readSync(fd, b, off, length - off, offset + off);
        if (n === 0) throw new ArtifactError("BAD_PTAU", `${path} is truncated`);
        off += n;
      }
      return b;
    };
    const table = readBinTable({ size, read }, "ptau", path);
    const points = (section: number, first: number, count: number, bytes: number): Buffer => {
      const s = sectionOf(table, section, path);
      if ((first + count) * bytes > s.size) throw new ArtifactError("BAD_PTAU", `${path}: section ${section} is too short for a 2^${power} domain`);
      return read(s.offset + first * bytes, count * bytes);
    };
    // Sections 12-15 hold the bases of the domains 2^0, 2^1, ... one after the other.
    const basis = (section: number, domain: number, bytes: number) => points(section, 2 ** domain - 1, 2 ** domain, bytes);
    const ptauPower = read(sectionOf(table, 1, path).offset + 36, 4).readUInt32LE(0);
    if (ptauPower < power) throw new ArtifactError("PTAU_TOO_SMALL", `${path} has power ${ptauPower}; a 2^${power} domain needs at least ${power}`);
    const bad = (what: string): never => {
      throw new ArtifactError("BAD_PTAU", `${path} is corrupt: ${what} (keys made from it could not prove)`);
    };
    const curve = await buildBn128();
    const { G1, G2 } = curve;
    const tauG2 = G2.fromRprLEM(points(3, 1, 1, G2_BYTES), 0);
    const alpha1 = G1.fromRprLEM(points(4, 0, 1, G1_BYTES), 0);
    const beta1 = G1.fromRprLEM(points(5, 0, 1, G1_BYTES), 0);
    const beta2 = G2.fromRprLEM(points(6, 0, 1, G2_BYTES), 0);
    if (!(await curve.pairingEq(beta1, G2.g, G1.neg(G1.g), beta2))) bad("beta in G1 and in G2 differ");

    const lagrange = basis(12, power, G1_BYTES);
    const relations = [
      { name: "lagrange tauG1", bases: lagrange, domain: power, sum: G1.g },
      { name: "lagrange alphaTauG1", bases: basis(14, power, G1_BYTES), domain: power, sum: alpha1 },
      { name: "lagrange tauG1 (doubled domain)", bases: basis(12, power + 1, G1_BYTES), domain: power + 1, sum: G1.g },
    ];
    for (const set of relations) {
      // The truncated largest domain (see above) needs τ^(N−2)·G1, the last point of tauG1.
      const last = set.domain === ptauPower + 1 ? G1.fromRprLEM(points(2, 2 ** set.domain - 2, 1, G1_BYTES), 0) : undefined;
      if (!(await lagrangeBasisHolds(curve, set.bases, set.domain, set.sum, tauG2, last))) {
        bad(`its ${set.name} points for 2^${set.domain} are not the Lagrange basis at its tau`);
      }
    }
    // 13 = 12 in G2 and 15 = beta·12, over one random combination v.
    const v = randomBytes(SMALL_BYTES * 2 ** power);
    const a = await G1.multiExpAffine(lagrange, v);
    const b2 = await G2.multiExpAffine(basis(13, power, G2_BYTES), v);
    if (!(await curve.pairingEq(a, G2.g, G1.neg(G1.g), b2))) bad(`its lagrange tauG2 points for 2^${power} do not match its lagrange tauG1 points`);
    const c = await G1.multiExpAffine(basis(15, power, G1_BYTES), v);
    if (!(await curve.pairingEq(c, G2.g, G1.neg(a), beta2))) bad(`its lagrange betaTauG1 points for 2^${power} are not beta times its lagrange tauG1 points`);
    log(`ptau points checked for a 2^${power} domain`);
  } finally {
    closeSync(fd);
  }
}

function sectionOf(table: BinTable, id: number, path: string) {
  const s = findBinSection(table, id);
  if (s === undefined) throw new ArtifactError("BAD_PTAU", `${path} has no section ${id}`);
  return s;
}

/** (a) and (b) of the module comment for 2^power G1 points. */
async function lagrangeBasisHolds(
  curve: BnCurve,
  bases: Uint8Array,
  power: number,
  expectedSum: PointBuffer,
  tauG2: PointBuffer,
  truncatedBy?: PointBuffer,
): Promise<boolean> {
  const { G1, G2 } = curve;
  const m = 2 ** power;
  const sum = await G1.multiExpAffine(bases, Buffer.alloc(m, 1));
  if (!G1.eq(sum, expectedSum)) return false;

  const w = frRootOfUnity(power);
  const wInv = frInv(w);
  const r = randomBytes(8 * m);
  const dShifted = Buffer.alloc(m * SMALL_BYTES);
  const s = Buffer.alloc(m * 32);
  let k = 0n;
  let prev = 0n;
  let wInvJ = 1n;
  let wJ = 1n;
  for (let j = 0; j < m; j++) {
    const rj = j === m - 1 ? 0n : r.readBigUInt64LE(8 * j);
    const dj = prev - rj;
    writeLe(dShifted, j * SMALL_BYTES, SMALL_BYTES, dj + SHIFT);
    writeLe(s, j * 32, 32, (((dj % FR) + FR) * wInvJ) % FR);
    // k = Σ_j r_j·(ω^(j+1) − ω^j)/N: the truncated domain's correction.
    if (truncatedBy !== undefined) k = (k + rj * wJ) % FR;
    prev = rj;
    wInvJ = (wInvJ * wInv) % FR;
    wJ = (wJ * w) % FR;
  }
  let x = await G1.multiExpAffine(bases, s);
  // Y = Σ d_j·P_j = Σ (d_j + 2^64)·P_j − 2^64·Σ P_j
  const y = G1.add(await G1.multiExpAffine(bases, dShifted), G1.neg(G1.timesScalar(sum, SHIFT)));
  if (truncatedBy !== undefined) {
    const kScaled = (((k * (w - 1n + FR)) % FR) * frInv(BigInt(m))) % FR;
    x = G1.add(x, G1.neg(G1.timesScalar(truncatedBy, kScaled)));
  }
  // e(X, τ·G2) = e(Y, G2)
  return curve.pairingEq(x, tauG2, G1.neg(y), G2.g);
}

function writeLe(buf: Buffer, offset: number, bytes: number, v: bigint): void {
  let x = v;
  for (let i = 0; i < bytes; i++) {
    buf[offset + i] = Number(x & 0xffn);
    x >>= 8n;
  }
}
