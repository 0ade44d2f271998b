import type { DisputeMoveKind, DisputeReport, OptimisticRollupContract } from "../l1/optimistic-rollup.ts";

export interface MoveCost {
  readonly kind: DisputeMoveKind;
  readonly count: number;
  readonly minGas: number;
  readonly maxGas: number;
  readonly totalGas: number;
}

export interface DisputeCosts {
  readonly disputes: readonly DisputeReport[];
  /** Gas of successful dispute transactions by kind, over every dispute. */
  readonly byKind: readonly MoveCost[];
  readonly totalGas: number;
}

/** Every dispute's report and the gas of its moves by kind, read from the contract (for a demo's report). */
export function disputeCosts(contract: OptimisticRollupContract): DisputeCosts {
  const disputes = contract.disputes.flatMap((d) => contract.disputeReport(d.id) ?? []);
  const byKind = new Map<DisputeMoveKind, MoveCost>();
  for (const r of disputes) {
    for (const m of r.gasPerMove) {
      const c = byKind.get(m.kind);
      byKind.set(m.kind, {
        kind: m.kind,
        count: (c?.count ?? 0) + 1,
        minGas: Math.min(c?.minGas ?? Infinity, m.gasUsed),
        maxGas: Math.max(c?.maxGas ?? 0, m.gasUsed),
        totalGas: (c?.totalGas ?? 0) + m.gasUsed,
      });
    }
  }
  return { disputes, byKind: [...byKind.values()], totalGas: disputes.reduce((s, r) => s + r.totalGas, 0) };
}
