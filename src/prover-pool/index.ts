export { PoolError, type PoolErrorCode } from "./errors.ts";
export { parseRedisUrl, connectRedis, type RedisTarget } from "./redis-url.ts";
export { PoolProver, type PoolProved, type PoolProverOptions } from "./pool-prover.ts";
export { startProverWorker, type ProverWorkerOptions, type RunningProverWorker } from "./worker.ts";
export { poolProvers, rollupTag } from "./node-provers.ts";
export { DEFAULT_STALL_MS, QUEUE_NAME, jobId, type ProofJobData, type ProofJobResult } from "./job.ts";
