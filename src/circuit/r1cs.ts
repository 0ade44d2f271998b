import { readFileSync } from "node:fs";

/** A linear combination: wire index -> coefficient. */
export type LinearCombination = ReadonlyArray<readonly [number, bigint]>;

export interface R1cs {
  readonly prime: bigint;
  readonly nWires: number;
  readonly nPublicOutputs: number;
  readonly nPublicInputs: number;
  readonly nPrivateInputs: number;
  readonly constraints: ReadonlyArray<readonly [LinearCombination, LinearCombination, LinearCombination]>;
}

/** Reads a circom .r1cs file (iden3 binary format, version 1): header and constraints. */
export function readR1cs(path: string): R1cs {
  const buf = readFileSync(path);
  if (buf.toString("ascii", 0, 4) !== "r1cs") throw new Error(`${path} is not an r1cs file`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const nSections = view.getUint32(8, true);
  const sections = new Map<number, { start: number; size: number }>();
  let at = 12;
  for (let i = 0; i < nSections; i++) {
    const type = view.getUint32(at, true);
    const size = Number(view.getBigUint64(at + 4, true));
    sections.set(type, { start: at + 12, size });
    at += 12 + size;
  }
  const header = sections.get(1);
  const body = sections.get(2);
  if (header === undefined || body === undefined) throw new Error(`${path}: missing r1cs sections`);

  const n8 = view.getUint32(header.start, true);
  const readField = (offset: number): bigint => {
    let v = 0n;
    for (let i = n8 - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[offset + i] ?? 0);
    return v;
  };
  const prime = readField(header.start + 4);
  let h = header.start + 4 + n8;
  const u32 = () => {
    const v = view.getUint32(h, true);
    h += 4;
    return v;
  };
  const nWires = u32();
  const nPublicOutputs = u32();
  const nPublicInputs = u32();
  const nPrivateInputs = u32();
  h += 8; // nLabels (u64)
  const nConstraints = u32();

  const constraints: [LinearCombination, LinearCombination, LinearCombination][] = [];
  let c = body.start;
  const readLc = (): LinearCombination => {
    const n = view.getUint32(c, true);
    c += 4;
    const terms: [number, bigint][] = [];
    for (let i = 0; i < n; i++) {
      terms.push([view.getUint32(c, true), readField(c + 4)]);
      c += 4 + n8;
    }
    return terms;
  };
  for (let i = 0; i < nConstraints; i++) constraints.push([readLc(), readLc(), readLc()]);
  return { prime, nWires, nPublicOutputs, nPublicInputs, nPrivateInputs, constraints };
}

/** Index of the first constraint the witness violates, or -1 when A·B = C holds for all. */
export function firstViolatedConstraint(r1cs: R1cs, witness: readonly bigint[]): number {
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
