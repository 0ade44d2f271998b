/**
 * How a batch's proof commits to the bytes the L1 sees (circuits/batch.circom): a Poseidon hash chain
 * over 31-byte chunks (cheap in the circuit, ≈ 138k gas per Poseidon(6) call on an EVM) or SHA-256 of
 * the bytes (≈ 29k constraints per 64 bytes, a precompile on an EVM: 60 + 12 gas a word).
 */
export type Commitment = "poseidon" | "sha256";
export const COMMITMENTS: readonly Commitment[] = ["poseidon", "sha256"];
/** Its code: the `commitment` parameter of circuits/batch.circom's Batch and of ZkRollup.sol's constructor. */
export const COMMITMENT_CODE: Readonly<Record<Commitment, number>> = { poseidon: 0, sha256: 1 };

/** Bit layout of posted records for a tree shape, and their commitment; mirrors circuits/operation.circom. */
export interface RecordLayout {
  /** Bits of an account index: log2 of the account capacity. */
  readonly indexBits: number;
  /** kind(2) | from | to | exponent(4) | mantissa(34), left-padded to whole bytes. */
  readonly recordBytes: number;
  readonly commitment: Commitment;
}

export function recordLayout(arities: readonly number[], commitment: Commitment = "poseidon"): RecordLayout {
  const indexBits = arities.reduce((bits, a) => bits + Math.log2(a), 0);
  return { indexBits, recordBytes: Math.ceil((40 + 2 * indexBits) / 8), commitment };
}

/** Posted bytes are cut into 31-byte big-endian chunks before hashing (a chunk fits the field). */
export const CHUNK_BYTES = 31;
