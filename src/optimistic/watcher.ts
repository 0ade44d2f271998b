import type { L1Address, L1Transaction } from "../l1/chain.ts";
import type { OptimisticRollupContract } from "../l1/optimistic-rollup.ts";
import type { RollupErrorCode } from "../state/errors.ts";
import { RollupState } from "../state/rollup-state.ts";
import { Party } from "./party.ts";
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

  constructor(contract: OptimisticRollupContract, address: L1Address, genesis?: RollupState) {
    super(contract, address);
    this.genesis = genesis?.clone() ?? new RollupState(contract.arities);
  }

  verdict(batchNumber: number): Verdict | undefined {
    return this.verdictByBatch.get(batchNumber);
  }

  /** Its honest roots root_0.. of a batch it re-executed. */
  rootsOf(batchNumber: number): readonly bigint[] | undefined {
    return this.runs.get(batchNumber)?.roots;
  }

  /** The state after the latest live batch it judged honest (genesis if none). */
  get state(): RollupState {
    const live = this.contract.liveBatches;
    for (let i = live.length - 1; i >= 0; i--) {
      const n = live[i] ?? 0;
      if (this.verdictByBatch.get(n)?.status === "honest") return this.runs.get(n)?.state ?? this.genesis;
    }
    return this.genesis;
  }

  async step(): Promise<L1Transaction[]> {
    if (!this.enabled) return [];
    const out: L1Transaction[] = [];
    const mineOpen = this.contract.openDisputes().filter((d) => d.challenger === this.address);

    for (const n of this.contract.liveBatches) {
      const b = this.contract.batch(n);
      if (b === undefined) continue;
      let verdict = this.verdictByBatch.get(n);
      if (verdict === undefined) {
        verdict = this.judge(n);
        this.verdictByBatch.set(n, verdict);
      }
      const disputing = mineOpen.some((d) => d.batchNumber === n);
      if (verdict.status === "bad" && !disputing && this.contract.blockTime < b.windowEnd) {
        out.push(this.record(await this.contract.challenge(this.address, n)));
      }
    }

    for (const d of mineOpen) {
      const run = this.runs.get(d.batchNumber);
      if (run === undefined) continue;
      if (this.overdue(d)) {
        if (d.turn === "proposer") out.push(this.record(await this.contract.timeout(this.address, d.id)));
        continue;
      }
      if (!this.seen(d)) continue;
      if (d.turn === "challenger" && d.mid !== undefined) {
        // roots[mid] is undefined past an invalid operation: no honest root there, so disagree.
        out.push(this.record(await this.contract.respond(this.address, d.id, run.roots[d.mid] === d.midRoot)));
      } else if (d.turn === "oneStep") {
        out.push(this.record(await this.contract.proveStep(this.address, d.id, oneStepWitnesses(run, d.lo, this.ctx))));
      }
    }
    return out;
  }

  private judge(n: number): Verdict {
    const b = this.contract.batch(n);
    if (b === undefined) throw new Error(`no batch ${n}`);
    const parentRun = b.parent === 0 ? undefined : this.runs.get(b.parent);
    const parentVerdict = b.parent === 0 ? undefined : this.verdictByBatch.get(b.parent);
    if (b.parent !== 0 && (parentRun === undefined || parentVerdict?.status !== "honest")) {
      return { batchNumber: n, status: "unchecked", invalidAt: undefined, invalidCode: undefined, honestRoot: undefined };
    }
    const run = reexecute(parentRun?.state ?? this.genesis, b.data, depositKeysOf(b, this.contract.depositQueue), this.ctx);
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
