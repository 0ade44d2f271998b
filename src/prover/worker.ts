// The warm prover's process: loads snarkjs once and proves batch after batch.
// A child process, not a worker thread: snarkjs's curve spreads its own work over worker threads
// (web-worker), which cannot be started from inside another worker thread.
import type { Protocol } from "../artifacts/setup.ts";
import { CircuitError } from "../circuit/errors.ts";
import type { BatchInputs } from "../state/batch.ts";
import { proveBatch, shutdownProver } from "./prove.ts";

type Request =
  | { type: "prove"; id: number; inputs: BatchInputs; zkey: string; wasm: string; protocol: Protocol }
  | { type: "close" };

const send = (msg: unknown) => process.send?.(msg);

process.on("message", (msg: Request) => {
  if (msg.type === "close") {
    void shutdownProver().then(() => process.exit(0));
    return;
  }
  proveBatch({ zkey: msg.zkey, wasm: msg.wasm }, msg.inputs, msg.protocol).then(
    (result) => send({ id: msg.id, result }),
    (err: unknown) => {
      const code = err instanceof CircuitError ? err.code : undefined;
      send({ id: msg.id, error: { message: err instanceof Error ? err.message : String(err), code } });
    },
  );
});
// Without a parent there is nothing to do: exit rather than hang.
process.on("disconnect", () => void shutdownProver().then(() => process.exit(0)));
