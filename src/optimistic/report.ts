/**
 * A dispute's report from L1 data and receipts: its outcome and timing from the contract's view, its moves
 * and their measured gas from the receipts of the transactions sent (a party's `sent`, or any receipts).
 */
import type { DisputeView, OptimisticL1 } from "../evm/optimistic-l1.ts";
import type { DisputeMove, DisputeMoveKind, DisputeReport } from "../l1/optimistic-types.ts";
import type { SentTransaction } from "./party.ts";

/** The contract method each dispute move calls. */
const MOVE_OF_METHOD: Readonly<Record<string, DisputeMoveKind>> = {
  challenge: "challenge",
  revealRoot: "reveal",
  respond: "respond",
  proveStep: "oneStep",
  timeout: "timeout",
};

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

/** The dispute a successful dispute transaction left (its receipt's result), if `tx` is one. */
function disputeOf(tx: SentTransaction): { kind: DisputeMoveKind; id: number } | undefined {
  const kind = MOVE_OF_METHOD[tx.method];
  const result = tx.result as Partial<DisputeView> | undefined;
  if (kind === undefined || tx.status !== "success" || typeof result?.id !== "number") return undefined;
  return { kind, id: result.id };
}

/** Dispute `id`'s report; its moves are the successful dispute transactions among `sent` (duplicates counted once). */
export async function disputeReport(l1: OptimisticL1, id: number, sent: readonly SentTransaction[]): Promise<DisputeReport | undefined> {
  const d = await l1.dispute(id);
  const b = d === undefined ? undefined : await l1.batch(d.batchNumber);
  if (d === undefined || b === undefined) return undefined;
  const moves: DisputeMove[] = [];
  for (const tx of new Set(sent)) {
    const move = disputeOf(tx);
    if (move?.id === id) moves.push({ kind: move.kind, gasUsed: tx.gasUsed, blockNumber: tx.blockNumber });
  }
  moves.sort((x, y) => x.blockNumber - y.blockNumber);
  let finalityDelaySeconds: number | null | undefined;
  if (d.resolvedAt !== undefined) finalityDelaySeconds = d.outcome === "challengerWon" ? null : Math.max(0, d.resolvedAt - b.windowEnd);
  return {
    id,
    batchNumber: d.batchNumber,
    outcome: d.outcome,
    rounds: d.round,
    moves: moves.length,
    gasPerMove: moves,
    totalGas: moves.reduce((s, m) => s + m.gasUsed, 0),
    openedAt: d.openedAt,
    resolvedAt: d.resolvedAt,
    durationSeconds: d.resolvedAt === undefined ? undefined : d.resolvedAt - d.openedAt,
    windowEnd: b.windowEnd,
    finalityDelaySeconds,
  };
}

/** Every dispute's report and the gas of its moves by kind (for a demo's report). */
export async function disputeCosts(l1: OptimisticL1, sent: readonly SentTransaction[]): Promise<DisputeCosts> {
  const disputes: DisputeReport[] = [];
  for (let id = 1; ; id++) {
    const r = await disputeReport(l1, id, sent);
    if (r === undefined) break;
    disputes.push(r);
  }
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
