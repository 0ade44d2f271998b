import { simulatedOptimisticL1, type DisputeView, type OptimisticL1, type OptimisticL1Receipt } from "../evm/optimistic-l1.ts";
import type { L1Address } from "../l1/chain.ts";
import { OptimisticRollupContract } from "../l1/optimistic-rollup.ts";
import type { RollupContext } from "../state/transition.ts";

/** What a party plays on: any OptimisticL1, or a simulated contract (wrapped with simulatedOptimisticL1). */
export type L1Target = OptimisticL1 | OptimisticRollupContract;

export type TxMethod = "proposeBatch" | "challenge" | "revealRoot" | "respond" | "proveStep" | "timeout" | "finalize";

/**
 * The receipt method `M` of target `A` returns: a simulated contract's full L1Receipt (gas lines, events),
 * an anvil L1's own receipt — whatever the target gives, the adapter hands it through unchanged.
 */
export type ReceiptOf<A extends L1Target, M extends TxMethod> = Awaited<ReturnType<A[M]>>;

/** Any transaction a party sent (what every L1's receipt has). */
export type SentTransaction = OptimisticL1Receipt<unknown>;

/**
 * What every party shares: an L1 address, the optimistic L1 it plays on (simulated or anvil, behind
 * OptimisticL1; it never knows which) and a record of the transactions it sent. Parties only send
 * transactions; the caller moves the L1 clock.
 */
export abstract class Party<A extends L1Target = OptimisticRollupContract> {
  /** Every transaction this party sent, in order (reverted ones too). */
  readonly sent: SentTransaction[] = [];
  readonly l1: OptimisticL1;

  constructor(
    target: A,
    readonly address: L1Address,
  ) {
    this.l1 = target instanceof OptimisticRollupContract ? simulatedOptimisticL1(target) : target;
  }

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

  /** Records a sent transaction; its type is the target's own receipt (the adapter passed it through). */
  protected record<M extends TxMethod>(_method: M, tx: OptimisticL1Receipt<unknown>): ReceiptOf<A, M> {
    this.sent.push(tx);
    return tx as ReceiptOf<A, M>;
  }
}
