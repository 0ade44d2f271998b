import { leafHash, type Account } from "./account.ts";
import { MerkleTree } from "./tree.ts";

/** The L2 state: accounts by index and the Merkle tree over their leaves. */
export class RollupState {
  readonly tree: MerkleTree;
  private readonly accounts = new Map<number, Account>();

  constructor(arities: readonly number[], tree?: MerkleTree) {
    this.tree = tree ?? new MerkleTree(arities);
  }

  /**
   * A state that knows only the given accounts and their Merkle paths (a one-step fraud proof's witness).
   * The reference transition runs on it unchanged; its root is the root the paths lead to.
   */
  static fromWitness(
    arities: readonly number[],
    witnesses: readonly { index: number; account: Account | undefined; path: readonly bigint[] }[],
  ): RollupState {
    const tree = MerkleTree.fromPaths(
      arities,
      witnesses.map((w) => ({ index: w.index, leaf: w.account === undefined ? 0n : leafHash(w.account), path: w.path })),
    );
    const state = new RollupState(arities, tree);
    for (const w of witnesses) if (w.account !== undefined) state.accounts.set(w.index, w.account);
    return state;
  }

  get root(): bigint {
    return this.tree.root;
  }

  get capacity(): number {
    return this.tree.capacity;
  }

  account(index: number): Account | undefined {
    return this.accounts.get(index);
  }

  /** The lowest index with no account, or undefined when the tree is full. */
  firstEmptyIndex(): number | undefined {
    for (let i = 0; i < this.capacity; i++) if (!this.accounts.has(i)) return i;
    return undefined;
  }

  setAccount(index: number, account: Account): void {
    this.tree.setLeaf(index, leafHash(account));
    this.accounts.set(index, account);
  }

  clone(): RollupState {
    const copy = new RollupState(this.tree.arities);
    for (const [i, a] of this.accounts) copy.setAccount(i, a);
    return copy;
  }

  entries(): IterableIterator<[number, Account]> {
    return this.accounts.entries();
  }
}
