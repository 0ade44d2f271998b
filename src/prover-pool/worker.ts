/**
 * A prover worker: takes proof jobs from the BullMQ queue, proves each with the keys the job names (by
 * content hash) in a warm prover process of its own, and returns the proof. The node checks every proof;
 * the worker is not trusted.
 *
 * Faults it leaves to BullMQ: a worker killed mid-proof stops renewing its job's lock; once the lock
 * expires (lockDuration), any live worker's stalled-job check (every stalledInterval) puts the job back
 * for another worker. maxStalledCount is high so a job outlives several crashed workers.
 */
import { hostname } from "node:os";
import { DelayedError, UnrecoverableError, Worker, type Job } from "bullmq";
import { CircuitError } from "../circuit/errors.ts";
import { Prover } from "../prover/prover.ts";
import { shutdownProver } from "../prover/prove.ts";
import { PoolError } from "./errors.ts";
import { DEFAULT_STALL_MS, inputsFromJson, isWorkerId, parseJobData, parseJobResult, QUEUE_NAME, type ProofJobResult } from "./job.ts";
import { connectRedis, type RedisTarget } from "./redis-url.ts";
import { findWorkerKeys, type WorkerKeys } from "./worker-keys.ts";

/** A job this worker must leave to others goes back for this long (another worker takes it meanwhile). */
const PASS_MS = 250;
const REFUSE_MS = 1000;

export interface ProverWorkerOptions {
  readonly target: RedisTarget;
  readonly concurrency?: number;
  /** Lock duration and stalled-check interval (ms): how soon a killed worker's job is handed on. */
  readonly stallMs?: number;
  readonly id?: string;
  readonly log?: (message: string) => void;
  /** Test hook: changes each result before it is returned (a faulty or malicious worker). */
  readonly tamper?: (result: ProofJobResult) => ProofJobResult;
}

export interface RunningProverWorker {
  readonly id: string;
  /** Jobs proven and returned so far. */
  readonly proven: () => number;
  /** Waits for the jobs in hand, then ends the prover processes and the connections. */
  close(): Promise<void>;
}

export async function startProverWorker(opts: ProverWorkerOptions): Promise<RunningProverWorker> {
  const id = opts.id ?? `${hostname()}-${process.pid}`;
  if (!isWorkerId(id)) throw new PoolError("BAD_JOB", `worker id "${id}" must be 1-128 characters of A-Z a-z 0-9 . _ : @ -`);
  const log = opts.log ?? (() => {});
  const stallMs = opts.stallMs ?? DEFAULT_STALL_MS;
  const connection = await connectRedis(opts.target, { onError: log });
  const idle = new Map<string, Prover[]>();
  const all: Prover[] = [];
  let proven = 0;

  // One warm prover process per concurrent job and key: processes keep their keys loaded between jobs.
  const acquire = (keys: WorkerKeys): Prover => {
    const free = idle.get(keys.zkeySha256)?.pop();
    if (free !== undefined) return free;
    const p = new Prover({ zkey: keys.zkey, wasm: keys.wasm });
    all.push(p);
    return p;
  };
  const release = (keys: WorkerKeys, p: Prover) => {
    const list = idle.get(keys.zkeySha256) ?? [];
    list.push(p);
    idle.set(keys.zkeySha256, list);
  };
  const drop = (p: Prover) => {
    all.splice(all.indexOf(p), 1);
    void p.close().catch(() => undefined);
  };

  const processor = async (job: Job, token?: string): Promise<ProofJobResult> => {
    const startedAtMs = Date.now();
    let data;
    try {
      data = parseJobData(job.data);
    } catch (err) {
      throw new UnrecoverableError(`worker ${id}: ${(err as Error).message}`);
    }
    const what = `batch ${data.batch} of rollup ${data.rollup}`;
    if (data.rejectedBy.includes(id)) {
      // The node rejected this worker's proof of this job once: leave it to another worker.
      await job.moveToDelayed(Date.now() + PASS_MS, token);
      throw new DelayedError();
    }
    const keys = findWorkerKeys(data.instance, data.zkeySha256);
    if (keys === undefined) {
      const why = `refused ${what}: no ${data.instance} keys with zkey sha256 ${data.zkeySha256.slice(0, 16)}… here`;
      log(why);
      await job.log(`${id} ${why}`).catch(() => undefined);
      await job.moveToDelayed(Date.now() + REFUSE_MS, token);
      throw new DelayedError();
    }
    let inputs;
    try {
      inputs = inputsFromJson(data.inputs, keys.instance.ops);
    } catch (err) {
      throw new UnrecoverableError(`worker ${id}: ${(err as Error).message}`);
    }
    const prover = acquire(keys);
    let proved;
    try {
      proved = await prover.prove(inputs);
    } catch (err) {
      if (err instanceof CircuitError) {
        release(keys, prover);
        // The same inputs fail on every worker: no retry.
        throw new UnrecoverableError(`worker ${id}: ${what} does not satisfy the circuit: ${err.message.split("\n")[0] ?? ""}`);
      }
      drop(prover);
      throw err;
    }
    release(keys, prover);
    // Checked like the node will check it: a malformed proof from this worker's own prover fails here.
    const result = parseJobResult({
      proof: proved.proof,
      publicSignals: proved.publicSignals,
      worker: id,
      witnessSeconds: proved.witnessSeconds,
      proveSeconds: proved.proveSeconds,
      startedAtMs,
      finishedAtMs: Date.now(),
    });
    proven++;
    log(`proved ${what} in ${(proved.witnessSeconds + proved.proveSeconds).toFixed(2)} s`);
    return opts.tamper === undefined ? result : opts.tamper(result);
  };

  const worker = new Worker(QUEUE_NAME, processor, {
    connection,
    name: id,
    concurrency: opts.concurrency ?? 1,
    lockDuration: stallMs,
    stalledInterval: stallMs,
    maxStalledCount: 1000,
  });
  let lastError = "";
  worker.on("error", (err) => {
    const m = err.message.split("\n")[0] ?? "";
    if (m !== lastError) log(`queue error: ${m}`);
    lastError = m;
  });
  worker.on("failed", (job, err) => {
    if (job !== undefined && !(err instanceof DelayedError)) log(`job ${job.id ?? "?"} failed: ${err.message.split("\n")[0] ?? ""}`);
  });
  await worker.waitUntilReady();

  return {
    id,
    proven: () => proven,
    async close() {
      await worker.close();
      for (const p of all) await p.close().catch(() => undefined);
      await shutdownProver();
      connection.disconnect();
    },
  };
}
