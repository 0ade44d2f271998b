/**
 * Censorship resistance, one implementation for both rollup contracts: a forced-withdrawal queue on L1
 * with a deadline, and an exit mode in which every user takes their balance out of the last final root
 * with a Merkle proof, once. The checks, calldata, signed messages and gas lines live here; the contract
 * kind only says what a batch's finality is and which batches are still live (zk-forced-exit.ts,
 * optimistic-forced-exit.ts). On a real chain this would be part of the rollup contract: here it sits
 * at its own address, sees every batch through the contract's batch hook (inside the batch's own
 * transaction), and pays out of the rollup's bridge.
 *
 * Rules:
 * - requestForcedWithdrawal: the user posts a signed L2 withdraw plus a Merkle proof of their account
 *   under the root of a final batch. The L1 checks the proof, the signature (by the proven key, over the
 *   same message as an L2 withdraw), that the nonce is the proven nonce and the amount ≤ the proven
 *   balance. The sequencer then has `deadlineSeconds` of L1 time to include that very withdraw.
 * - The first operation signed by the account in a live batch after the proven root decides the
 *   request (checked as each batch is accepted or proposed, and over the live batches at request time):
 *   a withdraw with the request's account, amount and recipient *includes* it (each carried withdraw
 *   serves one request); any other operation takes its nonce and makes it *stale*. Included becomes
 *   *served* once that batch can no longer be rolled back (zk: accepted; optimistic: final). A batch
 *   that is rolled back does not count either way: the request is pending again, under its first
 *   deadline.
 * - dismissForcedWithdrawal: a stale request can never be served; anyone may dismiss it with a Merkle
 *   proof, under a later final root, that the account's nonce moved past it.
 * - activateExitMode: anyone, once a request is still pending (neither included nor stale: a user
 *   cannot force exit mode by spending the request's nonce in a batch that is not final yet) after its
 *   deadline. No batch is accepted after it. Batches already live
 *   keep their challenge windows and disputes; the exit batch is the latest live batch, and claims open
 *   once it is final (in zk mode at once, L1 reorgs not modelled; in optimistic mode once every batch
 *   live at activation is final or rolled back).
 * - claimExit: a Merkle proof of the account under the exit root and the account key's signature over
 *   (Poseidon("exit", rollupId, index), recipient): pays the balance, once per account. Withdrawals of
 *   final batches stay payable through the bridge (their amounts were debited before the exit root) and
 *   deposits no live batch consumed are refunded to their L1 sender (refundDeposit, also once claims
 *   are open: a rollback may still give a deposit back before).
 */
import type { Signature } from "../crypto/eddsa.ts";
import type { Account } from "../state/account.ts";
import { RollupError } from "../state/errors.ts";
import { verifyAccountProof } from "../state/merkle-proof.ts";
import { BALANCE_BITS, MAX_BALANCE, packAmount } from "../tx/amount.ts";
import { concatBytes } from "../tx/bytes.ts";
import type { RecordLayout } from "../tx/layout.ts";
import { isRollupId, MAX_L1_ADDRESS, signedMessage, type Withdraw } from "../tx/operation.ts";
import type { DepositEntry } from "./bridge.ts";
import { CalldataReader, encodeWord, selector } from "./calldata.ts";
import type { L1Address, L1Chain, L1Receipt, TxContext } from "./chain.ts";
import { keccakGas } from "./dispute-merkle.ts";
import { L1Error, L1Revert, type L1RevertCode } from "./errors.ts";
import {
  CALL_VALUE_GAS,
  COLD_ACCOUNT_ACCESS_GAS,
  SLOAD_COLD_GAS,
  SSTORE_EXISTING_SLOT_GAS,
  SSTORE_NEW_SLOT_GAS,
  poseidonGas,
} from "./gas.ts";
import { chargeSignatureCheck } from "./eddsa-contract.ts";
import {
  EXIT_CLAIM_TAG,
  exitClaimMessage,
  type BatchAccountProof,
  type Carrier,
  type ExitClaim,
  type ExitMode,
  type ForcedExitKind,
  type ForcedRequestStatus,
  type ForcedWithdrawalRequest,
  type QueuedRequest,
} from "./forced-exit-types.ts";

