export { runBench, type BenchIo, type BenchRun } from "./runner.ts";
export {
  BENCH_ENGINES,
  BENCH_L1S,
  BenchInputError,
  DEFAULT_BATCH_SIZES,
  DEFAULT_TREE,
  defaultOutDir,
  pairedEngine,
  parseEngines,
  parseL1,
  parseProtocols,
  parseWitnessGenerators,
  resolveInstances,
  treeLabel,
  type BenchEngine,
  type BenchL1,
  type BenchOptions,
  type WitnessGenerator,
} from "./options.ts";
export { RESULT_FILES, TABLE_HEADER, tableHeader, tableRows, notRunLines, summaryMarkdown } from "./report.ts";
export { plonkSizing, type PlonkSizing } from "./plonk-gates.ts";
export { TransferWorkload, BENCH_ROLLUP_ID } from "./workload.ts";
export { NOT_GROTH16_REASON, L1SubmissionError } from "./l1-gas.ts";
export type { BenchResults, ConfigResult, L1Gas, L1GasSummary, L1Submission, RapidsnarkSample, Sample, Summary } from "./results.ts";
export { findRapidsnark, runRapidsnark, RAPIDSNARK_ENV, type RapidsnarkRun } from "./rapidsnark.ts";
