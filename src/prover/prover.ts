import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Protocol } from "../artifacts/setup.ts";
import { CircuitError } from "../circuit/errors.ts";
import type { BatchInputs } from "../state/batch.ts";
import { fastestEngine, type ProvedBatch, type ProverEngine, type ProvingKeys } from "./prove.ts";

type Reply = { id: number; result: ProvedBatch } | { id: number; error: { message: string; code?: "CONSTRAINT_FAILED" | "BAD_INPUT" } };

/**
 * A long-lived prover process: the wasm witness calculator, the zkey and snarkjs's curve workers stay
 * loaded between batches (a cold start costs 0.5-2 s a proof), and the caller stays free to admit
 * operations while a proof runs. close() ends snarkjs's curve workers and the process.
 */
export class Prover {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, { resolve: (r: ProvedBatch) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private exited = false;

  private readonly engine: ProverEngine;

  constructor(
    private readonly keys: ProvingKeys,
    private readonly protocol: Protocol = "groth16",
    options: { readonly engine?: ProverEngine } = {},
  ) {
    // Groth16 defaults to the fastest engine here; PLONK/FFLONK always prove with snarkjs.
    this.engine = options.engine ?? (protocol === "groth16" ? fastestEngine() : "snarkjs");
    this.child = fork(fileURLToPath(new URL("./worker.ts", import.meta.url)), [], {
      execArgv: ["--import", "tsx"],
      // Structured clone over IPC: bigints in the circuit inputs travel as they are.
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.child.on("message", (reply: Reply) => {
      const w = this.waiting.get(reply.id);
      if (w === undefined) return;
      this.waiting.delete(reply.id);
      if ("result" in reply) w.resolve(reply.result);
      else w.reject(reply.error.code === undefined ? new Error(reply.error.message) : new CircuitError(reply.error.code, reply.error.message));
    });
    this.child.on("exit", (code) => {
      this.exited = true;
      for (const w of this.waiting.values()) w.reject(new Error(`prover process exited (code ${code})`));
      this.waiting.clear();
    });
  }

  /** Witness then proof; a batch that breaks a rule rejects with CircuitError CONSTRAINT_FAILED. */
  prove(inputs: BatchInputs): Promise<ProvedBatch> {
    return this.request({ type: "prove", inputs, ...this.keys });
  }

  /**
   * A proof from a witness computed elsewhere (snarkjs .wtns bytes; witnessSeconds is 0): with it a
   * caller computes the next batch's witness while this process proves the current one (pipelining).
   * Requests queue: the process proves them one after another.
   */
  proveWitness(wtns: Uint8Array): Promise<ProvedBatch> {
    return this.request({ type: "proveWitness", wtns, zkey: this.keys.zkey });
  }

  private request(body: Record<string, unknown>): Promise<ProvedBatch> {
    if (this.exited) return Promise.reject(new Error("prover is closed"));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ ...body, id, protocol: this.protocol, engine: this.engine });
    });
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.send({ type: "close" });
    await done;
  }
}
