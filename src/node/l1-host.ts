/**
 * The simulated L1 as the node hosts it: an in-process L1Chain with the zk rollup contract and its
 * forced-exit rules (src/l1/forced-exit.ts), made durable by a write-ahead log of its inputs.
 *
 * The chain is deterministic: its state is a function of the transactions sent and the times they were
 * sent at. So the node persists exactly that — each transaction (with the L1 time) is written to the
 * store and fsynced *before* it executes, and the clock's position after each tick — and rebuilds the
 * chain on start by replaying the log into a fresh chain (proofs are verified again on the way). A crash
 * after the log write and before execution replays as if the transaction had executed: the node only
 * ever reports an L1 effect after its log entry is on disk, so nothing it said is lost or reversed.
 *
 * Ticks and transactions are serialized: the time a transaction is logged at is the time it executes at.
 */
import type { JsonObject } from "snarkjs";
import type { PublicKey } from "../crypto/eddsa.ts";
import type { DepositEntry, WithdrawalEntry } from "../l1/bridge.ts";
import { L1Chain, type L1Address, type L1Receipt } from "../l1/chain.ts";
import type { BatchAccountProof, ExitClaim, ExitMode, ForcedWithdrawalRequest } from "../l1/forced-exit.ts";
import { ZkForcedExit } from "../l1/zk-forced-exit.ts";
import { ZkRollupContract, type AcceptedBatch } from "../l1/zk-rollup.ts";
import type { RecordLayout } from "../tx/layout.ts";
import type { Withdraw } from "../tx/operation.ts";
import {
  addressHex,
  batchAccountProofFromJson,
  batchAccountProofToJson,
  bytesToHex,
  exitClaimFromJson,
  exitClaimToJson,
  hexToBytes,
  operationFromJson,
  operationToJson,
  publicKeyFromJson,
  publicKeyToJson,
  type BatchAccountProofJson,
  type ExitClaimJson,
  type OperationJson,
  type PublicKeyJson,
} from "./codec.ts";
import { crashPoint } from "./crash-points.ts";
import { seqKey, type NodeStore } from "./store.ts";

export interface L1Params {
  readonly rollupId: number;
  readonly layout: RecordLayout;
  readonly arities: readonly number[];
  readonly capacity: number;
  readonly vkey: JsonObject;
  readonly genesisRoot: bigint;
  readonly slotSeconds: number;
  readonly finalitySlots: number;
  readonly forcedDeadlineSeconds: number;
}

/** One logged L1 input. Addresses are hex, numbers decimal strings. */
export type L1CallJson =
  | { type: "mint"; to: string; amount: string }
  | { type: "deposit"; from: string; publicKey: PublicKeyJson; amount: string }
  | { type: "submitBatch"; from: string; records: string; withdrawalRecipients: string[]; newRoot: string; proof: JsonObject }
  | { type: "claimWithdrawal"; from: string; batchNumber: number; index: number }
  | { type: "requestForcedWithdrawal"; from: string; withdraw: OperationJson; witness: BatchAccountProofJson }
  | { type: "dismissForcedWithdrawal"; from: string; requestId: number; witness: BatchAccountProofJson }
  | { type: "activateExitMode"; from: string; requestId: number }
  | ({ type: "claimExit"; from: string } & ExitClaimJson)
  | { type: "refundDeposit"; from: string; queueIndex: number };

export interface L1LogEntry {
  readonly at: number;
  readonly call: L1CallJson;
}

const LOG_PREFIX = "l1/tx/";
const CLOCK_KEY = "l1/clock";

export class L1Host {
  readonly chain: L1Chain;
  readonly zk: ZkRollupContract;
  readonly forced: ZkForcedExit;
  private serial: Promise<unknown> = Promise.resolve();
  private nextSeq = 0;

  private constructor(
    private readonly store: NodeStore | undefined,
    params: L1Params,
  ) {
    this.chain = new L1Chain({ slotSeconds: params.slotSeconds });
    this.zk = new ZkRollupContract(this.chain, {
      rollupId: params.rollupId,
      layout: params.layout,
      capacity: params.capacity,
      vkey: params.vkey,
      genesisRoot: params.genesisRoot,
      finalitySlots: params.finalitySlots,
    });
    this.forced = new ZkForcedExit(this.chain, this.zk, { deadlineSeconds: params.forcedDeadlineSeconds, arities: params.arities });
  }

