import { CodedError } from "../errors.ts";

/**
 * Errors of the node and its HTTP API. Every refusal the API sends carries one of these codes (or a
 * RollupError code from the reference rules); tests assert on the code, never on the message.
 */
export type NodeErrorCode =
  // request shape (HTTP 4xx before any rule runs)
  | "MALFORMED_JSON"
  | "INVALID_REQUEST"
  | "BODY_TOO_LARGE"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "UNKNOWN_OPERATION"
  | "UNKNOWN_BATCH"
  | "UNKNOWN_ACCOUNT"
  // node state (L1_INSUFFICIENT_FUNDS: an L1 transaction's value exceeds its sender's balance, refused unmined)
  | "EXIT_MODE"
  | "MEMPOOL_FULL"
  | "SHUTTING_DOWN"
  | "FAUCET_DISABLED"
  | "L1_INSUFFICIENT_FUNDS"
  // start-up and storage
  | "BAD_DATA_DIR"
  | "CONFIG_MISMATCH"
  | "KEYS_CHANGED"
  | "DB_LOCKED"
  | "STORE_CORRUPT"
  | "RECOVERY_MISMATCH"
  | "HALTED";

export class NodeError extends CodedError<NodeErrorCode> {
  override readonly name = "NodeError";
}

/** The HTTP status each code is answered with. */
export const HTTP_STATUS: Readonly<Record<NodeErrorCode, number>> = {
  MALFORMED_JSON: 400,
  INVALID_REQUEST: 400,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  UNKNOWN_OPERATION: 404,
  UNKNOWN_BATCH: 404,
  UNKNOWN_ACCOUNT: 404,
  EXIT_MODE: 409,
  MEMPOOL_FULL: 503,
  SHUTTING_DOWN: 503,
  FAUCET_DISABLED: 403,
  L1_INSUFFICIENT_FUNDS: 422,
  BAD_DATA_DIR: 500,
  CONFIG_MISMATCH: 500,
  KEYS_CHANGED: 500,
  DB_LOCKED: 500,
  STORE_CORRUPT: 500,
  RECOVERY_MISMATCH: 500,
  HALTED: 503,
};
