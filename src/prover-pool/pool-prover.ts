/**
 * The node's side of the prover pool: each batch is a BullMQ job (its id fixed by rollup and batch
 * number, so a restarted node finds the job, and the proof, it queued before); any number of workers
 * prove jobs in parallel; every returned proof is range-checked and verified here before the node sees
 * it. A rejected proof re-queues the job (the worker that made it is logged and asked to leave the job
 * to others). Redis is never bypassed: while it is unreachable the node waits, it does not prove in-process.
 */
import { Job, Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import type { JsonObject } from "snarkjs";
import { verifyProof, type ProvedBatch } from "../prover/prove.ts";
import type { BatchInputs } from "../state/batch.ts";
import { PoolError } from "./errors.ts";
import { inputsToJson, isWorkerId, jobId, JOB_FORMAT, parseJobResult, QUEUE_NAME, type ProofJobData, type ProofJobResult } from "./job.ts";
import { connectRedis, type RedisTarget } from "./redis-url.ts";

export interface PoolProverOptions {
  readonly target: RedisTarget;
  readonly instance: string;
  /** sha256 of the proving key: the content hash workers find their keys by. */
  readonly zkeySha256: string;
  readonly vkey: JsonObject;
  /** Names this rollup in job ids (a hex id, fixed for a data directory). */
  readonly rollup: string;
  readonly log?: (message: string) => void;
  /** How often a job's state is read even without an event (events can be lost across a Redis restart). */
  readonly pollMs?: number;
  /** A job no worker took for this long is logged once (workers down, or none with these keys). */
  readonly idleWarnMs?: number;
}

/** A verified proof with where and how long it took. */
export interface PoolProved extends ProvedBatch {
  readonly worker: string;
  /** Wall times (ms): the job queued, a worker started it, the worker finished, the node had it verified. */
  readonly timeline: { readonly enqueuedAtMs: number; readonly startedAtMs: number; readonly finishedAtMs: number; readonly receivedAtMs: number; readonly verifiedAtMs: number };
  /** Proofs of this batch rejected before this one. */
  readonly rejected: number;
}

export class PoolProver {
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;

  private constructor(
    private readonly opts: PoolProverOptions,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly connections: readonly Redis[],
  ) {
    const wake = ({ jobId: id }: { jobId: string }) => {
      for (const w of this.waiters.get(id) ?? []) w();
    };
    events.on("completed", wake);
    events.on("failed", wake);
  }

  /** Connects (REDIS_UNREACHABLE within the connect timeout) and is ready to queue jobs. */
  static async connect(opts: PoolProverOptions): Promise<PoolProver> {
    const log = opts.log ?? (() => {});
    const a = await connectRedis(opts.target, { onError: log });
    let b: Redis;
    try {
      b = await connectRedis(opts.target);
    } catch (err) {
      a.disconnect();
      throw err;
    }
    const queue = new Queue(QUEUE_NAME, { connection: a });
    const events = new QueueEvents(QUEUE_NAME, { connection: b });
    // Errors come back as rejected calls; these only keep EventEmitter from throwing on 'error'.
    queue.on("error", () => undefined);
    events.on("error", () => undefined);
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    return new PoolProver(opts, queue, events, [a, b]);
  }

  private get log(): (m: string) => void {
    return this.opts.log ?? (() => {});
  }

  /**
   * Queues the batch (or finds its job), waits for a proof that verifies against the verification key
   * and the batch's own input hash, and returns it. Bad proofs are rejected and the job queued again.
   */
  async prove(batch: number, inputs: BatchInputs): Promise<PoolProved> {
    const id = jobId(this.opts.rollup, batch);
    const rejectedBy: string[] = [];
    const data = (): ProofJobData => ({
      format: JOB_FORMAT,
      instance: this.opts.instance,
      zkeySha256: this.opts.zkeySha256,
      rollup: this.opts.rollup,
      batch,
      inputs: inputsToJson(inputs),
      rejectedBy: [...rejectedBy],
    });
    const enqueuedAtMs = Date.now();
    await this.add(id, data());
    for (;;) {
      const job = await this.waitFinished(id, batch, data);
      const receivedAtMs = Date.now();
      const processedBy = job.processedBy;
      let result: ProofJobResult | undefined;
      let why: string | undefined;
      try {
        result = parseJobResult(job.returnvalue);
        why = await this.check(result, inputs.inputHash);
      } catch (err) {
        why = err instanceof PoolError ? err.message : `unreadable result (${String(err)})`;
      }
      const worker = isWorkerId(processedBy) ? processedBy : (result?.worker ?? "unknown");
      if (why === undefined && result !== undefined) {
        const verifiedAtMs = Date.now();
        return {
          proof: result.proof,
          publicSignals: result.publicSignals,
          witnessSeconds: result.witnessSeconds,
          proveSeconds: result.proveSeconds,
          worker,
          rejected: rejectedBy.length,
          timeline: { enqueuedAtMs, startedAtMs: result.startedAtMs, finishedAtMs: result.finishedAtMs, receivedAtMs, verifiedAtMs },
        };
      }
      // A wrong or tampered proof: the worker is reported, the job goes back for another one.
      this.log(`batch ${batch}: REJECTED the proof of worker ${worker}: ${why ?? "?"}; the job is queued again`);
      if (!rejectedBy.includes(worker)) rejectedBy.push(worker);
      await job.updateData(data());
      await job.retry("completed");
    }
  }

  /** undefined if the proof is this batch's and verifies, else why not. */
  private async check(result: ProofJobResult, inputHash: bigint): Promise<string | undefined> {
    if (result.publicSignals[0] !== inputHash.toString()) return `its public signal is not this batch's input hash`;
    try {
      if (!(await verifyProof(this.opts.vkey, result.publicSignals, result.proof))) return "the proof does not verify";
    } catch (err) {
      return `the proof does not verify (${String(err).split("\n")[0] ?? ""})`;
    }
    return undefined;
  }

  private async add(id: string, data: ProofJobData): Promise<void> {
    // Same id as an existing job: BullMQ keeps the existing one (a restarted node finds its job again).
    await this.queue.add("prove", data, {
      jobId: id,
      // A worker's failure (its prover process died) is retried; stalls (a killed worker) do not count.
      attempts: 20,
      backoff: { type: "fixed", delay: 500 },
      removeOnComplete: false,
      removeOnFail: false,
    });
  }

  /** The job once completed (its result not yet checked); JOB_FAILED if it failed for good. */
  private async waitFinished(id: string, batch: number, data: () => ProofJobData): Promise<Job> {
    const pollMs = this.opts.pollMs ?? 1000;
    const idleWarnMs = this.opts.idleWarnMs ?? 30_000;
    let waitingSince = Date.now();
    let warned = false;
    for (;;) {
      if (this.closed) throw new PoolError("JOB_FAILED", "the pool client is closed");
      const state = await this.queue.getJobState(id);
      if (state === "completed") {
        const job = await Job.fromId(this.queue, id);
        if (job !== undefined) return job;
      } else if (state === "failed") {
        const job = await Job.fromId(this.queue, id);
        throw new PoolError("JOB_FAILED", `batch ${batch}: its proof job failed for good: ${job?.failedReason ?? "?"}`);
      } else if (state === "unknown") {
        // Gone (a Redis that lost its data, or someone removed it): queued again, nothing is lost.
        this.log(`batch ${batch}: its job is not in Redis any more; queueing it again`);
        await this.add(id, data());
      } else if (state === "active") {
        waitingSince = Date.now();
      } else if (!warned && Date.now() - waitingSince > idleWarnMs) {
        warned = true;
        this.log(
          `batch ${batch}: queued ${Math.round(idleWarnMs / 1000)} s and not taken yet (every worker busy, or none running with keys ${this.opts.instance}@${this.opts.zkeySha256.slice(0, 12)}…)`,
        );
      }
      await this.nextEvent(id, pollMs);
    }
  }

  private nextEvent(id: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(id) ?? new Set();
      this.waiters.set(id, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.waiters.delete(id);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  /** Where a batch's job stands (for monitoring and tests): its BullMQ state and the worker that took it. */
  async inspect(batch: number): Promise<{ readonly state: string; readonly worker: string | undefined }> {
    const job = await Job.fromId(this.queue, jobId(this.opts.rollup, batch));
    if (job === undefined) return { state: "unknown", worker: undefined };
    return { state: await job.getState(), worker: job.processedBy };
  }

  /** The batch's proof is stored: its job is removed (best effort; a leftover job is only storage). */
  async done(batch: number): Promise<void> {
    await this.queue.remove(jobId(this.opts.rollup, batch)).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const set of this.waiters.values()) for (const w of set) w();
    await this.events.close().catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    for (const c of this.connections) c.disconnect();
  }
}
