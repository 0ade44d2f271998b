import type { L1Address } from "../l1/address.ts";
import type { DisputeView, OptimisticL1, OptimisticL1Receipt } from "../evm/optimistic-l1.ts";
import type { RollupContext } from "../state/transition.ts";

export type TxMethod = "proposeBatch" | "challenge" | "revealRoot" | "respond" | "proveStep" | "timeout" | "finalize";

/** The receipt the L1's method `M` returns. */
export type ReceiptOf<M extends TxMethod> = Awaited<ReturnType<OptimisticL1[M]>>;

/** Any transaction a party sent (what every L1's receipt has). */
export type SentTransaction = OptimisticL1Receipt<unknown>;

/**
 * What every party shares: an L1 address, the optimistic L1 it plays on (the contracts in the in-process
 * EVM or on anvil, behind OptimisticL1; it never knows which) and a record of the transactions it sent.
 * Parties only send transactions; the caller moves the L1 clock.
 */
export abstract class Party {
  /** Every transaction this party sent, in order (reverted ones too). */
  readonly sent: SentTransaction[] = [];

  constructor(
    readonly l1: OptimisticL1,
    readonly address: L1Address,
  ) {}

  /** The rules the contract applies: its layout and rollup id, every check on. */
  get ctx(): RollupContext {
    return { layout: this.l1.layout, rollupId: this.l1.rollupId };
  }

  /**
   * True once the dispute's last move (its deadline minus the response time) was mined before the time a
   * transaction sent now lands at: a party reacts to mined transactions, so it never answers in the same slot.
   */
  protected seen(d: DisputeView, now: number): boolean {
    return d.deadline - this.l1.responseSeconds < now;
  }

  protected overdue(d: DisputeView, now: number): boolean {
    return d.outcome === undefined && now > d.deadline;
  }

  /** Records a sent transaction and hands it back. */
  protected record<T extends SentTransaction>(tx: T): T {
    this.sent.push(tx);
    return tx;
  }
}
