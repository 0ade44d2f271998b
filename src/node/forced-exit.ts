/**
 * Censorship resistance for the zk rollup: a forced-withdrawal queue on L1 with a deadline, and an exit
 * mode in which every user takes their balance out of the last final root with a Merkle proof, once.
 *
 * On a real chain this would be part of the rollup contract; here it is a thin extension around the
 * simulated ZkRollupContract (which it owns: batches are submitted through it, so it can refuse them in
 * exit mode) and it pays out of the rollup's locked funds (the bridge's address — one contract in
 * Solidity). Its methods run as L1 transactions with real calldata, checks and gas lines.
 *
 * Rules:
 * - requestForcedWithdrawal: the user posts a signed L2 withdraw plus a Merkle proof of their account
 *   under the root of a final batch. The L1 checks the proof, the signature (by the proven key, over the
 *   same message as an L2 withdraw), that the nonce is the proven nonce and the amount ≤ the proven
 *   balance. The sequencer then has `deadlineSeconds` of L1 time to include that very withdraw.
 * - The request is served when an accepted batch carries a withdraw record with its account, amount and
 *   recipient (checked as each batch is submitted through this contract).
 * - dismissForcedWithdrawal: a request whose nonce was used by another operation (the user raced their
 *   own request) can never be included; anyone may dismiss it with a Merkle proof, under a later final
 *   root, that the account's nonce moved past it. Without this a user could force exit mode at will.
 * - activateExitMode: anyone, once a pending request's deadline has passed. The exit root is the rollup's
 *   current root (no batch can be added after, and every accepted batch becomes final: L1 reorgs are not
 *   modelled); claims open once that batch is final.
 * - claimExit: a Merkle proof of the account under the exit root and the account key's signature over
 *   (index, recipient): pays the balance, once per account. Withdrawals of accepted batches stay payable
 *   through the bridge (their amounts were already debited in the exit root), and deposits no batch
 *   consumed are refunded to their L1 sender (refundDeposit): everything the bridge holds is accounted.
 */
import type { PublicKey, Signature } from "../crypto/eddsa.ts";
import { verify } from "../crypto/eddsa.ts";
import { poseidon } from "../crypto/poseidon.ts";
import type { Account } from "../state/account.ts";
import { RollupError } from "../state/errors.ts";
import { MAX_BALANCE, packAmount } from "../tx/amount.ts";
import { concatBytes } from "../tx/bytes.ts";
import { KIND_CODE, MAX_L1_ADDRESS, decodeRecord, signedMessage, type Withdraw } from "../tx/operation.ts";
import { unpackAmount } from "../tx/amount.ts";
import { CalldataReader, encodeSubmitBatch, encodeWord, selector, type SubmitBatchArgs } from "../l1/calldata.ts";
import type { L1Address, L1Chain, L1Receipt, TxContext } from "../l1/chain.ts";
import { L1Revert, type L1RevertCode } from "../l1/errors.ts";
import {
  CALL_VALUE_GAS,
  COLD_ACCOUNT_ACCESS_GAS,
  POSEIDON_CONTRACT_MAX_INPUTS,
  SLOAD_COLD_GAS,
  SSTORE_EXISTING_SLOT_GAS,
  SSTORE_NEW_SLOT_GAS,
  poseidonGas,
} from "../l1/gas.ts";
import { estimatedPoseidonGas } from "../l1/optimistic-rollup.ts";
import type { AcceptedBatch, ZkRollupContract } from "../l1/zk-rollup.ts";
import { verifyAccountProof } from "./merkle-proof.ts";

export const FORCED_EXIT_SIGNATURES = {
  requestForcedWithdrawal:
    "requestForcedWithdrawal(uint256,address,uint256,uint256,uint256[3],uint256,uint256,uint256,uint256,uint256,uint256[])",
  dismissForcedWithdrawal: "dismissForcedWithdrawal(uint256,uint256,uint256,uint256,uint256,uint256,uint256[])",
  activateExitMode: "activateExitMode(uint256)",
  claimExit: "claimExit(uint256,address,uint256[3],uint256,uint256,uint256,uint256,uint256[])",
  refundDeposit: "refundDeposit(uint256)",
} as const;

/** Domain tag of an exit claim's signed message ("exit" in ASCII), so no L2 signature doubles as one. */
export const EXIT_CLAIM_TAG = 0x65786974n;

