import { readFileSync } from "node:fs";
import type { JsonObject } from "snarkjs";
import { setupInstance } from "../artifacts/setup.ts";
import type { CircuitInstance } from "../circuit/instances.ts";
import { Prover } from "../prover/prover.ts";
import { machineInfo } from "../report/machine.ts";
import { costByBatchSize, type CostPoint } from "./cost-model.ts";
import { DEFAULT_FORCED_DEADLINE_SECONDS, runForcedExit, type ForcedExitOutcome } from "./forced-exit-run.ts";
import { runMode, type Mode, type ModeRun } from "./mode-run.ts";
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
  /** Where the honest runs' contracts run (zk and optimistic): the simulated L1 (default) or anvil (real EVM, gas measured). */
  readonly l1?: "simulated" | "anvil";
  readonly log: (message: string) => void;
}

export interface DemoReport {
  readonly config: { instance: string; accounts: number; batchSize: number; users: number; transfers: number; seed: number; windowSeconds: number; forcedDeadlineSeconds: number; watcher: boolean; modes: readonly Mode[]; l1: "simulated" | "anvil" };
  readonly machine: ReturnType<typeof machineInfo>;
  readonly keys: { ceremony: string; insecure: boolean } | undefined;
  readonly runs: ModeRun[];
  readonly scenarios: ScenarioOutcome[];
  /** A censoring sequencer: the forced exit in each mode, its L1 time and gas. */
  readonly forcedExits: ForcedExitOutcome[];
  readonly costByBatchSize: CostPoint[];
  /** Where each kind of figure comes from. */
  readonly provenance: { measured: string; computed: string };
}

/**
 * zk vs optimistic on the same workload and the same simulated L1: an honest run per mode (timeline,
 * finality, withdrawal latency, gas, bytes), the malicious-sequencer scenarios in each mode, a dishonest
 * challenger, the forced exit under a censoring sequencer in each mode, and L1 cost per transfer by
 * batch size.
 */
export async function runDemo(opts: DemoOptions): Promise<DemoReport> {
  const { instance, log } = opts;
  const workload = makeWorkload(opts.seed, opts.users, opts.transfers, instance.ops);
  const withZk = opts.modes.includes("zk");
  const keys = withZk ? await setupInstance(instance, { log }) : undefined;
  const prover = keys === undefined ? undefined : new Prover({ zkey: keys.zkey, wasm: keys.circuit.wasm });
  const runs: ModeRun[] = [];
  const scenarios: ScenarioOutcome[] = [];
  const forcedExits: ForcedExitOutcome[] = [];
  const forcedDeadlineSeconds = opts.forcedDeadlineSeconds ?? DEFAULT_FORCED_DEADLINE_SECONDS;
  try {
    if (!opts.maliciousOnly) {
      for (const mode of opts.modes) {
        log(`\n== ${mode} mode, honest sequencer: ${opts.users} users, ${opts.transfers} transfers, batches of ${instance.ops} ==`);
        runs.push(
          await runMode({
            mode,
            instance,
            workload,
            windowSeconds: opts.windowSeconds,
            watcher: opts.watcher,
            log,
            ...(keys === undefined ? {} : { keys }),
            ...(prover === undefined ? {} : { prover }),
            outDir: opts.outDir,
            l1: opts.l1 ?? "simulated",
          }),
        );
      }
    }
    log("\n== malicious sequencer: it moves a victim's deposit to itself and withdraws it ==");
    if (withZk && keys !== undefined && prover !== undefined) scenarios.push(await maliciousZk(instance, workload, keys, prover));
    if (opts.modes.includes("optimistic")) {
      scenarios.push(await maliciousOptimistic(instance, workload, opts.windowSeconds, opts.watcher));
      if (!opts.maliciousOnly) {
        // The assumption shown both ways: the other watcher setting too.
        scenarios.push(await maliciousOptimistic(instance, workload, opts.windowSeconds, !opts.watcher));
        scenarios.push(await dishonestChallenger(instance, workload, opts.windowSeconds));
      }
    }
    for (const s of scenarios) log(`${s.mode}: ${s.name}: ${s.summary}`);
    if (!opts.maliciousOnly) {
      log("\n== censoring sequencer: it ignores a forced withdrawal ==");
      const zk = keys === undefined || prover === undefined ? undefined : { vkey: JSON.parse(readFileSync(keys.vkey, "utf8")) as JsonObject, prover };
      for (const mode of opts.modes) {
        const r = await runForcedExit({ mode, instance, deadlineSeconds: forcedDeadlineSeconds, windowSeconds: opts.windowSeconds, ...(zk === undefined ? {} : { zk }) });
        forcedExits.push(r);
        log(`${mode}: ${r.summary}`);
      }
    }
  } finally {
    await prover?.close();
  }
  log("\n== L1 cost per transfer by batch size (contracts' own gas accounting) ==");
  const costs = await costByBatchSize(instance.arities, opts.costSizes);
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
      l1: opts.l1 ?? "simulated",
    },
    machine: machineInfo(),
    keys: keys === undefined ? undefined : { ceremony: keys.manifest.ceremony, insecure: keys.manifest.insecure },
    runs,
    scenarios,
    forcedExits,
    costByBatchSize: costs,
    provenance: {
      measured: `proving times (wall clock on this machine), and every L1 event time, gas and byte count produced by running the contracts in this run${opts.l1 === "anvil" ? "; the honest runs' gas (zk and optimistic) is from real transaction receipts on anvil (Solidity contracts)" : ""}`,
      computed:
        "L1 gas comes from the EIP schedules (21,000 base; calldata 16/4 per byte, EIP-2028; pairing 45,000 + 34,000·k, ECMUL 6,000, ECADD 150, EIP-1108; SSTORE, EIP-2929) plus Poseidon contract gas measured in @ethereumjs/evm (Poseidon(7), (8) from src/evm/poseidon-gen.ts) and the one-step proof's EdDSA check measured there too (contracts/BabyJubjubEdDSA.sol, run with each operation's inputs); L1 time comes from the simulated 12 s slot clock, advanced by the measured proving time; cost by batch size runs the contracts on synthetic batches (the zk proof check charged, not executed)",
    },
  };
}
