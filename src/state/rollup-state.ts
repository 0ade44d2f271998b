import { leafHash, type Account } from "./account.ts";
import { MerkleTree } from "./tree.ts";

/** The L2 state: accounts by index and the Merkle tree over their leaves. */
export class RollupState {
  readonly tree: MerkleTree;
  private readonly accounts = new Map<number, Account>();

  constructor(arities: readonly number[]) {
    this.tree = new MerkleTree(arities);
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
