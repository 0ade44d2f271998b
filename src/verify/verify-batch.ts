import { batchInputHash } from "../state/batch.ts";
import { RollupError } from "../state/errors.ts";
import { inOrder, replayBatch } from "../state/replay.ts";
import { stateFromJson } from "../state/serialize.ts";
import { extendL1Chain, type L1Message } from "../state/transition.ts";
import { recordLayout } from "../tx/layout.ts";
import { verifyProof } from "../prover/prove.ts";
import { BatchFolderError, readBatchFolder, type BatchMetadata } from "../prover/batch-folder.ts";
import { readInputJson } from "../io/input-file.ts";

/** The largest pre-state file --reexecute reads (a full 65,536-account state is about 20 MB). */
export const MAX_STATE_FILE_BYTES = 256 * 2 ** 20;

export interface VerifyResult {
  readonly valid: boolean;
  /** Why it is invalid (the first check that failed). */
  readonly reason?: string;
  /** Each check run, in order, with its outcome. */
  readonly checks: { name: string; ok: boolean; detail?: string }[];
}

/**
 * Checks a batch folder: (1) the proof against the verification key and public signals, (2) the
 * public signal against the posted data (records, L1 messages, roots, rollup id), and optionally
 * (3) the transition itself by re-executing the records on a given pre-state.
 * Bad input throws (exit 2): BatchFolderError for a missing folder or malformed content, InputFileError
 * for a file that is not a regular file, too large or not JSON. An invalid batch returns valid=false.
 */
export async function verifyBatchFolder(dir: string, opts: { vkey?: string; reexecute?: string } = {}): Promise<VerifyResult> {
  const folder = readBatchFolder(dir, opts.vkey);
  const m = batchFromMetadata(folder.metadata);
  // The pre-state is input too: read (bounded, regular file only) before the proof check's work.
  const preState = opts.reexecute === undefined ? undefined : readInputJson(opts.reexecute, "state file", MAX_STATE_FILE_BYTES);
  const checks: VerifyResult["checks"] = [];
  const fail = (name: string, detail: string): VerifyResult => {
    checks.push({ name, ok: false, detail });
    return { valid: false, reason: `${name}: ${detail}`, checks };
  };

  let proofOk: boolean;
  try {
    proofOk = await verifyProof(folder.vkey, folder.publicSignals, folder.proof, m.protocol);
  } catch (err) {
    throw new BatchFolderError("MALFORMED", `proof.json or the verification key is malformed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (!proofOk) return fail("proof", "does not verify against the verification key and public signals");
  checks.push({ name: "proof", ok: true });

  const l1Acc = m.l1Messages.reduce((acc, msg) => extendL1Chain(acc, msg), 0n);
  const expected = batchInputHash(m.layout.commitment, m.rollupId, m.oldRoot, m.newRoot, l1Acc, m.records);
  if (folder.publicSignals[0] !== expected.toString()) {
    return fail("public data", "the public signal does not commit to this batch's records, L1 messages and roots");
  }
  checks.push({ name: "public data", ok: true });

  if (preState !== undefined) {
    const state = stateFromJson(preState);
    if (state.root !== m.oldRoot) return fail("re-execution", "the given state's root is not the batch's old root");
    try {
      const l1 = inOrder(m.l1Messages);
      const replayed = replayBatch(state, m.records, l1, { layout: m.layout, rollupId: m.rollupId });
      if (l1.used() !== m.l1Messages.length) return fail("re-execution", "batch.json lists more L1 messages than its records use");
      if (replayed.newRoot !== m.newRoot) return fail("re-execution", "re-executing the records gives another root");
    } catch (err) {
      if (err instanceof RollupError) return fail("re-execution", `${err.code}: ${err.message}`);
      throw err;
    }
    checks.push({ name: "re-execution", ok: true });
  }
  return { valid: true, checks };
}

/** The checked batch.json (readBatchFolder validated every field) as the values the checks use. */
function batchFromMetadata(meta: BatchMetadata) {
  const l1Messages: L1Message[] = meta.l1Messages.map((x) => ({ x: BigInt(x.x), y: BigInt(x.y) }));
  return {
    protocol: meta.protocol,
    rollupId: meta.rollupId,
    oldRoot: BigInt(meta.oldRoot),
    newRoot: BigInt(meta.newRoot),
    records: new Uint8Array(Buffer.from(meta.records, "hex")),
    l1Messages,
    layout: recordLayout(meta.arities, meta.commitment),
  };
}
