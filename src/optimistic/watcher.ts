import type { BatchView, OptimisticL1 } from "../evm/optimistic-l1.ts";
import type { L1Address } from "../l1/address.ts";
import type { RollupErrorCode } from "../state/errors.ts";
import { RollupState } from "../state/rollup-state.ts";
import { Party, type SentTransaction } from "./party.ts";
import { depositKeysOf, oneStepWitnesses, reexecute, type Reexecution } from "./reexecute.ts";

/** What the watcher concluded about a live batch. */
export interface Verdict {
  readonly batchNumber: number;
  /** "honest": re-execution gives the proposed root; "bad": it does not (or an operation is invalid);
   *  "unchecked": built on a bad batch, so there is nothing honest to compare it with (it falls with its ancestor). */
  readonly status: "honest" | "bad" | "unchecked";
  readonly invalidAt: number | undefined;
  readonly invalidCode: RollupErrorCode | undefined;
  /** Its own root_N (undefined when an operation is invalid). */
  readonly honestRoot: bigint | undefined;
}

/**
 * An honest watcher. Each `step()` (once per L1 slot) it re-executes every newly proposed batch from
 * its own copy of the state with the reference rules (posted data decoded with the deposit keys from
 * the L1 queue), challenges a batch whose proposed root differs from its own or that holds an invalid
 * operation, and plays the challenger's side: it agrees with a revealed root exactly when it equals its
 * own root at that index, and sends the one-step proof (witnesses from its state before operation lo).
 * It times out a silent proposer. Switched off (`enabled = false`) it does nothing at all — the
 * optimistic security assumption is that at least one watcher is on during every window.
 */
export class Watcher extends Party {
  enabled = true;
  private readonly genesis: RollupState;
  private readonly runs = new Map<number, Reexecution>();
  private readonly verdictByBatch = new Map<number, Verdict>();
  /** The live batches as of its last step. */
  private live: readonly number[] = [];

  constructor(l1: OptimisticL1, address: L1Address, genesis?: RollupState) {
    super(l1, address);
    this.genesis = genesis?.clone() ?? new RollupState(this.l1.arities);
  }

  verdict(batchNumber: number): Verdict | undefined {
    return this.verdictByBatch.get(batchNumber);
  }

  /** Its honest roots root_0.. of a batch it re-executed. */
  rootsOf(batchNumber: number): readonly bigint[] | undefined {
    return this.runs.get(batchNumber)?.roots;
  }

  /** The state after the latest live batch it judged honest (genesis if none), as of its last step. */
  get state(): RollupState {
    for (let i = this.live.length - 1; i >= 0; i--) {
      const n = this.live[i] ?? 0;
      if (this.verdictByBatch.get(n)?.status === "honest") return this.runs.get(n)?.state ?? this.genesis;
    }
    return this.genesis;
  }

  async step(): Promise<SentTransaction[]> {
    if (!this.enabled) return [];
    const out: SentTransaction[] = [];
    const now = await this.l1.blockTime();
    const mineOpen = (await this.l1.openDisputes()).filter((d) => d.challenger === this.address);

    this.live = await this.l1.liveBatches();
    for (const n of this.live) {
      const b = await this.l1.batch(n);
      if (b === undefined) continue;
      let verdict = this.verdictByBatch.get(n);
      if (verdict === undefined) {
        verdict = await this.judge(b);
        this.verdictByBatch.set(n, verdict);
      }
      const disputing = mineOpen.some((d) => d.batchNumber === n);
      if (verdict.status === "bad" && !disputing && now < b.windowEnd) {
        out.push(this.record(await this.l1.challenge(this.address, n)));
      }
    }

    for (const d of mineOpen) {
      const run = this.runs.get(d.batchNumber);
      if (run === undefined) continue;
      if (this.overdue(d, now)) {
        if (d.turn === "proposer") out.push(this.record(await this.l1.timeout(this.address, d.id)));
        continue;
      }
      if (!this.seen(d, now)) continue;
      if (d.turn === "challenger" && d.mid !== undefined) {
        // roots[mid] is undefined past an invalid operation: no honest root there, so disagree.
        out.push(this.record(await this.l1.respond(this.address, d.id, run.roots[d.mid] === d.midRoot)));
      } else if (d.turn === "oneStep") {
        out.push(this.record(await this.l1.proveStep(this.address, d.id, oneStepWitnesses(run, d.lo, this.ctx))));
      }
    }
    return out;
  }

  private async judge(b: BatchView): Promise<Verdict> {
    const n = b.number;
    const parentRun = b.parent === 0 ? undefined : this.runs.get(b.parent);
    const parentVerdict = b.parent === 0 ? undefined : this.verdictByBatch.get(b.parent);
    if (b.parent !== 0 && (parentRun === undefined || parentVerdict?.status !== "honest")) {
      return { batchNumber: n, status: "unchecked", invalidAt: undefined, invalidCode: undefined, honestRoot: undefined };
    }
    const run = reexecute(parentRun?.state ?? this.genesis, b.data, depositKeysOf(b, await this.l1.depositQueue()), this.ctx);
    this.runs.set(n, run);
    const honestRoot = run.invalidAt === undefined ? run.roots[run.roots.length - 1] : undefined;
    return {
      batchNumber: n,
      status: honestRoot !== undefined && honestRoot === b.newRoot && run.roots.length === b.operationCount + 1 ? "honest" : "bad",
      invalidAt: run.invalidAt,
      invalidCode: run.invalidCode,
      honestRoot,
    };
  }
}
