import { CodedError } from "../errors.ts";

/** Stable codes for every rule the reference model (and so the circuit) enforces. Tests assert on these. */
export type RollupErrorCode =
  | "BAD_SIGNATURE"
  | "BAD_NONCE"
  | "INSUFFICIENT_BALANCE"
  | "BALANCE_OVERFLOW"
  | "UNKNOWN_ACCOUNT"
  | "ACCOUNT_EXISTS"
  | "PUBLIC_KEY_MISMATCH"
  | "AMOUNT_OUT_OF_RANGE"
  | "BATCH_FULL"
  | "DUPLICATE"
  | "MALFORMED";

export class RollupError extends CodedError<RollupErrorCode> {
  override readonly name = "RollupError";
}
