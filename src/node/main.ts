// A process running `zkr node` without the CLI's router (tests spawn this: kill -9 must hit a real process).
// Exit codes as the CLI's: 2 for bad input (usage, a data directory that cannot work, keys or genesis
// parameters that do not fit the data directory), 1 for any other failure.
import { CliError } from "../cli/errors.ts";
import { nodeCommand } from "../cli/commands/node.ts";
import { InputFileError } from "../io/input-file.ts";
import { NodeError, type NodeErrorCode } from "./errors.ts";

const BAD_INPUT: readonly NodeErrorCode[] = ["BAD_DATA_DIR", "CONFIG_MISMATCH", "KEYS_CHANGED", "DB_LOCKED"];

nodeCommand(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const e = err as { message?: string; code?: string };
    console.error(`zkr node: ${e.code === undefined ? "" : `${e.code}: `}${String(e.message ?? err).split("\n")[0]}`);
    const badInput = err instanceof CliError || err instanceof InputFileError || (err instanceof NodeError && BAD_INPUT.includes(err.code));
    process.exit(badInput ? 2 : 1);
  },
);
