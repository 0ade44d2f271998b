// circom's .r1cs file (iden3 binary container, magic "r1cs", version 1), read in place:
//   1 header: n8, prime (n8 bytes), nWires, nOutputs, nPubInputs, nPrvInputs (u32), nLabels (u64),
//     nConstraints (u32)
//   2 constraints: for each constraint A, B, C (A·B = C), each a linear combination: u32 term count,
//     then terms of u32 wire and n8-byte coefficient
//   3 wire map (optional): each wire's label id (u64)
// All little endian. Two views: `readR1cs` keeps the sections as views into the file (for the
// key writer and the gate counter, which walk millions of terms), and `decodeR1cs` turns the
// constraints into bigint linear combinations (for the R1CS checker).

import { readFileSync } from "node:fs";
import { binSection, dataView, optionalBinSection, parseBinFile } from "../artifacts/binfile.ts";
import { bytesToBigIntLE, readScalar32 } from "../artifacts/dev-field.ts";
import { BinFileError } from "../artifacts/errors.ts";

/** The header of an .r1cs file. */
export interface R1csHeader {
  /** Bytes of a field element. */
  readonly n8: number;
  readonly prime: bigint;
  readonly nWires: number;
  readonly nOutputs: number;
  readonly nPubInputs: number;
  readonly nPrvInputs: number;
  readonly nLabels: number;
  readonly nConstraints: number;
}

/** An .r1cs file: its header, and its constraints and wire map as views into the file's bytes. */
export interface R1cs extends R1csHeader {
  /** What errors call the file: its path, or "r1cs file". */
  readonly name: string;
  /** The whole file. */
  readonly bytes: Uint8Array;
  /** Section 2, in place. */
  readonly constraints: Uint8Array;
  readonly constraintsView: DataView;
  /** Bytes of one term of a linear combination: u32 wire, then the coefficient. */
  readonly termBytes: number;
  /** Section 3 (nWires u64 label ids), when the file has it. */
  readonly wireMap: DataView | undefined;
}

/** A linear combination: wire index -> coefficient. */
export type LinearCombination = ReadonlyArray<readonly [number, bigint]>;

/** A, B and C of one constraint A·B = C. */
export type Constraint = readonly [LinearCombination, LinearCombination, LinearCombination];

/** The constraint system as bigint linear combinations: what the R1CS checker evaluates. */
export interface R1csSystem {
  readonly prime: bigint;
  readonly constraints: readonly Constraint[];
}

/** Header bytes after the prime: 4 u32 counts, nLabels (u64) and nConstraints (u32). */
const HEADER_COUNTS_BYTES = 4 * 4 + 8 + 4;

/** Reads an .r1cs file (BinFileError when it is not one, or is truncated or corrupt). */
export function readR1cs(path: string): R1cs {
  return parseR1cs(readFileSync(path), path);
}

/**
 * Parses .r1cs bytes in place. Checks that the header fits its field size and that the wire map has
 * one label per wire; the constraints' layout is checked by whoever walks them (expectConstraintsEnd),
 * since a walk of its own here would be one more pass over the whole file.
 */
export function parseR1cs(bytes: Uint8Array, name?: string): R1cs {
  const file = parseBinFile(bytes, "r1cs", name);
  const header = binSection(file, 1);
  const hv = dataView(header);
  const n8 = header.byteLength >= 4 ? hv.getUint32(0, true) : 0;
  if (n8 === 0 || header.byteLength < 4 + n8 + HEADER_COUNTS_BYTES) {
    throw new BinFileError("CORRUPT", `${file.name}: an r1cs header of ${header.byteLength} bytes with ${n8}-byte field elements`);
  }
  const p = 4 + n8;
  const nWires = hv.getUint32(p, true);
  const constraints = binSection(file, 2);
  const wireMap = optionalBinSection(file, 3);
  if (wireMap !== undefined && wireMap.byteLength !== nWires * 8) {
    throw new BinFileError("CORRUPT", `${file.name}: a wire map of ${wireMap.byteLength} bytes for ${nWires} wires`);
  }
  return {
    name: file.name,
    bytes,
    n8,
    prime: bytesToBigIntLE(header.subarray(4, p)),
    nWires,
    nOutputs: hv.getUint32(p + 4, true),
    nPubInputs: hv.getUint32(p + 8, true),
    nPrvInputs: hv.getUint32(p + 12, true),
    nLabels: Number(hv.getBigUint64(p + 16, true)),
    nConstraints: hv.getUint32(p + 24, true),
    constraints,
    constraintsView: dataView(constraints),
    termBytes: 4 + n8,
    wireMap: wireMap === undefined ? undefined : dataView(wireMap),
  };
}

