/**
 * EVM bytecode for Poseidon(n), n = 1..8, from circomlibjs's constants (the same permutation as
 * circomlib's Poseidon(n) template and src/crypto/poseidon.ts), with the call interface of circomlibjs's
 * generated contracts: `poseidon(uint256[n])` (or `bytes32[n]`) returns one word.
 *
 * Why not circomlibjs's own generator: it keeps the old and the new state on the stack during the
 * MDS mix, which needs DUP17+ above 6 inputs. Here the new state goes to scratch memory instead, so the
 * deepest stack access is t + 3 (DUP12 at t = 9). The round constants (t · (8 + R_P) words: 20,448 bytes
 * at t = 9) are a data section copied to memory once; the MDS matrix is inlined as PUSH32s in the one
 * copy of the mix inside the round loop. At t = 9 the runtime code stays under EIP-170's 24,576 bytes.
 *
 * Emitted as raw bytecode (like circomlibjs), not Solidity/Yul: the layout has to be controlled byte by
 * byte to fit the size limit, which a compiler does not promise.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { FIELD_MODULUS } from "../crypto/field.ts";

/** Full rounds and partial rounds per width t = n + 1 (circomlibjs poseidon_reference.js). */
const ROUNDS_F = 8;
const ROUNDS_P = [56, 57, 56, 60, 60, 63, 64, 63] as const;
export const POSEIDON_GEN_MAX_INPUTS = 8;
/** EIP-170. */
export const MAX_RUNTIME_CODE_BYTES = 24_576;

interface Constants {
  /** Round constants by t − 2, flattened round-major (C[r·t + i]). */
  readonly C: readonly (readonly bigint[])[];
  /** MDS matrices by t − 2: M[i][j] multiplies state j into new state i. */
  readonly M: readonly (readonly (readonly bigint[])[])[];
}

let constants: Constants | undefined;

/** circomlibjs's poseidon_constants.json (not exported by the package: read from its folder). */
function poseidonConstants(): Constants {
  if (constants === undefined) {
    const main = createRequire(import.meta.url).resolve("circomlibjs");
    const file = join(dirname(main), "..", "src", "poseidon_constants.json");
    const raw = JSON.parse(readFileSync(file, "utf8")) as { C: string[][]; M: string[][][] };
    constants = { C: raw.C.map((row) => row.map((v) => BigInt(v))), M: raw.M.map((m) => m.map((row) => row.map((v) => BigInt(v)))) };
  }
  return constants;
}

const OP = {
  STOP: 0x00, ADD: 0x01, ADDMOD: 0x08, MULMOD: 0x09, LT: 0x10, GT: 0x11, EQ: 0x14, OR: 0x17, SHR: 0x1c,
  CALLDATALOAD: 0x35, CODECOPY: 0x39, POP: 0x50, MLOAD: 0x51, MSTORE: 0x52, JUMP: 0x56, JUMPI: 0x57,
  JUMPDEST: 0x5b, PUSH1: 0x60, DUP1: 0x80, SWAP1: 0x90, RETURN: 0xf3, INVALID: 0xfe,
} as const;

/** A minimal assembler: opcodes, minimal pushes, and 2-byte label references fixed up at the end. */
class Assembler {
  readonly code: number[] = [];
  private readonly labels = new Map<string, number>();
  private readonly refs: { at: number; label: string }[] = [];

  op(code: number): void {
    this.code.push(code);
  }

  push(value: bigint | number): void {
    let v = BigInt(value);
    const bytes: number[] = [];
    do {
      bytes.unshift(Number(v & 0xffn));
      v >>= 8n;
    } while (v > 0n);
    if (bytes.length > 32) throw new Error(`push of ${value}: more than 32 bytes`);
    this.code.push(OP.PUSH1 + bytes.length - 1, ...bytes);
  }

  push32(value: bigint): void {
    const bytes: number[] = [];
    let v = value;
    for (let i = 0; i < 32; i++) {
      bytes.unshift(Number(v & 0xffn));
      v >>= 8n;
    }
    this.code.push(OP.PUSH1 + 31, ...bytes);
  }

