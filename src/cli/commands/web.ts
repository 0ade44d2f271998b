import { findInstance, instanceByRole } from "../../circuit/instances.ts";
import { DEFAULT_FORCED_DEADLINE_SECONDS } from "../../demo/forced-exit-run.ts";
import { isScenario, SCENARIOS } from "../../web/demo-run.ts";
import { startDemoServer } from "../../web/demo-server.ts";
import { intFlag, noPositionals, parseArgs, parseDuration, stringFlag } from "../args.ts";
import { CliError } from "../errors.ts";

export const DEFAULT_WEB_PORT = 8560;

export const WEB_HELP = `zkr web [--port N] [--instance NAME] [--scenario NAME] [--window 7d] [--deadline 1d]
        [--users N] [--transfers N] [--seed S] [--no-scaling]
  The zk-vs-optimistic demo as a live page on http://127.0.0.1:PORT/ (default ${DEFAULT_WEB_PORT}; 0 picks a free
  one): pick a scenario (${Object.keys(SCENARIOS).join(", ")}), both modes run on the demo's
  drivers and are played back side by side on one L1 clock you pause, speed up (1 s of page time = 1 min
  to 1 week of L1 time) or skip; dispute moves, finality and withdrawal times appear as the clock reaches
  them, with vega-lite charts and (honest scenario) the scaling table. --scenario starts one at once.
  Defaults: the demo instance, a 7d challenge window, a 1d forced-withdrawal deadline, 4 users (2-64),
  12 transfers (0-1000), seed 1. Serves only 127.0.0.1; stops on Ctrl-C / SIGTERM.`;

export async function webCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, { valued: ["port", "instance", "scenario", "window", "deadline", "users", "transfers", "seed"], boolean: ["no-scaling"] });
  noPositionals(args);
  const name = stringFlag(args, "instance");
  const instance = name === undefined ? instanceByRole("demo") : findInstance(name);
  const scenario = stringFlag(args, "scenario");
  if (scenario !== undefined && !isScenario(scenario)) throw new CliError(`--scenario must be one of ${Object.keys(SCENARIOS).join(", ")}`);
  const port = intFlag(args, "port", 0, 65535, DEFAULT_WEB_PORT);
  const server = await startDemoServer({
    port,
    instance,
    windowSeconds: parseDuration(stringFlag(args, "window") ?? "7d", "--window", 60),
    deadlineSeconds: parseDuration(stringFlag(args, "deadline") ?? `${DEFAULT_FORCED_DEADLINE_SECONDS}`, "--deadline", 60),
    users: intFlag(args, "users", 2, 64, 4),
    transfers: intFlag(args, "transfers", 0, 1000, 12),
    seed: intFlag(args, "seed", 0, 2 ** 31, 1),
    scaling: !args.flags.has("no-scaling"),
    log: (m) => console.log(`[web] ${m}`),
  }).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") throw new CliError(`port ${port} on 127.0.0.1 is in use (--port N, or 0 for a free one)`, { cause: err });
    throw err;
  });
  console.log(`zkr web: serving the demo on ${server.url}/  (instance ${instance.name})`);
  if (scenario !== undefined) server.start(scenario);
  await new Promise<void>((done) => {
    process.once("SIGINT", () => done());
    process.once("SIGTERM", () => done());
  });
  console.log("zkr web: stopping");
  await server.close();
  return 0;
}