export {
  EXIT_CLAIM_TAG,
  exitClaimMessage,
  type BatchAccountProof,
  type Carrier,
  type ExitClaim,
  type ExitMode,
  type ForcedExitKind,
  type ForcedRequestStatus,
  type ForcedWithdrawalRequest,
  type QueuedRequest,
};

export const FORCED_EXIT_SIGNATURES = {
  requestForcedWithdrawal:
    "requestForcedWithdrawal(uint256,address,uint256,uint256,uint256[3],uint256,uint256,uint256,uint256,uint256,uint256[])",
  dismissForcedWithdrawal: "dismissForcedWithdrawal(uint256,uint256,uint256,uint256,uint256,uint256,uint256[])",
  activateExitMode: "activateExitMode(uint256)",
  claimExit: "claimExit(uint256,address,uint256[3],uint256,uint256,uint256,uint256,uint256[])",
  refundDeposit: "refundDeposit(uint256)",
} as const;

/** A withdraw a batch carries, as its posted data shows it. */
export interface CarriedWithdrawal {
  readonly from: number;
  readonly amount: bigint;
  readonly recipient: L1Address;
  /** Position among the batch's withdrawals (the bridge's index). */
  readonly index: number;
}

/** An operation an L2 account signed (transfer or withdraw), as a batch's posted data shows it. */
export interface SignedRecord {
  readonly from: number;
  readonly withdrawal: CarriedWithdrawal | undefined;
}

/** An extension living in a rollup contract: it sees each batch inside the batch's own transaction. */
export interface BatchHook<B> {
  /** The first thing a batch transaction does: may revert it. */
  readonly before: (tx: TxContext) => void;
  /** The batch is checked and about to be stored: may charge gas and register effects. */
  readonly accepted: (tx: TxContext, batch: B) => void;
}

interface RequestRecord extends QueuedRequest {
  /** Batches that carried its withdraw, oldest first (a rolled-back one is followed by the next). */
  readonly carriers: Carrier[];
  /** Batches whose operation took its nonce, oldest first. */
  readonly spentIn: number[];
  dismissedAt: number | undefined;
}

interface StoredExit {
  readonly activatedAt: number;
  readonly requestId: number;
  readonly batchNumber: number;
}

export interface ForcedExitParams {
  readonly kind: ForcedExitKind;
  /** L1 seconds the sequencer has to include a forced withdrawal. */
  readonly deadlineSeconds: number;
  readonly rollupId: number;
  readonly layout: RecordLayout;
  readonly arities: readonly number[];
}

/**
 * The forced-exit rules over a rollup contract. Subclasses say, for their contract kind, which batches
 * are live, final and irreversible, what a batch carries, and where the bridge's funds are.
 */
export abstract class ForcedExit {
  readonly address: L1Address;
  readonly kind: ForcedExitKind;
  readonly deadlineSeconds: number;
  readonly rollupId: number;
  readonly layout: RecordLayout;
  readonly arities: readonly number[];
  private readonly queue: RequestRecord[] = [];
  private exit: StoredExit | undefined;
  private readonly exitClaims = new Set<number>();
  private readonly refunds = new Set<number>();
  /** Carried withdraws already matched to a request ("batch:index"): each serves one request. */
  private readonly usedCarriers = new Set<string>();

