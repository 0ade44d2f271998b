/**
 * Calldata of the forced-exit calls both rollups share (contracts/RollupBridge.sol), packed like the other
 * rollup calls: selector | 32-byte words | [path length | path words]. The encoders refuse what is not a
 * word at all (negative, wider than 256 bits, an index that is not a safe integer); whether a word is a
 * field element, a 64-bit balance or an address is the contract's check (MALFORMED), so a test can send
 * an aliased word (x + p) and see it refused on L1.
 */
import { concatBytes } from "../tx/bytes.ts";
import type { Withdraw } from "../tx/operation.ts";
import { encodeWord, selector } from "./calldata.ts";
import { L1Error } from "./errors.ts";
import type { BatchAccountProof } from "./forced-exit-types.ts";

export const FORCED_EXIT_SIGNATURES = {
  requestForcedWithdrawal: "requestForcedWithdrawal(uint256,address,uint256,uint256,uint256[3])",
  dismissForcedWithdrawal: "dismissForcedWithdrawal(uint256,uint256,uint256[3],uint256,uint256,uint256,uint256,uint256,uint256[])",
  activateExitMode: "activateExitMode(uint256)",
  claimExit: "claimExit(uint256,address,uint256,uint256[8])",
  refundDeposit: "refundDeposit(uint256)",
  releaseBond: "releaseBond(uint256)",
} as const;

/** from | recipient | amount | nonce | R8x | R8y | S: the signed withdraw alone. */
export function encodeRequestForcedWithdrawal(withdraw: Withdraw): Uint8Array {
  const w = withdraw;
  return packed(FORCED_EXIT_SIGNATURES.requestForcedWithdrawal, [index(w.from, "from"), w.recipient, w.amount, w.nonce, w.signature.r8x, w.signature.r8y, w.signature.s]);
}

/**
 * id | the request's nonce | R8x | R8y | S | rootBatch | Ax | Ay | balance | nonce | path: the request's
 * signed words as it was made (the contract checks them against its seal) and the account under a final root.
 */
export function encodeDismissForcedWithdrawal(requestId: number, request: Withdraw, witness: BatchAccountProof): Uint8Array {
  const s = request.signature;
  return packed(
    FORCED_EXIT_SIGNATURES.dismissForcedWithdrawal,
    [index(requestId, "request id"), request.nonce, s.r8x, s.r8y, s.s, ...witnessWords(witness)],
    witness.path,
  );
}

export function encodeActivateExitMode(requestId: number): Uint8Array {
  return packed(FORCED_EXIT_SIGNATURES.activateExitMode, [index(requestId, "request id")]);
}

/** index | recipient | balance | proof (8 words): an exit claim proven by the client (src/evm/exit-claim.ts). */
export function encodeClaimExit(claim: { readonly index: number; readonly recipient: bigint; readonly balance: bigint; readonly proof: readonly bigint[] }): Uint8Array {
  if (claim.proof.length !== 8) throw new L1Error("BAD_ARGUMENT", `an exit claim's proof is 8 words, not ${claim.proof.length}`);
  return packed(FORCED_EXIT_SIGNATURES.claimExit, [index(claim.index, "account index"), claim.recipient, claim.balance, ...claim.proof]);
}

export function encodeReleaseBond(requestId: number): Uint8Array {
  return packed(FORCED_EXIT_SIGNATURES.releaseBond, [index(requestId, "request id")]);
}

export function encodeRefundDeposit(queueIndex: number): Uint8Array {
  return packed(FORCED_EXIT_SIGNATURES.refundDeposit, [index(queueIndex, "queue index")]);
}

function witnessWords(w: BatchAccountProof): bigint[] {
  return [index(w.rootBatch, "root batch"), w.account.publicKey.x, w.account.publicKey.y, w.account.balance, w.account.nonce];
}

function index(n: number, what: string): bigint {
  if (!Number.isSafeInteger(n) || n < 0) throw new L1Error("BAD_ARGUMENT", `${what} ${n} is not a non-negative safe integer`);
  return BigInt(n);
}

/** selector | words | (optional) a length-prefixed word array; encodeWord refuses anything outside 0..2^256-1. */
function packed(signature: string, words: readonly bigint[], array?: readonly bigint[]): Uint8Array {
  const parts = [selector(signature), ...words.map(encodeWord)];
  if (array !== undefined) parts.push(encodeWord(BigInt(array.length)), ...array.map(encodeWord));
  return concatBytes(parts);
}
