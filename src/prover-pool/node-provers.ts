import { createHash } from "node:crypto";
import { fileSha256 } from "../artifacts/files.ts";
import type { Meta, RemoteProverFactory } from "../node/node.ts";
import { PoolProver } from "./pool-prover.ts";
import type { RedisTarget } from "./redis-url.ts";

/**
 * A node's prover pool on this Redis: jobs name the proving key by its content hash (the keys the
 * data directory pinned), and carry a rollup id fixed at genesis so that job ids stay the same across
 * restarts of the node and differ between data directories sharing one Redis.
 */
export function poolProvers(target: RedisTarget, log: (m: string) => void): RemoteProverFactory {
  return async (keys, meta) =>
    PoolProver.connect({ target, instance: meta.instance, zkeySha256: fileSha256(keys.zkey), vkey: keys.vkey, rollup: rollupTag(meta), log });
}

export function rollupTag(meta: Meta): string {
  return createHash("sha256")
    .update(JSON.stringify([meta.instance, meta.rollupId, meta.genesisRoot, meta.createdAt]))
    .digest("hex")
    .slice(0, 16);
}
