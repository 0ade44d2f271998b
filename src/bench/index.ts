export { runBench, inputsJson, type BenchIo, type BenchRun } from "./runner.ts";
export {
  BenchInputError,
  DEFAULT_BATCH_SIZES,
  DEFAULT_TREE,
  defaultOutDir,
  parseEngines,
  parseProtocols,
  parseWitnessGenerators,
  resolveInstances,
  treeLabel,
  type BenchOptions,
  type WitnessGenerator,
} from "./options.ts";
export { RESULT_FILES, TABLE_HEADER, tableRows, notRunLines, summaryMarkdown } from "./report.ts";
export { plonkSizing, type PlonkSizing } from "./plonk-gates.ts";
export { TransferWorkload, BENCH_ROLLUP_ID } from "./workload.ts";
export type { BenchResults, ConfigResult, Sample, Summary } from "./results.ts";
