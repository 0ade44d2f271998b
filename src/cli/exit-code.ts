import { ArtifactError } from "../artifacts/errors.ts";
import { InputFileError } from "../io/input-file.ts";
import { OutputPathError } from "../io/output-path.ts";
import { NodeClientError } from "../node/client.ts";
import { NodeError } from "../node/errors.ts";
import { BatchFolderError } from "../prover/batch-folder.ts";
import { RollupError } from "../state/errors.ts";
import { KeyFileError } from "../wallet/keyfile.ts";
import { CliError } from "./errors.ts";

/** Exit codes: 0 ok, 1 failed (e.g. invalid proof, failed build, no answer in time), 2 bad input or usage. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CliError || err instanceof BatchFolderError || err instanceof InputFileError || err instanceof OutputPathError) return 2;
  if (err instanceof RollupError || err instanceof KeyFileError) return 2;
  if (err instanceof NodeClientError) return err.code === "BAD_URL" ? 2 : 1;
  if (err instanceof ArtifactError) return err.code === "BAD_PTAU" || err.code === "PTAU_TOO_SMALL" ? 2 : 1;
  if (err instanceof NodeError) return ["CONFIG_MISMATCH", "KEYS_CHANGED", "DB_LOCKED", "BAD_DATA_DIR"].includes(err.code) ? 2 : 1;
  return 1;
}
