/**
 * The L1 as the node hosts it: contracts/ZkRollup.sol (its client ZkRollupL1: the ZkL1 and ForcedExitL1
 * interfaces) in an in-process EVM (EvmSession.inProcess), every block mined at the time of an L1Clock,
 * made durable by a write-ahead log of its inputs.
 *
 * Why a log and a replay, not a state snapshot: the in-process EVM (EDR) cannot dump or load its state.
 * It is deterministic instead: the same contracts deployed with the same parameters and sent the same
 * transactions at the same block numbers and timestamps give the same addresses, roots, receipts and
 * events. So the node persists exactly that: each L1 input (with the L1 time and the block it follows) is
 * written to the store and fsynced *before* it executes, and the clock's position after each tick; on
 * start it deploys into a fresh EVM and replays the log (proofs are verified again on the way). A crash
 * after the log write and before execution replays as if the transaction had executed: the node only ever
 * reports an L1 effect after its log entry is on disk, so nothing it said is lost or reversed.
 *
 * Time: one block per slot tick (at the slot's timestamp) besides one per transaction, so the contract's
 * block-counted finality moves while the L1 is idle; ticks and transactions are serialized, so the time
 * and block a transaction is logged at are the ones it executes at, and a replay of the ticks between two
 * logged transactions mines the same blocks at the same times.
 *
 * The node reads the L1 on hot paths synchronously: `view` mirrors what the contract says (its views and
 * events), refreshed after every transaction and tick. It holds no rule of its own.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { JsonObject } from "snarkjs";
import { writeFileAtomic } from "../artifacts/files.ts";
import type { PublicKey } from "../crypto/eddsa.ts";
import type { L1Address } from "../l1/address.ts";
import type { AcceptedBatch, DepositEntry, WithdrawalEntry } from "../l1/bridge-types.ts";
import { L1Clock } from "../l1/clock.ts";
import type { BatchAccountProof, ExitClaim, ExitMode, ForcedWithdrawalRequest } from "../l1/forced-exit-types.ts";
import { ZkRollupL1, type ZkRollupL1Config } from "../evm/zk-rollup.ts";
import { EvmSession } from "../evm/client.ts";
import type { ZkL1Receipt } from "../evm/zk-l1.ts";
import type { RecordLayout } from "../tx/layout.ts";
import { unpackAmount } from "../tx/amount.ts";
import { KIND_CODE, decodeRecord, type Withdraw } from "../tx/operation.ts";
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
import { NodeError } from "./errors.ts";
import { seqKey, type NodeStore } from "./store.ts";

export interface L1Params {
  readonly rollupId: number;
  readonly layout: RecordLayout;
  readonly arities: readonly number[];
  readonly capacity: number;
  readonly vkey: JsonObject;
  /** The proving key the verifier contract is exported from (its verification key is `vkey`). */
  readonly zkey: string;
  readonly genesisRoot: bigint;
  readonly slotSeconds: number;
  /**
   * Slot ticks after its acceptance block before a batch is final. The contract counts blocks (one per
   * tick and one per transaction), so a batch is final after at most this many slots.
   */
  readonly finalitySlots: number;
  readonly forcedDeadlineSeconds: number;
}

export type L1Receipt<T> = ZkL1Receipt<T>;

/** One logged L1 input. Addresses are hex, numbers decimal strings. */
export type L1CallJson =
  | { type: "fund"; to: string; amount: string }
  | { type: "deposit"; from: string; publicKey: PublicKeyJson; amount: string }
  | { type: "submitBatch"; from: string; records: string; withdrawalRecipients: string[]; newRoot: string; proof: JsonObject }
  | { type: "claimWithdrawal"; from: string; batchNumber: number; index: number }
  | { type: "requestForcedWithdrawal"; from: string; withdraw: OperationJson }
  | { type: "dismissForcedWithdrawal"; from: string; requestId: number; witness: BatchAccountProofJson }
  | { type: "activateExitMode"; from: string; requestId: number }
  | ({ type: "claimExit"; from: string } & ExitClaimJson)
  | { type: "refundDeposit"; from: string; queueIndex: number }
  | { type: "releaseBond"; from: string; requestId: number };

export interface L1LogEntry {
  /** L1 time (s) the input executes at. */
  readonly at: number;
  /** The EVM's latest block number before it (the blocks in between are slot ticks). */
  readonly block: number;
  readonly call: L1CallJson;
}

