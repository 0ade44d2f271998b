/**
 * Starts a node with its API and stops both on SIGINT/SIGTERM: what `zkr node` runs (and what tests
 * spawn as a separate process, so that kill -9 hits a real process).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { JsonObject } from "snarkjs";
import { setupInstance } from "../artifacts/setup.ts";
import type { CircuitInstance } from "../circuit/instances.ts";
import { shutdownProver } from "../prover/prove.ts";
import { startApi, type RunningApi } from "./api.ts";
import { RollupNode, type NodeOptions } from "./node.ts";

export interface RunOptions extends Omit<NodeOptions, "keys"> {
  readonly port: number;
  readonly maxBodyBytes?: number;
}

export interface RunningNode {
  readonly node: RollupNode;
  readonly api: RunningApi;
  stop(): Promise<void>;
}

/** Keys for an instance, made on demand (development setup, cached under build/). */
export async function nodeKeys(instance: CircuitInstance, log: (m: string) => void): Promise<NodeOptions["keys"]> {
  const keys = await setupInstance(instance, { log });
  return {
    zkey: keys.zkey,
    wasm: keys.circuit.wasm,
    vkey: JSON.parse(readFileSync(keys.vkey, "utf8")) as JsonObject,
    insecure: keys.manifest.insecure,
  };
}

export async function startNode(opts: RunOptions & { readonly keys?: NodeOptions["keys"] }): Promise<RunningNode> {
  const log = opts.log ?? (() => {});
  const keys = opts.keys ?? (await nodeKeys(opts.instance, log));
  const node = await RollupNode.open({ ...opts, keys });
  let api: RunningApi;
  try {
    api = await startApi(node, { port: opts.port, ...(opts.maxBodyBytes === undefined ? {} : { maxBodyBytes: opts.maxBodyBytes }) });
  } catch (err) {
    await node.stop();
    throw err;
  }
  writeFileSync(join(opts.dataDir, "node.json"), JSON.stringify({ url: api.url, port: api.port, pid: process.pid }, null, 2));
  return {
    node,
    api,
    async stop() {
      await api.close();
      await node.stop();
      await shutdownProver();
    },
  };
}
