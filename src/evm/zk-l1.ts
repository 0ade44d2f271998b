/**
 * One small interface for "the zk rollup on an L1": ZkRollup.sol in the in-process EVM or on anvil
 * (ZkRollupL1), so a driver (the demo, the node, a test) runs the same traffic on either. Views are async
 * because a chain answers over JSON-RPC.
 */
import type { PublicKey } from "../crypto/eddsa.ts";
import type { AcceptedBatch, DepositEntry, WithdrawalEntry } from "../l1/bridge-types.ts";
import type { SubmitBatchArgs } from "../l1/calldata.ts";
import type { L1Address } from "../l1/address.ts";
import type { L1RevertCode } from "../l1/errors.ts";
import type { CalldataCost } from "../l1/calldata-cost.ts";
import type { L1RollupData } from "../l1/reconstruct.ts";
import type { EvmBackend } from "./edr.ts";
import type { ForcedExitL1 } from "./forced-exit-l1.ts";

/** Which EVM runs the contracts. */
export type EvmKind = EvmBackend["kind"];

/**
 * The contracts' revert codes (custom errors named as in src/l1/errors.ts), plus a recipient contract
 * refusing ETH, a second open forced request, and a revert that carries none of the rollup's errors (out
 * of gas, a failed call without data).
 */
export type ZkL1RevertCode = L1RevertCode | "PAYOUT_FAILED" | "REQUEST_OPEN" | "ROOT_EXPIRED" | "UNKNOWN_REVERT";

/** What every L1 transaction reports, on either EVM. */
export interface ZkL1Receipt<T> {
  readonly status: "success" | "reverted";
  readonly revertReason: ZkL1RevertCode | null;
  /** The receipt's gasUsed. */
  readonly gasUsed: number;
  readonly blockNumber: number;
  readonly timestamp: number;
  /** The exact bytes sent, by zero / non-zero bytes, and their EIP-2028 gas. */
  readonly calldata: CalldataCost;
  /** What the method returned (decoded from events); undefined when it reverted. */
  readonly result: T | undefined;
}

export interface ZkL1 extends ForcedExitL1 {
  /** Which EVM runs the contract: the in-process one (the default L1, "simulated" to a user) or anvil. */
  readonly kind: EvmKind;
  readonly rollupId: number;
  readonly capacity: number;
  readonly genesisRoot: bigint;

  // ---- transactions (a revert is a mined receipt, never a throw) ----
  /** Locks `amount` L1 units from `sender` and queues them for `publicKey` on L2. */
  deposit(sender: L1Address, publicKey: PublicKey, amount: bigint): Promise<ZkL1Receipt<DepositEntry>>;
  /** Posts a batch with its proof; the L1 recomputes the public input and verifies. */
  submitBatch(sender: L1Address, args: SubmitBatchArgs): Promise<ZkL1Receipt<AcceptedBatch>>;
  /** Pays a final batch's withdrawal to its recipient, once. */
  claimWithdrawal(sender: L1Address, batchNumber: number, index: number): Promise<ZkL1Receipt<WithdrawalEntry>>;

  // ---- views ----
  currentRoot(): Promise<bigint>;
  batchCount(): Promise<number>;
  /** Deposits queued and not yet consumed by a batch, in queue order. */
  pendingDeposits(): Promise<readonly DepositEntry[]>;
  /** An accepted batch (1-based), as its calldata and events show it. */
  batch(number: number): Promise<AcceptedBatch | undefined>;
  isFinal(batchNumber: number): Promise<boolean>;
  /** Everything reconstruction needs (src/l1/reconstruct.ts reconstructState), from L1 data alone. */
  rollupData(): Promise<L1RollupData>;

  // ---- the ledger ----
  balanceOf(address: L1Address): Promise<bigint>;
  /** Genesis allocation / faucet: adds `amount` to an address's L1 balance (not a transaction). */
  fund(address: L1Address, amount: bigint): Promise<void>;
}
