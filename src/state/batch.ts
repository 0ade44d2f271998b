import { sha256 } from "@noble/hashes/sha2.js";
import { FIELD_MODULUS } from "../crypto/field.ts";
import { hashChain } from "../crypto/poseidon.ts";
import { CHUNK_BYTES, type Commitment } from "../tx/layout.ts";
import { bigintToBytes, bytesToBigint, concatBytes } from "../tx/bytes.ts";
import { checkRollupId, encodeRecord, type Operation } from "../tx/operation.ts";
import { RollupError } from "./errors.ts";
import type { RollupState } from "./rollup-state.ts";
import { applyOperation, extendL1Chain, type L1Message, type RollupContext, type SlotWitness } from "./transition.ts";

/** The circuit's full input (circuits/batch.circom): one public input, the rest private. */
export interface BatchInputs {
  inputHash: bigint;
  rollupId: bigint;
  oldRoot: bigint;
  kind: bigint[];
  from: bigint[];
  to: bigint[];
  amountMantissa: bigint[];
  amountExponent: bigint[];
  l1x: bigint[];
  l1y: bigint[];
  sigR8x: bigint[];
  sigR8y: bigint[];
  sigS: bigint[];
  senderAx: bigint[];
  senderAy: bigint[];
  senderBalance: bigint[];
  senderNonce: bigint[];
  senderPath: bigint[][];
  receiverEmpty: bigint[];
  receiverAx: bigint[];
  receiverAy: bigint[];
  receiverBalance: bigint[];
  receiverNonce: bigint[];
  receiverPath: bigint[][];
}

export interface BuiltBatch {
  readonly state: RollupState;
  readonly inputs: BatchInputs;
  readonly oldRoot: bigint;
  readonly newRoot: bigint;
  /** Root after each slot, padding included. */
  readonly intermediateRoots: bigint[];
  /** The records posted to L1, capacity · recordBytes bytes. */
  readonly records: Uint8Array;
  readonly l1Messages: L1Message[];
  /** The L1 recipient of each withdrawal, in record order (posted beside the records). */
  readonly withdrawalRecipients: bigint[];
  readonly l1Acc: bigint;
  readonly inputHash: bigint;
}

/**
 * Applies `ops` (padded with no-ops to `capacity`) to a copy of `state` and returns the new state with
 * everything the prover and the L1 need. The given state is never changed; an invalid operation throws.
 */
export function buildBatch(
  state: RollupState,
  ops: readonly Operation[],
  capacity: number,
  ctx: RollupContext,
): BuiltBatch {
  if (ops.length > capacity) {
    throw new RollupError("BATCH_FULL", `${ops.length} operations do not fit a batch of ${capacity}`);
  }
  const next = state.clone();
  const oldRoot = next.root;
  const padded: Operation[] = [...ops, ...Array.from({ length: capacity - ops.length }, () => ({ kind: "noop" }) as const)];
  const witnesses: SlotWitness[] = [];
  const intermediateRoots: bigint[] = [];
  const l1Messages: L1Message[] = [];
  let l1Acc = 0n;
  for (const op of padded) {
    const applied = applyOperation(next, op, ctx);
    witnesses.push(applied.witness);
    intermediateRoots.push(applied.rootAfter);
    if (applied.l1Message !== undefined) {
      l1Messages.push(applied.l1Message);
      l1Acc = extendL1Chain(l1Acc, applied.l1Message);
    }
  }
  const records = concatBytes(padded.map((op) => encodeRecord(op, ctx.layout)));
  const newRoot = next.root;
  const inputHash = batchInputHash(ctx.layout.commitment, ctx.rollupId, oldRoot, newRoot, l1Acc, records);
  const column = <K extends keyof SlotWitness>(key: K): SlotWitness[K][] => witnesses.map((w) => w[key]);
  return {
    state: next,
    oldRoot,
    newRoot,
    intermediateRoots,
    records,
    l1Messages,
    withdrawalRecipients: padded.flatMap((op) => (op.kind === "withdraw" ? [op.recipient] : [])),
    l1Acc,
    inputHash,
    inputs: {
      inputHash,
      rollupId: BigInt(ctx.rollupId),
      oldRoot,
      kind: column("kind"),
      from: column("from"),
      to: column("to"),
      amountMantissa: column("amountMantissa"),
      amountExponent: column("amountExponent"),
      l1x: column("l1x"),
      l1y: column("l1y"),
      sigR8x: column("sigR8x"),
      sigR8y: column("sigR8y"),
      sigS: column("sigS"),
      senderAx: column("senderAx"),
      senderAy: column("senderAy"),
      senderBalance: column("senderBalance"),
      senderNonce: column("senderNonce"),
      senderPath: column("senderPath"),
      receiverEmpty: column("receiverEmpty"),
      receiverAx: column("receiverAx"),
      receiverAy: column("receiverAy"),
      receiverBalance: column("receiverBalance"),
      receiverNonce: column("receiverNonce"),
      receiverPath: column("receiverPath"),
    },
  };
}

/** Elements the public input hashes: 4 header words + the records' 31-byte chunks. */
export function inputHashElements(recordBytes: number): number {
  return 4 + Math.ceil(recordBytes / CHUNK_BYTES);
}

/** Width-6 Poseidon calls of src/crypto/poseidon.ts hashChain over `elements` elements: 1 + ceil((e − 6) / 5). */
export function hashChainCalls(elements: number): number {
  return 1 + Math.ceil(Math.max(0, elements - 6) / 5);
}

/** The SHA-256 commitment keeps the digest's low 253 bits: a field element. */
const SHA256_COMMITMENT_MASK = (1n << 253n) - 1n;

/**
 * The one public input (circuits/batch.circom), by commitment:
 * poseidon: HashChain(rollupId, oldRoot, newRoot, l1Acc, 31-byte chunks of the records);
 * sha256: SHA-256(rollupId: 4 bytes ‖ oldRoot ‖ newRoot ‖ l1Acc: 32 bytes each ‖ records) mod 2^253.
 */
export function batchInputHash(
  commitment: Commitment,
  rollupId: number,
  oldRoot: bigint,
  newRoot: bigint,
  l1Acc: bigint,
  records: Uint8Array,
): bigint {
  checkRollupId(rollupId);
  if (commitment === "sha256") {
    for (const w of [oldRoot, newRoot, l1Acc]) if (w < 0n || w >= FIELD_MODULUS) throw new RangeError("a header word of the commitment is not a field element");
    const header = new Uint8Array(4 + 3 * 32);
    new DataView(header.buffer).setUint32(0, rollupId);
    [oldRoot, newRoot, l1Acc].forEach((w, i) => header.set(bigintToBytes(w, 32), 4 + 32 * i));
    return bytesToBigint(sha256(concatBytes([header, records]))) & SHA256_COMMITMENT_MASK;
  }
  const chunks: bigint[] = [];
  for (let i = 0; i < records.length; i += CHUNK_BYTES) chunks.push(bytesToBigint(records.subarray(i, i + CHUNK_BYTES)));
  return hashChain([BigInt(rollupId), oldRoot, newRoot, l1Acc, ...chunks]);
}
