// A process running `zkr node` without the CLI's router (tests spawn this: kill -9 must hit a real process).
import { nodeCommand } from "../cli/commands/node.ts";

nodeCommand(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const e = err as { message?: string; code?: string };
    console.error(`zkr node: ${e.code === undefined ? "" : `${e.code}: `}${String(e.message ?? err).split("\n")[0]}`);
    process.exit(1);
  },
);