  protected constructor(
    protected readonly chain: L1Chain,
    params: ForcedExitParams,
  ) {
    if (!Number.isSafeInteger(params.deadlineSeconds) || params.deadlineSeconds < 1) {
      throw new L1Error("BAD_CONFIG", "the forced-withdrawal deadline must be a positive whole number of seconds");
    }
    if (!isRollupId(params.rollupId)) throw new L1Error("BAD_CONFIG", "rollupId must be an integer in 0..2^32-1");
    this.address = chain.registerContract(params.kind === "zk" ? "ForcedExit" : "OptimisticForcedExit");
    this.kind = params.kind;
    this.deadlineSeconds = params.deadlineSeconds;
    this.rollupId = params.rollupId;
    this.layout = params.layout;
    this.arities = [...params.arities];
  }

  // ---- what the contract kind decides ----

  /** Where the bridge locks deposits and pays from. */
  abstract get fundsAddress(): L1Address;
  abstract get depositQueue(): readonly DepositEntry[];
  /** The first deposit no live batch consumed. */
  abstract get queueHead(): number;
  /** The latest live batch (0: none, the genesis root). */
  abstract latestBatch(): number;
  /** On L1 and not rolled back. */
  protected abstract isLive(batchNumber: number): boolean;
  /** The root of a live batch (0: genesis). */
  protected abstract liveRoot(batchNumber: number): bigint;
  /** Its root can no longer change and its withdrawals are payable (batch 0, the genesis, is final: see isFinalRoot). */
  protected abstract isFinal(batchNumber: number): boolean;
  /** It can no longer be rolled back: what turns an included request into a served one. */
  protected abstract isIrreversible(batchNumber: number): boolean;
  /** The signed operations live batch `batchNumber` carries, in order. */
  protected abstract signedRecords(batchNumber: number): readonly SignedRecord[];

  // ---- views ----

  get requests(): readonly ForcedWithdrawalRequest[] {
    return this.queue.map((r) => this.view(r));
  }

  pendingRequests(): ForcedWithdrawalRequest[] {
    return this.requests.filter((r) => r.status === "pending");
  }

  get exitMode(): ExitMode | undefined {
    const e = this.exit;
    if (e === undefined) return undefined;
    const batchNumber = this.latestBatch();
    return {
      activatedAt: e.activatedAt,
      requestId: e.requestId,
      activatedAtBatch: e.batchNumber,
      batchNumber,
      root: this.liveRoot(batchNumber),
      claimsOpen: this.isFinalRoot(batchNumber),
    };
  }

  isExitClaimed(index: number): boolean {
    return this.exitClaims.has(index);
  }

  isRefunded(queueIndex: number): boolean {
    return this.refunds.has(queueIndex);
  }

  /** The highest final live batch (0: none, the genesis root). */
  lastFinalBatch(): number {
    for (let n = this.latestBatch(); n > 0; n--) if (this.isLive(n) && this.isFinal(n)) return n;
    return 0;
  }

  /** The root of a final live batch (the genesis root is final), else undefined. */
  finalRoot(batchNumber: number): bigint | undefined {
    return this.isFinalRoot(batchNumber) ? this.liveRoot(batchNumber) : undefined;
  }

  private isFinalRoot(batchNumber: number): boolean {
    return batchNumber === 0 || (this.isLive(batchNumber) && this.isFinal(batchNumber));
  }

  // ---- transactions ----

