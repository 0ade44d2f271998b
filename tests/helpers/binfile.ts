import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BinFileError, type BinFileErrorCode } from "../../src/artifacts/errors.ts";
import { thrownCode } from "./errors.ts";

/** BN254's scalar field: what circom's .r1cs files are over. */
export const R1CS_PRIME = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};

/** An iden3 binary container: magic, version, then the sections (id, data) in order. */
export function binContainer(magic: string, sections: ReadonlyArray<readonly [number, Uint8Array]>, version = 1): Buffer {
  return Buffer.concat([
    Buffer.from(magic),
    u32(version),
    u32(sections.length),
    ...sections.flatMap(([id, data]) => [u32(id), u64(data.length), data]),
  ]);
}

/** A term of a linear combination: [wire, coefficient]. */
export type Term = [number, bigint];

/** A minimal .r1cs (iden3 format v1): header (one public input), constraints and, when given, the wire map. */
export function r1csBytes(constraints: Term[][][], nWires: number, wireMap?: readonly number[]): Buffer {
  const le = (v: bigint, reduce = true) => {
    const b = Buffer.alloc(32);
    let x = reduce ? ((v % R1CS_PRIME) + R1CS_PRIME) % R1CS_PRIME : v;
    for (let i = 0; i < 32; i++, x >>= 8n) b[i] = Number(x & 0xffn);
    return b;
  };
  const header = Buffer.concat([u32(32), le(R1CS_PRIME, false), u32(nWires), u32(0), u32(1), u32(0), u64(nWires), u32(constraints.length)]);
  const body = Buffer.concat(constraints.flatMap((c) => c.map((lc) => Buffer.concat([u32(lc.length), ...lc.map(([w, v]) => Buffer.concat([u32(w), le(v)]))]))));
  const sections: [number, Buffer][] = [
    [1, header],
    [2, body],
  ];
  if (wireMap !== undefined) sections.push([3, Buffer.concat(wireMap.map(u64))]);
  return binContainer("r1cs", sections);
}

/** Writes `bytes` to a fresh temporary file named `name`; returns its path. */
export function tempFile(name: string, bytes: Uint8Array): string {
  const file = join(mkdtempSync(join(tmpdir(), "zkr-bin-")), name);
  writeFileSync(file, bytes);
  return file;
}

/** The code of the BinFileError `run` throws (undefined when it returns; other errors propagate). */
export const binFileErrorCode = (run: () => unknown): BinFileErrorCode | undefined => thrownCode(BinFileError, run);
