/** A real EVM as the L1: Solidity contracts (contracts/) compiled with solc-js, deployed on anvil, driven with viem. */
export { ANVIL_PACKAGE, DEFAULT_HARDFORK, anvilBinary, startAnvil, withAnvil, type AnvilNode, type AnvilOptions } from "./anvil.ts";
export { AnvilContract, type AnvilContractConfig } from "./anvil-contract.ts";
export { AnvilL1, ZK_ROLLUP_ABI, compileRollupContracts, type AnvilDeployment, type AnvilL1Config, type AnvilReceipt, type DeploymentGas } from "./anvil-l1.ts";
export { EvmSession, TX_GAS_LIMIT, ZERO_FEE_ARGS, fromAddress, toAddress } from "./client.ts";
export { CONTRACTS_DIR, EVM_BUILD_DIR, EVM_VERSION, compileSources, repoSources, type CompileOutput, type CompiledContract } from "./compile.ts";
export { EvmError, type EvmErrorCode } from "./errors.ts";
export { EVM_GAS_ITEMS, measureGas, type EvmGasItem, type MeasuredGas, type MeasuredGasLine } from "./gas-breakdown.ts";
export { compareCommitments, measureZkGas, type CommitmentRow, type TxGas, type ZkGasReport } from "./zk-gas.ts";
export { groth16VerifierSource } from "./verifier.ts";
export { simulatedZkL1, type ZkL1, type ZkL1Receipt, type ZkL1RevertCode } from "./zk-l1.ts";
export {
  AnvilOptimisticL1,
  OPTIMISTIC_ROLLUP_ABI,
  compileOptimisticContracts,
  type AnvilOptimisticL1Config,
  type AnvilOptimisticReceipt,
  type OptimisticDeployment,
} from "./anvil-optimistic-l1.ts";
export { simulatedOptimisticL1, type BatchView, type DisputeView, type OptimisticL1, type OptimisticL1Receipt } from "./optimistic-l1.ts";
export { MAX_RUNTIME_CODE_BYTES, POSEIDON_GEN_MAX_INPUTS, poseidonCreationCode, poseidonRuntimeCode } from "./poseidon-gen.ts";
export {
  OPTIMISTIC_SCENARIOS,
  OPTIMISTIC_SCENARIO_SETTINGS,
  OptimisticL1Pair,
  honestScenario,
  mintDisputeScenario,
  poseidon8Scenario,
  rejectionsScenario,
  type OptimisticScenario,
  type OptimisticSide,
  type OptimisticTxRow,
  type PairOptions,
  type PerSide,
} from "./optimistic-scenarios.ts";
export {
  OPTIMISTIC_GAS_TOLERANCE,
  compareOptimisticGas,
  gasByMethod,
  runOptimisticScenario,
  type OptimisticGasComparison,
  type OptimisticMethodGas,
} from "./optimistic-gas-compare.ts";
