/**
 * The scaling table: what an L2 buys over its L1, per system (a plain L1 transfer, the zk rollup under
 * each commitment, the optimistic rollup), from this run's own figures. Every cell says where it comes
 * from: measured in this run (receipts, proving times, L1 times) or computed, with its formula.
 */
import type { Commitment } from "../tx/layout.ts";
import type { CostPoint } from "./cost-model.ts";
import type { ModeRun } from "./mode-run.ts";

/** Ethereum mainnet today: a 36M gas limit every 12 s slot. */
export const DEFAULT_BLOCK_GAS_LIMIT = 36_000_000;
export const DEFAULT_BLOCK_SECONDS = 12;

export interface ScalingCell {
  readonly value: number | null;
  readonly unit: string;
  readonly source: "measured" | "computed" | "n/a";
  /** How a computed cell was computed, or why a cell is n/a, or how a measured one was measured. */
  readonly how: string;
}

export interface ScalingRow {
  readonly system: string;
  readonly gasPerTransfer: ScalingCell;
  readonly bytesPerTransfer: ScalingCell;
  readonly l1BoundTransfersPerSecond: ScalingCell;
  readonly proverBoundTransfersPerSecond: ScalingCell;
  readonly finalitySeconds: ScalingCell;
  readonly withdrawalDelaySeconds: ScalingCell;
}

export interface ScalingTable {
  readonly batchSize: number;
  readonly blockGasLimit: number;
  readonly blockSeconds: number;
  readonly rows: ScalingRow[];
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const na = (unit: string, why: string): ScalingCell => ({ value: null, unit, source: "n/a", how: why });

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] ?? null) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

export function scalingTable(args: {
  readonly batchSize: number;
  readonly costs: readonly CostPoint[];
  readonly runs: readonly ModeRun[];
  /** The commitment of the circuit this run proved with (the demo instance's). */
  readonly commitment: Commitment;
  readonly blockGasLimit?: number;
  readonly blockSeconds?: number;
}): ScalingTable {
  const blockGasLimit = args.blockGasLimit ?? DEFAULT_BLOCK_GAS_LIMIT;
  const blockSeconds = args.blockSeconds ?? DEFAULT_BLOCK_SECONDS;
  const n = args.batchSize;
  const l1Bound = (gas: number): ScalingCell => ({
    value: blockGasLimit / gas / blockSeconds,
    unit: "transfers/s",
    source: "computed",
    how: `${fmt(blockGasLimit)} gas per block / ${fmt(gas)} gas per transfer / ${blockSeconds} s per block`,
  });
  const gasCell = (c: CostPoint): ScalingCell => ({
    value: c.gasPerTransfer,
    unit: "gas",
    source: "measured",
    how: c.source === "measured" ? "a receipt's gasUsed / transfers" : "ZkRollup.sol's gasUsed with an accepting verifier + the real verifier's gas, both measured / transfers",
  });
  const bytesCell = (c: CostPoint): ScalingCell => ({ value: c.calldataBytes / c.batchSize, unit: "calldata bytes", source: "measured", how: "the transaction's calldata / transfers (the proof and header shared by the batch)" });
  const runOf = (mode: "zk" | "optimistic") => args.runs.find((r) => r.mode === mode);
  // Finality: from the cut of a full batch to its root being final, L1 time of this run.
  const finality = (run: ModeRun | undefined, what: string): ScalingCell => {
    const full = run?.batches.filter((b) => b.finalAt !== undefined && b.counts.transfers + b.counts.deposits + b.counts.withdrawals === n) ?? [];
    const m = median(full.map((b) => (b.finalAt ?? 0) - b.cutAt));
    return m === null ? na("s", "no full batch became final in this run") : { value: m, unit: "s", source: "measured", how: `median over full batches of this run, from the cut to ${what} (L1 time)` };
  };
  const withdrawal = (run: ModeRun | undefined): ScalingCell => {
    const w = run?.withdrawal;
    return w === undefined ? na("s", "no withdrawal in this run") : { value: w.paidAt - w.requestedAt, unit: "s", source: "measured", how: "this run's withdrawal, from its request on L2 to the funds paid on L1 (L1 time)" };
  };
  const rows: ScalingRow[] = [];

  const plain = args.costs.find((c) => c.mode === "plain L1 transfer" && c.batchSize === n);
  if (plain !== undefined) {
    rows.push({
      system: "plain L1 transfer",
      gasPerTransfer: gasCell(plain),
      bytesPerTransfer: { value: 0, unit: "calldata bytes", source: "measured", how: "an ETH transfer carries no calldata" },
      l1BoundTransfersPerSecond: l1Bound(plain.gasPerTransfer),
      proverBoundTransfersPerSecond: na("transfers/s", "no proof: bound by the L1"),
      finalitySeconds: { value: blockSeconds, unit: "s", source: "computed", how: "one block (L1 finality itself, ≈ 2 epochs on Ethereum, is not modelled)" },
      withdrawalDelaySeconds: { value: 0, unit: "s", source: "computed", how: "the funds are on L1 already" },
    });
  }
  const zkRun = runOf("zk");
  const proofs = zkRun?.batches.filter((b) => b.proveSeconds !== undefined && b.counts.transfers + b.counts.deposits + b.counts.withdrawals === n) ?? [];
  const proveSeconds = median(proofs.map((b) => b.proveSeconds ?? 0));
  for (const c of args.costs.filter((x) => x.mode.startsWith("zk (") && x.batchSize === n)) {
    const proven = proveSeconds !== null && c.mode === `zk (${args.commitment})`;
    rows.push({
      system: `zk rollup, ${c.mode.slice(4, -1) === "sha256" ? "SHA-256" : "Poseidon chain"} commitment`,
      gasPerTransfer: gasCell(c),
      bytesPerTransfer: bytesCell(c),
      l1BoundTransfersPerSecond: l1Bound(c.gasPerTransfer),
      proverBoundTransfersPerSecond: proven
        ? { value: n / (proveSeconds ?? 1), unit: "transfers/s", source: "measured", how: `${n} transfers / the median witness + proof time of this run's full batches on this machine (${(proveSeconds ?? 0).toFixed(1)} s), one prover` }
        : na("transfers/s", proveSeconds === null ? "no full zk batch proven in this run" : "this run's circuit uses the other commitment: bench its instance (zkr bench)"),
      finalitySeconds: proven ? finality(zkRun, "acceptance (the proof verified)") : na("s", "not run in this demo"),
      withdrawalDelaySeconds: proven ? withdrawal(zkRun) : na("s", "not run in this demo"),
    });
  }
  const optRun = runOf("optimistic");
  const opt = args.costs.find((c) => c.mode === "optimistic" && c.batchSize === n);
  if (opt !== undefined) {
    rows.push({
      system: "optimistic rollup",
      gasPerTransfer: gasCell(opt),
      bytesPerTransfer: bytesCell(opt),
      l1BoundTransfersPerSecond: l1Bound(opt.gasPerTransfer),
      proverBoundTransfersPerSecond: na("transfers/s", "no proof: bound by the L1 (and the watchers' re-execution)"),
      finalitySeconds: finality(optRun, "the end of its challenge window"),
      withdrawalDelaySeconds: withdrawal(optRun),
    });
  }
  return { batchSize: n, blockGasLimit, blockSeconds, rows };
}

