import { poseidon } from "../crypto/poseidon.ts";
import { RollupError } from "./errors.ts";

/**
 * Sparse Poseidon Merkle tree whose level l (bottom-up) hashes arities[l] children, matching
 * circuits/lib/merkle.circom. Empty leaves are 0; untouched subtrees use precomputed empty hashes.
 */
export class MerkleTree {
  readonly arities: readonly number[];
  readonly capacity: number;
  private readonly levels: Map<number, bigint>[];
  private readonly empty: bigint[];

  constructor(arities: readonly number[]) {
    if (!Array.isArray(arities) || arities.length === 0) throw new RollupError("MALFORMED", "a tree needs at least one level");
    for (const a of arities) {
      if (![2, 4, 8].includes(a)) throw new RollupError("MALFORMED", `tree arity must be 2, 4 or 8, got ${a}`);
    }
    // Account indices are at most 32 bits wide (records and the circuit's index bits).
    if (arities.reduce((bits, a) => bits + Math.log2(a), 0) > 32) throw new RollupError("MALFORMED", "a tree has at most 2^32 leaves");
    this.arities = [...arities];
    this.capacity = arities.reduce((p, a) => p * a, 1);
    this.levels = Array.from({ length: arities.length + 1 }, () => new Map<number, bigint>());
    this.empty = [0n];
    for (const a of arities) {
      const below = this.empty[this.empty.length - 1] ?? 0n;
      this.empty.push(poseidon(new Array<bigint>(a).fill(below)));
    }
  }

  /**
   * A tree that knows only some leaves' paths (a Merkle witness): enough to read and update those leaves
   * exactly as the full tree would. Throws MALFORMED if a path is inconsistent with itself or the others.
   */
  static fromPaths(arities: readonly number[], witnesses: readonly { index: number; leaf: bigint; path: readonly bigint[] }[]): MerkleTree {
    const tree = new MerkleTree(arities);
    let root: bigint | undefined;
    for (const w of witnesses) {
      tree.checkIndex(w.index);
      const expectedLength = arities.reduce((n, a) => n + a, 0);
      if (w.path.length !== expectedLength) throw new RollupError("MALFORMED", `a path for this tree has ${expectedLength} nodes`);
      let cur = w.leaf;
      let i = w.index;
      let at = 0;
      for (let l = 0; l < arities.length; l++) {
        const a = tree.arity(l);
        const children = w.path.slice(at, at + a);
        if (children[i % a] !== cur) throw new RollupError("MALFORMED", `witness path of leaf ${w.index} is inconsistent at level ${l}`);
        const parent = Math.floor(i / a);
        children.forEach((c, j) => tree.setNode(l, parent * a + j, c));
        cur = poseidon(children);
        i = parent;
        at += a;
      }
      if (root !== undefined && root !== cur) throw new RollupError("MALFORMED", "witness paths lead to different roots");
      root = cur;
      tree.setNode(arities.length, 0, cur);
    }
    return tree;
  }

  get root(): bigint {
    return this.node(this.arities.length, 0);
  }

  leaf(index: number): bigint {
    this.checkIndex(index);
    return this.node(0, index);
  }

  /** Sets a leaf and rehashes its path; returns the new root. */
  setLeaf(index: number, value: bigint): bigint {
    this.checkIndex(index);
    this.setNode(0, index, value);
    let i = index;
    for (let l = 0; l < this.arities.length; l++) {
      const a = this.arity(l);
      i = Math.floor(i / a);
      this.setNode(l + 1, i, poseidon(this.children(l, i)));
    }
    return this.root;
  }

  /** All children of every level on the leaf's path, bottom-up, flattened (the circuit's `path`). */
  path(index: number): bigint[] {
    this.checkIndex(index);
    const out: bigint[] = [];
    let i = index;
    for (let l = 0; l < this.arities.length; l++) {
      const parent = Math.floor(i / this.arity(l));
      out.push(...this.children(l, parent));
      i = parent;
    }
    return out;
  }

  private children(level: number, parent: number): bigint[] {
    const a = this.arity(level);
    return Array.from({ length: a }, (_, j) => this.node(level, parent * a + j));
  }

  private node(level: number, index: number): bigint {
    return this.levels[level]?.get(index) ?? this.empty[level] ?? 0n;
  }

  private setNode(level: number, index: number, value: bigint): void {
    const map = this.levels[level];
    if (map === undefined) throw new Error(`no level ${level}`);
    if (value === this.empty[level]) map.delete(index);
    else map.set(index, value);
  }

  private arity(level: number): number {
    const a = this.arities[level];
    if (a === undefined) throw new Error(`no level ${level}`);
    return a;
  }

  private checkIndex(index: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.capacity) {
      throw new RollupError("UNKNOWN_ACCOUNT", `account index ${index} is outside 0..${this.capacity - 1}`);
    }
  }
}

/**
 * A path for a leaf that need not be in any tree: the children hold the running hash at the
 * index's position and zeros elsewhere. Used for the unused side of a slot, whose root is not checked.
 */
export function detachedPath(arities: readonly number[], index: number, leaf: bigint): bigint[] {
  const out: bigint[] = [];
  let cur = leaf;
  let i = index;
  for (const a of arities) {
    const children = new Array<bigint>(a).fill(0n);
    children[i % a] = cur;
    out.push(...children);
    cur = poseidon(children);
    i = Math.floor(i / a);
  }
  return out;
}