  /** Rebuilds the chain from the store's log (verifying every proof again) and keeps logging to it. */
  static async open(store: NodeStore, params: L1Params): Promise<L1Host> {
    const host = new L1Host(store, params);
    const entries = await store.entries<L1LogEntry>(LOG_PREFIX);
    await host.replay(entries.map(([, e]) => e));
    host.nextSeq = entries.length;
    const clock = (await store.get<number>(CLOCK_KEY)) ?? 0;
    if (clock > host.chain.now) host.chain.advance(clock - host.chain.now);
    return host;
  }

  /** A chain rebuilt from a log alone (what anyone holding the L1 inputs can do), not logging further. */
  static async fromLog(entries: readonly L1LogEntry[], params: L1Params, clock = 0): Promise<L1Host> {
    const host = new L1Host(undefined, params);
    await host.replay(entries);
    if (clock > host.chain.now) host.chain.advance(clock - host.chain.now);
    return host;
  }

  static async readLog(store: NodeStore): Promise<{ entries: L1LogEntry[]; clock: number }> {
    const entries = (await store.entries<L1LogEntry>(LOG_PREFIX)).map(([, e]) => e);
    return { entries, clock: (await store.get<number>(CLOCK_KEY)) ?? 0 };
  }

  get now(): number {
    return this.chain.now;
  }

  /** Moves the L1 one slot on and records the clock. */
  tick(): Promise<void> {
    return this.serialized(async () => {
      this.chain.clock.advanceSlots(1);
      await this.store?.write([{ type: "put", key: CLOCK_KEY, value: this.chain.now }]);
      crashPoint("tick:after-log");
    });
  }

  // ---- L1 transactions (each logged before it runs) ----

  mint(to: L1Address, amount: bigint): Promise<void> {
    return this.logged({ type: "mint", to: addressHex(to), amount: amount.toString() }, (c) => this.execMint(c));
  }

  deposit(from: L1Address, publicKey: PublicKey, amount: bigint): Promise<L1Receipt<DepositEntry>> {
    return this.logged(
      { type: "deposit", from: addressHex(from), publicKey: publicKeyToJson(publicKey), amount: amount.toString() },
      (c) => this.execDeposit(c),
    );
  }

  submitBatch(
    from: L1Address,
    args: { records: Uint8Array; withdrawalRecipients: readonly bigint[]; newRoot: bigint; proof: JsonObject },
    afterLog?: () => void,
  ): Promise<L1Receipt<AcceptedBatch>> {
    return this.logged(
      {
        type: "submitBatch",
        from: addressHex(from),
        records: bytesToHex(args.records),
        withdrawalRecipients: args.withdrawalRecipients.map(addressHex),
        newRoot: args.newRoot.toString(),
        proof: args.proof,
      },
      (c) => this.execSubmitBatch(c),
      afterLog,
    );
  }

  claimWithdrawal(from: L1Address, batchNumber: number, index: number): Promise<L1Receipt<WithdrawalEntry>> {
    return this.logged({ type: "claimWithdrawal", from: addressHex(from), batchNumber, index }, (c) => this.execClaimWithdrawal(c));
  }

  requestForcedWithdrawal(from: L1Address, withdraw: Withdraw, witness: BatchAccountProof): Promise<L1Receipt<ForcedWithdrawalRequest>> {
    return this.logged(
      { type: "requestForcedWithdrawal", from: addressHex(from), withdraw: operationToJson(withdraw), witness: batchAccountProofToJson(witness) },
      (c) => this.execRequestForced(c),
    );
  }

  dismissForcedWithdrawal(from: L1Address, requestId: number, witness: BatchAccountProof): Promise<L1Receipt<ForcedWithdrawalRequest>> {
    return this.logged(
      { type: "dismissForcedWithdrawal", from: addressHex(from), requestId, witness: batchAccountProofToJson(witness) },
      (c) => this.execDismissForced(c),
    );
  }

  activateExitMode(from: L1Address, requestId: number): Promise<L1Receipt<ExitMode>> {
    return this.logged({ type: "activateExitMode", from: addressHex(from), requestId }, (c) => this.execActivateExit(c));
  }

  claimExit(from: L1Address, claim: ExitClaim): Promise<L1Receipt<bigint>> {
    return this.logged({ type: "claimExit", from: addressHex(from), ...exitClaimToJson(claim) }, (c) => this.execClaimExit(c));
  }

