export { RollupError, type RollupErrorCode } from "./errors.ts";
export { leafHash, type Account } from "./account.ts";
export { MerkleTree, detachedPath } from "./tree.ts";
export { RollupState } from "./rollup-state.ts";
export { applyOperation, extendL1Chain, type AppliedOperation, type L1Message, type RollupContext, type SlotWitness } from "./transition.ts";
export { buildBatch, batchInputHash, type BatchInputs, type BuiltBatch } from "./batch.ts";
export { stateToJson, stateFromJson, type StateJson } from "./serialize.ts";
export { inOrder, operationsFromRecords, replayBatch, type L1MessageSource } from "./replay.ts";
export { accountProof, verifyAccountProof, type AccountProof } from "./merkle-proof.ts";