/** The coefficient at byte `at` of the constraints section. */
export function coefficientAt(r1cs: R1cs, at: number): bigint {
  return r1cs.n8 === 32 ? readScalar32(r1cs.constraintsView, at) : bytesToBigIntLE(r1cs.constraints.subarray(at, at + r1cs.n8));
}

/** The linear combination at byte `at` of the constraints section, and where the next one starts. */
export function linearCombinationAt(r1cs: R1cs, at: number): { terms: [number, bigint][]; end: number } {
  const view = r1cs.constraintsView;
  const n = at + 4 <= view.byteLength ? view.getUint32(at, true) : Infinity;
  if (at + 4 + n * r1cs.termBytes > view.byteLength) throw constraintsError(r1cs, `a linear combination at byte ${at} runs past their section`);
  const terms: [number, bigint][] = [];
  let p = at + 4;
  for (let i = 0; i < n; i++, p += r1cs.termBytes) terms.push([view.getUint32(p, true), coefficientAt(r1cs, p + 4)]);
  return { terms, end: p };
}

/** Throws CORRUPT unless a walk over all the constraints ended at byte `end`, the end of their section. */
export function expectConstraintsEnd(r1cs: R1cs, end: number): void {
  if (end !== r1cs.constraints.byteLength) {
    throw constraintsError(r1cs, `${r1cs.nConstraints} constraints take ${end} bytes, their section has ${r1cs.constraints.byteLength}`);
  }
}

function constraintsError(r1cs: R1cs, what: string): BinFileError {
  return new BinFileError("CORRUPT", `${r1cs.name}: ${what}`);
}

/** The label id of a wire (what circom's .sym lists it by), from the wire map. */
export function labelOfWire(r1cs: R1cs, wire: number): number {
  if (r1cs.wireMap === undefined) throw new BinFileError("MISSING_SECTION", `${r1cs.name} has no wire map`);
  return Number(r1cs.wireMap.getBigUint64(wire * 8, true));
}

/** All constraints as bigint linear combinations. */
export function decodeR1cs(r1cs: R1cs): R1csSystem {
  const constraints: Constraint[] = [];
  let at = 0;
  const next = (): LinearCombination => {
    const lc = linearCombinationAt(r1cs, at);
    at = lc.end;
    return lc.terms;
  };
  for (let i = 0; i < r1cs.nConstraints; i++) constraints.push([next(), next(), next()]);
  expectConstraintsEnd(r1cs, at);
  return { prime: r1cs.prime, constraints };
}

/** Index of the first constraint the witness violates, or -1 when A·B = C holds for all. */
export function firstViolatedConstraint(r1cs: R1csSystem, witness: readonly bigint[]): number {
  const p = r1cs.prime;
  const evaluate = (lc: LinearCombination): bigint => {
    let acc = 0n;
    for (const [wire, coeff] of lc) acc += coeff * (witness[wire] ?? 0n);
    return acc % p;
  };
  for (let i = 0; i < r1cs.constraints.length; i++) {
    const con = r1cs.constraints[i];
    if (con === undefined) continue;
    if ((evaluate(con[0]) * evaluate(con[1]) - evaluate(con[2])) % p !== 0n) return i;
  }
  return -1;
}
