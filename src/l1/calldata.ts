import { isFieldElement } from "../crypto/field.ts";
/**
 * The bytes each contract method is sent as. The L1 contracts decode their arguments from these bytes,
 * so what is charged as calldata is exactly what the contract acts on.
 *
 * submitBatch is packed (like abi.encodePacked with explicit lengths), not padded ABI:
 *   selector (4) | newRoot (32) | proof: 8 words (256) | records length (32) | records
 *   | recipient count (32) | recipients (20 bytes each)
 * The proof words are in the order of snarkjs's Solidity verifier: a.x, a.y, b.x1, b.x0, b.y1, b.y0, c.x, c.y.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import type { PublicKey } from "../crypto/eddsa.ts";
import type { Proof } from "../prover/prove.ts";
import { bigintToBytes, bytesToBigint, concatBytes } from "../tx/bytes.ts";
import { MAX_L1_ADDRESS } from "./address.ts";
import { L1Error, L1Revert } from "./errors.ts";

export const WORD_BYTES = 32;
export const ADDRESS_BYTES = 20;
export const SELECTOR_BYTES = 4;
export const PROOF_WORDS = 8;
const MAX_WORD = (1n << 256n) - 1n;

export function selector(signature: string): Uint8Array {
  return keccak_256(new TextEncoder().encode(signature)).subarray(0, SELECTOR_BYTES);
}

export const SIGNATURES = {
  deposit: "deposit(uint256,uint256)",
  submitBatch: "submitBatch(uint256,uint256[8],bytes,address[])",
  claimWithdrawal: "claimWithdrawal(uint256,uint256)",
} as const;

export interface SubmitBatchArgs {
  /** The posted records: capacity · recordBytes bytes. */
  readonly records: Uint8Array;
  /** One 160-bit L1 recipient per withdraw record, in record order. */
  readonly withdrawalRecipients: readonly bigint[];
  readonly newRoot: bigint;
  /** A snarkjs Groth16 proof (JSON). */
  readonly proof: Proof;
}

export interface DecodedSubmitBatch {
  readonly newRoot: bigint;
  readonly proofWords: readonly bigint[];
  readonly records: Uint8Array;
  readonly withdrawalRecipients: readonly bigint[];
}

/** snarkjs Groth16 proof JSON → the verifier's 8 words. Refuses (before any transaction) what cannot be encoded. */
export function proofToWords(proof: Proof): bigint[] {
  const a = proof["pi_a"];
  const b = proof["pi_b"];
  const c = proof["pi_c"];
  if (!isAffine(a) || !Array.isArray(b) || b.length < 2 || !isAffine(c)) {
    throw new L1Error("BAD_ARGUMENT", "proof must have affine pi_a, pi_b and pi_c as snarkjs writes them");
  }
  const [bx, by, bz]: unknown[] = b;
  if (!isPair(bx) || !isPair(by) || (bz !== undefined && !(isPair(bz) && bz[0] === "1" && bz[1] === "0"))) {
    throw new L1Error("BAD_ARGUMENT", "proof pi_b must be [[x0, x1], [y0, y1], [\"1\", \"0\"]]");
  }
  return [a[0], a[1], bx[1], bx[0], by[1], by[0], c[0], c[1]].map(word);
}

/** The verifier's 8 words → snarkjs Groth16 proof JSON. */
export function wordsToProof(words: readonly bigint[]): Proof {
  const s = (i: number): string => (words[i] ?? 0n).toString();
  return {
    pi_a: [s(0), s(1), "1"],
    pi_b: [[s(3), s(2)], [s(5), s(4)], ["1", "0"]],
    pi_c: [s(6), s(7), "1"],
    protocol: "groth16",
    curve: "bn128",
  };
}

export function encodeSubmitBatch(args: SubmitBatchArgs): Uint8Array {
  for (const r of args.withdrawalRecipients) {
    if (r < 0n || r > MAX_L1_ADDRESS) throw new L1Error("BAD_ARGUMENT", `recipient ${r} is not a 160-bit L1 address`);
  }
  return concatBytes([
    selector(SIGNATURES.submitBatch),
    encodeWord(args.newRoot),
    ...proofToWords(args.proof).map(encodeWord),
    encodeWord(BigInt(args.records.length)),
    args.records,
    encodeWord(BigInt(args.withdrawalRecipients.length)),
    ...args.withdrawalRecipients.map((r) => bigintToBytes(r, ADDRESS_BYTES)),
  ]);
}