/** The clock's position after the last tick. */
export interface L1ClockRecord {
  readonly at: number;
  readonly block: number;
}

/** What the node reads synchronously: the contract's state as its views and events last said. */
export interface L1View {
  readonly block: number;
  readonly currentRoot: bigint;
  /** Accepted batches, batch n at n - 1. */
  readonly batches: readonly AcceptedBatch[];
  /** Every deposit ever queued, by queue index. */
  readonly depositQueue: readonly DepositEntry[];
  readonly queueHead: number;
  /** The highest final batch (0: none). */
  readonly lastFinalBatch: number;
  /** L1 time each final batch was first seen final, batch n at n - 1. */
  readonly finalAt: readonly number[];
  readonly forcedRequests: readonly ForcedWithdrawalRequest[];
  readonly exitMode: ExitMode | undefined;
}

const LOG_PREFIX = "l1/tx/";
const CLOCK_KEY = "l1/clock";
/** Where the verification key the verifier contract is built for is written (its file names the cache entry). */
const VKEY_FILE = "verification_key.json";

export class L1Host {
  readonly clock: L1Clock;
  private serial: Promise<unknown> = Promise.resolve();
  private nextSeq = 0;
  private transactions = 0;
  private state: L1View;

  private constructor(
    private readonly store: NodeStore | undefined,
    readonly evm: ZkRollupL1,
    clock: L1Clock,
  ) {
    this.clock = clock;
    this.state = {
      block: 0,
      currentRoot: evm.genesisRoot,
      batches: [],
      depositQueue: [],
      queueHead: 0,
      lastFinalBatch: 0,
      finalAt: [],
      forcedRequests: [],
      exitMode: undefined,
    };
  }

  /** Deploys into a fresh EVM, replays the store's log (verifying every proof again) and keeps logging to it. */
  static async open(store: NodeStore, params: L1Params): Promise<L1Host> {
    const host = await L1Host.deploy(store, params, store.dir);
    const { entries, clock } = await L1Host.readLog(store);
    await host.replay(entries, clock);
    host.nextSeq = entries.length;
    return host;
  }

  /** A chain rebuilt from a log alone (what anyone holding the L1 inputs can do), not logging further. */
  static async fromLog(entries: readonly L1LogEntry[], params: L1Params, clock: L1ClockRecord | undefined, vkeyDir: string): Promise<L1Host> {
    const host = await L1Host.deploy(undefined, params, vkeyDir);
    await host.replay(entries, clock);
    return host;
  }

  static async readLog(store: NodeStore): Promise<{ entries: L1LogEntry[]; clock: L1ClockRecord | undefined }> {
    const entries = (await store.entries<L1LogEntry>(LOG_PREFIX)).map(([, e]) => e);
    return { entries, clock: await store.get<L1ClockRecord>(CLOCK_KEY) };
  }

  private static async deploy(store: NodeStore | undefined, params: L1Params, vkeyDir: string): Promise<L1Host> {
    const vkeyPath = join(vkeyDir, VKEY_FILE);
    const vkeyText = JSON.stringify(params.vkey, null, 1);
    if (!existsSync(vkeyPath) || readFileSync(vkeyPath, "utf8") !== vkeyText) writeFileAtomic(vkeyPath, vkeyText);
    const keys = { zkey: params.zkey, vkey: vkeyPath };
    const clock = new L1Clock({ slotSeconds: params.slotSeconds });
    const session = await EvmSession.inProcess();
    // ZkRollupL1 deploys without the clock, and the EVM stamps a block with no set time from the wall clock:
    // the deployment is mined at the clock's time instead, the same in every replay. The L1 starts at
    // slot 1 (EDR takes a block time of 0 for "none").
    clock.advanceSlots(1);
    const deploy = session.deploy.bind(session);
    session.deploy = async (from, bytecode, what) => {
      await session.setNextTimestamp(clock.now);
      return deploy(from, bytecode, what);
    };
    const config: ZkRollupL1Config & { readonly forcedDeadlineSeconds: number; readonly arities: readonly number[] } = {
      session,
      clock,
      rollupId: params.rollupId,
      layout: params.layout,
      capacity: params.capacity,
      genesisRoot: params.genesisRoot,
      keys,
      // ZkRollup.sol's finalityBlocks counts up to the block a claim lands in: one more than the ticks.
      finalityBlocks: params.finalitySlots + 1,
      forcedDeadlineSeconds: params.forcedDeadlineSeconds,
      arities: params.arities,
    };
    const evm = await ZkRollupL1.start(config);
    const deployedAt = Number((await session.public.getBlock({ blockTag: "latest" })).timestamp);
    if (deployedAt !== clock.now) throw new NodeError("HALTED", `the L1 deployment was mined at t=${deployedAt} s, not at ${clock.now} s`);
    const host = new L1Host(store, evm, clock);
    await host.refresh();
    return host;
  }

