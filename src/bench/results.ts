import type { Protocol } from "../artifacts/setup.ts";
import type { Commitment } from "../tx/layout.ts";
import type { ProveBreakdown } from "../prover/groth16-warm.ts";
import type { ProverEngine } from "../prover/prove.ts";
import type { machineInfo } from "../report/machine.ts";
import type { BenchEngine, BenchL1, WitnessGenerator } from "./options.ts";
import type { LinearFit, Stat } from "./stats.ts";

/** results.json, version 1. Times in seconds, memory in bytes; every raw sample is kept. */
export interface BenchResults {
  readonly schema: "zkr-bench/1";
  readonly createdAt: string;
  readonly command: string;
  readonly machine: ReturnType<typeof machineInfo>;
  /** 1-minute load average at the start and end of the run (other processes share this machine). */
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly durationSeconds: number;
  readonly options: {
    readonly instances: string[];
    readonly protocols: Protocol[];
    readonly witness: WitnessGenerator[];
    readonly engines: BenchEngine[];
    /** The rapidsnark binary timed (absolute path), or null when none was given or it is unusable. */
    readonly rapidsnark: string | null;
    readonly reps: number;
    readonly baseline: boolean;
    readonly pipeline: boolean;
    readonly maxConfigSeconds: number;
    readonly seed: number;
    readonly l1: BenchL1;
  };
  readonly configurations: ConfigResult[];
  readonly scaling: Scaling;
  /** The headline comparison: warm (pipelined) prover vs the stock CLI at the largest batch measured (16 by default). */
  readonly headline: Headline | null;
  readonly notes: string[];
}

export interface ConfigKey {
  readonly instance: string;
  readonly batchSize: number;
  /** Tree levels bottom-up as runs, e.g. 4x2-8x4. */
  readonly tree: string;
  /** How the proof commits to the posted data (the circuit's choice; the L1 gas depends on it). */
  readonly commitment: Commitment;
  readonly accounts: number;
  readonly protocol: Protocol;
  readonly witness: WitnessGenerator;
  readonly engine: BenchEngine;
}

export type ConfigStatus = "ok" | "skipped" | "failed";

export interface ConfigResult {
  readonly id: string;
  readonly config: ConfigKey;
  status: ConfigStatus;
  /** Why it was skipped or failed. */
  reason?: string;
  circuit?: {
    readonly constraints: number;
    readonly wires: number;
    /** PLONK gates as snarkjs's plonk/fflonk setup would make them (counted from the r1cs). */
    readonly plonkGates?: number;
    readonly domainPower: number;
    readonly domainSize: number;
    readonly compileSeconds: number;
    readonly compileCached: boolean;
  };
  estimate?: { readonly seconds: number | null; readonly proveSeconds: number | null; readonly peakRssBytes: number | null };
  setup?: {
    readonly seconds: number;
    /** True when the keys existed before this run: seconds is then the manifest's, from when they were made. */
    readonly cached: boolean;
    readonly ceremony: "development" | "ptau";
    readonly insecure: boolean;
    readonly cppBuildSeconds?: number;
  };
  warmup?: Sample;
  samples: Sample[];
  pipelined?: Pipelined;
  baseline?: { readonly samples: BaselineSample[] };
  /**
   * On our engine's configuration: the rapidsnark binary run on the same zkey and the same witness file as
   * each repetition, right after it. On the rapidsnark configuration (whose samples are these runs): the
   * engine it was paired with.
   */
  rapidsnark?: { readonly binary: string; readonly pairedWith: ProverEngine; readonly samples: RapidsnarkSample[] };
  summary?: Summary;
  /** The configuration's proven batches submitted as real transactions (or why not). */
  l1Gas?: L1Gas;
}

/**
 * Every batch the configuration proved (warm-up, repetitions, baseline, pipelined, in the order the
 * workload made them) sent to a fresh ZkRollup.sol deployment on the run's EVM (in-process, or anvil with
 * --l1 anvil). Every figure is a receipt's gasUsed or a call frame's from the EVM's call tracer.
 */
