import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { poseidon } from "../../src/crypto/index.ts";
import { detachedPath, MerkleTree } from "../../src/state/index.ts";

/** Root of a dense tree, computed level by level: an independent reference for the sparse tree. */
function denseRoot(arities: number[], leaves: bigint[]): bigint {
  let level = leaves;
  for (const a of arities) {
    const next: bigint[] = [];
    for (let i = 0; i < level.length; i += a) next.push(poseidon(level.slice(i, i + a)));
    level = next;
  }
  return level[0]!;
}

/** Recomputes the root from a leaf and its path the way circuits/lib/merkle.circom does. */
function rootFromPath(arities: number[], index: number, leaf: bigint, path: bigint[]): bigint {
  let cur = leaf;
  let at = 0;
  let i = index;
  for (const a of arities) {
    const children = path.slice(at, at + a);
    expect(children[i % a]).toBe(cur);
    cur = poseidon(children);
    at += a;
    i = Math.floor(i / a);
  }
  return cur;
}

describe("MerkleTree", () => {
  const shapes = [[2, 2, 2], [4, 4], [2, 8], [4, 2, 8]];

  it("matches a dense recomputation for random leaf sets (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...shapes),
        fc.array(fc.tuple(fc.nat(), fc.bigInt({ min: 0n, max: 2n ** 253n })), { maxLength: 12 }),
        (arities, writes) => {
          const tree = new MerkleTree(arities);
          const leaves = new Array<bigint>(tree.capacity).fill(0n);
          for (const [i, v] of writes) {
            tree.setLeaf(i % tree.capacity, v);
            leaves[i % tree.capacity] = v;
          }
          expect(tree.root).toBe(denseRoot(arities, leaves));
          const probe = (writes[0]?.[0] ?? 0) % tree.capacity;
          expect(rootFromPath(arities, probe, tree.leaf(probe), tree.path(probe))).toBe(tree.root);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("an empty tree's root is the hash of empty subtrees", () => {
    const z1 = poseidon([0n, 0n, 0n, 0n]);
    expect(new MerkleTree([4, 4]).root).toBe(poseidon([z1, z1, z1, z1]));
  });

  it("a detached path is self-consistent", () => {
    const path = detachedPath([4, 8], 13, 99n);
    expect(path).toHaveLength(12);
    rootFromPath([4, 8], 13, 99n, path);
  });

  it("rejects indices outside the tree and unsupported arities", () => {
    const tree = new MerkleTree([4, 4]);
    expect(() => tree.setLeaf(16, 1n)).toThrowError(expect.objectContaining({ code: "UNKNOWN_ACCOUNT" }));
    expect(() => tree.path(-1)).toThrowError(expect.objectContaining({ code: "UNKNOWN_ACCOUNT" }));
    expect(() => new MerkleTree([3])).toThrowError(expect.objectContaining({ code: "MALFORMED" }));
  });
});
