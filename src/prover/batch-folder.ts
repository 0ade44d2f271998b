import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { JsonObject } from "snarkjs";
import { writeFileAtomic } from "../artifacts/files.ts";
import type { BuiltBatch } from "../state/batch.ts";
import type { L1Message } from "../state/transition.ts";
import type { Protocol } from "../artifacts/setup.ts";

/** batch.json: everything about a batch except the proof, in plain JSON (decimal strings, hex bytes). */
export interface BatchMetadata {
  number: number;
  instance: string;
  arities: number[];
  protocol: Protocol;
  rollupId: number;
  oldRoot: string;
  newRoot: string;
  inputHash: string;
  /** The posted records, hex. */
  records: string;
  /** Deposit public keys and withdrawal recipients, in record order (what the L1 message chain hashes). */
  l1Messages: { x: string; y: string }[];
  counts: BatchCounts;
  timings?: { witnessSeconds: number; proveSeconds: number };
  insecureKeys: boolean;
}

export interface BatchCounts {
  transfers: number;
  deposits: number;
  withdrawals: number;
  noops: number;
}

/** How many slots of each kind a batch holds (from its circuit inputs' kind codes). */
export function countKinds(kinds: readonly bigint[]): BatchCounts {
  const c = { transfers: 0, deposits: 0, withdrawals: 0, noops: 0 };
  for (const k of kinds) {
    if (k === 1n) c.transfers++;
    else if (k === 2n) c.deposits++;
    else if (k === 3n) c.withdrawals++;
    else c.noops++;
  }
  return c;
}

export interface BatchFolder {
  readonly dir: string;
  readonly metadata: BatchMetadata;
  readonly proof: JsonObject;
  readonly publicSignals: string[];
  readonly vkey: JsonObject;
}

export const BATCH_FILES = {
  metadata: "batch.json",
  proof: "proof.json",
  publicSignals: "public.json",
  vkey: "verification_key.json",
} as const;

/** Writes a batch folder: snarkjs's proof.json, public.json and verification_key.json, plus batch.json. */
export function writeBatchFolder(dir: string, folder: Omit<BatchFolder, "dir">): string {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, BATCH_FILES.proof), JSON.stringify(folder.proof, null, 1));
  writeFileAtomic(join(dir, BATCH_FILES.publicSignals), JSON.stringify(folder.publicSignals, null, 1));
  writeFileAtomic(join(dir, BATCH_FILES.vkey), JSON.stringify(folder.vkey, null, 1));
  writeFileAtomic(join(dir, BATCH_FILES.metadata), JSON.stringify(folder.metadata, null, 2));
  return dir;
}

/** Reads a batch folder; a missing or malformed file throws BatchFolderError (bad input). */
export function readBatchFolder(dir: string, vkeyPath?: string): BatchFolder {
  if (!existsSync(dir)) throw new BatchFolderError(`batch folder not found: ${dir}`);
  return {
    dir,
    metadata: readJson(join(dir, BATCH_FILES.metadata)) as BatchMetadata,
    proof: readJson(join(dir, BATCH_FILES.proof)) as JsonObject,
    publicSignals: readJson(join(dir, BATCH_FILES.publicSignals)) as string[],
    vkey: readJson(vkeyPath ?? join(dir, BATCH_FILES.vkey)) as JsonObject,
  };
}

export class BatchFolderError extends Error {
  override readonly name = "BatchFolderError";
}

export function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new BatchFolderError(`missing file: ${path}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new BatchFolderError(`malformed JSON: ${path}`);
  }
}

/** batch.json for a proven batch. */
export function batchMetadata(args: {
  number: number;
  instance: { name: string; arities: readonly number[] };
  protocol: Protocol;
  rollupId: number;
  batch: BuiltBatch;
  timings?: { witnessSeconds: number; proveSeconds: number };
  insecureKeys: boolean;
}): BatchMetadata {
  const { batch } = args;
  return {
    number: args.number,
    instance: args.instance.name,
    arities: [...args.instance.arities],
    protocol: args.protocol,
    rollupId: args.rollupId,
    oldRoot: batch.oldRoot.toString(),
    newRoot: batch.newRoot.toString(),
    inputHash: batch.inputHash.toString(),
    records: Buffer.from(batch.records).toString("hex"),
    l1Messages: l1MessagesToJson(batch.l1Messages),
    counts: countKinds(batch.inputs.kind),
    ...(args.timings === undefined ? {} : { timings: args.timings }),
    insecureKeys: args.insecureKeys,
  };
}

export function l1MessagesToJson(messages: readonly L1Message[]): { x: string; y: string }[] {
  return messages.map((m) => ({ x: m.x.toString(), y: m.y.toString() }));
}
