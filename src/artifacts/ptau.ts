import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { findBinSection, readBinTable } from "./binfile.ts";
import { ArtifactError, BinFileError } from "./errors.ts";

/** BN254 base field: a ptau for this curve carries it in its header. */
const BN254_Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const G1_BYTES = 64;
const G2_BYTES = 128;

export interface PtauInfo {
  readonly power: number;
  readonly ceremonyPower: number;
  /** Has the Lagrange sections (12-15) that `snarkjs powersoftau prepare phase2` adds. */
  readonly prepared: boolean;
}

/**
 * Checks a .ptau file's structure before snarkjs sees it (snarkjs can hang on a bad file):
 * magic, curve, section table against the file size, section sizes against the power, and the
 * first tauG1/tauG2 points being the generators. Throws ArtifactError BAD_PTAU with one clear line.
 */
export function inspectPtau(path: string): PtauInfo {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw new ArtifactError("BAD_PTAU", `cannot read ptau file ${path}: ${(err as NodeJS.ErrnoException).code ?? "error"}`);
  }
  try {
    const size = fstatSync(fd).size;
    const read = (offset: number, length: number): Buffer => {
      if (offset + length > size) throw new ArtifactError("BAD_PTAU", `${path} is truncated`);
      const b = Buffer.alloc(length);
      readSync(fd, b, 0, length, offset);
      return b;
    };
    const table = readBinTable({ size, read }, "ptau", path);
    if (table.end !== size) throw new ArtifactError("BAD_PTAU", `${path} is corrupt: its sections do not add up to its size`);

    const header = findBinSection(table, 1);
    if (header === undefined) throw new ArtifactError("BAD_PTAU", `${path} has no header section`);
    const h = read(header.offset, header.size);
    const n8 = h.readUInt32LE(0);
    if (n8 !== 32 || leToBigint(h.subarray(4, 36)) !== BN254_Q) {
      throw new ArtifactError("BAD_PTAU", `${path} is not for the bn128 (BN254) curve`);
    }
    const power = h.readUInt32LE(36);
    const ceremonyPower = h.readUInt32LE(40);
    if (power < 1 || power > 28) throw new ArtifactError("BAD_PTAU", `${path} declares an impossible power ${power}`);

    const expectSize = (type: number, bytes: number, what: string) => {
      const s = findBinSection(table, type);
      if (s === undefined || s.size !== bytes) throw new ArtifactError("BAD_PTAU", `${path} is corrupt: ${what} has the wrong size`);
      return s;
    };
    const tauG1 = expectSize(2, (2 ** (power + 1) - 1) * G1_BYTES, "tauG1");
    const tauG2 = expectSize(3, 2 ** power * G2_BYTES, "tauG2");
    if (!read(tauG1.offset, G1_BYTES).equals(generatorG1())) {
      throw new ArtifactError("BAD_PTAU", `${path} is corrupt: tauG1[0] is not the generator`);
    }
    if (read(tauG2.offset, G2_BYTES).every((b) => b === 0)) {
      throw new ArtifactError("BAD_PTAU", `${path} is corrupt: tauG2[0] is zero`);
    }
    const prepared = [12, 13, 14, 15].every((t) => table.sections.has(t));
    // snarkjs stores Lagrange tauG1 for every domain up to 2^(power+1) (Groth16 needs the doubled domain for H).
    if (prepared) expectSize(12, (2 ** (power + 2) - 1) * G1_BYTES, "lagrange tauG1");
    return { power, ceremonyPower, prepared };
  } catch (err) {
    // The container's own checks (magic, truncation, repeated sections).
    if (err instanceof BinFileError) throw new ArtifactError("BAD_PTAU", err.message, { cause: err });
    throw err;
  } finally {
    closeSync(fd);
  }
}

/** Power of two a Groth16 zkey needs: snarkjs's zkey new fits constraints + public inputs + 1 rows. */
export function groth16Power(nConstraints: number, nPublic: number): number {
  return Math.ceil(Math.log2(nConstraints + nPublic + 1));
}

/** The G1 generator (1, 2) as snarkjs stores it: little-endian Montgomery coordinates. */
function generatorG1(): Buffer {
  const r = (1n << 256n) % BN254_Q;
  return Buffer.concat([bigintToLe(r % BN254_Q), bigintToLe((2n * r) % BN254_Q)]);
}

function leToBigint(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] ?? 0);
  return v;
}

function bigintToLe(v: bigint): Buffer {
  const out = Buffer.alloc(32);
  let x = v;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}
