import { CodedError } from "../errors.ts";

/**
 * Why an L1 transaction reverted: the contracts' custom errors (contracts/*.sol) carry these names, and
 * the EVM clients decode a receipt's revert data to one of them. A reverted transaction is still mined and
 * still pays gas (tests assert on the code).
 */
export type L1RevertCode =
  // the zk rollup contract
  | "INVALID_PROOF"
  | "BAD_RECORDS_LENGTH"
  | "DEPOSIT_MISMATCH"
  | "DEPOSIT_QUEUE_EMPTY"
  | "WITHDRAWAL_COUNT"
  | "MALFORMED"
  // the bridge
  | "BAD_AMOUNT"
  | "BAD_PUBLIC_KEY"
  | "BRIDGE_FULL"
  | "TREE_FULL"
  | "NO_WITHDRAWAL"
  | "NOT_FINAL"
  | "ALREADY_CLAIMED"
  | "BRIDGE_INSOLVENT"
  // the chain itself (value moves)
  | "INSUFFICIENT_BALANCE"
  // the optimistic rollup contract and its dispute games
  | "INSUFFICIENT_BOND"
  | "NO_SUCH_BATCH"
  | "NO_SUCH_DISPUTE"
  | "WINDOW_CLOSED"
  | "NOT_CHALLENGEABLE"
  | "NOT_YOUR_TURN"
  | "DEADLINE_PASSED"
  | "DEADLINE_NOT_PASSED"
  | "DISPUTE_OVER"
  | "BAD_MERKLE_PROOF"
  | "BAD_WITNESS"
  | "BAD_BATCH_DATA"
  | "ALREADY_FINALIZED"
  // forced withdrawals and exit mode (contracts/RollupBridge.sol)
  | "EXIT_MODE"
  | "NOT_EXIT_MODE"
  | "BAD_NONCE"
  | "BAD_SIGNATURE"
  | "NOT_PENDING"
  | "SERVABLE"
  | "BAD_BOND"
  | "NO_REQUEST"
  | "NO_DEPOSIT"
  | "DEPOSIT_CONSUMED";

/** Calldata a client cannot decode (src/l1/calldata.ts): the code the contract would revert with. */
export class L1Revert extends CodedError<L1RevertCode> {
  override readonly name = "L1Revert";
}

/** Errors that are not reverts: bad arguments refused before a transaction exists, bad config, a failed replay. */
export type L1ErrorCode =
  | "BAD_ARGUMENT"
  | "BAD_CONFIG"
  | "RECONSTRUCTION_MISMATCH";

export class L1Error extends CodedError<L1ErrorCode> {
  override readonly name = "L1Error";
}
