import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { JsonObject } from "snarkjs";
import { writeFileAtomic } from "../artifacts/files.ts";
import { PROTOCOLS, type Protocol } from "../artifacts/setup.ts";
import { isFieldElement } from "../crypto/field.ts";
import { CodedError } from "../errors.ts";
import { readInputJson } from "../io/input-file.ts";
import type { BuiltBatch } from "../state/batch.ts";
import type { L1Message } from "../state/transition.ts";
import { COMMITMENTS, recordLayout, type Commitment } from "../tx/layout.ts";

/** batch.json: everything about a batch except the proof, in plain JSON (decimal strings, hex bytes). */
export interface BatchMetadata {
  number: number;
  instance: string;
  arities: number[];
  /** How the proof commits to the posted data (absent in folders written before it was a choice: poseidon). */
  commitment: Commitment;
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

/** The largest file of a batch folder (or --vkey) read: proof, public signals, vkey and batch.json are kilobytes. */
export const MAX_BATCH_FILE_BYTES = 16 * 2 ** 20;

/**
 * Reads a batch folder: only regular files, each at most MAX_BATCH_FILE_BYTES (InputFileError
 * otherwise), batch.json checked field by field (parseBatchMetadata). A missing folder or malformed
 * content throws BatchFolderError. Both are bad input.
 */
export function readBatchFolder(dir: string, vkeyPath?: string): BatchFolder {
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    throw new BatchFolderError("NOT_FOUND", `batch folder not found: ${dir}`, { cause: e });
  }
  if (!st.isDirectory()) throw new BatchFolderError("NOT_FOUND", `${dir} is not a batch folder (not a directory)`);
  const read = (path: string, what: string) => readInputJson(path, what, MAX_BATCH_FILE_BYTES);
  return {
    dir,
    metadata: parseBatchMetadata(read(join(dir, BATCH_FILES.metadata), "batch metadata")),
    proof: jsonObject(read(join(dir, BATCH_FILES.proof), "proof"), BATCH_FILES.proof),
    publicSignals: parsePublicSignals(read(join(dir, BATCH_FILES.publicSignals), "public signals")),
    vkey: jsonObject(read(vkeyPath ?? join(dir, BATCH_FILES.vkey), "verification key"), vkeyPath ?? BATCH_FILES.vkey),
  };
}

export type BatchFolderErrorCode = "NOT_FOUND" | "MALFORMED";

/** A batch folder that is missing or malformed (bad input, exit 2; an invalid proof is not this). */
export class BatchFolderError extends CodedError<BatchFolderErrorCode> {
  override readonly name = "BatchFolderError";
}

/** The largest account capacity (product of the arities) a batch may name: indices are 32-bit. */
export const MAX_BATCH_ACCOUNTS = 2 ** 32;
/** The largest batch (operation slots) a batch.json may describe. */
export const MAX_BATCH_OPS = 2 ** 16;
/** The tree arities the circuits and the state model implement (circuits/lib/merkle.circom, src/state/tree.ts). */
export const TREE_ARITIES: readonly number[] = [2, 4, 8];

function malformed(field: string, rule: string): BatchFolderError {
  return new BatchFolderError("MALFORMED", `batch.json: ${field} must be ${rule}`);
}

function jsonObject(v: unknown, file: string): JsonObject {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new BatchFolderError("MALFORMED", `${file} must be a JSON object`);
  return v as JsonObject;
}

function integerIn(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) throw malformed(field, `an integer in ${min}..${max}`);
  return v;
}

/** A canonical decimal string (no sign, no leading zeros) of a BN254 scalar field element. */
function fieldString(v: unknown, field: string): string {
  if (typeof v !== "string" || !/^(0|[1-9][0-9]{0,76})$/.test(v) || !isFieldElement(BigInt(v))) {
    throw malformed(field, "a decimal string of a field element (below the BN254 scalar field modulus)");
  }
  return v;
}

/** public.json: snarkjs's list of public signals; this circuit has one, the batch input hash. */
export function parsePublicSignals(raw: unknown): string[] {
  if (!Array.isArray(raw) || raw.length !== 1) throw new BatchFolderError("MALFORMED", "public.json must be a list of one decimal string");
  try {
    return [fieldString(raw[0], "public.json[0]")];
  } catch {
    throw new BatchFolderError("MALFORMED", "public.json must be a list of one decimal string below the field modulus");
  }
}

/**
 * batch.json, checked field by field: integers in range, roots and L1 messages field elements,
 * records whole records of the tree's layout, arities a tree the circuits implement, counts that
 * add up to the records. Anything else throws BatchFolderError MALFORMED.
 */
