// `zkr prover` without the CLI's router (tests and the load script spawn this: a worker process that
// starts quickly and that kill -9 hits for real). Exit codes as the CLI's: 2 for bad input, 1 otherwise.
import { proverCommand } from "../cli/commands/prover.ts";
import { exitCodeOf } from "../cli/exit-code.ts";

proverCommand(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`zkr prover: ${String((err as { message?: string }).message ?? err).split("\n")[0] ?? ""}`);
    process.exit(exitCodeOf(err));
  },
);
