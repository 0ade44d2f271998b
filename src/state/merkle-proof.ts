/**
 * Account Merkle proofs: the leaf's path as the circuit takes it (every child of every level on the way
 * up, bottom-up, flattened) and its check against a root, by the state's own tree code.
 */
import { isFieldElement } from "../crypto/field.ts";
import { isCanonicalAccount, leafHash, type Account } from "./account.ts";
import { RollupError } from "./errors.ts";
import type { RollupState } from "./rollup-state.ts";
import { MerkleTree } from "./tree.ts";

export interface AccountProof {
  readonly index: number;
  /** undefined: the leaf is empty (0). */
  readonly account: Account | undefined;
  readonly path: readonly bigint[];
}

export function accountProof(state: RollupState, index: number): AccountProof {
  return { index, account: state.account(index), path: state.tree.path(index) };
}

/**
 * True when the proof's leaf sits at its index under `root` in a tree of these arities. The account
 * must be canonical and every path node a field element (a proof is read from outside).
 */
export function verifyAccountProof(arities: readonly number[], root: bigint, proof: AccountProof): boolean {
  if (proof.account !== undefined && !isCanonicalAccount(proof.account)) return false;
  if (!proof.path.every(isFieldElement)) return false;
  try {
    const leaf = proof.account === undefined ? 0n : leafHash(proof.account);
    return MerkleTree.fromPaths(arities, [{ index: proof.index, leaf, path: proof.path }]).root === root;
  } catch (err) {
    if (err instanceof RollupError) return false;
    throw err;
  }
}