export type L1Gas =
  | {
      readonly status: "measured";
      readonly evm: { readonly name: string; readonly hardfork: string; readonly solc: string };
      /** Deployment transactions, gasUsed (the verifier is this configuration's keys' snarkjs export). */
      readonly deploymentGas: { readonly verifier: number; readonly rollup: number };
      /** Gas of the verifier's verifyProof call inside the first batch transaction (call tracer). */
      readonly verifierCallGas: number | null;
      readonly submissions: L1Submission[];
      readonly summary: L1GasSummary;
    }
  | { readonly status: "n/a"; readonly reason: string };

export interface L1Submission {
  /** The contract's batch number (1 = first accepted). */
  readonly batch: number;
  /** Which proof it carries. */
  readonly source: "warm-up" | "repetition" | "baseline" | "pipelined";
  readonly transfers: number;
  readonly calldataBytes: number;
  /** The receipt's gasUsed. */
  readonly gasUsed: number;
  /** gasUsed − 21,000 − calldata gas (EIP-2028). */
  readonly executionGas: number;
  readonly txHash: string;
  /** False for the first batch: it also pays for batchCount's storage slot going from zero (22,100 instead of 5,000). */
  readonly counted: boolean;
}

export interface L1GasSummary {
  /** Submissions counted (every one but the first). */
  readonly batches: number;
  readonly gasPerBatch: Stat;
  readonly gasPerTransfer: Stat;
}

export interface Sample {
  readonly rep: number;
  readonly transfers: number;
  readonly witnessSeconds: number;
  readonly proveSeconds: number;
  readonly verifySeconds: number;
  readonly verified: boolean;
  readonly peakRssBytes: number | null;
  /** CPU time of witness + proof in the prover process (all threads), seconds; a C++ witness's own process is not included. */
  readonly cpuSeconds: number | null;
  readonly proofJsonBytes: number;
  /** The proof's words in the Solidity verifier's calldata (public inputs not counted). */
  readonly proofCalldataBytes: number;
  readonly breakdown?: ProveBreakdown;
  readonly loadAverage: number;
}

export interface Pipelined {
  readonly proofs: number;
  readonly transfers: number;
  /** From the first witness started to the last proof returned. */
  readonly wallSeconds: number;
  readonly transfersPerSecond: number;
  /** Each proof's completion time from the start, and its witness time (computed while the previous proof ran). */
  readonly completions: { readonly atSeconds: number; readonly witnessSeconds: number; readonly proveSeconds: number; readonly verified: boolean }[];
  readonly loadAverage: number;
}

export interface BaselineSample {
  readonly rep: number;
  readonly transfers: number;
  readonly wallSeconds: number;
  readonly peakRssBytes: number | null;
  /** CPU time of the whole cold process (all threads), seconds. */
  readonly cpuSeconds: number | null;
  readonly verified: boolean;
  readonly proofJsonBytes: number;
  readonly loadAverage: number;
}

export interface RapidsnarkSample {
  readonly rep: number;
  readonly transfers: number;
  /** The witness both provers used (computed once, written to a .wtns file). */
  readonly witnessSeconds: number;
  /** The binary's process, start to exit (it reads and parses the zkey every time). */
  readonly wallSeconds: number;
  readonly cpuSeconds: number | null;
  readonly peakRssBytes: number | null;
  readonly verified: boolean;
  readonly verifySeconds: number;
  readonly proofJsonBytes: number;
  /** Our engine's prove time and CPU on the same witness, just before (the pair). */
  readonly engineProveSeconds: number;
  readonly engineCpuSeconds: number | null;
  readonly loadAverage: number;
}

