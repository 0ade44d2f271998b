import { PoolError } from "../../prover-pool/errors.ts";
import { DEFAULT_STALL_MS } from "../../prover-pool/job.ts";
import { intOption, noPositionals, parseArgs, stringFlag } from "../args.ts";
import { CliError } from "../errors.ts";

export const PROVER_HELP = `zkr prover --queue redis://HOST:PORT [--concurrency N] [--stall-ms MS] [--id NAME]
  A prover worker for nodes started with --provers: takes batches' proof jobs from the BullMQ queue on
  that Redis, proves each with the keys the job names by content hash (a job for keys this machine does
  not hold under build/ is refused and left to other workers) and returns the proof, which the node
  verifies. --concurrency jobs at once (default 1; each proof already uses every core), --stall-ms how
  long a job's lock lasts without renewal before another worker takes it over (default ${DEFAULT_STALL_MS}),
  --id the name the node logs it by (default HOSTNAME-PID). Stops cleanly on Ctrl-C / SIGTERM.`;

export async function proverCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { valued: ["queue", "concurrency", "stall-ms", "id"], boolean: [] });
  noPositionals(args);
  const url = stringFlag(args, "queue");
  if (url === undefined) throw new CliError("--queue redis://HOST:PORT is required");
  const concurrency = intOption(args, "concurrency", 1, 64) ?? 1;
  const stallMs = intOption(args, "stall-ms", 200, 3_600_000) ?? DEFAULT_STALL_MS;
  const id = stringFlag(args, "id");
  // Loaded here: every other command starts without BullMQ and ioredis.
  const { parseRedisUrl } = await import("../../prover-pool/redis-url.ts");
  const { startProverWorker } = await import("../../prover-pool/worker.ts");
  let worker;
  try {
    worker = await startProverWorker({
      target: parseRedisUrl(url),
      concurrency,
      stallMs,
      ...(id === undefined ? {} : { id }),
      log: (m) => console.log(`[prover] ${m}`),
    });
  } catch (err) {
    // A bad URL, an unreachable Redis or a bad --id: one line, exit 2.
    if (err instanceof PoolError) throw new CliError(err.message, { cause: err });
    throw err;
  }
  console.log(`zkr prover: worker ${worker.id} on ${parseRedisUrl(url).url} (concurrency ${concurrency})`);
  await new Promise<void>((done) => {
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  console.log(`zkr prover: stopping after the jobs in hand (${worker.proven()} proven)`);
  await worker.close();
  return 0;
}
