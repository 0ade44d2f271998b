import { setupInstance } from "../artifacts/setup.ts";
import type { CircuitInstance } from "../circuit/instances.ts";
import { cppWitnessOption } from "../circuit/witness-cpp.ts";
import { Prover } from "../prover/prover.ts";
import { machineInfo } from "../report/machine.ts";
import { costByBatchSize, type CostByBatchSize, type CostPoint } from "./cost-model.ts";
import { scalingTable, type ScalingTable } from "./scaling.ts";
import { DEFAULT_FORCED_DEADLINE_SECONDS, runForcedExit, type ForcedExitOutcome } from "./forced-exit-run.ts";
import { runMode, type DemoL1, type Mode, type ModeRun } from "./mode-run.ts";
import { dishonestChallenger, maliciousOptimistic, maliciousZk, type ScenarioOutcome } from "./scenarios.ts";
import { makeWorkload } from "./workload.ts";

export interface DemoOptions {
  readonly instance: CircuitInstance;
  readonly modes: readonly Mode[];
  readonly users: number;
  readonly transfers: number;
  readonly seed: number;
  readonly windowSeconds: number;
  /** L1 seconds the sequencer has to include a forced withdrawal (default one day). */
  readonly forcedDeadlineSeconds?: number;
  readonly watcher: boolean;
  /** Run only the malicious-sequencer scenarios (no honest traffic run). */
  readonly maliciousOnly: boolean;
  readonly outDir: string;
  readonly costSizes: readonly number[];
  /** The L1 the scaling table's L1-bound throughput is computed for (default 36M gas every 12 s). */
  readonly blockGasLimit?: number;
  readonly blockSeconds?: number;
  /** Where the Solidity contracts run: the in-process EVM ("simulated", the default) or an anvil node. */
  readonly l1?: DemoL1;
  readonly log: (message: string) => void;
}

export interface DemoReport {
  readonly config: { instance: string; accounts: number; batchSize: number; users: number; transfers: number; seed: number; windowSeconds: number; forcedDeadlineSeconds: number; watcher: boolean; modes: readonly Mode[]; l1: DemoL1 };
  readonly machine: ReturnType<typeof machineInfo>;
  readonly keys: { ceremony: string; insecure: boolean } | undefined;
  readonly runs: ModeRun[];
  readonly scenarios: ScenarioOutcome[];
  /** A censoring sequencer: the forced exit in each mode, its L1 time and gas. */
  readonly forcedExits: ForcedExitOutcome[];
  readonly costByBatchSize: CostPoint[];
  /** Plain L1 vs zk vs optimistic at the demo's batch size, each cell measured or computed. */
  readonly scaling: ScalingTable;
  /** The real Groth16 verifier's gas added to the zk rows measured with an accepting verifier. */
  readonly verifierGas: CostByBatchSize["verifierGas"];
  /** Where each kind of figure comes from. */
  readonly provenance: { measured: string; computed: string };
}

/**
 * zk vs optimistic on the same workload and the same L1 clock, on the Solidity contracts (in-process EVM
 * or anvil): an honest run per mode (timeline, finality, withdrawal latency, gas, bytes), the
 * malicious-sequencer scenarios in each mode, a dishonest challenger, the forced exit under a censoring
 * sequencer in each mode, and L1 cost per transfer by batch size.
 */