export interface Summary {
  readonly witnessSeconds: Stat | null;
  readonly proveSeconds: Stat | null;
  readonly verifySeconds: Stat | null;
  readonly peakRssBytes: Stat | null;
  /** batch size / (witness + prove), one proof at a time in the warm process. */
  readonly transfersPerSecond: Stat | null;
  /** witness / (witness + prove). */
  readonly witnessShare: Stat | null;
  readonly pipelinedTransfersPerSecond: number | null;
  /** CPU seconds a proof (all threads): less sensitive than wall time to other load on the machine. */
  readonly cpuSeconds: Stat | null;
  readonly baselineCpuSeconds: Stat | null;
  /** Baseline CPU seconds over warm CPU seconds (medians). */
  readonly cpuRatio: number | null;
  readonly baselineSeconds: Stat | null;
  readonly baselinePeakRssBytes: Stat | null;
  readonly baselineTransfersPerSecond: Stat | null;
  /**
   * Warm throughput over the baseline's: the median of the per-repetition ratios (each cold CLI run against
   * the warm proof just before it, so both saw the same load), or the ratio of the medians without pairs.
   */
  readonly speedupVsBaseline: number | null;
  /** Per repetition: the cold CLI's time over the warm (witness + prove) time of the proof just before it. */
  readonly pairedSpeedup: Stat | null;
  readonly proofJsonBytes: Stat | null;
  readonly proofCalldataBytes: number;
  /** rapidsnark's wall seconds a proof on the same witnesses (its CLI, zkey read included). */
  readonly rapidsnarkSeconds?: Stat | null;
  readonly rapidsnarkCpuSeconds?: Stat | null;
  /** Per repetition: our prove time over rapidsnark's on the same witness (≤ 1: ours is as fast or faster). */
  readonly vsRapidsnark?: Stat | null;
  /** Our CPU seconds a proof over rapidsnark's (medians). */
  readonly vsRapidsnarkCpu?: number | null;
}

export interface Scaling {
  /** Least squares of median prove time vs constraints, per protocol (and engine), over the ok configurations. */
  readonly proveSecondsPerConstraint: { readonly protocol: Protocol; readonly engine: BenchEngine; readonly fit: LinearFit }[];
  readonly peakRssBytesPerConstraint: { readonly protocol: Protocol; readonly engine: BenchEngine; readonly fit: LinearFit }[];
  /** Constraints vs batch size on the default tree. */
  readonly constraintsPerTransfer: LinearFit | null;
  readonly largestBatchProven: { readonly protocol: Protocol; readonly batchSize: number; readonly peakRssBytes: number | null }[];
  /** Batch sizes beyond the largest run: predicted constraints, memory and time from the fits, and whether they fit here. */
  readonly predictions: { readonly batchSize: number; readonly constraints: number; readonly peakRssBytes: number; readonly proveSeconds: number; readonly fitsMemory: boolean; readonly note: string }[];
}

export interface Headline {
  readonly instance: string;
  /** The Groth16 engine compared with the baseline (the first listed in --engine that ran). */
  readonly engine: ProverEngine;
  readonly batchSize: number;
  readonly baselineTransfersPerSecond: number;
  readonly warmTransfersPerSecond: number;
  readonly pipelinedTransfersPerSecond: number | null;
  /** Median of the per-repetition ratios (ratioPaired), or ratioOneAtATime when there are no pairs. */
  readonly ratio: number;
  /** Median warm throughput (one proof at a time) over the baseline's median. */
  readonly ratioOneAtATime: number;
  /** The pipelined stream's throughput over the baseline's median (the stream is not interleaved with the baseline). */
  readonly ratioPipelined: number | null;
  /** Median of the per-repetition ratios (each cold CLI run against the warm proof just before it). */
  readonly ratioPaired: Stat | null;
  /** The cold CLI's CPU seconds a proof over the warm prover's (medians). */
  readonly cpuRatio: number | null;
  readonly goal: 2;
  readonly witnessShare: number | null;
}