  async requestForcedWithdrawal(
    sender: L1Address,
    args: { readonly withdraw: Withdraw; readonly witness: BatchAccountProof },
  ): Promise<L1Receipt<ForcedWithdrawalRequest>> {
    const { withdraw: w, witness } = args;
    const input = callInput(FORCED_EXIT_SIGNATURES.requestForcedWithdrawal, [
      BigInt(w.from), w.recipient, w.amount, w.nonce, w.signature.r8x, w.signature.r8y, w.signature.s,
      ...witnessWords(witness),
    ], witness.path);
    return this.chain.execute({ from: sender, to: this.address, method: "requestForcedWithdrawal", input }, async (tx) => {
      const r = new CalldataReader(input);
      r.expectSelector(FORCED_EXIT_SIGNATURES.requestForcedWithdrawal);
      const from = r.length();
      const recipient = r.uint(160);
      const amount = r.uint(BALANCE_BITS);
      const nonce = r.field();
      const signature = readSignature(r);
      const wit = readWitness(r);
      r.end();
      if (this.exit !== undefined) throw revert("EXIT_MODE", "the rollup is in exit mode");
      if (recipient > MAX_L1_ADDRESS) throw new L1Revert("MALFORMED", "recipient is not an L1 address");
      if (amount === 0n || amount > MAX_BALANCE) throw new L1Revert("BAD_AMOUNT", "amount must be in 1..2^64-1");
      try {
        packAmount(amount);
      } catch (e) {
        if (!(e instanceof RollupError)) throw e;
        throw new L1Revert("BAD_AMOUNT", `amount ${amount} has no exact record encoding`, { cause: e });
      }
      await this.checkWitness(tx, from, wit);
      const withdraw: Withdraw = { kind: "withdraw", from, recipient, amount, nonce, signature };
      if (nonce !== wit.account.nonce) {
        throw revert("BAD_NONCE", `request nonce ${nonce} is not the account's nonce ${wit.account.nonce} at batch ${wit.rootBatch}`);
      }
      if (amount > wit.account.balance) {
        throw new L1Revert("INSUFFICIENT_BALANCE", `balance ${wit.account.balance} at batch ${wit.rootBatch} does not cover ${amount}`);
      }
      if (!(await chargeSignatureCheck(tx, wit.account.publicKey, signedMessage(withdraw, this.layout, this.rollupId), signature))) {
        throw revert("BAD_SIGNATURE", "the withdraw is not signed by the proven account's key");
      }
      tx.gas.chargeEach("storage writes", 4, SSTORE_NEW_SLOT_GAS, "request: from|amount|recipient, nonce, key hash, time|carrier|status");
      // The live batches after the proven root may already hold an operation of the account (sent to
      // the sequencer directly): without this a user could force exit mode with a request whose
      // withdraw, or another operation at its nonce, sits in a batch that is not final yet.
      tx.gas.charge("live tail check", 0, "live batches after the proven root: NOT CHARGED (their posted data is read as stored)");
      const decided = this.firstOperationAfter(withdraw, wit.rootBatch);
      const carrier = decided?.carrier;
      const record: RequestRecord = {
        id: this.queue.length,
        requester: tx.from,
        withdraw,
        publicKey: wit.account.publicKey,
        rootBatch: wit.rootBatch,
        requestedAt: tx.timestamp,
        deadline: tx.timestamp + this.deadlineSeconds,
        carriers: carrier === undefined ? [] : [carrier],
        spentIn: decided !== undefined && carrier === undefined ? [decided.batchNumber] : [],
        dismissedAt: undefined,
      };
      tx.emit("ForcedWithdrawalQueued", { id: record.id, from, recipient, amount, deadline: record.deadline }, ["id"]);
      tx.onSuccess(() => {
        this.queue.push(record);
        if (carrier !== undefined) this.usedCarriers.add(carrierKey(carrier));
      });
      return this.view(record);
    });
  }

