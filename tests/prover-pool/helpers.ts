/** Shared by the prover-pool tests: the local redis-server and worker processes, and waiting helpers. */
export { killAll, spawnCli, spawnWorker, startRedis, type RedisServer, type WorkerProcess } from "../../src/prover-pool/local-processes.ts";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}
