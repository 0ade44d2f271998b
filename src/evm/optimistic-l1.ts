/**
 * One small interface for "the optimistic rollup on an L1", like ZkL1 for the zk rollup:
 * contracts/OptimisticRollup.sol in the in-process EVM or on anvil (OptimisticRollupL1), so the proposers,
 * watchers and challengers of src/optimistic/ play on either without knowing which. Views are async
 * because a chain answers over JSON-RPC.
 */
import type { PublicKey } from "../crypto/eddsa.ts";
import type { DepositEntry, WithdrawalEntry } from "../l1/bridge-types.ts";
import type { L1Address } from "../l1/address.ts";
import type { ProposeBatchArgs } from "../l1/dispute-calldata.ts";
import type { AccountWitness } from "../l1/dispute-data.ts";
import type { Dispute, OptimisticBatch, OptimisticRollupSettings } from "../l1/optimistic-types.ts";
import type { ForcedExitL1 } from "./forced-exit-l1.ts";
import type { EvmKind, ZkL1Receipt } from "./zk-l1.ts";

/** What every optimistic L1 transaction reports. */
export interface OptimisticL1Receipt<T> extends ZkL1Receipt<T> {
  /** The contract method called ("proposeBatch", "proveStep", ...). */
  readonly method: string;
}

/** A proposed batch as either L1 shows it: its storage plus its calldata. */
export type BatchView = Pick<
  OptimisticBatch,
  | "number"
  | "parent"
  | "proposer"
  | "parentRoot"
  | "newRoot"
  | "rootsCommitment"
  | "data"
  | "dataHash"
  | "operationCount"
  | "firstDeposit"
  | "depositCount"
  | "withdrawals"
  | "blockNumber"
  | "timestamp"
  | "windowEnd"
  | "openDisputes"
  | "rolledBackAt"
  | "bondReturned"
>;

/** A dispute as either L1 shows it. */
export type DisputeView = Pick<
  Dispute,
  | "id"
  | "batchNumber"
  | "challenger"
  | "proposer"
  | "lo"
  | "hi"
  | "rootLo"
  | "rootHi"
  | "mid"
  | "midRoot"
  | "turn"
  | "round"
  | "deadline"
  | "openedAt"
  | "outcome"
  | "resolvedAt"
>;

/** An optimistic rollup on some L1, with the settings it runs with (defaults applied). */
export interface OptimisticL1 extends OptimisticRollupSettings, ForcedExitL1 {
  readonly kind: EvmKind;

  // ---- transactions (a revert is a mined receipt, never a throw) ----
  deposit(sender: L1Address, publicKey: PublicKey, amount: bigint): Promise<OptimisticL1Receipt<DepositEntry>>;
  /** Posts a batch with the proposer bond (`bond` overrides the amount sent, for tests). */
  proposeBatch(sender: L1Address, args: ProposeBatchArgs & { readonly bond?: bigint }): Promise<OptimisticL1Receipt<BatchView>>;
  challenge(sender: L1Address, batchNumber: number, bond?: bigint): Promise<OptimisticL1Receipt<DisputeView>>;
  revealRoot(sender: L1Address, disputeId: number, root: bigint, proof: readonly bigint[]): Promise<OptimisticL1Receipt<DisputeView>>;
  respond(sender: L1Address, disputeId: number, agree: boolean): Promise<OptimisticL1Receipt<DisputeView>>;
  /** The one-step proof; the batch's posted data is resent (`data` overrides it, for tests). */
  proveStep(sender: L1Address, disputeId: number, witnesses: readonly AccountWitness[], data?: Uint8Array): Promise<OptimisticL1Receipt<DisputeView>>;
  timeout(sender: L1Address, disputeId: number): Promise<OptimisticL1Receipt<DisputeView>>;
  finalize(sender: L1Address, batchNumber: number): Promise<OptimisticL1Receipt<BatchView>>;
  claimWithdrawal(sender: L1Address, batchNumber: number, index: number): Promise<OptimisticL1Receipt<WithdrawalEntry>>;

  // ---- views ----
  /** The timestamp a transaction sent now is mined at: the time deadlines and finality are judged at. */
  blockTime(): Promise<number>;
  currentRoot(): Promise<bigint>;
  /** Live (not rolled back) batch numbers, oldest first. */
  liveBatches(): Promise<readonly number[]>;
  batch(number: number): Promise<BatchView | undefined>;
  isFinal(batchNumber: number): Promise<boolean>;
  /** When the batch became final (its window's end, its last dispute's resolution or its parent's finality), or undefined. */
  finalizedAt(batchNumber: number): Promise<number | undefined>;
  dispute(id: number): Promise<DisputeView | undefined>;
  openDisputes(): Promise<readonly DisputeView[]>;
  /** Every deposit ever queued, consumed or not. */
  depositQueue(): Promise<readonly DepositEntry[]>;
  /** Index of the next deposit a batch must consume (moves back on a rollback). */
  queueHead(): Promise<number>;

  // ---- the ledger ----
  balanceOf(address: L1Address): Promise<bigint>;
  /** Genesis allocation / faucet (not a transaction). */
  fund(address: L1Address, amount: bigint): Promise<void>;
}
