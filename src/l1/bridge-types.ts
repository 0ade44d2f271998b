/**
 * What a client reads of the bridge both rollups share (contracts/RollupBridge.sol) and of an accepted zk
 * batch: the views the EVM clients decode from events, calldata and storage.
 */
import type { PublicKey } from "../crypto/eddsa.ts";
import type { L1Address } from "./address.ts";

/** One L1 → L2 deposit, queued until a batch consumes it. */
export interface DepositEntry {
  readonly index: number;
  readonly sender: L1Address;
  readonly publicKey: PublicKey;
  /** In L2 balance units (one unit is one wei). */
  readonly amount: bigint;
  readonly blockNumber: number;
  readonly timestamp: number;
}

/** One L2 → L1 withdrawal registered by an accepted batch. */
export interface WithdrawalEntry {
  readonly batchNumber: number;
  /** Position among the batch's withdraw records. */
  readonly index: number;
  readonly recipient: L1Address;
  readonly amount: bigint;
}

/** A batch ZkRollup.sol accepted, as its calldata and events show it. */
export interface AcceptedBatch {
  /** 1 for the first batch; the genesis state is batch 0. */
  readonly number: number;
  readonly oldRoot: bigint;
  readonly newRoot: bigint;
  readonly records: Uint8Array;
  readonly withdrawalRecipients: readonly bigint[];
  /** Queue indices [firstDeposit, firstDeposit + depositCount) were consumed by this batch. */
  readonly firstDeposit: number;
  readonly depositCount: number;
  readonly l1Acc: bigint;
  readonly inputHash: bigint;
  readonly blockNumber: number;
  readonly timestamp: number;
}
