/**
 * What a client of either rollup sees of forced withdrawals and exit mode (the rules are the contracts':
 * contracts/): requests and their status, the exit mode, what proves an account, the exit claim's message.
 */
import type { Signature } from "../crypto/eddsa.ts";
import { poseidon } from "../crypto/poseidon.ts";
import type { Account } from "../state/account.ts";
import { checkRollupId, type Withdraw } from "../tx/operation.ts";
import type { L1Address } from "./address.ts";

/** Domain tag of an exit claim's signed message ("exit" in ASCII), so no L2 signature doubles as one. */
export const EXIT_CLAIM_TAG = 0x65786974n;

export type ForcedExitKind = "zk" | "optimistic";

/**
 * pending: no live batch carries the withdraw. included: a live batch that can still be rolled back
 * carries it; served: one that cannot. dismissed: proven unservable under a final root no older than
 * the request (see DismissReason).
 */
export type ForcedRequestStatus = "pending" | "included" | "served" | "dismissed";

/**
 * Why a request was dismissed: the account's nonce under that root is another (spent, or the request
 * signed one ahead), its balance is short of the amount, or its key did not make the signature.
 */
export type DismissReason = "nonce" | "balance" | "signature";
export const DISMISS_REASONS: readonly DismissReason[] = ["nonce", "balance", "signature"];

/** Where a batch carries a request's withdraw: the batch and the withdraw's position among its withdrawals. */
export interface Carrier {
  readonly batchNumber: number;
  readonly withdrawalIndex: number;
}

/** A request as queued (its status comes from the batches since). */
export interface QueuedRequest {
  readonly id: number;
  readonly requester: L1Address;
  /** As signed; the L1 stores it unchecked (the batch carrying it, or a dismissal, proves the rest). */
  readonly withdraw: Withdraw;
  /** The latest batch when the request was made: a dismissal proves under a final root no older. */
  readonly atBatch: number;
  readonly requestedAt: number;
  readonly deadline: number;
}

export interface ForcedWithdrawalRequest extends QueuedRequest {
  readonly status: ForcedRequestStatus;
  readonly servedIn?: Carrier;
  readonly includedIn?: Carrier;
  readonly dismissedAt?: number;
  readonly dismissReason?: DismissReason;
}

export interface ExitMode {
  readonly activatedAt: number;
  readonly requestId: number;
  /** The latest live batch when exit mode began. */
  readonly activatedAtBatch: number;
  /**
   * The exit batch: the latest live batch. In zk mode it is the one at activation; in optimistic mode
   * a rollback of batches still live at activation moves it back to their parent.
   */
  readonly batchNumber: number;
  /** The exit root: the exit batch's root. */
  readonly root: bigint;
  /** The exit batch is final: claims and refunds are open (and nothing can change the exit root again). */
  readonly claimsOpen: boolean;
}

/** What proves an account under a batch's root. */
export interface BatchAccountProof {
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
  return [poseidon([EXIT_CLAIM_TAG, BigInt(checkRollupId(rollupId)), BigInt(index)]), recipient];
}