/** Inverse of encodeSubmitBatch; reverts MALFORMED on bytes it does not produce. */
export function decodeSubmitBatch(input: Uint8Array): DecodedSubmitBatch {
  const reader = new CalldataReader(input);
  reader.expectSelector(SIGNATURES.submitBatch);
  const newRoot = reader.word();
  const proofWords = Array.from({ length: PROOF_WORDS }, () => reader.word());
  const records = reader.bytes(reader.length());
  const count = reader.length();
  const withdrawalRecipients = Array.from({ length: count }, () => bytesToBigint(reader.bytes(ADDRESS_BYTES)));
  reader.end();
  return { newRoot, proofWords, records: records.slice(), withdrawalRecipients };
}

export function encodeDeposit(publicKey: PublicKey): Uint8Array {
  return concatBytes([selector(SIGNATURES.deposit), encodeWord(publicKey.x), encodeWord(publicKey.y)]);
}

export function decodeDeposit(input: Uint8Array): PublicKey {
  const reader = new CalldataReader(input);
  reader.expectSelector(SIGNATURES.deposit);
  const x = reader.word();
  const y = reader.word();
  reader.end();
  return { x, y };
}

export function encodeClaim(batchNumber: number, index: number): Uint8Array {
  return concatBytes([selector(SIGNATURES.claimWithdrawal), encodeWord(BigInt(batchNumber)), encodeWord(BigInt(index))]);
}

export function decodeClaim(input: Uint8Array): { batchNumber: number; index: number } {
  const reader = new CalldataReader(input);
  reader.expectSelector(SIGNATURES.claimWithdrawal);
  const batchNumber = reader.length();
  const index = reader.length();
  reader.end();
  return { batchNumber, index };
}

export function encodeWord(value: bigint): Uint8Array {
  if (value < 0n || value > MAX_WORD) throw new L1Error("BAD_ARGUMENT", `${value} does not fit a 256-bit word`);
  return bigintToBytes(value, WORD_BYTES);
}

/** Reads calldata front to back; anything short, long or malformed reverts MALFORMED. */
export class CalldataReader {
  private at = 0;
  constructor(private readonly input: Uint8Array) {}

  expectSelector(signature: string): void {
    const expected = selector(signature);
    const got = this.bytes(SELECTOR_BYTES);
    if (!expected.every((b, i) => b === got[i])) throw new L1Revert("MALFORMED", `calldata is not ${signature}`);
  }

  word(): bigint {
    return bytesToBigint(this.bytes(WORD_BYTES));
  }

  /** A word that must be a field element (a key, a root, a path node): below p, never aliased by +p. */
  field(): bigint {
    const v = this.word();
    if (!isFieldElement(v)) throw new L1Revert("MALFORMED", `word ${v} is not a field element`);
    return v;
  }

  /** A word that must fit `bits` bits (a balance: 64, an address: 160). */
  uint(bits: number): bigint {
    const v = this.word();
    if (v >> BigInt(bits) !== 0n) throw new L1Revert("MALFORMED", `word ${v} does not fit ${bits} bits`);
    return v;
  }

  /** A length word, then that many field elements. */
  fieldArray(): bigint[] {
    return this.array(() => this.field());
  }

  /** A word used as a length or index: must be a safe integer. */
  length(): number {
    const v = this.word();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new L1Revert("MALFORMED", `length ${v} is out of range`);
    return Number(v);
  }

  /** A length word, then that many words (refused before allocating if the calldata is too short). */
  wordArray(): bigint[] {
    return this.array(() => this.word());
  }

  private array(read: () => bigint): bigint[] {
    const n = this.length();
    if (n * WORD_BYTES > this.input.length - this.at) throw new L1Revert("MALFORMED", "calldata is too short");
    return Array.from({ length: n }, read);
  }

  bytes(n: number): Uint8Array {
    if (this.at + n > this.input.length) throw new L1Revert("MALFORMED", "calldata is too short");
    const out = this.input.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  end(): void {
    if (this.at !== this.input.length) throw new L1Revert("MALFORMED", "calldata has trailing bytes");
  }
}

function word(decimal: string): bigint {
  if (!/^[0-9]+$/.test(decimal)) throw new L1Error("BAD_ARGUMENT", `proof coordinate ${decimal} is not a decimal integer`);
  const v = BigInt(decimal);
  if (v > MAX_WORD) throw new L1Error("BAD_ARGUMENT", `proof coordinate ${decimal} does not fit a 256-bit word`);
  return v;
}

function isAffine(p: unknown): p is [string, string, ...string[]] {
  return Array.isArray(p) && p.length >= 2 && p.every((v) => typeof v === "string") && (p.length < 3 || p[2] === "1");
}

function isPair(p: unknown): p is [string, string] {
  return Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === "string");
}

