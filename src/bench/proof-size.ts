import type { JsonObject } from "snarkjs";
import type { Protocol } from "../artifacts/setup.ts";

/** proof.json as snarkjs writes it (one-space indented JSON). */
export function proofJsonBytes(proof: JsonObject): number {
  return Buffer.byteLength(JSON.stringify(proof, null, 1));
}

/**
 * Bytes of the proof in the Solidity verifier's calldata (32 bytes a word; public inputs not counted):
 * Groth16 a, b, c = 8 words (256 bytes); PLONK and FFLONK: two words per G1 commitment (the
 * [x, y, 1] arrays of the proof) and one per evaluation (the single field elements).
 */
export function proofCalldataBytes(protocol: Protocol, proof: JsonObject): number {
  if (protocol === "groth16") return 8 * 32;
  let words = 0;
  for (const [key, value] of Object.entries(proof)) {
    if (key === "protocol" || key === "curve") continue;
    if (Array.isArray(value)) words += 2;
    else if (typeof value === "string") words += 1;
  }
  return words * 32;
}
