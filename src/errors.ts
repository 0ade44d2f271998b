/**
 * The base of every domain error: a stable `code` for callers and tests to branch on (never the
 * message text), and the `cause` where one exists.
 */
export class CodedError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