  get now(): number {
    return this.clock.now;
  }

  /** The contract's state as last read (after the last transaction or tick). */
  get view(): L1View {
    return this.state;
  }

  /** L1 transactions executed (the deployment not counted). */
  get transactionCount(): number {
    return this.transactions;
  }

  /** The receipt of the transaction that accepted batch `n` (each transaction has its own block). */
  async acceptance(n: number): Promise<{ blockNumber: number; timestamp: number; gasUsed: number; calldataBytes: number }> {
    const b = this.state.batches[n - 1];
    if (b === undefined) throw new NodeError("RECOVERY_MISMATCH", `batch ${n} is not on L1`);
    const block = await this.evm.session.public.getBlock({ blockNumber: BigInt(b.blockNumber), includeTransactions: true });
    const tx = block.transactions[0];
    if (tx === undefined) throw new NodeError("RECOVERY_MISMATCH", `block ${b.blockNumber} holds no transaction`);
    const receipt = await this.evm.session.public.getTransactionReceipt({ hash: tx.hash });
    return { blockNumber: b.blockNumber, timestamp: b.timestamp, gasUsed: Number(receipt.gasUsed), calldataBytes: (tx.input.length - 2) / 2 };
  }

  /** Moves the L1 one slot on (one block at the slot's timestamp) and records the clock. */
  tick(): Promise<void> {
    return this.serialized(async () => {
      await this.advanceSlot();
      const record: L1ClockRecord = { at: this.clock.now, block: this.state.block };
      await this.store?.write([{ type: "put", key: CLOCK_KEY, value: record }]);
      crashPoint("tick:after-log");
    });
  }

  // ---- L1 inputs (each logged before it runs) ----

  /** The faucet: adds to an address's L1 balance (a ledger change, not a transaction). */
  fund(to: L1Address, amount: bigint): Promise<void> {
    return this.logged({ type: "fund", to: addressHex(to), amount: amount.toString() }, (c) => this.execFund(c));
  }

