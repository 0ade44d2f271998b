/**
 * Calldata of the optimistic rollup's methods, packed like calldata.ts (selector, then 32-byte words,
 * byte strings and arrays as a length word followed by their contents). The contract decodes its
 * arguments from these bytes, so the calldata gas is charged on exactly what it acts on.
 *
 *   proposeBatch   newRoot | rootsCommitment | data length | data
 *   challenge      batchNumber
 *   revealRoot     disputeId | root | proof length | proof words
 *   respond        disputeId | agree (0 or 1)
 *   proveStep      disputeId | data length | data | witness count | per witness:
 *                  index | present (0/1) | [Ax | Ay | balance | nonce if present] | path length | path words
 *   timeout        disputeId
 *   finalize       batchNumber
 * (deposit and claimWithdrawal are calldata.ts's.)
 */
import { concatBytes } from "../tx/bytes.ts";
import { CalldataReader, encodeWord, selector } from "./calldata.ts";
import type { AccountWitness } from "./dispute-data.ts";
import { L1Revert } from "./errors.ts";

export const OPTIMISTIC_SIGNATURES = {
  proposeBatch: "proposeBatch(uint256,bytes32,bytes)",
  challenge: "challenge(uint256)",
  revealRoot: "revealRoot(uint256,uint256,bytes32[])",
  respond: "respond(uint256,bool)",
  proveStep: "proveStep(uint256,bytes,(uint256,bool,uint256[4],uint256[])[])",
  timeout: "timeout(uint256)",
  finalize: "finalize(uint256)",
} as const;

export interface ProposeBatchArgs {
  /** The full-operation encoding of exactly `capacity` operations (src/tx/full-operation.ts). */
  readonly data: Uint8Array;
  readonly newRoot: bigint;
  /** keccak Merkle root over root_0..root_N (src/l1/dispute-merkle.ts). */
  readonly rootsCommitment: bigint;
}

export interface ProveStepCall {
  readonly disputeId: number;
  readonly data: Uint8Array;
  readonly witnesses: readonly AccountWitness[];
}

export function encodeProposeBatch(args: ProposeBatchArgs): Uint8Array {
  return concatBytes([
    selector(OPTIMISTIC_SIGNATURES.proposeBatch),
    encodeWord(args.newRoot),
    encodeWord(args.rootsCommitment),
    encodeWord(BigInt(args.data.length)),
    args.data,
  ]);
}

export function decodeProposeBatch(input: Uint8Array): ProposeBatchArgs {
  const r = reader(input, OPTIMISTIC_SIGNATURES.proposeBatch);
  const newRoot = r.word();
  const rootsCommitment = r.word();
  const data = r.bytes(r.length()).slice();
  r.end();
  return { data, newRoot, rootsCommitment };
}

/** challenge, timeout, finalize: one integer argument. */
export function encodeUintCall(signature: string, value: number): Uint8Array {
  return concatBytes([selector(signature), encodeWord(BigInt(value))]);
}

export function decodeUintCall(input: Uint8Array, signature: string): number {
  const r = reader(input, signature);
  const value = r.length();
  r.end();
  return value;
}

export function encodeRevealRoot(disputeId: number, root: bigint, proof: readonly bigint[]): Uint8Array {
  return concatBytes([
    selector(OPTIMISTIC_SIGNATURES.revealRoot),
    encodeWord(BigInt(disputeId)),
    encodeWord(root),
    encodeWord(BigInt(proof.length)),
    ...proof.map(encodeWord),
  ]);
}

export function decodeRevealRoot(input: Uint8Array): { disputeId: number; root: bigint; proof: bigint[] } {
  const r = reader(input, OPTIMISTIC_SIGNATURES.revealRoot);
  const disputeId = r.length();
  const root = r.field();
  const proof = r.wordArray();
  r.end();
  return { disputeId, root, proof };
}

export function encodeRespond(disputeId: number, agree: boolean): Uint8Array {
  return concatBytes([selector(OPTIMISTIC_SIGNATURES.respond), encodeWord(BigInt(disputeId)), encodeWord(agree ? 1n : 0n)]);
}

export function decodeRespond(input: Uint8Array): { disputeId: number; agree: boolean } {
  const r = reader(input, OPTIMISTIC_SIGNATURES.respond);
  const disputeId = r.length();
  const flag = r.word();
  r.end();
  if (flag > 1n) throw new L1Revert("MALFORMED", "agree must be 0 or 1");
  return { disputeId, agree: flag === 1n };
}

export function encodeProveStep(call: ProveStepCall): Uint8Array {
  const parts: Uint8Array[] = [
    selector(OPTIMISTIC_SIGNATURES.proveStep),
    encodeWord(BigInt(call.disputeId)),
    encodeWord(BigInt(call.data.length)),
    call.data,
    encodeWord(BigInt(call.witnesses.length)),
  ];
  for (const w of call.witnesses) {
    parts.push(encodeWord(BigInt(w.index)), encodeWord(w.account === undefined ? 0n : 1n));
    if (w.account !== undefined) {
      const a = w.account;
      parts.push(encodeWord(a.publicKey.x), encodeWord(a.publicKey.y), encodeWord(a.balance), encodeWord(a.nonce));
    }
    parts.push(encodeWord(BigInt(w.path.length)), ...w.path.map(encodeWord));
  }
  return concatBytes(parts);
}

export function decodeProveStep(input: Uint8Array): ProveStepCall {
  const r = reader(input, OPTIMISTIC_SIGNATURES.proveStep);
  const disputeId = r.length();
  const data = r.bytes(r.length()).slice();
  const witnesses: AccountWitness[] = [];
  const count = r.length();
  for (let i = 0; i < count; i++) {
    const index = r.length();
    const present = r.word();
    if (present > 1n) throw new L1Revert("MALFORMED", "witness presence flag must be 0 or 1");
    const account =
      present === 1n ? { publicKey: { x: r.word(), y: r.word() }, balance: r.word(), nonce: r.word() } : undefined;
    const path = r.wordArray();
    witnesses.push({ index, account, path });
  }
  r.end();
  return { disputeId, data, witnesses };
}

/** A reader positioned after `signature`'s selector (reverts MALFORMED if the selector differs). */
function reader(input: Uint8Array, signature: string): CalldataReader {
  const r = new CalldataReader(input);
  r.expectSelector(signature);
  return r;
}
