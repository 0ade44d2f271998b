import { CodedError } from "../errors.ts";

/** Errors of the artifact pipeline (compile, setup, key files), with stable codes. */
export type ArtifactErrorCode = "COMPILE_FAILED" | "BAD_PTAU" | "PTAU_TOO_SMALL" | "BAD_ZKEY" | "SETUP_FAILED" | "NOT_BUILT";

export class ArtifactError extends CodedError<ArtifactErrorCode> {
  override readonly name = "ArtifactError";
}
