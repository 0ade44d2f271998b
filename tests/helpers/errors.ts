import type { CodedError } from "../../src/errors.ts";

/** The code of the `type` error `run` throws (undefined when it returns; other errors propagate). */
export function thrownCode<Code extends string>(type: abstract new (...args: never[]) => CodedError<Code>, run: () => unknown): Code | undefined {
  try {
    run();
  } catch (err) {
    if (err instanceof type) return err.code;
    throw err;
  }
  return undefined;
}

/** The `code` property of whatever `run` throws, or "no error": for errors that are not CodedErrors (the native addon's). */
export function errorCode(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return "no error";
}