  async dismissForcedWithdrawal(sender: L1Address, requestId: number, witness: BatchAccountProof): Promise<L1Receipt<ForcedWithdrawalRequest>> {
    const input = callInput(FORCED_EXIT_SIGNATURES.dismissForcedWithdrawal, [BigInt(requestId), ...witnessWords(witness)], witness.path);
    return this.chain.execute({ from: sender, to: this.address, method: "dismissForcedWithdrawal", input }, async (tx) => {
      const r = new CalldataReader(input);
      r.expectSelector(FORCED_EXIT_SIGNATURES.dismissForcedWithdrawal);
      const id = r.length();
      const wit = readWitness(r);
      r.end();
      const request = this.requestOrRevert(tx, id);
      // Whatever its status short of served: the proof under a final root decides (a live carrier newer
      // than that root carries a withdraw at a used nonce: an invalid operation).
      const status = this.view(request).status;
      if (status === "served" || status === "dismissed") throw revert("NOT_PENDING", `request ${id} is ${status}`);
      if (wit.rootBatch <= request.rootBatch) throw new L1Revert("BAD_WITNESS", "the proof must be under a later final root than the request's");
      await this.checkWitness(tx, request.withdraw.from, wit);
      if (wit.account.publicKey.x !== request.publicKey.x || wit.account.publicKey.y !== request.publicKey.y) {
        throw new L1Revert("BAD_WITNESS", "the proven account has another key");
      }
      if (wit.account.nonce <= request.withdraw.nonce) {
        throw revert("NOT_STALE", `the account's nonce ${wit.account.nonce} has not moved past the request's ${request.withdraw.nonce}`);
      }
      tx.gas.charge("storage writes", SSTORE_EXISTING_SLOT_GAS, "request status: SSTORE existing slot");
      tx.emit("ForcedWithdrawalDismissed", { id }, ["id"]);
      tx.onSuccess(() => {
        request.dismissedAt = tx.timestamp;
      });
      return this.view({ ...request, dismissedAt: tx.timestamp });
    });
  }

  async activateExitMode(sender: L1Address, requestId: number): Promise<L1Receipt<ExitMode>> {
    const input = callInput(FORCED_EXIT_SIGNATURES.activateExitMode, [BigInt(requestId)]);
    return this.chain.execute({ from: sender, to: this.address, method: "activateExitMode", input }, (tx) => {
      const r = new CalldataReader(input);
      r.expectSelector(FORCED_EXIT_SIGNATURES.activateExitMode);
      const id = r.length();
      r.end();
      if (this.exit !== undefined) throw revert("EXIT_MODE", "exit mode is already active");
      const request = this.view(this.requestOrRevert(tx, id));
      if (request.status === "included" || request.status === "stale") {
        const b = request.includedIn?.batchNumber ?? request.nonceUsedIn;
        throw revert("NOT_PENDING", `request ${id} is ${request.status} (batch ${b}, not final yet): it lapses only if that batch is rolled back`);
      }
      if (request.status !== "pending") throw revert("NOT_PENDING", `request ${id} is ${request.status}`);
      if (tx.timestamp <= request.deadline) {
        throw new L1Revert("DEADLINE_NOT_PASSED", `request ${id} is due at t=${request.deadline}, it is t=${tx.timestamp}`);
      }
      const exit: StoredExit = { activatedAt: tx.timestamp, requestId: id, batchNumber: this.latestBatch() };
      const root = this.liveRoot(exit.batchNumber);
      tx.gas.chargeEach("storage writes", 2, SSTORE_NEW_SLOT_GAS, "exit flag|time, exit batch");
      tx.emit("ExitModeActivated", { requestId: id, batchNumber: exit.batchNumber, root });
      tx.onSuccess(() => {
        this.exit = exit;
      });
      const claimsOpen = this.isFinalRoot(exit.batchNumber);
      return { activatedAt: exit.activatedAt, requestId: id, activatedAtBatch: exit.batchNumber, batchNumber: exit.batchNumber, root, claimsOpen };
    });
  }

