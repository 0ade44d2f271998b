import { CodedError } from "../errors.ts";

/** Errors of the artifact pipeline (compile, setup, key files), with stable codes. */
export type ArtifactErrorCode = "COMPILE_FAILED" | "BAD_PTAU" | "PTAU_TOO_SMALL" | "BAD_ZKEY" | "SETUP_FAILED" | "NOT_BUILT";

export class ArtifactError extends CodedError<ArtifactErrorCode> {
  override readonly name = "ArtifactError";
}

/** A file that is not the iden3 binary container it should be (.r1cs, .zkey, .wtns, .ptau). */
export type BinFileErrorCode = "WRONG_FORMAT" | "TRUNCATED" | "CORRUPT" | "MISSING_SECTION";

export class BinFileError extends CodedError<BinFileErrorCode> {
  override readonly name = "BinFileError";
}