export interface ForcedExitConfig {
  /** L1 seconds the sequencer has to include a forced withdrawal. */
  readonly deadlineSeconds: number;
  readonly arities: readonly number[];
}

export type ForcedRequestStatus = "pending" | "served" | "dismissed";

export interface ForcedWithdrawalRequest {
  readonly id: number;
  readonly requester: L1Address;
  readonly withdraw: Withdraw;
  readonly publicKey: PublicKey;
  /** The final batch whose root the request's account proof was checked against. */
  readonly rootBatch: number;
  readonly requestedAt: number;
  readonly deadline: number;
  readonly status: ForcedRequestStatus;
  readonly servedIn?: { readonly batchNumber: number; readonly withdrawalIndex: number };
  readonly dismissedAt?: number;
}

export interface ExitMode {
  readonly activatedAt: number;
  readonly requestId: number;
  /** The last batch: its root is the exit root; claims open once it is final. */
  readonly batchNumber: number;
  readonly root: bigint;
}

/** What proves an account under a batch's root. */
export interface AccountWitness {
  readonly rootBatch: number;
  readonly account: Account;
  readonly path: readonly bigint[];
}

export interface ExitClaim {
  readonly index: number;
  readonly account: Account;
  readonly path: readonly bigint[];
  readonly recipient: L1Address;
  readonly signature: Signature;
}

/** The message an exit claim signs: (Poseidon(tag, rollupId, index), recipient). */
export function exitClaimMessage(rollupId: number, index: number, recipient: L1Address): readonly [bigint, bigint] {
  return [poseidon([EXIT_CLAIM_TAG, BigInt(rollupId), BigInt(index)]), recipient];
}

