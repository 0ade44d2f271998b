import { ApiError } from "../../src/node/client.ts";

export { freePort, spawnNode, type NodeProcess } from "../../src/node/spawn.ts";

/** True for what a client sees while the node is down or restarting: retry later. */
export function isTransient(err: unknown): boolean {
  if (err instanceof ApiError) return err.status === 503;
  return err instanceof TypeError; // fetch failed: refused, reset, closed mid-answer
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retries `f` while the node is unreachable. */
export async function retrying<T>(f: () => Promise<T>, stop: () => boolean = () => false): Promise<T> {
  for (;;) {
    try {
      return await f();
    } catch (err) {
      if (!isTransient(err) || stop()) throw err;
      await sleep(150);
    }
  }
}

export async function until(cond: () => Promise<boolean>, timeoutMs: number, what: string, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(intervalMs);
  }
}