export function parseBatchMetadata(raw: unknown): BatchMetadata {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new BatchFolderError("MALFORMED", "batch.json must be a JSON object");
  const j = raw as Record<string, unknown>;
  const number = integerIn(j["number"], "number", 0, Number.MAX_SAFE_INTEGER);
  const instance = j["instance"];
  if (typeof instance !== "string" || !/^[A-Za-z0-9_.-]{1,128}$/.test(instance)) throw malformed("instance", "an instance name");
  const arities = j["arities"];
  if (!Array.isArray(arities) || arities.length === 0 || !arities.every((a) => typeof a === "number" && TREE_ARITIES.includes(a))) {
    throw malformed("arities", `a non-empty list of tree arities (${TREE_ARITIES.join(", ")})`);
  }
  const ar = arities as number[];
  if (ar.reduce((p, a) => p * a, 1) > MAX_BATCH_ACCOUNTS) throw malformed("arities", `a tree of at most 2^32 accounts`);
  const commitment = j["commitment"] === undefined ? "poseidon" : COMMITMENTS.find((c) => c === j["commitment"]);
  if (commitment === undefined) throw malformed("commitment", `one of ${COMMITMENTS.join(", ")}`);
  const protocol = PROTOCOLS.find((p) => p === j["protocol"]);
  if (protocol === undefined) throw malformed("protocol", `one of ${PROTOCOLS.join(", ")}`);
  const rollupId = integerIn(j["rollupId"], "rollupId", 0, 2 ** 32 - 1);
  const oldRoot = fieldString(j["oldRoot"], "oldRoot");
  const newRoot = fieldString(j["newRoot"], "newRoot");
  const inputHash = fieldString(j["inputHash"], "inputHash");

  const c = j["counts"];
  if (typeof c !== "object" || c === null || Array.isArray(c)) throw malformed("counts", "an object of transfers, deposits, withdrawals and noops");
  const cc = c as Record<string, unknown>;
  const counts: BatchCounts = {
    transfers: integerIn(cc["transfers"], "counts.transfers", 0, MAX_BATCH_OPS),
    deposits: integerIn(cc["deposits"], "counts.deposits", 0, MAX_BATCH_OPS),
    withdrawals: integerIn(cc["withdrawals"], "counts.withdrawals", 0, MAX_BATCH_OPS),
    noops: integerIn(cc["noops"], "counts.noops", 0, MAX_BATCH_OPS),
  };
  const ops = counts.transfers + counts.deposits + counts.withdrawals + counts.noops;
  if (ops < 1 || ops > MAX_BATCH_OPS) throw malformed("counts", `operation slots adding up to 1..${MAX_BATCH_OPS}`);

  const records = j["records"];
  const recordBytes = recordLayout(ar).recordBytes;
  if (typeof records !== "string" || records.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(records)) throw malformed("records", "hex bytes (an even number of hex digits)");
  if (records.length !== 2 * ops * recordBytes) throw malformed("records", `${ops} records (the counts) of ${recordBytes} bytes (the tree's layout)`);

  const msgs = j["l1Messages"];
  // Each deposit and each withdrawal carries one L1 message: never more messages than slots.
  if (!Array.isArray(msgs) || msgs.length > ops) throw malformed("l1Messages", `a list of at most ${ops} messages`);
  const l1Messages = msgs.map((m: unknown, i) => {
    if (typeof m !== "object" || m === null) throw malformed(`l1Messages[${i}]`, "an object { x, y }");
    const mm = m as Record<string, unknown>;
    return { x: fieldString(mm["x"], `l1Messages[${i}].x`), y: fieldString(mm["y"], `l1Messages[${i}].y`) };
  });

  const t = j["timings"];
  let timings: BatchMetadata["timings"];
  if (t !== undefined) {
    const tt = (typeof t === "object" && t !== null ? t : {}) as Record<string, unknown>;
    const seconds = (v: unknown, field: string) => {
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw malformed(field, "a number of seconds >= 0");
      return v;
    };
    timings = { witnessSeconds: seconds(tt["witnessSeconds"], "timings.witnessSeconds"), proveSeconds: seconds(tt["proveSeconds"], "timings.proveSeconds") };
  }
  const insecureKeys = j["insecureKeys"];
  if (typeof insecureKeys !== "boolean") throw malformed("insecureKeys", "true or false");
  return {
    number,
    instance,
    arities: [...ar],
    commitment,
    protocol,
    rollupId,
    oldRoot,
    newRoot,
    inputHash,
    records,
    l1Messages,
    counts,
    ...(timings === undefined ? {} : { timings }),
    insecureKeys,
  };
}

/** batch.json for a proven batch. */
export function batchMetadata(args: {
  number: number;
  instance: { name: string; arities: readonly number[]; layout: { commitment: Commitment } };
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
    commitment: args.instance.layout.commitment,
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
