export { L1Clock, DEFAULT_SLOT_SECONDS } from "./clock.ts";
export * from "./gas.ts";
export { CIRCOMLIBJS_POSEIDON_MAX_INPUTS, poseidonContractCode, poseidonEvmHardfork } from "./poseidon-contract.ts";
export { EDDSA_ABI, EDDSA_CONTRACT, eddsaContractCode, runUnpackPoint, runVerify } from "./eddsa-contract.ts";
export {
  L1Chain,
  TxContext,
  MAX_L1_ADDRESS,
  formatGas,
  isL1Address,
  labelAddress,
  type EventArg,
  type L1Address,
  type L1Block,
  type L1Call,
  type L1Event,
  type L1Receipt,
  type L1Transaction,
  type TxStatus,
} from "./chain.ts";
export { Bridge, DEPOSIT_SLOTS, type DepositEntry, type WithdrawalEntry } from "./bridge.ts";
export {
  SIGNATURES,
  decodeSubmitBatch,
  encodeSubmitBatch,
  proofToWords,
  wordsToProof,
  type DecodedSubmitBatch,
  type SubmitBatchArgs,
} from "./calldata.ts";
export { ZkRollupContract, BN254_BASE_FIELD, type AcceptedBatch, type ZkRollupConfig } from "./zk-rollup.ts";
export { reconstructState, type L1RollupData } from "./reconstruct.ts";
export { L1Error, L1Revert, type L1ErrorCode, type L1RevertCode } from "./errors.ts";
export {
  OptimisticRollupContract,
  BURN_ADDRESS,
  DEFAULT_CHALLENGE_WINDOW_SECONDS,
  DEFAULT_RESPONSE_SECONDS,
  DEFAULT_SLASH_BURN_FRACTION,
  DISPUTE_SLOTS,
  OPTIMISTIC_BATCH_SLOTS,
  burnPpm,
  optimisticRollupSettings,
  type Dispute,
  type DisputeMove,
  type DisputeMoveKind,
  type DisputeOutcome,
  type DisputeReport,
  type DisputeTurn,
  type OptimisticBatch,
  type OptimisticRollupConfig,
  type OptimisticRollupSettings,
  type SlashRecord,
} from "./optimistic-rollup.ts";
export { OPTIMISTIC_SIGNATURES, type ProposeBatchArgs } from "./dispute-calldata.ts";
export {
  commitmentDepth,
  keccakGas,
  rootsCommitment,
  rootsProof,
  verifyRootsProof,
  KECCAK_BASE_GAS,
  KECCAK_WORD_GAS,
} from "./dispute-merkle.ts";
export {
  decodePostedOperation,
  operationWitnesses,
  splitPostedData,
  touchedAccounts,
  type AccountWitness,
  type PostedOperation,
} from "./dispute-data.ts";
export {
  ForcedExit,
  FORCED_EXIT_SIGNATURES,
  EXIT_CLAIM_TAG,
  exitClaimMessage,
  type BatchAccountProof,
  type BatchHook,
  type CarriedWithdrawal,
  type Carrier,
  type ExitClaim,
  type ExitMode,
  type ForcedExitKind,
  type ForcedRequestStatus,
  type ForcedWithdrawalRequest,
  type QueuedRequest,
  type SignedRecord,
} from "./forced-exit.ts";
export { ZkForcedExit, type ZkForcedExitConfig } from "./zk-forced-exit.ts";
export { OptimisticForcedExit, type OptimisticForcedExitConfig } from "./optimistic-forced-exit.ts";
