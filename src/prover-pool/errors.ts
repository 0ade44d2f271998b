import { CodedError } from "../errors.ts";

export type PoolErrorCode =
  /** A --queue / --provers value that is not redis://HOST[:PORT][/DB]. */
  | "BAD_QUEUE_URL"
  /** No answer from Redis within the connect timeout (refused, unknown host, firewalled). */
  | "REDIS_UNREACHABLE"
  /** Job data from Redis that is not a well-formed proof job (a worker refuses it). */
  | "BAD_JOB"
  /** A worker's result that is malformed or does not verify (the node rejects it and re-queues the job). */
  | "BAD_RESULT"
  /** The job failed for good (its inputs break a rule, or it ran out of attempts). */
  | "JOB_FAILED";

export class PoolError extends CodedError<PoolErrorCode> {
  override readonly name = "PoolError";
}