  refundDeposit(from: L1Address, queueIndex: number): Promise<L1Receipt<bigint>> {
    return this.logged({ type: "refundDeposit", from: addressHex(from), queueIndex }, (c) => this.execRefund(c));
  }

  // ---- execution, shared by live calls and replay ----

  private async execMint(c: Extract<L1CallJson, { type: "mint" }>): Promise<void> {
    this.chain.mint(BigInt(c.to), BigInt(c.amount));
  }

  private execDeposit(c: Extract<L1CallJson, { type: "deposit" }>): Promise<L1Receipt<DepositEntry>> {
    return this.zk.deposit(BigInt(c.from), publicKeyFromJson(c.publicKey), BigInt(c.amount));
  }

  private execSubmitBatch(c: Extract<L1CallJson, { type: "submitBatch" }>): Promise<L1Receipt<AcceptedBatch>> {
    return this.zk.submitBatch(BigInt(c.from), {
      records: hexToBytes(c.records),
      withdrawalRecipients: c.withdrawalRecipients.map((r) => BigInt(r)),
      newRoot: BigInt(c.newRoot),
      proof: c.proof,
    });
  }

  private execClaimWithdrawal(c: Extract<L1CallJson, { type: "claimWithdrawal" }>): Promise<L1Receipt<WithdrawalEntry>> {
    return this.zk.claimWithdrawal(BigInt(c.from), c.batchNumber, c.index);
  }

  private execRequestForced(c: Extract<L1CallJson, { type: "requestForcedWithdrawal" }>): Promise<L1Receipt<ForcedWithdrawalRequest>> {
    const op = operationFromJson(c.withdraw);
    if (op.kind !== "withdraw") throw new TypeError("a forced withdrawal must be a withdraw");
    return this.forced.requestForcedWithdrawal(BigInt(c.from), { withdraw: op, witness: batchAccountProofFromJson(c.witness) });
  }

  private execDismissForced(c: Extract<L1CallJson, { type: "dismissForcedWithdrawal" }>): Promise<L1Receipt<ForcedWithdrawalRequest>> {
    return this.forced.dismissForcedWithdrawal(BigInt(c.from), c.requestId, batchAccountProofFromJson(c.witness));
  }

  private execActivateExit(c: Extract<L1CallJson, { type: "activateExitMode" }>): Promise<L1Receipt<ExitMode>> {
    return this.forced.activateExitMode(BigInt(c.from), c.requestId);
  }

  private execClaimExit(c: Extract<L1CallJson, { type: "claimExit" }>): Promise<L1Receipt<bigint>> {
    return this.forced.claimExit(BigInt(c.from), exitClaimFromJson(c));
  }

  private execRefund(c: Extract<L1CallJson, { type: "refundDeposit" }>): Promise<L1Receipt<bigint>> {
    return this.forced.refundDeposit(BigInt(c.from), c.queueIndex);
  }

  private async replay(entries: readonly L1LogEntry[]): Promise<void> {
    for (const { at, call } of entries) {
      if (at > this.chain.now) this.chain.advance(at - this.chain.now);
      await this.dispatch(call);
    }
  }

  private async dispatch(c: L1CallJson): Promise<unknown> {
    switch (c.type) {
      case "mint":
        return this.execMint(c);
      case "deposit":
        return this.execDeposit(c);
      case "submitBatch":
        return this.execSubmitBatch(c);
      case "claimWithdrawal":
        return this.execClaimWithdrawal(c);
      case "requestForcedWithdrawal":
        return this.execRequestForced(c);
      case "dismissForcedWithdrawal":
        return this.execDismissForced(c);
      case "activateExitMode":
        return this.execActivateExit(c);
      case "claimExit":
        return this.execClaimExit(c);
      case "refundDeposit":
        return this.execRefund(c);
    }
  }

  /** Writes the call to the log (fsynced), then runs it, all under the L1's serial order. */
  private logged<C extends L1CallJson, R>(call: C, exec: (c: C) => Promise<R>, afterLog?: () => void): Promise<R> {
    return this.serialized(async () => {
      const entry: L1LogEntry = { at: this.chain.now, call };
      await this.store?.write([{ type: "put", key: seqKey(LOG_PREFIX, this.nextSeq++), value: entry }]);
      afterLog?.();
      return exec(call);
    });
  }

  private serialized<T>(f: () => Promise<T>): Promise<T> {
    const run = this.serial.then(f);
    this.serial = run.catch(() => undefined);
    return run;
  }
}
