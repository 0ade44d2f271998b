import { buildPoseidon } from "circomlibjs";
import { isFieldElement } from "./field.ts";

// circomlibjs builds its constants once (single-threaded, no curve workers to tear down).
const impl = await buildPoseidon();

/**
 * Poseidon over BN254 as in circomlib's Poseidon(n) template, n = inputs.length (1..16).
 * Inputs must already be field elements: circomlibjs would reduce x and x + p to the same hash, and a
 * caller that then compares the unreduced word (forced exit once did) is fooled. Range-check at the edge.
 */
export function poseidon(inputs: readonly bigint[]): bigint {
  for (const x of inputs) {
    if (!isFieldElement(x)) throw new RangeError(`Poseidon input ${x} is not a field element (0 <= x < p)`);
  }
  return impl.F.toObject(impl(inputs));
}

/**
 * Width-6 hash chain, mirrored by circuits/lib/hash_chain.circom:
 * h = P(e0..e5), then h = P(h, next five), zero-padded.
 */
export function hashChain(elements: readonly bigint[]): bigint {
  const first = padTo(elements.slice(0, 6), 6);
  let h = poseidon(first);
  for (let i = 6; i < elements.length; i += 5) {
    h = poseidon([h, ...padTo(elements.slice(i, i + 5), 5)]);
  }
  return h;
}

function padTo(values: bigint[], length: number): bigint[] {
  return [...values, ...new Array<bigint>(length - values.length).fill(0n)];
}
