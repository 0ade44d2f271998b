import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { InputFileError } from "../io/input-file.ts";
import { findBinSection, readBinTable } from "./binfile.ts";
import { ArtifactError, BinFileError } from "./errors.ts";
import { fdSha256 } from "./files.ts";

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
 * Opens a user-named ptau file the way src/io/input-file.ts opens input: O_NONBLOCK, then fstat on the
 * open descriptor, so a FIFO, a directory, a device or a /proc entry is refused at once (InputFileError,
 * exit 2) instead of hanging or failing with a raw EISDIR. The file is large, so it is not read here.
 */
export function openPtauFile(path: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new InputFileError("NOT_FOUND", `ptau file not found: ${path}`, { cause: err });
    throw new InputFileError("UNREADABLE", `ptau file ${path} cannot be opened (${code ?? "error"})`, { cause: err });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || path.startsWith("/proc/") || path.startsWith("/sys/")) {
      throw new InputFileError("NOT_A_FILE", `ptau file ${path} is not a regular file`);
    }
    return { fd, size: st.size };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** inspectPtau plus the file's sha256 (the cache key of keys made from it), from one open descriptor. */
export function readPtau(path: string): PtauInfo & { readonly sha256: string } {
  const { fd, size } = openPtauFile(path);
  try {
    return { ...inspectPtauFd(fd, size, path), sha256: fdSha256(fd) };
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks a .ptau file's structure before snarkjs sees it (snarkjs can hang on a bad file):
 * magic, curve, section table against the file size, section sizes against the power, and the
 * first tauG1/tauG2 points being the generators. Throws ArtifactError BAD_PTAU with one clear line
 * (InputFileError when the path is not a readable regular file). The points themselves are checked
 * by proving with the keys made from them (setup.ts), not here.
 */
export function inspectPtau(path: string): PtauInfo {
  const { fd, size } = openPtauFile(path);
  try {
    return inspectPtauFd(fd, size, path);
  } finally {
    closeSync(fd);
  }
}

function inspectPtauFd(fd: number, size: number, path: string): PtauInfo {
  try {
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
    if (header.size < 44 || header.size > 4096) throw new ArtifactError("BAD_PTAU", `${path} is corrupt: its header has the wrong size`);
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