  async claimExit(sender: L1Address, claim: ExitClaim): Promise<L1Receipt<bigint>> {
    const input = callInput(
      FORCED_EXIT_SIGNATURES.claimExit,
      [
        BigInt(claim.index), claim.recipient, claim.signature.r8x, claim.signature.r8y, claim.signature.s,
        claim.account.publicKey.x, claim.account.publicKey.y, claim.account.balance, claim.account.nonce,
      ],
      claim.path,
    );
    return this.chain.execute({ from: sender, to: this.address, method: "claimExit", input }, async (tx) => {
      const r = new CalldataReader(input);
      r.expectSelector(FORCED_EXIT_SIGNATURES.claimExit);
      const index = r.length();
      const recipient = r.uint(160);
      const signature = readSignature(r);
      const account = readAccount(r);
      const path = r.fieldArray();
      r.end();
      if (recipient > MAX_L1_ADDRESS) throw new L1Revert("MALFORMED", "recipient is not an L1 address");
      const root = this.openExitRoot(tx);
      tx.gas.charge("storage reads", SLOAD_COLD_GAS, "claimed flag: SLOAD cold");
      if (this.exitClaims.has(index)) throw new L1Revert("ALREADY_CLAIMED", `account ${index} has already exited`);
      await this.chargeProof(tx);
      if (!verifyAccountProof(this.arities, root, { index, account, path })) {
        throw new L1Revert("BAD_MERKLE_PROOF", `account ${index} is not under the exit root`);
      }
      if (!(await chargeSignatureCheck(tx, account.publicKey, exitClaimMessage(this.rollupId, index, recipient), signature))) {
        throw revert("BAD_SIGNATURE", "the claim is not signed by the account's key");
      }
      if (account.balance === 0n) throw new L1Revert("BAD_AMOUNT", `account ${index} holds nothing`);
      tx.gas.charge("storage writes", SSTORE_NEW_SLOT_GAS, "claimed flag: SSTORE new slot");
      this.pay(tx, recipient, account.balance);
      tx.emit("ExitClaimed", { index, recipient, amount: account.balance }, ["index", "recipient"]);
      tx.onSuccess(() => this.exitClaims.add(index));
      return account.balance;
    });
  }

  /** Once claims are open: returns a deposit no live batch consumed to its L1 sender, once. */
  async refundDeposit(sender: L1Address, queueIndex: number): Promise<L1Receipt<bigint>> {
    const input = callInput(FORCED_EXIT_SIGNATURES.refundDeposit, [BigInt(queueIndex)]);
    return this.chain.execute({ from: sender, to: this.address, method: "refundDeposit", input }, (tx) => {
      const r = new CalldataReader(input);
      r.expectSelector(FORCED_EXIT_SIGNATURES.refundDeposit);
      const index = r.length();
      r.end();
      this.openExitRoot(tx);
      const entry = this.depositQueue[index];
      tx.gas.chargeEach("storage reads", 2, SLOAD_COLD_GAS, "queue entry, queue head: SLOAD cold");
      if (entry === undefined) throw revert("NO_DEPOSIT", `no deposit ${index}`);
      if (index < this.queueHead) throw revert("DEPOSIT_CONSUMED", `deposit ${index} is in a batch: exit with the account instead`);
      if (this.refunds.has(index)) throw new L1Revert("ALREADY_CLAIMED", `deposit ${index} was already refunded`);
      tx.gas.charge("storage writes", SSTORE_NEW_SLOT_GAS, "refunded flag: SSTORE new slot");
      this.pay(tx, entry.sender, entry.amount);
      tx.emit("DepositRefunded", { index, sender: entry.sender, amount: entry.amount }, ["index"]);
      tx.onSuccess(() => this.refunds.add(index));
      return entry.amount;
    });
  }

  // ---- the batch hook: called by the rollup contract inside each batch transaction ----

  /** No batch once exit mode is on. */
  protected refuseInExitMode(tx: TxContext): void {
    tx.gas.charge("storage reads", SLOAD_COLD_GAS, "exit flag: SLOAD cold");
    if (this.exit !== undefined) throw revert("EXIT_MODE", "the rollup is in exit mode: no more batches");
  }