export class ForcedExitRollup {
  readonly address: L1Address;
  readonly deadlineSeconds: number;
  private readonly arities: readonly number[];
  private readonly queue: ForcedWithdrawalRequest[] = [];
  private exit: ExitMode | undefined;
  private readonly exitClaims = new Set<number>();
  private readonly refunds = new Set<number>();
  /** Serializes the gate (exit mode) with submissions: no batch slips in after activation. */
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly chain: L1Chain,
    readonly zk: ZkRollupContract,
    config: ForcedExitConfig,
  ) {
    if (!Number.isSafeInteger(config.deadlineSeconds) || config.deadlineSeconds < 1) {
      throw new RangeError("the forced-withdrawal deadline must be a positive whole number of seconds");
    }
    this.address = chain.registerContract("ForcedExit");
    this.deadlineSeconds = config.deadlineSeconds;
    this.arities = [...config.arities];
  }

  // ---- views ----

  get requests(): readonly ForcedWithdrawalRequest[] {
    return this.queue;
  }

  pendingRequests(): ForcedWithdrawalRequest[] {
    return this.queue.filter((r) => r.status === "pending");
  }

  get exitMode(): ExitMode | undefined {
    return this.exit;
  }

  isExitClaimed(index: number): boolean {
    return this.exitClaims.has(index);
  }

  isRefunded(queueIndex: number): boolean {
    return this.refunds.has(queueIndex);
  }

  /** The highest final batch (0: none, the genesis root). */
  lastFinalBatch(): number {
    for (let n = this.zk.batchCount; n > 0; n--) if (this.zk.isFinal(n)) return n;
    return 0;
  }

  rootOf(batchNumber: number): bigint | undefined {
    if (batchNumber === 0) return this.zk.genesisRoot;
    return this.zk.batch(batchNumber)?.newRoot;
  }

  private isFinal(batchNumber: number): boolean {
    return batchNumber === 0 || this.zk.isFinal(batchNumber);
  }

  // ---- transactions ----

  async requestForcedWithdrawal(
    sender: L1Address,
    args: { readonly withdraw: Withdraw; readonly witness: AccountWitness },
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
      const recipient = r.word();
      const amount = r.word();
      const nonce = r.word();
      const signature = { r8x: r.word(), r8y: r.word(), s: r.word() };
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
      tx.gas.charge("eddsa verification", 0, "EdDSA-Poseidon on Baby Jubjub: NOT CHARGED (no EVM verifier measured here)");
      if (!verify(wit.account.publicKey, signedMessage(withdraw, this.zk.layout, this.zk.rollupId), signature)) {
        throw revert("BAD_SIGNATURE", "the withdraw is not signed by the proven account's key");
      }
      tx.gas.chargeEach("storage writes", 4, SSTORE_NEW_SLOT_GAS, "request: from|amount|recipient, nonce, key hash, time|status");
      const request: ForcedWithdrawalRequest = {
        id: this.queue.length,
        requester: tx.from,
        withdraw,
        publicKey: wit.account.publicKey,
        rootBatch: wit.rootBatch,
        requestedAt: tx.timestamp,
        deadline: tx.timestamp + this.deadlineSeconds,
        status: "pending",
      };
      tx.emit("ForcedWithdrawalQueued", { id: request.id, from, recipient, amount, deadline: request.deadline }, ["id"]);
      tx.onSuccess(() => {
        this.queue.push(request);
        // Already in a batch accepted since the proven root (e.g. also sent to the sequencer directly).
        for (let n = wit.rootBatch + 1; n <= this.zk.batchCount; n++) this.markServedBy(this.zk.batch(n));
      });
      return request;
    });
  }

  /**
   * Submits a batch to the zk contract unless the rollup is in exit mode, then marks the forced
   * withdrawals the batch carries as served (in Solidity: part of submitBatch).
   */
  async submitBatch(sender: L1Address, args: SubmitBatchArgs): Promise<L1Receipt<AcceptedBatch | undefined>> {
    return this.locked(async () => {
      if (this.exit !== undefined) {
        const input = encodeSubmitBatch(args);
        return this.chain.execute({ from: sender, to: this.address, method: "submitBatch", input }, (): AcceptedBatch | undefined => {
          throw revert("EXIT_MODE", "the rollup is in exit mode: no more batches");
        });
      }
      const receipt = await this.zk.submitBatch(sender, args);
      if (receipt.status === "success") this.markServedBy(receipt.result);
      return receipt;
    });
  }

  async dismissForcedWithdrawal(sender: L1Address, requestId: number, witness: AccountWitness): Promise<L1Receipt<ForcedWithdrawalRequest>> {
    const input = callInput(FORCED_EXIT_SIGNATURES.dismissForcedWithdrawal, [BigInt(requestId), ...witnessWords(witness)], witness.path);
    return this.chain.execute({ from: sender, to: this.address, method: "dismissForcedWithdrawal", input }, async (tx) => {
      const r = new CalldataReader(input);
      r.expectSelector(FORCED_EXIT_SIGNATURES.dismissForcedWithdrawal);
      const id = r.length();
      const wit = readWitness(r);
      r.end();
      const request = this.requestOrRevert(tx, id);
      if (request.status !== "pending") throw revert("NOT_PENDING", `request ${id} is ${request.status}`);
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
      const dismissed: ForcedWithdrawalRequest = { ...request, status: "dismissed", dismissedAt: tx.timestamp };
      tx.onSuccess(() => {
        this.queue[id] = dismissed;
      });
      return dismissed;
    });
  }

  async activateExitMode(sender: L1Address, requestId: number): Promise<L1Receipt<ExitMode>> {
    return this.locked(async () => {
      const input = callInput(FORCED_EXIT_SIGNATURES.activateExitMode, [BigInt(requestId)]);
      return this.chain.execute({ from: sender, to: this.address, method: "activateExitMode", input }, (tx) => {
        const r = new CalldataReader(input);
        r.expectSelector(FORCED_EXIT_SIGNATURES.activateExitMode);
        const id = r.length();
        r.end();
        if (this.exit !== undefined) throw revert("EXIT_MODE", "exit mode is already active");
        const request = this.requestOrRevert(tx, id);
        if (request.status !== "pending") throw revert("NOT_PENDING", `request ${id} is ${request.status}`);
        if (tx.timestamp <= request.deadline) {
          throw new L1Revert("DEADLINE_NOT_PASSED", `request ${id} is due at t=${request.deadline}, it is t=${tx.timestamp}`);
        }
        const exit: ExitMode = { activatedAt: tx.timestamp, requestId: id, batchNumber: this.zk.batchCount, root: this.zk.currentRoot };
        tx.gas.chargeEach("storage writes", 2, SSTORE_NEW_SLOT_GAS, "exit flag|time, exit batch");
        tx.emit("ExitModeActivated", { requestId: id, batchNumber: exit.batchNumber, root: exit.root });
        tx.onSuccess(() => {
          this.exit = exit;
        });
        return exit;
      });
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
      const recipient = r.word();
      const signature = { r8x: r.word(), r8y: r.word(), s: r.word() };
      const account = { publicKey: { x: r.word(), y: r.word() }, balance: r.word(), nonce: r.word() };
      const path = r.wordArray();
      r.end();
      const exit = this.exit;
      if (exit === undefined) throw revert("NOT_EXIT_MODE", "the rollup is not in exit mode");
      if (recipient > MAX_L1_ADDRESS) throw new L1Revert("MALFORMED", "recipient is not an L1 address");
      tx.gas.charge("storage reads", SLOAD_COLD_GAS, "claimed flag: SLOAD cold");
      if (this.exitClaims.has(index)) throw new L1Revert("ALREADY_CLAIMED", `account ${index} has already exited`);
      if (!this.isFinal(exit.batchNumber)) throw new L1Revert("NOT_FINAL", `the exit batch ${exit.batchNumber} is not final yet`);
      await this.chargeProof(tx);
      if (!verifyAccountProof(this.arities, exit.root, { index, account, path })) {
        throw new L1Revert("BAD_MERKLE_PROOF", `account ${index} is not under the exit root`);
      }
      tx.gas.charge("eddsa verification", 0, "EdDSA-Poseidon on Baby Jubjub: NOT CHARGED (no EVM verifier measured here)");
      if (!verify(account.publicKey, exitClaimMessage(this.zk.rollupId, index, recipient), signature)) {
        throw revert("BAD_SIGNATURE", "the claim is not signed by the account's key");
      }
      if (account.balance === 0n) throw new L1Revert("BAD_AMOUNT", `account ${index} holds nothing`);
      tx.gas.charge("storage writes", SSTORE_NEW_SLOT_GAS, "claimed flag: SSTORE new slot");
      tx.gas.charge("value transfer", CALL_VALUE_GAS + COLD_ACCOUNT_ACCESS_GAS, "CALL with value 9,000 + cold recipient 2,600 (EIP-2929)");
      tx.move(this.zk.address, recipient, account.balance);
      tx.emit("ExitClaimed", { index, recipient, amount: account.balance }, ["index", "recipient"]);
      tx.onSuccess(() => this.exitClaims.add(index));
      return account.balance;
    });
  }

  /** In exit mode, returns a deposit no batch consumed to its L1 sender, once. */
  async refundDeposit(sender: L1Address, queueIndex: number): Promise<L1Receipt<bigint>> {
    const input = callInput(FORCED_EXIT_SIGNATURES.refundDeposit, [BigInt(queueIndex)]);
    return this.chain.execute({ from: sender, to: this.address, method: "refundDeposit", input }, (tx) => {
      const r = new CalldataReader(input);
      r.expectSelector(FORCED_EXIT_SIGNATURES.refundDeposit);
      const index = r.length();
      r.end();
      if (this.exit === undefined) throw revert("NOT_EXIT_MODE", "the rollup is not in exit mode");
      const entry = this.zk.depositQueue[index];
      tx.gas.chargeEach("storage reads", 2, SLOAD_COLD_GAS, "queue entry, queue head: SLOAD cold");
      if (entry === undefined) throw revert("NO_DEPOSIT", `no deposit ${index}`);
      if (index < this.zk.bridge.queueHead) throw revert("DEPOSIT_CONSUMED", `deposit ${index} is in a batch: exit with the account instead`);
      if (this.refunds.has(index)) throw new L1Revert("ALREADY_CLAIMED", `deposit ${index} was already refunded`);
      tx.gas.charge("storage writes", SSTORE_NEW_SLOT_GAS, "refunded flag: SSTORE new slot");
      tx.gas.charge("value transfer", CALL_VALUE_GAS + COLD_ACCOUNT_ACCESS_GAS, "CALL with value 9,000 + cold recipient 2,600 (EIP-2929)");
      tx.move(this.zk.address, entry.sender, entry.amount);
      tx.emit("DepositRefunded", { index, sender: entry.sender, amount: entry.amount }, ["index"]);
      tx.onSuccess(() => this.refunds.add(index));
      return entry.amount;
    });
  }

  // ---- internals ----

  private locked<T>(f: () => Promise<T>): Promise<T> {
    const run = this.lock.then(f);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private requestOrRevert(tx: TxContext, id: number): ForcedWithdrawalRequest {
    tx.gas.chargeEach("storage reads", 4, SLOAD_COLD_GAS, "request slots: SLOAD cold");
    const request = this.queue[id];
    if (request === undefined) throw revert("NO_REQUEST", `no forced withdrawal ${id}`);
    return request;
  }

  /** A witness's root batch must be final; the account proof must lead to its root. */
  private async checkWitness(tx: TxContext, index: number, wit: AccountWitness): Promise<void> {
    tx.gas.charge("storage reads", SLOAD_COLD_GAS, "batch root: SLOAD cold");
    const root = this.rootOf(wit.rootBatch);
    if (root === undefined || !this.isFinal(wit.rootBatch)) throw new L1Revert("NOT_FINAL", `batch ${wit.rootBatch} is not final`);
    await this.chargeProof(tx);
    if (!verifyAccountProof(this.arities, root, { index, account: wit.account, path: wit.path })) {
      throw new L1Revert("BAD_MERKLE_PROOF", `the account proof of ${index} does not lead to the root of batch ${wit.rootBatch}`);
    }
  }

  /** Gas of one Merkle proof: the leaf's Poseidon(4) and one Poseidon(arity) a level. */
  private async chargeProof(tx: TxContext): Promise<void> {
    let measured = await poseidonGas(4);
    let estimated = 0;
    for (const a of this.arities) {
      if (a <= POSEIDON_CONTRACT_MAX_INPUTS) measured += await poseidonGas(a);
      else estimated += await estimatedPoseidonGas(a);
    }
    tx.gas.charge("merkle proof", measured, `leaf Poseidon(4) + Poseidon(arity) per level [${this.arities.join(",")}], measured`);
    if (estimated > 0) tx.gas.charge("merkle proof (estimate)", estimated, "arity-8 levels: Poseidon(8) ESTIMATED from measured Poseidon(4..6)");
  }

  private markServedBy(batch: AcceptedBatch | undefined): void {
    if (batch === undefined) return;
    const recordBytes = this.zk.layout.recordBytes;
    let w = 0;
    for (let at = 0; at < batch.records.length; at += recordBytes) {
      const rec = decodeRecord(batch.records.subarray(at, at + recordBytes), this.zk.layout);
      if (rec.kind !== KIND_CODE.withdraw) continue;
      const recipient = batch.withdrawalRecipients[w];
      const amount = unpackAmount(rec.amount);
      const i = this.queue.findIndex(
        (q) => q.status === "pending" && q.withdraw.from === rec.from && q.withdraw.amount === amount && q.withdraw.recipient === recipient && q.rootBatch < batch.number,
      );
      const found = this.queue[i];
      if (found !== undefined) this.queue[i] = { ...found, status: "served", servedIn: { batchNumber: batch.number, withdrawalIndex: w } };
      w++;
    }
  }
}

