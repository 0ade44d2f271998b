// The warm prover's process: loads snarkjs once and proves batch after batch.
// A child process, not a worker thread: snarkjs's curve spreads its own work over worker threads
// (web-worker), which cannot be started from inside another worker thread.
import type { Protocol } from "../artifacts/setup.ts";
import { CircuitError } from "../circuit/errors.ts";
import type { BatchInputs } from "../state/batch.ts";
import { proveBatch, proveWitness, shutdownProver, type ProvedBatch, type ProverEngine } from "./prove.ts";

type Request =
  | { type: "prove"; id: number; inputs: BatchInputs; zkey: string; wasm: string; cpp?: string; protocol: Protocol; engine: ProverEngine }
  | { type: "proveWitness"; id: number; wtns: Uint8Array; zkey: string; protocol: Protocol; engine: ProverEngine }
  | { type: "close" };

const send = (msg: unknown) => process.send?.(msg);

/** Peak resident set of this process (its curve worker threads included), bytes. */
const peakRss = () => process.resourceUsage().maxRSS * 1024;

// One proof at a time, in arrival order: a request sent while a proof runs (pipelining) waits its turn
// rather than sharing the curve's threads with it (two interleaved proofs are slower than two in a row).
let queue: Promise<unknown> = Promise.resolve();

process.on("message", (msg: Request) => {
  if (msg.type === "close") {
    void queue.then(shutdownProver).then(() => process.exit(0));
    return;
  }
  const work: Promise<ProvedBatch> = queue.then(async () => {
    const cpu0 = process.cpuUsage();
    const result =
      msg.type === "prove"
        ? await proveBatch({ zkey: msg.zkey, wasm: msg.wasm, ...(msg.cpp === undefined ? {} : { cpp: msg.cpp }) }, msg.inputs, msg.protocol, msg.engine)
        : await proveWitness(msg.zkey, msg.wtns, msg.protocol, msg.engine);
    const cpu = process.cpuUsage(cpu0);
    return { ...result, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  });
  queue = work.catch(() => undefined);
  work.then(
    (result) => send({ id: msg.id, result: { ...result, peakRssBytes: peakRss() } }),
    (err: unknown) => {
      const code = err instanceof CircuitError ? err.code : undefined;
      send({ id: msg.id, error: { message: err instanceof Error ? err.message : String(err), code } });
    },
  );
});
// Without a parent there is nothing to do: exit rather than hang.
process.on("disconnect", () => void shutdownProver().then(() => process.exit(0)));