  /** DUPn / SWAPn, 1-based as the opcodes are named. */
  dup(n: number): void {
    if (n < 1 || n > 16) throw new Error(`DUP${n} does not exist`);
    this.code.push(OP.DUP1 + n - 1);
  }

  swap(n: number): void {
    if (n < 1 || n > 16) throw new Error(`SWAP${n} does not exist`);
    this.code.push(OP.SWAP1 + n - 1);
  }

  pushLabel(label: string): void {
    this.code.push(OP.PUSH1 + 1, 0, 0);
    this.refs.push({ at: this.code.length - 2, label });
  }

  label(label: string, jumpdest = true): void {
    this.labels.set(label, this.code.length);
    if (jumpdest) this.code.push(OP.JUMPDEST);
  }

  bytes(data: readonly number[]): void {
    this.code.push(...data);
  }

  assemble(): Uint8Array {
    for (const { at, label } of this.refs) {
      const to = this.labels.get(label);
      if (to === undefined) throw new Error(`undefined label ${label}`);
      if (to > 0xffff) throw new Error(`label ${label} beyond 2 bytes`);
      this.code[at] = to >> 8;
      this.code[at + 1] = to & 0xff;
    }
    return Uint8Array.from(this.code);
  }
}

function selectorOf(signature: string): bigint {
  const h = keccak_256(new TextEncoder().encode(signature));
  return BigInt(`0x${Buffer.from(h.subarray(0, 4)).toString("hex")}`);
}

function wordBytes(v: bigint): number[] {
  const out: number[] = [];
  let x = v;
  for (let i = 0; i < 32; i++) {
    out.unshift(Number(x & 0xffn));
    x >>= 8n;
  }
  return out;
}