  deposit(from: L1Address, publicKey: PublicKey, amount: bigint): Promise<L1Receipt<DepositEntry>> {
    return this.serializedWithFunds(from, amount, () =>
      this.loggedNow({ type: "deposit", from: addressHex(from), publicKey: publicKeyToJson(publicKey), amount: amount.toString() }, (c) => this.execDeposit(c)),
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

  requestForcedWithdrawal(from: L1Address, withdraw: Withdraw): Promise<L1Receipt<ForcedWithdrawalRequest>> {
    return this.logged({ type: "requestForcedWithdrawal", from: addressHex(from), withdraw: operationToJson(withdraw) }, (c) => this.execRequestForced(c));
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

  /**
   * Proven before it is logged: a claim with no proof under the exit root is refused (400) and leaves no
   * log entry. The log keeps the claim, not the proof: a replay proves it again under the same root.
   */
  claimExit(from: L1Address, claim: ExitClaim): Promise<L1Receipt<bigint>> {
    return this.serialized(async () => {
      const proven = await this.evm.proveExitClaim(claim);
      return this.loggedNow({ type: "claimExit", from: addressHex(from), ...exitClaimToJson(claim) }, () => this.evm.submitExitClaim(from, proven));
    });
  }

  releaseBond(from: L1Address, requestId: number): Promise<L1Receipt<bigint>> {
    return this.logged({ type: "releaseBond", from: addressHex(from), requestId }, (c) => this.evm.releaseBond(BigInt(c.from), c.requestId));
  }

  refundDeposit(from: L1Address, queueIndex: number): Promise<L1Receipt<bigint>> {
    return this.logged({ type: "refundDeposit", from: addressHex(from), queueIndex }, (c) => this.execRefund(c));
  }

  // ---- execution, shared by live calls and replay ----

  private async execFund(c: Extract<L1CallJson, { type: "fund" }>): Promise<void> {
    await this.evm.fund(BigInt(c.to), BigInt(c.amount));
  }

  private execDeposit(c: Extract<L1CallJson, { type: "deposit" }>): Promise<L1Receipt<DepositEntry>> {
    return this.evm.deposit(BigInt(c.from), publicKeyFromJson(c.publicKey), BigInt(c.amount));
  }

  private execSubmitBatch(c: Extract<L1CallJson, { type: "submitBatch" }>): Promise<L1Receipt<AcceptedBatch>> {
    return this.evm.submitBatch(BigInt(c.from), {
      records: hexToBytes(c.records),
      withdrawalRecipients: c.withdrawalRecipients.map((r) => BigInt(r)),
      newRoot: BigInt(c.newRoot),
      proof: c.proof,
    });
  }

  private execClaimWithdrawal(c: Extract<L1CallJson, { type: "claimWithdrawal" }>): Promise<L1Receipt<WithdrawalEntry>> {
    return this.evm.claimWithdrawal(BigInt(c.from), c.batchNumber, c.index);
  }

  private execRequestForced(c: Extract<L1CallJson, { type: "requestForcedWithdrawal" }>): Promise<L1Receipt<ForcedWithdrawalRequest>> {
    const op = operationFromJson(c.withdraw);
    if (op.kind !== "withdraw") throw new NodeError("STORE_CORRUPT", "a logged forced withdrawal is not a withdraw");
    return this.evm.requestForcedWithdrawal(BigInt(c.from), op);
  }

  private execDismissForced(c: Extract<L1CallJson, { type: "dismissForcedWithdrawal" }>): Promise<L1Receipt<ForcedWithdrawalRequest>> {
    return this.evm.dismissForcedWithdrawal(BigInt(c.from), c.requestId, batchAccountProofFromJson(c.witness));
  }

  private execActivateExit(c: Extract<L1CallJson, { type: "activateExitMode" }>): Promise<L1Receipt<ExitMode>> {
    return this.evm.activateExitMode(BigInt(c.from), c.requestId);
  }

  private execClaimExit(c: Extract<L1CallJson, { type: "claimExit" }>): Promise<L1Receipt<bigint>> {
    return this.evm.claimExit(BigInt(c.from), exitClaimFromJson(c));
  }

  private execRefund(c: Extract<L1CallJson, { type: "refundDeposit" }>): Promise<L1Receipt<bigint>> {
    return this.evm.refundDeposit(BigInt(c.from), c.queueIndex);
  }

  private dispatch(c: L1CallJson): Promise<unknown> {
    switch (c.type) {
      case "fund":
        return this.execFund(c);
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
      case "releaseBond":
        return this.evm.releaseBond(BigInt(c.from), c.requestId);
    }
  }

  /** Replays the log: each entry after the slot ticks that came before it, at its logged time. */
  private async replay(entries: readonly L1LogEntry[], clock: L1ClockRecord | undefined): Promise<void> {
    for (const { at, block, call } of entries) {
      await this.ticksUntil(block, at);
      try {
        await this.dispatch(call);
      } catch (err) {
        // The live call threw the same way (the EVM is deterministic): a transaction the EVM refused to
        // mine. One that mined and then threw here is not what ran live.
        if ((await this.evm.session.blockNumber()) !== block) throw err;
      }
      if (call.type !== "fund") this.transactions++;
      await this.refresh();
    }
    // The ticks after the last logged input (a clock record older than it was passed by the replay).
    if (clock !== undefined && clock.block > this.state.block) await this.ticksUntil(clock.block, clock.at);
  }

  /** Mines the slot ticks up to `block`; the clock must then read `at` (else the log is not this chain's). */
  private async ticksUntil(block: number, at: number): Promise<void> {
    while (this.state.block < block) await this.advanceSlot();
    if (this.state.block !== block || this.clock.now !== at) {
      throw new NodeError("RECOVERY_MISMATCH", `the L1 log expects block ${block} at t=${at} s; the replay is at block ${this.state.block}, t=${this.clock.now} s`);
    }
  }

  /** One slot on: an empty block at the new slot's timestamp, then the view is read again. */
  private async advanceSlot(): Promise<void> {
    this.clock.advanceSlots(1);
    // One call: EDR's evm_mine takes the block's timestamp (a replay mines every tick again).
    await this.evm.session.backend.request("evm_mine", [this.clock.now]);
    // An empty block changes no storage: of the view, only the block and what is final by now move.
    const block = this.state.block + 1;
    this.state = { ...this.state, block, ...(await this.finality(this.state.batches.length)) };
  }

  /** Reads the contract's state into `view` (new batches and deposits only: both never change once there). */
  private async refresh(): Promise<void> {
    const evm = this.evm;
    const prev = this.state;
    const [block, count, currentRoot, queueHead, depositQueue] = await Promise.all([
      evm.session.blockNumber(),
      evm.batchCount(),
      evm.currentRoot(),
      evm.queueHead(),
      evm.depositQueue(),
    ]);
    const batches = [...prev.batches];
    for (let n = batches.length + 1; n <= count; n++) {
      const b = await evm.batch(n);
      if (b === undefined) throw new NodeError("RECOVERY_MISMATCH", `batch ${n} is counted on L1 but has no BatchAccepted event`);
      batches.push(b);
    }
    const [forcedRequests, exitMode] = await Promise.all([evm.forcedRequests(), evm.exitMode()]);
    this.state = { ...prev, block, currentRoot, batches, depositQueue, queueHead, forcedRequests, exitMode };
    this.state = { ...this.state, ...(await this.finality(count)) };
  }

  /**
   * Final as claimWithdrawal judges it (finalityBlocks after acceptance), asked of the client batch by
   * batch from the last final one; the forced exit's own notion (an accepted zk batch cannot be rolled
   * back) is in the request statuses.
   */
  private async finality(count: number): Promise<Pick<L1View, "lastFinalBatch" | "finalAt">> {
    let lastFinal = this.state.lastFinalBatch;
    while (lastFinal < count && (await this.evm.isFinal(lastFinal + 1))) lastFinal++;
    if (lastFinal === this.state.lastFinalBatch) return { lastFinalBatch: lastFinal, finalAt: this.state.finalAt };
    const finalAt = [...this.state.finalAt];
    while (finalAt.length < lastFinal) finalAt.push(this.clock.now);
    return { lastFinalBatch: lastFinal, finalAt };
  }

  /** Writes the call to the log (fsynced), then runs it, all under the L1's serial order. */
  private logged<C extends L1CallJson, R>(call: C, exec: (c: C) => Promise<R>, afterLog?: () => void): Promise<R> {
    return this.serialized(() => this.loggedNow(call, exec, afterLog));
  }

  private async loggedNow<C extends L1CallJson, R>(call: C, exec: (c: C) => Promise<R>, afterLog?: () => void): Promise<R> {
    const entry: L1LogEntry = { at: this.clock.now, block: this.state.block, call };
    await this.store?.write([{ type: "put", key: seqKey(LOG_PREFIX, this.nextSeq++), value: entry }]);
    afterLog?.();
    try {
      return await exec(call);
    } finally {
      if (call.type !== "fund") this.transactions++;
      await this.refresh();
    }
  }

  /**
   * An EVM refuses (does not mine) a transaction whose value exceeds the sender's balance: such a deposit
   * is refused here, before anything is logged, so the log holds only what mines.
   */
  private serializedWithFunds<T>(from: L1Address, value: bigint, f: () => Promise<T>): Promise<T> {
    return this.serialized(async () => {
      const balance = await this.evm.balanceOf(from);
      if (balance < value) throw new NodeError("L1_INSUFFICIENT_FUNDS", `${addressHex(from)} holds ${balance} on L1, less than the ${value} sent`);
      return f();
    });
  }

  private serialized<T>(f: () => Promise<T>): Promise<T> {
    const run = this.serial.then(f);
    this.serial = run.catch(() => undefined);
    return run;
  }

  /** Ends the in-process EVM. */
  async close(): Promise<void> {
    await this.evm.session.close();
  }
}

/** A batch's withdrawals as its calldata posts them: withdraw records in order, recipients beside them. */
export function withdrawalsOf(batch: AcceptedBatch, layout: RecordLayout): { index: number; recipient: L1Address; amount: bigint }[] {
  const out: { index: number; recipient: L1Address; amount: bigint }[] = [];
  for (let at = 0; at < batch.records.length; at += layout.recordBytes) {
    const rec = decodeRecord(batch.records.subarray(at, at + layout.recordBytes), layout);
    if (rec.kind !== KIND_CODE.withdraw) continue;
    const recipient = batch.withdrawalRecipients[out.length];
    if (recipient === undefined) throw new NodeError("RECOVERY_MISMATCH", `batch ${batch.number} has fewer recipients than withdraw records`);
    out.push({ index: out.length, recipient, amount: unpackAmount(rec.amount) });
  }
  return out;
}