export const SCALING_HEADER = ["system", "L1 gas / transfer", "calldata B / transfer", "L1-bound transfers/s", "prover-bound transfers/s", "time to finality", "withdrawal delay"];

/** Table rows: each cell its value and unit, marked (m) measured or (c) computed; n/a with its reason in the notes. */
export function scalingRows(t: ScalingTable): string[][] {
  const cell = (c: ScalingCell) =>
    c.value === null ? "n/a" : `${c.unit === "s" ? fmtSeconds(c.value) : c.value < 10 && c.value !== 0 ? c.value.toFixed(1) : fmt(c.value)} (${c.source === "measured" ? "m" : "c"})`;
  return t.rows.map((r) => [r.system, cell(r.gasPerTransfer), cell(r.bytesPerTransfer), cell(r.l1BoundTransfersPerSecond), cell(r.proverBoundTransfersPerSecond), cell(r.finalitySeconds), cell(r.withdrawalDelaySeconds)]);
}

/** The formulas and reasons behind the cells, one line each, deduplicated. */
export function scalingNotes(t: ScalingTable): string[] {
  const lines = new Set<string>();
  for (const r of t.rows) {
    for (const [name, c] of [
      ["L1 gas", r.gasPerTransfer],
      ["calldata", r.bytesPerTransfer],
      ["L1-bound", r.l1BoundTransfersPerSecond],
      ["prover-bound", r.proverBoundTransfersPerSecond],
      ["finality", r.finalitySeconds],
      ["withdrawal", r.withdrawalDelaySeconds],
    ] as const) {
      lines.add(`${r.system}, ${name}: ${c.source === "n/a" ? "n/a, " : c.source === "computed" ? "computed: " : "measured: "}${c.how}`);
    }
  }
  return [`(m) measured in this run, (c) computed; batches of ${t.batchSize} transfers; L1 of ${fmt(t.blockGasLimit)} gas every ${t.blockSeconds} s.`, ...lines];
}

function fmtSeconds(s: number): string {
  if (s >= 86_400) return `${(s / 86_400).toFixed(2)} d`;
  if (s >= 3_600) return `${(s / 3_600).toFixed(1)} h`;
  if (s >= 60) return `${(s / 60).toFixed(1)} min`;
  return `${s.toFixed(0)} s`;
}
