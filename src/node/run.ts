/**
 * Starts a node with its API and stops both on SIGINT/SIGTERM: what `zkr node` runs (and what tests
 * spawn as a separate process, so that kill -9 hits a real process).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { JsonObject } from "snarkjs";
import { writeFileAtomic } from "../artifacts/files.ts";
import { keysDir, keyVersion, setupInstance, type KeyVersion } from "../artifacts/setup.ts";
import type { CircuitInstance } from "../circuit/instances.ts";
import { cppWitnessOption } from "../circuit/witness-cpp.ts";
import { shutdownProver } from "../prover/prove.ts";
import { startApi, type RunningApi } from "./api.ts";
import { prepareDataDir } from "./data-dir.ts";
import { RollupNode, type KeyResolver, type NodeKeys, type NodeOptions } from "./node.ts";

export interface RunOptions extends Omit<NodeOptions, "keys"> {
  readonly port: number;
  readonly maxBodyBytes?: number;
}

export interface RunningNode {
  readonly node: RollupNode;
  readonly api: RunningApi;
  stop(): Promise<void>;
}

/** The current keys for an instance, made on demand (development setup, cached under build/). */
export async function nodeKeys(instance: CircuitInstance, log: (m: string) => void): Promise<NodeKeys> {
  return keysOf(await setupInstance(instance, { log }), log);
}

/**
 * The keys a data directory uses: exactly the version it pinned (kept by setup forever, whatever
 * `zkr setup --force` made since), or for a new data directory the current ones. A pinned version that
 * is gone falls back to the current keys, which open() accepts only if their verification key is the
 * one on the L1 (else KEYS_CHANGED).
 */
export function nodeKeyResolver(instance: CircuitInstance, log: (m: string) => void): KeyResolver {
  return async (pinned) => {
    const kv = pinned === undefined ? undefined : keyVersion(instance.name, pinned);
    if (kv !== undefined) return keysOf(kv, log);
    if (pinned !== undefined) log(`key version ${pinned} pinned by this data directory is not under ${keysDir(instance.name)}; trying the current keys`);
    return nodeKeys(instance, log);
  };
}

/** A key version as a node's keys, with the circuit's C++ witness generator where it is built (said in one line). */
function keysOf(kv: KeyVersion, log: (m: string) => void): NodeKeys {
  return {
    zkey: kv.zkey,
    wasm: kv.wasm,
    ...cppWitnessOption(kv.manifest, log),
    vkey: JSON.parse(readFileSync(kv.vkey, "utf8")) as JsonObject,
    insecure: kv.manifest.insecure,
    version: kv.version,
  };
}

export async function startNode(opts: RunOptions & { readonly keys?: NodeOptions["keys"] }): Promise<RunningNode> {
  const log = opts.log ?? (() => {});
  // A data directory that cannot work is refused before keys are made or anything starts.
  prepareDataDir(opts.dataDir);
  const node = await RollupNode.open({ ...opts, keys: opts.keys ?? nodeKeyResolver(opts.instance, log) });
  let api: RunningApi;
  try {
    api = await startApi(node, { port: opts.port, ...(opts.maxBodyBytes === undefined ? {} : { maxBodyBytes: opts.maxBodyBytes }) });
  } catch (err) {
    await node.stop();
    throw err;
  }
  writeFileAtomic(join(opts.dataDir, "node.json"), JSON.stringify({ url: api.url, port: api.port, pid: process.pid }, null, 2));
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
