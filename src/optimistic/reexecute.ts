/**
 * Re-executing an optimistic batch from what the L1 holds (its posted data and the deposit queue) with
 * the one reference transition, signatures and nonces included: the honest intermediate roots that the
 * watcher compares with a proposal and the states a one-step proof's witnesses are read from.
 */
import type { PublicKey } from "../crypto/eddsa.ts";
import { decodePostedOperation, operationWitnesses, splitPostedData, type AccountWitness } from "../l1/dispute-data.ts";
import type { OptimisticBatch } from "../l1/optimistic-types.ts";
import { RollupError, type RollupErrorCode } from "../state/errors.ts";
import type { RollupState } from "../state/rollup-state.ts";
import { applyOperation, type RollupContext } from "../state/transition.ts";
import type { Operation } from "../tx/index.ts";

export interface Reexecution {
  /** The state the batch starts from (not modified). */
  readonly parent: RollupState;
  /** Decoded operations up to the first invalid one (excluded). */
  readonly ops: readonly Operation[];
  /** root_0..root_N for a valid batch; root_0..root_k when operation k is invalid (no honest root after it). */
  readonly roots: readonly bigint[];
  /** The first invalid operation (undecodable, or refused by the reference transition). */
  readonly invalidAt: number | undefined;
  readonly invalidCode: RollupErrorCode | undefined;
  /** The invalid operation itself, if it could be decoded (its one-step witnesses cover the accounts it names). */
  readonly invalidOp: Operation | undefined;
  /** The state after the batch (after its valid prefix when it has an invalid operation). */
  readonly state: RollupState;
}

/** The public keys of a batch's deposits, in order, from the L1 queue entries it consumed. */
export function depositKeysOf(
  batch: Pick<OptimisticBatch, "firstDeposit" | "depositCount">,
  queue: readonly { readonly publicKey: PublicKey }[],
): (ordinal: number) => PublicKey | undefined {
  return (ordinal) => (ordinal < batch.depositCount ? queue[batch.firstDeposit + ordinal]?.publicKey : undefined);
}

/** Replays posted data on a copy of `parent` with every rule of the reference transition. */
export function reexecute(
  parent: RollupState,
  data: Uint8Array,
  depositKey: (ordinal: number) => PublicKey | undefined,
  ctx: RollupContext,
): Reexecution {
  const state = parent.clone();
  const roots: bigint[] = [state.root];
  const ops: Operation[] = [];
  let invalidAt: number | undefined;
  let invalidCode: RollupErrorCode | undefined;
  let invalidOp: Operation | undefined;
  let posted;
  try {
    posted = splitPostedData(data, ctx.layout);
  } catch (e) {
    if (!(e instanceof RollupError)) throw e;
    return { parent, ops, roots, invalidAt: 0, invalidCode: e.code, invalidOp: undefined, state };
  }
  for (const p of posted) {
    let op: Operation | undefined;
    try {
      op = decodePostedOperation(p, ctx.layout, p.depositOrdinal === undefined ? undefined : depositKey(p.depositOrdinal));
      applyOperation(state, op, ctx);
      ops.push(op);
      roots.push(state.root);
    } catch (e) {
      if (!(e instanceof RollupError)) throw e;
      invalidAt = p.index;
      invalidCode = e.code;
      invalidOp = op;
      break;
    }
  }
  return { parent, ops, roots, invalidAt, invalidCode, invalidOp, state };
}

/** The state before operation `index` (replaying the valid prefix again on a copy of the parent). */
export function stateBefore(run: Reexecution, index: number, ctx: RollupContext): RollupState {
  if (index > run.ops.length) throw new RollupError("MALFORMED", `operation ${index} is after the batch's first invalid operation`);
  const state = run.parent.clone();
  for (const op of run.ops.slice(0, index)) applyOperation(state, op, ctx);
  return state;
}

/** The one-step witnesses for operation `index`: the accounts it touches, before it (leaf 0 if it cannot be decoded). */
export function oneStepWitnesses(run: Reexecution, index: number, ctx: RollupContext): AccountWitness[] {
  const state = stateBefore(run, index, ctx);
  const op = run.ops[index] ?? (index === run.invalidAt ? run.invalidOp : undefined);
  return operationWitnesses(state, op ?? { kind: "noop" });
}
