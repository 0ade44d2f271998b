/** Bit layout of posted records for a tree shape; mirrors circuits/operation.circom. */
export interface RecordLayout {
  /** Bits of an account index: log2 of the account capacity. */
  readonly indexBits: number;
  /** kind(2) | from | to | exponent(4) | mantissa(34), left-padded to whole bytes. */
  readonly recordBytes: number;
}

export function recordLayout(arities: readonly number[]): RecordLayout {
  const indexBits = arities.reduce((bits, a) => bits + Math.log2(a), 0);
  return { indexBits, recordBytes: Math.ceil((40 + 2 * indexBits) / 8) };
}

/** Posted bytes are cut into 31-byte big-endian chunks before hashing (a chunk fits the field). */
export const CHUNK_BYTES = 31;
