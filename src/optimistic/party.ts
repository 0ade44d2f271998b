import type { L1Address, L1Transaction } from "../l1/chain.ts";
import type { Dispute, OptimisticRollupContract } from "../l1/optimistic-rollup.ts";
import type { RollupContext } from "../state/transition.ts";

/**
 * What every party shares: an L1 address, the contract it plays on and a record of the transactions it
 * sent. Parties only send transactions; the caller moves the L1 clock.
 */
export abstract class Party {
  /** Every transaction this party sent, in order (reverted ones too). */
  readonly sent: L1Transaction[] = [];

  constructor(
    readonly contract: OptimisticRollupContract,
    readonly address: L1Address,
  ) {}

  /** The rules the contract applies: its layout and rollup id, every check on. */
  get ctx(): RollupContext {
    return { layout: this.contract.layout, rollupId: this.contract.rollupId };
  }

  /**
   * True once the dispute's last move is in an earlier block than the one a transaction would land in
   * now: a party reacts to mined transactions, so it never answers within the same block.
   */
  protected seen(d: Dispute): boolean {
    const last = d.moves[d.moves.length - 1];
    return last === undefined || last.blockNumber < this.contract.chain.blockNumber;
  }

  protected overdue(d: Dispute): boolean {
    return d.outcome === undefined && this.contract.blockTime > d.deadline;
  }

  protected record<T extends L1Transaction>(tx: T): T {
    this.sent.push(tx);
    return tx;
  }
}