/** The runtime code of Poseidon(n). */
export function poseidonRuntimeCode(nInputs: number): Uint8Array {
  if (!Number.isInteger(nInputs) || nInputs < 1 || nInputs > POSEIDON_GEN_MAX_INPUTS) {
    throw new Error(`Poseidon(n) is generated for 1 ≤ n ≤ ${POSEIDON_GEN_MAX_INPUTS}, not ${nInputs}`);
  }
  const t = nInputs + 1;
  const roundsP = ROUNDS_P[t - 2] ?? 0;
  const rounds = ROUNDS_F + roundsP;
  const { C, M } = poseidonConstants();
  const K = C[t - 2] ?? [];
  const mds = M[t - 2] ?? [];
  if (K.length !== rounds * t || mds.length !== t) throw new Error(`circomlibjs constants for t = ${t} have an unexpected shape`);

  // Memory: new state scratch at [0, 32t), round constants from K_BASE.
  const K_BASE = 32 * t;
  const K_END = K_BASE + 32 * t * rounds;
  const FULL_END = K_BASE + 32 * t * (ROUNDS_F / 2);
  const FULL_AGAIN = K_BASE + 32 * t * (ROUNDS_F / 2 + roundsP);

  const a = new Assembler();
  // Dispatch: poseidon(uint256[n]) or poseidon(bytes32[n]), as circomlibjs's contracts.
  a.push(0);
  a.op(OP.CALLDATALOAD);
  a.push(0xe0);
  a.op(OP.SHR);
  a.op(OP.DUP1);
  a.push(selectorOf(`poseidon(uint256[${nInputs}])`));
  a.op(OP.EQ);
  a.swap(1);
  a.push(selectorOf(`poseidon(bytes32[${nInputs}])`));
  a.op(OP.EQ);
  a.op(OP.OR);
  a.pushLabel("start");
  a.op(OP.JUMPI);
  a.op(OP.INVALID);
  a.label("start");

  // Round constants to memory.
  a.push(32 * t * rounds);
  a.pushLabel("data");
  a.push(K_BASE);
  a.op(OP.CODECOPY);

  // Stack (top first): s0 .. s_{t-1}, q, kp. s0 = 0 (capacity), s_{i+1} = input i.
  a.push(K_BASE);
  a.push32(FIELD_MODULUS);
  for (let i = nInputs - 1; i >= 0; i--) {
    a.push(4 + 32 * i);
    a.op(OP.CALLDATALOAD);
  }
  a.push(0);

  a.label("round");
  // ark: s_i += K[kp + 32i]
  for (let i = 0; i < t; i++) {
    a.dup(t + 1); // q
    a.dup(t + 3); // kp
    if (i > 0) {
      a.push(32 * i);
      a.op(OP.ADD);
    }
    a.op(OP.MLOAD);
    a.dup(i + 3); // s_i
    a.op(OP.ADDMOD);
    a.swap(i + 1);
    a.op(OP.POP);
  }
  // Full round when kp < FULL_END or kp ≥ FULL_AGAIN (kp has not moved yet this round).
  a.push(FULL_END);
  a.dup(t + 3);
  a.op(OP.LT);
  a.pushLabel("full");
  a.op(OP.JUMPI);
  a.push(FULL_AGAIN - 1);
  a.dup(t + 3);
  a.op(OP.GT);
  a.pushLabel("full");
  a.op(OP.JUMPI);
  sbox(a, t, 0);
  a.pushLabel("mix");
  a.op(OP.JUMP);
  a.label("full");
  for (let i = 0; i < t; i++) sbox(a, t, i);

  a.label("mix");
  for (let i = 0; i < t; i++) {
    const row = mds[i] ?? [];
    // acc = M[i][0]·s0
    a.dup(t + 1); // q
    a.dup(2); // s0
    a.push32(row[0] ?? 0n);
    a.op(OP.MULMOD);
    for (let j = 1; j < t; j++) {
      // acc = acc + M[i][j]·s_j  (stack: acc, s0.., q, kp)
      a.dup(t + 2); // q
      a.swap(1);
      a.dup(t + 3); // q
      a.dup(4 + j); // s_j
      a.push32(row[j] ?? 0n);
      a.op(OP.MULMOD);
      a.op(OP.ADDMOD);
    }
    a.push(32 * i);
    a.op(OP.MSTORE);
  }
  for (let i = 0; i < t; i++) a.op(OP.POP);
  for (let i = t - 1; i >= 0; i--) {
    a.push(32 * i);
    a.op(OP.MLOAD);
  }
  // kp += 32t; loop while kp < K_END.
  a.dup(t + 2);
  a.push(32 * t);
  a.op(OP.ADD);
  a.swap(t + 2);
  a.op(OP.POP);
  a.push(K_END);
  a.dup(t + 3);
  a.op(OP.LT);
  a.pushLabel("round");
  a.op(OP.JUMPI);

  // Return s0.
  a.push(0);
  a.op(OP.MSTORE);
  a.push(32);
  a.push(0);
  a.op(OP.RETURN);

  a.label("data", false);
  for (const k of K) a.bytes(wordBytes(k));
  const code = a.assemble();
  if (code.length > MAX_RUNTIME_CODE_BYTES) throw new Error(`Poseidon(${nInputs}) runtime code is ${code.length} bytes, over EIP-170's limit`);
  return code;
}

/** s_p = s_p^5 (stack: s0.., q, kp). */
function sbox(a: Assembler, t: number, p: number): void {
  a.dup(t + 1); // q
  a.dup(p + 2); // s_p
  a.dup(2); // q
  a.dup(1); // q
  a.dup(3); // s_p
  a.dup(1); // s_p      → s, s, q, q, s, q
  a.op(OP.MULMOD); // s², q, s, q
  a.op(OP.DUP1); // s², s², q, s, q
  a.op(OP.MULMOD); // s⁴, s, q
  a.op(OP.MULMOD); // s⁵
  a.swap(p + 1);
  a.op(OP.POP);
}

/** Creation code: copies the runtime code out of itself and returns it. */
export function poseidonCreationCode(nInputs: number): `0x${string}` {
  const runtime = poseidonRuntimeCode(nInputs);
  const init: number[] = [];
  const header = (offset: number): number[] => [
    0x61, runtime.length >> 8, runtime.length & 0xff, // PUSH2 len
    0x80, // DUP1
    0x61, offset >> 8, offset & 0xff, // PUSH2 offset
    0x60, 0x00, // PUSH1 0
    0x39, // CODECOPY
    0x60, 0x00, // PUSH1 0
    0xf3, // RETURN
  ];
  init.push(...header(header(0).length));
  return `0x${Buffer.from([...init, ...runtime]).toString("hex")}`;
}
