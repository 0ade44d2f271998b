/**
 * One small interface for "the zk rollup on some L1": the simulated ZkRollupContract (src/l1/zk-rollup.ts)
 * and the Solidity contract on anvil (AnvilL1) both sit behind it, so a driver (the demo, a test) runs the
 * same traffic on either. Views are async because a real chain answers over RPC.
 */
import type { PublicKey } from "../crypto/eddsa.ts";
import type { DepositEntry, WithdrawalEntry } from "../l1/bridge.ts";
import type { SubmitBatchArgs } from "../l1/calldata.ts";
import type { L1Address, L1Chain } from "../l1/chain.ts";
import type { L1RevertCode } from "../l1/errors.ts";
import type { CalldataCost } from "../l1/gas.ts";
import type { L1RollupData } from "../l1/reconstruct.ts";
import type { AcceptedBatch, ZkRollupContract } from "../l1/zk-rollup.ts";
import { EvmError } from "./errors.ts";
import type { ForcedExitL1 } from "./forced-exit-l1.ts";

/**
 * The simulated L1's revert codes, plus two only a real chain has: a recipient contract refusing ETH, and a
 * revert that carries none of the rollup's errors (out of gas, a failed call without data).
 */
export type ZkL1RevertCode = L1RevertCode | "PAYOUT_FAILED" | "REQUEST_OPEN" | "UNKNOWN_REVERT";

/** What every L1 transaction reports, on either L1 (the simulated L1Receipt has all of it and more). */
export interface ZkL1Receipt<T> {
  readonly status: "success" | "reverted";
  readonly revertReason: ZkL1RevertCode | null;
  /** Simulated: from the EIP schedule. anvil: the receipt's gasUsed, measured. */
  readonly gasUsed: number;
  readonly blockNumber: number;
  readonly timestamp: number;
  /** The exact bytes sent, by zero / non-zero bytes, and their EIP-2028 gas. */
  readonly calldata: CalldataCost;
  /** What the method returned (decoded from events on anvil); undefined when it reverted. */
  readonly result: T | undefined;
}

export interface ZkL1 extends ForcedExitL1 {
  /** "simulated" or "anvil". */
  readonly kind: "simulated" | "anvil";
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

/**
 * The simulated contract behind ZkL1. ZkRollupContract already has the three transactions with these
 * exact signatures (its L1Receipt is a ZkL1Receipt); only the views differ (sync getters there).
 */
export function simulatedZkL1(contract: ZkRollupContract, chain: L1Chain): ZkL1 {
  return {
    kind: "simulated",
    rollupId: contract.rollupId,
    capacity: contract.capacity,
    genesisRoot: contract.genesisRoot,
    deposit: (sender, publicKey, amount) => contract.deposit(sender, publicKey, amount),
    submitBatch: (sender, args) => contract.submitBatch(sender, args),
    claimWithdrawal: (sender, batchNumber, index) => contract.claimWithdrawal(sender, batchNumber, index),
    currentRoot: async () => contract.currentRoot,
    batchCount: async () => contract.batchCount,
    pendingDeposits: async () => contract.bridge.pendingDeposits(),
    batch: async (n) => contract.batch(n),
    isFinal: async (n) => contract.isFinal(n),
    rollupData: async () => ({
      rollupId: contract.rollupId,
      layout: contract.layout,
      genesisRoot: contract.genesisRoot,
      currentRoot: contract.currentRoot,
      batches: contract.batches,
      depositQueue: contract.depositQueue,
    }),
    balanceOf: async (address) => chain.balanceOf(address),
    fund: async (address, amount) => chain.mint(address, amount),
    ...noForcedExit(),
  };
}

/** The TypeScript contract classes have no forced exit behind this interface: it lives in the Solidity base. */
export function noForcedExit(): ForcedExitL1 {
  const no = (): never => {
    throw new EvmError("BAD_CONFIG", "forced withdrawals and exit mode run on the EVM clients (AnvilL1, AnvilOptimisticL1) only");
  };
  return {
    forcedDeadlineSeconds: 0,
    requestForcedWithdrawal: async () => no(),
    dismissForcedWithdrawal: async () => no(),
    activateExitMode: async () => no(),
    claimExit: async () => no(),
    refundDeposit: async () => no(),
    forcedRequests: async () => no(),
    exitMode: async () => no(),
    lastFinalBatch: async () => no(),
    isExitClaimed: async () => no(),
    isRefunded: async () => no(),
  };
}
