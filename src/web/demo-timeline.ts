/**
 * The demo's results as one timeline per lane (zk, optimistic) in L1 time: what the page plays back on its
 * clock. Every event comes from a run's own record (receipts' timestamps, the runs' L1 times); nothing is
 * invented here, only worded.
 */
import type { ForcedExitOutcome } from "../demo/forced-exit-run.ts";
import type { ModeRun } from "../demo/mode-run.ts";
import type { ScenarioOutcome } from "../demo/scenarios.ts";
import type { SentTransaction } from "../optimistic/party.ts";

export type Lane = "zk" | "optimistic";
export const LANES: readonly Lane[] = ["zk", "optimistic"];

export type EventKind = "deposit" | "cut" | "accepted" | "proposed" | "final" | "withdrawal" | "dispute" | "rejected" | "rollback" | "exit" | "stolen";

export interface TimelineEvent {
  readonly lane: Lane;
  /** L1 seconds since genesis. */
  readonly at: number;
  readonly kind: EventKind;
  readonly text: string;
  readonly gas?: number;
}

/** A batch's L1 times in one lane (final null: never, or not yet). */
export interface BatchRow {
  readonly lane: Lane;
  readonly number: number;
  readonly cutAt: number;
  readonly submittedAt: number;
  readonly finalAt: number | null;
  readonly proveSeconds: number | null;
  readonly gas: number;
}

/** One dispute transaction (its L1 time and receipt gas). */
export interface DisputeMoveRow {
  readonly lane: Lane;
  readonly at: number;
  readonly party: string;
  readonly move: string;
  readonly gas: number;
  readonly status: "success" | "reverted";
}

const num = (n: number | bigint | string) => BigInt(n).toLocaleString("en-US");

/** The events of an honest run of one mode. */
export function modeRunEvents(run: ModeRun): TimelineEvent[] {
  const lane = run.mode;
  const out: TimelineEvent[] = [];
  for (const d of run.deposits) out.push({ lane, at: d.at, kind: "deposit", text: `user ${d.user} deposits ${num(d.amount)} wei on L1`, gas: d.gas });
  for (const b of run.batches) {
    const c = b.counts;
    out.push({ lane, at: b.cutAt, kind: "cut", text: `batch ${b.number} cut: ${c.transfers} transfers, ${c.deposits} deposits, ${c.withdrawals} withdrawals` });
    if (lane === "zk") {
      out.push({ lane, at: b.submittedAt, kind: "accepted", text: `batch ${b.number} proven (${(b.proveSeconds ?? 0).toFixed(1)} s measured) and accepted with its proof: final`, gas: b.gas });
    } else {
      const windowEnd = b.submittedAt + (run.windowSeconds ?? 0);
      out.push({ lane, at: b.submittedAt, kind: "proposed", text: `batch ${b.number} proposed with a bond; its challenge window closes at t = ${windowEnd} s`, gas: b.gas });
      if (b.finalAt !== undefined) out.push({ lane, at: b.finalAt, kind: "final", text: `batch ${b.number} final: its challenge window closed unchallenged` });
    }
  }
  const w = run.withdrawal;
  if (w !== undefined) {
    out.push({ lane, at: w.requestedAt, kind: "withdrawal", text: `user 0 asks to withdraw ${num(w.amount)} wei (on L2)` });
    out.push({ lane, at: w.paidAt, kind: "withdrawal", text: `withdrawal paid on L1 from final batch ${w.batch}: ${w.paidAt - w.requestedAt} s after it was asked`, gas: w.claimGas });
  }
  return sortEvents(out);
}

export function modeRunBatches(run: ModeRun): BatchRow[] {
  return run.batches.map((b) => ({ lane: run.mode, number: b.number, cutAt: b.cutAt, submittedAt: b.submittedAt, finalAt: b.finalAt ?? null, proveSeconds: b.proveSeconds ?? null, gas: b.gas }));
}

/** A scenario's own events, each classified for the page (its text is the scenario's). */
export function scenarioEvents(s: ScenarioOutcome): TimelineEvent[] {
  return sortEvents(
    s.events.map((e): TimelineEvent => {
      const t = e.what;
      const kind: EventKind = /rolled back/.test(t)
        ? "rollback"
        : /reverted|no proof can be made|refused/.test(t)
          ? "rejected"
          : /is final/.test(t)
            ? "final"
            : /paid \d/.test(t)
              ? "stolen"
              : /challenge|dispute/.test(t)
                ? "dispute"
                : /accepted/.test(t) && s.mode === "zk"
                  ? "accepted"
                  : "proposed";
      return { lane: s.mode, at: e.at, kind, text: t };
    }),
  );
}

/** The contract methods that are dispute moves, by the name the page shows. */
const MOVES: Readonly<Record<string, string>> = { challenge: "challenge", revealRoot: "bisection: reveal a root", respond: "bisection: respond", proveStep: "one-step proof", timeout: "timeout" };

/** A party's transaction, if it is a dispute move. */
export function disputeMove(lane: Lane, party: string, tx: SentTransaction): DisputeMoveRow | undefined {
  const move = MOVES[tx.method];
  return move === undefined ? undefined : { lane, at: tx.timestamp, party, move, gas: tx.gasUsed, status: tx.status };
}

export function moveEvent(m: DisputeMoveRow): TimelineEvent {
  return { lane: m.lane, at: m.at, kind: "dispute", text: `${m.party}: ${m.move}${m.status === "reverted" ? " (reverted)" : ""}`, gas: m.gas };
}

/** The forced exit's steps under a censoring sequencer. */
export function forcedExitEvents(f: ForcedExitOutcome): TimelineEvent[] {
  const out: TimelineEvent[] = f.steps.map((s) => ({
    lane: f.mode,
    at: s.at,
    kind: forcedExitKind(f.mode, s.status, s.what),
    text: `${s.what}${s.status === "reverted" ? `: reverted (${s.revertReason ?? "?"})` : ""}`,
    gas: s.gasUsed,
  }));
  out.push({ lane: f.mode, at: f.deadline, kind: "exit", text: `the forced withdrawal's deadline (${f.deadlineSeconds} s after the request) passes unserved` });
  return sortEvents(out);
}

function forcedExitKind(mode: Lane, status: "success" | "reverted", what: string): EventKind {
  if (status === "reverted") return "rejected";
  if (/ deposits /.test(what)) return "deposit";
  if (/forced withdrawal of/.test(what)) return "withdrawal";
  if (/exit mode|claims|refunded/.test(what)) return "exit";
  return mode === "zk" ? "accepted" : "proposed";
}

function sortEvents(events: TimelineEvent[]): TimelineEvent[] {
  return events.map((e, i) => ({ e, i })).sort((a, b) => a.e.at - b.e.at || a.i - b.i).map(({ e }) => e);
}