  /**
   * Each signed operation of the new batch decides the account's pending requests: a matching withdraw
   * includes the oldest one, any other operation makes them stale (it took their nonce).
   */
  protected batchAccepted(tx: TxContext, batchNumber: number, ops: readonly SignedRecord[]): void {
    tx.gas.chargeEach("forced-request lookups", ops.length, keccakGas(64) + SLOAD_COLD_GAS, "the account's open request: keccak256(from, slot) + SLOAD cold, per signed operation");
    const decided = new Set<number>();
    for (const op of ops) {
      const open = this.queue.filter((q) => q.withdraw.from === op.from && q.rootBatch < batchNumber && !decided.has(q.id) && this.view(q).status === "pending");
      const w = op.withdrawal;
      const served = w === undefined ? undefined : open.find((q) => matches(q.withdraw, w));
      for (const q of open) {
        decided.add(q.id);
        tx.gas.charge("storage writes", SSTORE_EXISTING_SLOT_GAS, "request carrier|status: SSTORE existing slot");
        if (q === served && w !== undefined) {
          const carrier: Carrier = { batchNumber, withdrawalIndex: w.index };
          tx.emit("ForcedWithdrawalIncluded", { id: q.id, batchNumber, withdrawalIndex: w.index }, ["id"]);
          tx.onSuccess(() => {
            q.carriers.push(carrier);
            this.usedCarriers.add(carrierKey(carrier));
          });
        } else {
          tx.emit("ForcedWithdrawalStale", { id: q.id, batchNumber }, ["id"]);
          tx.onSuccess(() => q.spentIn.push(batchNumber));
        }
      }
    }
  }

  // ---- internals ----

  private view(r: RequestRecord): ForcedWithdrawalRequest {
    const { carriers, spentIn, dismissedAt, ...base } = r;
    if (dismissedAt !== undefined) return { ...base, status: "dismissed", dismissedAt };
    const live = carriers.filter((c) => this.isLive(c.batchNumber));
    const served = live.find((c) => this.isIrreversible(c.batchNumber));
    if (served !== undefined) return { ...base, status: "served", servedIn: served };
    const included = live[0];
    if (included !== undefined) return { ...base, status: "included", includedIn: included };
    const spent = spentIn.find((n) => this.isLive(n));
    return spent === undefined ? { ...base, status: "pending" } : { ...base, status: "stale", nonceUsedIn: spent };
  }

  /**
   * The first operation of `w`'s account in a live batch after `rootBatch`: it carries `w` (a carrier
   * no other request uses) or it took `w`'s nonce. Undefined: none yet.
   */
  private firstOperationAfter(w: Withdraw, rootBatch: number): { batchNumber: number; carrier: Carrier | undefined } | undefined {
    for (let n = rootBatch + 1; n <= this.latestBatch(); n++) {
      if (!this.isLive(n)) continue;
      const op = this.signedRecords(n).find((o) => o.from === w.from);
      if (op === undefined) continue;
      const c = op.withdrawal;
      const carrier = c !== undefined && matches(w, c) ? { batchNumber: n, withdrawalIndex: c.index } : undefined;
      return { batchNumber: n, carrier: carrier !== undefined && !this.usedCarriers.has(carrierKey(carrier)) ? carrier : undefined };
    }
    return undefined;
  }

  /** In exit mode with the exit batch final: its root. */
  private openExitRoot(tx: TxContext): bigint {
    tx.gas.chargeEach("storage reads", 2, SLOAD_COLD_GAS, "exit flag, exit batch status: SLOAD cold");
    if (this.exit === undefined) throw revert("NOT_EXIT_MODE", "the rollup is not in exit mode");
    const n = this.latestBatch();
    if (!this.isFinalRoot(n)) {
      throw new L1Revert("NOT_FINAL", `the exit batch ${n} is not final yet: claims and refunds open once every batch live at activation is final or rolled back`);
    }
    return this.liveRoot(n);
  }

  private pay(tx: TxContext, to: L1Address, amount: bigint): void {
    tx.gas.charge("value transfer", CALL_VALUE_GAS + COLD_ACCOUNT_ACCESS_GAS, "CALL with value 9,000 + cold recipient 2,600 (EIP-2929)");
    tx.move(this.fundsAddress, to, amount);
  }

