/**
 * Forced withdrawals and exit mode as a client sees them on either rollup (ZkRollup.sol and
 * OptimisticRollup.sol share the rules through their common base contract). ZkL1 and OptimisticL1 both
 * extend this, so the node, the wallet and the demo's censoring scenario use one code path for both
 * rollups and both L1s (in-process EVM or anvil).
 */
import type { L1Address } from "../l1/address.ts";
import type { BatchAccountProof, ExitClaim, ExitMode, ForcedWithdrawalRequest } from "../l1/forced-exit-types.ts";
import type { Withdraw } from "../tx/operation.ts";
import type { ProvenExitClaim } from "./exit-claim.ts";
import type { ZkL1Receipt } from "./zk-l1.ts";

export interface ForcedExitL1 {
  /** L1 seconds the sequencer has to serve a request. */
  readonly forcedDeadlineSeconds: number;

  // ---- transactions (a revert is a mined receipt, never a throw) ----
  /** A signed L2 withdraw, queued unchecked (the batch that carries it proves it), with the request bond. */
  requestForcedWithdrawal(sender: L1Address, withdraw: Withdraw): Promise<ZkL1Receipt<ForcedWithdrawalRequest>>;
  /**
   * A request its account cannot honour under a final root no older than the request (another nonce, a
   * short balance, or a signature its key did not make), proven with the account under that root.
   */
  dismissForcedWithdrawal(sender: L1Address, requestId: number, witness: BatchAccountProof): Promise<ZkL1Receipt<ForcedWithdrawalRequest>>;
  /** Pays a served request's bond (or a pending one's, in exit mode) to its recipient, once. */
  releaseBond(sender: L1Address, requestId: number): Promise<ZkL1Receipt<bigint>>;
  /** Anyone, once a request is still pending after its deadline. */
  activateExitMode(sender: L1Address, requestId: number): Promise<ZkL1Receipt<ExitMode>>;
  /**
   * Pays an account's balance under the exit root, once per account: the claim is proven with the
   * exit-claim circuit first (a claim that does not hold there throws BAD_ARGUMENT, nothing is sent).
   */
  claimExit(sender: L1Address, claim: ExitClaim): Promise<ZkL1Receipt<bigint>>;
  /** The claim's proof under the exit root (or `root`), without sending it. */
  proveExitClaim(claim: ExitClaim, root?: bigint): Promise<ProvenExitClaim>;
  /** Sends a proven claim as it is. */
  submitExitClaim(sender: L1Address, claim: ProvenExitClaim): Promise<ZkL1Receipt<bigint>>;
  /** In exit mode, gives a deposit no live batch consumed back to its L1 sender, once. */
  refundDeposit(sender: L1Address, queueIndex: number): Promise<ZkL1Receipt<bigint>>;

  // ---- views ----
  /** Every request ever made, by id (0-based), with its status now. */
  forcedRequests(): Promise<readonly ForcedWithdrawalRequest[]>;
  exitMode(): Promise<ExitMode | undefined>;
  /** The highest final live batch (0: none, the genesis root). */
  lastFinalBatch(): Promise<number>;
  isExitClaimed(index: number): Promise<boolean>;
  isRefunded(queueIndex: number): Promise<boolean>;
}
