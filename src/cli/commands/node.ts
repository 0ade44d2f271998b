import { resolve } from "node:path";
import { findInstance, instanceByRole } from "../../circuit/instances.ts";
import { DEFAULT_MAX_BODY_BYTES } from "../../node/api.ts";
import { prepareDataDir } from "../../node/data-dir.ts";
import { NodeError } from "../../node/errors.ts";
import { DEFAULT_GENESIS, type GenesisParams } from "../../node/node.ts";
import { startNode } from "../../node/run.ts";
import { BUILD_DIR } from "../../paths.ts";
import { PoolError } from "../../prover-pool/errors.ts";
import type { RedisTarget } from "../../prover-pool/redis-url.ts";
import { intOption, parseArgs, stringFlag } from "../args.ts";
import { CliError } from "../errors.ts";

export const DEFAULT_NODE_PORT = 8550;

export const NODE_HELP = `zkr node [--data DIR] [--port N] [--instance NAME] [--slot-ms MS] [--max-wait S]
         [--slot-seconds S] [--finality-slots N] [--forced-deadline S] [--rollup-id N]
         [--max-pending N] [--max-body BYTES] [--censor-forced] [--no-faucet]
         [--provers redis://HOST:PORT] [--max-in-flight N]
  Runs the sequencer as a service: an HTTP JSON API on 127.0.0.1 (docs/node-api.md), admission by
  the reference rules into a durable mempool, batches proven by a warm prover and submitted to the
  simulated L1 (the Solidity contracts in an in-process EVM), all kept in an embedded LevelDB store under --data (default build/node). Restarting
  with the same --data resumes where it stopped; nothing the API accepted is lost or done twice.
  --port (default ${DEFAULT_NODE_PORT}; 0 picks a free one), --instance (default: the demo instance),
  --slot-ms wall milliseconds per L1 slot (default 1000: the L1 runs 12x faster than real time),
  --max-wait L1 seconds before a partial batch is cut (default 2 slots). Fixed at creation of --data:
  --slot-seconds (${DEFAULT_GENESIS.slotSeconds}), --finality-slots (${DEFAULT_GENESIS.finalitySlots}), --forced-deadline L1 seconds the sequencer
  has to include a forced withdrawal (${DEFAULT_GENESIS.forcedDeadlineSeconds}), --rollup-id (${DEFAULT_GENESIS.rollupId}). --censor-forced makes a censoring
  sequencer that ignores forced withdrawals (to see exit mode). Stops cleanly on Ctrl-C / SIGTERM.
  --provers: batches are proven by \`zkr prover\` workers on that Redis (a BullMQ queue), in parallel,
  each proof verified by the node before it is submitted in batch order; Redis unreachable is an error,
  never a fallback to proving in-process. --max-in-flight batches cut but not yet on L1 (default 2;
  8 with --provers, so that several workers have work).`;

export async function nodeCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, {
    valued: ["data", "port", "instance", "slot-ms", "max-wait", "slot-seconds", "finality-slots", "forced-deadline", "rollup-id", "max-pending", "max-body", "provers", "max-in-flight"],
    boolean: ["censor-forced", "no-faucet"],
  });
  if (args.positional.length > 0) throw new CliError(`unexpected argument "${args.positional[0] ?? ""}"`);
  const name = stringFlag(args, "instance");
  const instance = name === undefined ? instanceByRole("demo") : findInstance(name);
  const genesis: Partial<Record<keyof GenesisParams, number>> = {};
  const g = (flag: string, key: keyof GenesisParams, min: number, max: number) => {
    const v = intOption(args, flag, min, max);
    if (v !== undefined) genesis[key] = v;
  };
  g("slot-seconds", "slotSeconds", 1, 3600);
  g("finality-slots", "finalitySlots", 0, 10_000);
  g("forced-deadline", "forcedDeadlineSeconds", 1, 10 ** 9);
  g("rollup-id", "rollupId", 0, 2 ** 32 - 1);
  const dataDir = resolve(stringFlag(args, "data") ?? resolve(BUILD_DIR, "node"));
  // Bad input (a file, a read-only folder, /proc): one line and exit 2 before anything starts.
  try {
    prepareDataDir(dataDir);
  } catch (err) {
    if (err instanceof NodeError && err.code === "BAD_DATA_DIR") throw new CliError(err.message, { cause: err });
    throw err;
  }
  const maxWait = intOption(args, "max-wait", 0, 10 ** 9);
  const maxPending = intOption(args, "max-pending", 1, 10 ** 7);
  const proversUrl = stringFlag(args, "provers");
  const provers = proversUrl === undefined ? undefined : await reachableRedis(proversUrl);
  const maxInFlight = intOption(args, "max-in-flight", 1, 1000) ?? (provers === undefined ? undefined : 8);
  const log = (m: string) => console.log(`[node] ${m}`);
  const running = await startNode({
    dataDir,
    port: intOption(args, "port", 0, 65535) ?? DEFAULT_NODE_PORT,
    instance,
    genesis,
    slotMs: intOption(args, "slot-ms", 0, 3_600_000) ?? 1000,
    ...(maxWait === undefined ? {} : { maxWaitSeconds: maxWait }),
    ...(maxPending === undefined ? {} : { maxPending }),
    maxBodyBytes: intOption(args, "max-body", 256, 16 * 1024 * 1024) ?? DEFAULT_MAX_BODY_BYTES,
    censorForced: args.flags.has("censor-forced"),
    faucet: !args.flags.has("no-faucet"),
    ...(maxInFlight === undefined ? {} : { maxInFlight }),
    ...(provers === undefined ? {} : { provers: (await import("../../prover-pool/node-provers.ts")).poolProvers(provers, log) }),
    log,
  }).catch((err: unknown) => {
    // Redis gone between the check and the start: still one line and exit 2, still no fallback.
    if (err instanceof PoolError) throw new CliError(err.message, { cause: err });
    throw err;
  });
  const h = running.node.health();
  console.log(`zkr node: listening on ${running.api.url}  (instance ${h.instance}, data ${dataDir})`);
  if (provers !== undefined) console.log(`zkr node: proving on the prover pool at ${provers.url} (start workers with: zkr prover --queue ${provers.url})`);
  if (h.insecureKeys) console.log("zkr node: WARNING: development keys (INSECURE setup): never use for value");
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  console.log("zkr node: stopping");
  await running.stop();
  return 0;
}

/** The --provers URL, parsed and answering PING (else one line, exit 2, before any key or store work). */
async function reachableRedis(url: string): Promise<RedisTarget> {
  // Loaded only with --provers: a node proving in-process never loads BullMQ or ioredis.
  const { connectRedis, parseRedisUrl } = await import("../../prover-pool/redis-url.ts");
  try {
    const target = parseRedisUrl(url);
    (await connectRedis(target)).disconnect();
    return target;
  } catch (err) {
    if (err instanceof PoolError) throw new CliError(`--provers: ${err.message}`, { cause: err });
    throw err;
  }
}