  private requestOrRevert(tx: TxContext, id: number): RequestRecord {
    tx.gas.chargeEach("storage reads", 4, SLOAD_COLD_GAS, "request slots: SLOAD cold");
    const request = this.queue[id];
    if (request === undefined) throw revert("NO_REQUEST", `no forced withdrawal ${id}`);
    return request;
  }

  /** A witness's root batch must be live and final; the account proof must lead to its root. */
  private async checkWitness(tx: TxContext, index: number, wit: BatchAccountProof): Promise<void> {
    tx.gas.charge("storage reads", SLOAD_COLD_GAS, "batch root: SLOAD cold");
    const root = this.finalRoot(wit.rootBatch);
    if (root === undefined) throw new L1Revert("NOT_FINAL", `batch ${wit.rootBatch} is not a final batch`);
    await this.chargeProof(tx);
    if (!verifyAccountProof(this.arities, root, { index, account: wit.account, path: wit.path })) {
      throw new L1Revert("BAD_MERKLE_PROOF", `the account proof of ${index} does not lead to the root of batch ${wit.rootBatch}`);
    }
  }

  /** Gas of one Merkle proof: the leaf's Poseidon(4) and one Poseidon(arity) a level. */
  private async chargeProof(tx: TxContext): Promise<void> {
    let measured = await poseidonGas(4);
    for (const a of this.arities) measured += await poseidonGas(a);
    tx.gas.charge("merkle proof", measured, `leaf Poseidon(4) + Poseidon(arity) per level [${this.arities.join(",")}], measured`);
  }
}

/** The forced-exit rules' own revert codes (listed in src/l1/errors.ts). */
export type ForcedExitRevertCode = Extract<
  L1RevertCode,
  "EXIT_MODE" | "NOT_EXIT_MODE" | "BAD_NONCE" | "BAD_SIGNATURE" | "NOT_PENDING" | "NOT_STALE" | "NO_REQUEST" | "NO_DEPOSIT" | "DEPOSIT_CONSUMED"
>;

function revert(code: ForcedExitRevertCode, message: string): L1Revert {
  return new L1Revert(code, message);
}

/** The record fields a batch shows of a withdraw (its nonce and signature are not posted in zk mode). */
function matches(w: Withdraw, c: CarriedWithdrawal): boolean {
  return w.from === c.from && w.amount === c.amount && w.recipient === c.recipient;
}

function carrierKey(c: Carrier): string {
  return `${c.batchNumber}:${c.withdrawalIndex}`;
}

function witnessWords(w: BatchAccountProof): bigint[] {
  return [BigInt(w.rootBatch), w.account.publicKey.x, w.account.publicKey.y, w.account.balance, w.account.nonce];
}

/** An account's words, range-checked as they are read: keys and nonce below p, balance 64-bit. */
function readAccount(r: CalldataReader): Account {
  return { publicKey: { x: r.field(), y: r.field() }, balance: r.uint(BALANCE_BITS), nonce: r.field() };
}

function readWitness(r: CalldataReader): BatchAccountProof {
  const rootBatch = r.length();
  const account = readAccount(r);
  return { rootBatch, account, path: r.fieldArray() };
}

/** R8 is a curve point (field elements); S is checked against the subgroup order by the verifier. */
function readSignature(r: CalldataReader): Signature {
  return { r8x: r.field(), r8y: r.field(), s: r.word() };
}

/** selector | words | (optional) a length-prefixed word array. */
function callInput(signature: string, words: readonly bigint[], array?: readonly bigint[]): Uint8Array {
  const parts = [selector(signature), ...words.map(encodeWord)];
  if (array !== undefined) parts.push(encodeWord(BigInt(array.length)), ...array.map(encodeWord));
  return concatBytes(parts);
}