/** The forced-exit contract's own revert codes (listed in src/l1/errors.ts). */
export type ForcedExitRevertCode = Extract<
  L1RevertCode,
  "EXIT_MODE" | "NOT_EXIT_MODE" | "BAD_NONCE" | "BAD_SIGNATURE" | "NOT_PENDING" | "NOT_STALE" | "NO_REQUEST" | "NO_DEPOSIT" | "DEPOSIT_CONSUMED"
>;

function revert(code: ForcedExitRevertCode, message: string): L1Revert {
  return new L1Revert(code, message);
}

function witnessWords(w: AccountWitness): bigint[] {
  return [BigInt(w.rootBatch), w.account.publicKey.x, w.account.publicKey.y, w.account.balance, w.account.nonce];
}

function readWitness(r: CalldataReader): AccountWitness {
  const rootBatch = r.length();
  const account = { publicKey: { x: r.word(), y: r.word() }, balance: r.word(), nonce: r.word() };
  return { rootBatch, account, path: r.wordArray() };
}

/** selector | words | (optional) a length-prefixed word array. */
function callInput(signature: string, words: readonly bigint[], array?: readonly bigint[]): Uint8Array {
  const parts = [selector(signature), ...words.map(encodeWord)];
  if (array !== undefined) parts.push(encodeWord(BigInt(array.length)), ...array.map(encodeWord));
  return concatBytes(parts);
}

