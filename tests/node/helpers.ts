import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonObject } from "snarkjs";
import { ApiError } from "../../src/node/client.ts";
import type { GenesisParams } from "../../src/node/node.ts";
import { startNode, type RunOptions, type RunningNode } from "../../src/node/run.ts";
import { ROLLUP_ID, testArtifacts, testInstance } from "../helpers/fixtures.ts";

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

/**
 * In-process nodes on the test instance, each in its own temp folder: the test moves the L1 clock
 * (slotMs 0), batches are cut at once (maxWaitSeconds 0) and final one slot after acceptance, unless
 * `start` is told otherwise. `stopAll` (in afterAll) stops them and removes the folders.
 */
export class TestNodes {
  private readonly dirs: string[] = [];
  private readonly nodes: RunningNode[] = [];

  constructor(private readonly prefix: string) {}

  async start(over: Partial<Omit<RunOptions, "genesis">> & { readonly genesis?: Partial<GenesisParams> } = {}): Promise<RunningNode> {
    const { circuit, keys } = testArtifacts();
    const dir = mkdtempSync(join(tmpdir(), this.prefix));
    this.dirs.push(dir);
    const { genesis, ...rest } = over;
    const n = await startNode({
      dataDir: dir,
      port: 0,
      instance: testInstance,
      keys: { zkey: keys.zkey, wasm: circuit.wasm, vkey: JSON.parse(readFileSync(keys.vkey, "utf8")) as JsonObject, insecure: true },
      genesis: { rollupId: ROLLUP_ID, finalitySlots: 1, ...genesis },
      slotMs: 0,
      maxWaitSeconds: 0,
      ...rest,
    });
    this.nodes.push(n);
    return n;
  }

  async stopAll(): Promise<void> {
    for (const n of this.nodes) await n.stop();
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
  }
}
