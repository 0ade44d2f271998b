/**
 * The commitment an optimistic proposer posts to its per-operation intermediate roots root_0..root_N:
 * a keccak256 Merkle tree over the N+1 roots as 32-byte words, so one root can be revealed during a
 * bisection with a log-size proof.
 *
 *   leaf_i  = keccak256(bytes32(root_i))           (hashing the leaf keeps leaves and nodes apart)
 *   node    = keccak256(left ‖ right)
 *   padding = bytes32(0) up to the next power of two (never revealable: the contract checks i ≤ N)
 *
 * A proof is the sibling of each level bottom-up; its length must equal the tree depth.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bigintToBytes, bytesToBigint } from "../tx/index.ts";

/** KECCAK256: 30 + 6 per 32-byte word hashed (Yellow Paper G_keccak256, G_keccak256word). */
export const KECCAK_BASE_GAS = 30;
export const KECCAK_WORD_GAS = 6;

export function keccakGas(bytes: number): number {
  return KECCAK_BASE_GAS + KECCAK_WORD_GAS * Math.ceil(bytes / 32);
}

export function keccakWord(bytes: Uint8Array): bigint {
  return bytesToBigint(keccak_256(bytes));
}

/** Depth of the commitment tree over `leafCount` leaves: ceil(log2(leafCount)). */
export function commitmentDepth(leafCount: number): number {
  let depth = 0;
  while (1 << depth < leafCount) depth++;
  return depth;
}

function leafHash(root: bigint): bigint {
  return keccakWord(bigintToBytes(root, 32));
}

function nodeHash(left: bigint, right: bigint): bigint {
  const both = new Uint8Array(64);
  both.set(bigintToBytes(left, 32), 0);
  both.set(bigintToBytes(right, 32), 32);
  return keccakWord(both);
}

/** All levels of the tree, leaves first. */
function levels(roots: readonly bigint[]): bigint[][] {
  if (roots.length === 0) throw new Error("a roots commitment needs at least one root");
  const width = 1 << commitmentDepth(roots.length);
  const out: bigint[][] = [Array.from({ length: width }, (_, i) => (i < roots.length ? leafHash(roots[i] ?? 0n) : 0n))];
  for (let level = out[0] ?? []; level.length > 1; ) {
    const next: bigint[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i] ?? 0n, level[i + 1] ?? 0n));
    out.push(next);
    level = next;
  }
  return out;
}

/** The commitment (a bytes32 as an integer) to root_0..root_N. */
export function rootsCommitment(roots: readonly bigint[]): bigint {
  const all = levels(roots);
  return all[all.length - 1]?.[0] ?? 0n;
}

/** The siblings proving root_index, bottom-up. */
export function rootsProof(roots: readonly bigint[], index: number): bigint[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= roots.length) throw new Error(`no root ${index} among ${roots.length}`);
  const all = levels(roots);
  const proof: bigint[] = [];
  let i = index;
  for (let l = 0; l < all.length - 1; l++) {
    proof.push(all[l]?.[i ^ 1] ?? 0n);
    i >>= 1;
  }
  return proof;
}

/** Recomputes the commitment from root_index and its proof; the keccak count is 1 + depth. */
export function verifyRootsProof(commitment: bigint, leafCount: number, index: number, root: bigint, proof: readonly bigint[]): boolean {
  if (index < 0 || index >= leafCount || proof.length !== commitmentDepth(leafCount)) return false;
  let cur = leafHash(root);
  let i = index;
  for (const sibling of proof) {
    cur = (i & 1) === 0 ? nodeHash(cur, sibling) : nodeHash(sibling, cur);
    i >>= 1;
  }
  return cur === commitment;
}
