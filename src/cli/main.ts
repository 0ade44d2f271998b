import { circuitsCommand, CIRCUITS_HELP } from "./commands/circuits.ts";
import { setupCommand, SETUP_HELP } from "./commands/setup.ts";
import { verifyCommand, VERIFY_HELP } from "./commands/verify.ts";
import { demoCommand, DEMO_HELP } from "./commands/demo.ts";
import { nodeCommand, NODE_HELP } from "./commands/node.ts";
import { benchCommand, BENCH_HELP } from "./commands/bench.ts";
import { walletCommand, WALLET_HELP } from "./commands/wallet.ts";
import { webCommand, WEB_HELP } from "./commands/web.ts";
import { proverCommand, PROVER_HELP } from "./commands/prover.ts";
import { CliError } from "./errors.ts";
import { exitCodeOf } from "./exit-code.ts";

/** Each command returns its exit code (or nothing for 0). */
const COMMANDS: Record<string, { run: (argv: readonly string[]) => Promise<number | void>; help: string }> = {
  circuits: { run: circuitsCommand, help: CIRCUITS_HELP },
  setup: { run: setupCommand, help: SETUP_HELP },
  verify: { run: verifyCommand, help: VERIFY_HELP },
  demo: { run: demoCommand, help: DEMO_HELP },
  bench: { run: benchCommand, help: BENCH_HELP },
  node: { run: nodeCommand, help: NODE_HELP },
  wallet: { run: walletCommand, help: WALLET_HELP },
  web: { run: webCommand, help: WEB_HELP },
  prover: { run: proverCommand, help: PROVER_HELP },
};

const USAGE = `zkr — zk-rollup lab

Commands:
${Object.values(COMMANDS).map((c) => c.help).join("\n\n")}

zkr help             this text`;

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    console.log(USAGE);
    return 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) throw new CliError(`unknown command "${name}" (zkr help lists them)`);
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.help);
    return 0;
  }
  return (await command.run(rest)) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`zkr: ${message.split("\n")[0]}`);
    if (process.env["ZKR_DEBUG"] !== undefined && err instanceof Error) console.error(err.stack);
    process.exit(exitCodeOf(err));
  },
);