export async function runDemo(opts: DemoOptions): Promise<DemoReport> {
  const { instance, log } = opts;
  const workload = makeWorkload(opts.seed, opts.users, opts.transfers, instance.ops);
  const withZk = opts.modes.includes("zk");
  // The zk keys (circuit compile, development setup) are made while the optimistic mode runs, which needs
  // none: circom compiles in its own process, so both cores work from the start.
  const keysReady = withZk ? setupInstance(instance, { log: (m) => log(`[zk setup] ${m}`) }) : undefined;
  keysReady?.catch(() => {}); // awaited before the zk mode; a failure surfaces there
  let keys: Awaited<typeof keysReady>;
  let prover: Prover | undefined;
  const runs = new Map<Mode, ModeRun>();
  const scenarios = new Map<Mode, ScenarioOutcome[]>();
  const forcedExits = new Map<Mode, ForcedExitOutcome>();
  const forcedDeadlineSeconds = opts.forcedDeadlineSeconds ?? DEFAULT_FORCED_DEADLINE_SECONDS;
  const l1 = opts.l1 ?? "simulated";
  let costs: CostByBatchSize;
  try {
    for (const mode of [...opts.modes].sort((a, b) => (a === b ? 0 : a === "optimistic" ? -1 : 1))) {
      if (mode === "zk" && keysReady !== undefined) {
        log("\n== zk mode: waiting for the circuit and its keys ==");
        keys = await keysReady;
        prover = new Prover({ zkey: keys.zkey, wasm: keys.circuit.wasm, ...cppWitnessOption(keys.manifest, log) });
      }
      const zk = keys === undefined || prover === undefined ? undefined : { keys, prover };
      if (!opts.maliciousOnly) {
        log(`\n== ${mode} mode, honest sequencer: ${opts.users} users, ${opts.transfers} transfers, batches of ${instance.ops} ==`);
        runs.set(mode, await runMode({ mode, instance, workload, windowSeconds: opts.windowSeconds, watcher: opts.watcher, log, ...(zk ?? {}), outDir: opts.outDir, l1 }));
      }
      log(`\n== ${mode} mode, malicious sequencer: it moves a victim's deposit to itself and withdraws it ==`);
      const found: ScenarioOutcome[] = [];
      if (mode === "zk" && zk !== undefined) found.push(await maliciousZk(instance, workload, zk.keys, zk.prover, l1));
      if (mode === "optimistic") {
        found.push(await maliciousOptimistic(instance, workload, opts.windowSeconds, opts.watcher, l1));
        if (!opts.maliciousOnly) {
          // The assumption shown both ways: the other watcher setting too.
          found.push(await maliciousOptimistic(instance, workload, opts.windowSeconds, !opts.watcher, l1));
          found.push(await dishonestChallenger(instance, workload, opts.windowSeconds, l1));
        }
      }
      for (const sc of found) log(`${sc.mode}: ${sc.name}: ${sc.summary}`);
      scenarios.set(mode, found);
      if (!opts.maliciousOnly) {
        log(`\n== ${mode} mode, censoring sequencer: it ignores a forced withdrawal ==`);
        const r = await runForcedExit({ mode, instance, deadlineSeconds: forcedDeadlineSeconds, windowSeconds: opts.windowSeconds, l1, ...(zk === undefined ? {} : { zk }) });
        forcedExits.set(mode, r);
        log(`${mode}: ${r.summary}`);
      }
    }
    log("\n== L1 cost per transfer by batch size (the contracts in the in-process EVM, receipts' gasUsed) ==");
    costs = await costByBatchSize({
      arities: instance.arities,
      sizes: opts.costSizes,
      ...(keys === undefined || prover === undefined ? {} : { zk: { keys, prover, capacity: instance.ops, commitment: instance.layout.commitment } }),
      log,
    });
  } finally {
    await prover?.close();
  }
  // Reported in the order of opts.modes (zk first by default), whatever order they ran in.
  const inOrder = <T>(m: Map<Mode, T>): T[] => opts.modes.flatMap((mode) => (m.has(mode) ? [m.get(mode)!] : []));
  const runList = inOrder(runs);
  return {
    config: {
      instance: instance.name,
      accounts: instance.accounts,
      batchSize: instance.ops,
      users: opts.users,
      transfers: opts.transfers,
      seed: opts.seed,
      windowSeconds: opts.windowSeconds,
      forcedDeadlineSeconds,
      watcher: opts.watcher,
      modes: opts.modes,
      l1,
    },
    machine: machineInfo(),
    keys: keys === undefined ? undefined : { ceremony: keys.manifest.ceremony, insecure: keys.manifest.insecure },
    runs: runList,
    scenarios: inOrder(scenarios).flat(),
    forcedExits: inOrder(forcedExits),
    costByBatchSize: costs.points,
    verifierGas: costs.verifierGas,
    scaling: scalingTable({
      batchSize: instance.ops,
      costs: costs.points,
      runs: runList,
      commitment: instance.layout.commitment,
      ...(opts.blockGasLimit === undefined ? {} : { blockGasLimit: opts.blockGasLimit }),
      ...(opts.blockSeconds === undefined ? {} : { blockSeconds: opts.blockSeconds }),
    }),
    provenance: {
      measured: `proving times (wall clock on this machine); every L1 gas figure is a transaction receipt's gasUsed from the Solidity contracts (contracts/) ${l1 === "anvil" ? "on a local anvil node" : "in the in-process EVM (EDR)"}${l1 === "anvil" ? ", the cost by batch size in the in-process EVM (the same gas)" : ""}; bytes are the calldata sent`,
      computed:
        "L1 time: the 12 s slot clock every block is mined at, advanced by the measured proving time; cost by batch size: synthetic full batches of distinct transfers, the second of two counted; zk rows at sizes with no circuit here add the real verifier's measured gas to ZkRollup.sol measured with an accepting verifier (contracts/AcceptingVerifier.sol, test only)",
    },
  };
}
