/**
 * An offline check of a stopped node's data directory against the L1 alone: replays the logged L1
 * inputs into a fresh in-process EVM running the contracts (every proof verified again by the verifier
 * contract), rebuilds the L2 state from the accepted batches' posted data and the deposit events
 * (src/l1/reconstruct.ts) and compares it with what the node stored.
 */
import type { CircuitInstance } from "../circuit/instances.ts";
import { reconstructState } from "../l1/reconstruct.ts";
import { stateFromJson, type StateJson } from "../state/serialize.ts";
import { NodeError } from "./errors.ts";
import { L1Host } from "./l1-host.ts";
import { BATCH, META_KEY, l1ParamsOf, stateKey, type BatchRecord, type Meta } from "./node.ts";
import { NodeStore } from "./store.ts";

export interface AuditResult {
  readonly batchesStored: number;
  readonly batchesOnL1: number;
  readonly l1Root: bigint;
  readonly reconstructedRoot: bigint;
  readonly storedRoot: bigint;
  readonly l1Transactions: number;
}

/** `zkey`: the proving key the verifier contract is exported from (its verification key must be the node's). */
export async function auditDataDir(dataDir: string, instance: CircuitInstance, zkey: string): Promise<AuditResult> {
  const store = await NodeStore.open(dataDir);
  try {
    const meta = await store.get<Meta>(META_KEY);
    if (meta === undefined) throw new NodeError("STORE_CORRUPT", `${dataDir} holds no node`);
    const { entries, clock } = await L1Host.readLog(store);
    const host = await L1Host.fromLog(entries, l1ParamsOf(meta, instance, zkey), clock, dataDir);
    try {
      return await compare(store, meta, host);
    } finally {
      await host.close();
    }
  } finally {
    await store.close();
  }
}

async function compare(store: NodeStore, meta: Meta, host: L1Host): Promise<AuditResult> {
  const reconstructed = reconstructState(await host.evm.rollupData(), meta.arities);
  const batches = await store.entries<BatchRecord>(BATCH);
  const onL1 = host.view.batches.length;
  const json = onL1 === 0 ? undefined : await store.get<StateJson>(stateKey(onL1));
  const storedRoot = json === undefined ? BigInt(meta.genesisRoot) : stateFromJson(json).root;
  for (let n = 1; n <= onL1; n++) {
    const b = batches[n - 1]?.[1];
    if (b === undefined || b.newRoot !== host.view.batches[n - 1]?.newRoot.toString()) {
      throw new NodeError("RECOVERY_MISMATCH", `batch ${n}: the store and the L1 disagree`);
    }
  }
  return {
    batchesStored: batches.length,
    batchesOnL1: onL1,
    l1Root: host.view.currentRoot,
    reconstructedRoot: reconstructed.root,
    storedRoot,
    l1Transactions: host.transactionCount,
  };
}
