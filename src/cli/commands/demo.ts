import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { findInstance, instanceByRole } from "../../circuit/instances.ts";
import { runDemo, type DemoReport } from "../../demo/demo.ts";
import type { Mode } from "../../demo/mode-run.ts";
import { COST_MODES } from "../../demo/cost-model.ts";
import { DEFAULT_BLOCK_GAS_LIMIT, DEFAULT_BLOCK_SECONDS, SCALING_HEADER, scalingNotes, scalingRows } from "../../demo/scaling.ts";
import { BUILD_DIR } from "../../paths.ts";
import { checkOutputDir, checkOutputFile } from "../../io/output-path.ts";
import { DEMO_REPORT_EXTENSIONS, FORCED_EXIT_HEADER, fmtSeconds, forcedExitGasHeader, forcedExitGasRows, forcedExitRows, perBatchRows, PER_BATCH_HEADER, renderDemoReport, summaryRows, SUMMARY_HEADER } from "../../report/demo-report.ts";
import { machineLine } from "../../report/machine.ts";
import { intFlag, noPositionals, parseArgs, parseDuration, stringFlag } from "../args.ts";
import { CliError } from "../errors.ts";
import { printTable } from "./circuits.ts";

export const DEMO_HELP = `zkr demo [--mode zk|optimistic|both] [--malicious] [--no-watcher] [--window 7d] [--deadline 1d] [--l1 simulated|anvil]
         [--instance NAME] [--users N] [--transfers N] [--seed S] [--l1-block-gas G] [--l1-block-seconds S]
         [--out DIR] [--json] [--report FILE.html]
  zk vs optimistic finality on the same traffic and the same L1 clock (12 s slots). An honest run per mode
  (deposits, random signed transfers, batches, a withdrawal paid from a final root), then a malicious
  sequencer that steals a deposit (zk: no proof can be made and the contract reverts forged or reused
  ones; optimistic: challenged, bisected and rolled back by the watcher, or final and paid with no
  watcher), a dishonest challenger, and a censoring sequencer that ignores a forced withdrawal (exit
  mode: the L1 time from the request to the funds in hand, and the gas of each step). Prints per batch
  and in total: L1 inclusion and finality times, withdrawal latency, L1 gas and bytes posted, gas per
  operation beside a plain L1 transfer, L1 gas per transfer by batch size, and the scaling table (plain L1
  vs zk vs optimistic: gas and bytes per transfer, L1-bound and prover-bound transfers/s, finality,
  withdrawal delay; each cell measured in this run or computed, formula given). --l1-block-gas and
  --l1-block-seconds set the L1 the L1-bound throughput is computed for (default 36000000 gas every 12 s).
  The L1 is the Solidity contracts in contracts/; every gas figure is a transaction receipt's gasUsed.
  --l1 simulated (default) runs them in an in-process EVM (EDR: deterministic, no server); --l1 anvil on
  a local anvil node (started and stopped by the tool). The cost by batch size always runs in-process.
  --malicious runs only the malicious-sequencer scenarios; --no-watcher turns the optimistic watcher
  off; --window sets the challenge window (e.g. 1h, 2d, 3600; default 7d as on OP Mainnet and Arbitrum);
  --deadline the forced-withdrawal deadline (default 1d); both from 60 s to 10 years.
  --report FILE.html writes a self-contained HTML report with charts; FILE.md the tables as Markdown.
  Defaults: both modes, the demo instance, 4 users (2-64), two batches of transfers and at least 12
  (0-10000), seed 1 (0-2^31),
  batch folders in build/demo/ (--out DIR: created if missing). Numbers are decimal digits only.`;

/** The shortest challenge window or forced-withdrawal deadline the demo takes. */
const MIN_DURATION_SECONDS = 60;

export async function demoCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, {
    valued: ["mode", "instance", "users", "transfers", "seed", "out", "window", "deadline", "report", "l1", "l1-block-gas", "l1-block-seconds"],
    boolean: ["json", "malicious", "no-watcher"],
  });
  noPositionals(args);
  // Every option is checked, output paths included, before the run starts (it takes minutes).
  const modeFlag = stringFlag(args, "mode") ?? "both";
  if (!["zk", "optimistic", "both"].includes(modeFlag)) throw new CliError("--mode must be zk, optimistic or both");
  const modes: Mode[] = modeFlag === "both" ? ["zk", "optimistic"] : [modeFlag as Mode];
  const instanceName = stringFlag(args, "instance");
  const instance = instanceName === undefined ? instanceByRole("demo") : findInstance(instanceName);
  const seed = intFlag(args, "seed", 0, 2 ** 31, 1);
  const users = intFlag(args, "users", 2, 64, 4);
  // Two batches' worth (at least 12): the scaling table's prover-bound and finality cells need full batches.
  const transfers = intFlag(args, "transfers", 0, 10_000, Math.max(12, 2 * instance.ops));
  const windowSeconds = parseDuration(stringFlag(args, "window") ?? "7d", "--window", MIN_DURATION_SECONDS);
  const forcedDeadlineSeconds = parseDuration(stringFlag(args, "deadline") ?? "1d", "--deadline", MIN_DURATION_SECONDS);
  const blockGasLimit = intFlag(args, "l1-block-gas", 21_000, 1_000_000_000, DEFAULT_BLOCK_GAS_LIMIT);
  const blockSeconds = intFlag(args, "l1-block-seconds", 1, 3_600, DEFAULT_BLOCK_SECONDS);
  const l1 = stringFlag(args, "l1") ?? "simulated";
  if (l1 !== "simulated" && l1 !== "anvil") throw new CliError("--l1 must be simulated or anvil");
  const outDir = stringFlag(args, "out") ?? join(BUILD_DIR, "demo", `run-${seed}`);
  checkOutputDir(outDir, "--out");
  const reportPath = stringFlag(args, "report");
  const reportExtension = reportPath === undefined ? undefined : checkOutputFile(reportPath, "--report", DEMO_REPORT_EXTENSIONS);
  const json = args.flags.has("json");
  const log = (m: string) => (json ? console.error(m) : console.log(m));

  log(`machine: ${machineLine()}`);
  const report = await runDemo({
    instance,
    modes,
    users,
    transfers,
    seed,
    windowSeconds,
    forcedDeadlineSeconds,
    watcher: !args.flags.has("no-watcher"),
    maliciousOnly: args.flags.has("malicious"),
    outDir,
    costSizes: [1, 2, 4, 8, 16, 32, 64],
    blockGasLimit,
    blockSeconds,
    l1,
    log,
  });
  if (reportPath !== undefined && reportExtension !== undefined) {
    const command = `zkr demo ${argv.filter((a) => a !== reportPath && a !== "--report").join(" ")}`.trim();
    writeFileSync(reportPath, await renderDemoReport(report, reportExtension, command));
    log(`report: ${reportPath}`);
  }
  if (json) console.log(JSON.stringify(report, null, 2));
  else printReport(report, outDir);
  return 0;
}

function printReport(r: DemoReport, outDir: string): void {
  if (r.runs.length > 0) {
    console.log(`\nSame traffic, both modes (${r.config.instance}: ${r.config.batchSize} operations per batch; L1 times in simulated seconds)`);
    printTable(PER_BATCH_HEADER, perBatchRows(r));
    console.log("");
    printTable(SUMMARY_HEADER, summaryRows(r));
    const plain = r.costByBatchSize.find((c) => c.mode === "plain L1 transfer");
    if (plain !== undefined) console.log(`A plain L1 transfer costs ${plain.gasPerTransfer.toLocaleString("en-US")} gas (measured).`);
  }
  if (r.scenarios.length > 0) {
    console.log("\nScenarios");
    printTable(
      ["mode", "scenario", "bad root accepted", "final", "theft paid", "dispute"],
      r.scenarios.map((s) => [
        s.mode,
        s.name,
        s.badRootAccepted ? "yes" : "no",
        s.badRootFinal ? "yes" : "no",
        s.theftPaid ? `yes (${s.stolen})` : "no",
        s.dispute === undefined ? "-" : `${s.dispute.outcome ?? "open"}, ${s.dispute.moves} moves, ${s.dispute.totalGas} gas, ${fmtSeconds(s.dispute.durationSeconds ?? NaN)}`,
      ]),
    );
    for (const s of r.scenarios) console.log(`  ${s.mode} · ${s.name}: ${s.summary}`);
  }
  if (r.forcedExits.length > 0) {
    console.log(`\nCensoring sequencer: a forced withdrawal it ignores (deadline ${fmtSeconds(r.config.forcedDeadlineSeconds)}; L1 times in simulated seconds)`);
    printTable(FORCED_EXIT_HEADER, forcedExitRows(r));
    printTable(forcedExitGasHeader(r), forcedExitGasRows(r));
    for (const f of r.forcedExits) console.log(`  ${f.mode}: ${f.summary}`);
  }
  printCostTable(r);
  if (r.scaling.rows.length > 0) {
    console.log(`\nScaling: plain L1 vs the rollups at batches of ${r.scaling.batchSize} transfers`);
    printTable(SCALING_HEADER, scalingRows(r.scaling));
    for (const line of scalingNotes(r.scaling)) console.log(`  ${line}`);
  }
  if (r.runs.some((run) => run.mode === "zk")) console.log(`\nzk batch folders (zkr verify DIR): ${outDir}`);
  console.log(`\nMeasured: ${r.provenance.measured}.\nComputed: ${r.provenance.computed}.`);
}

/** Gas per transfer by batch size, one row per mode; a zk figure built on the accepting verifier is marked. */
function printCostTable(r: DemoReport): void {
  if (r.costByBatchSize.length === 0) return;
  const gas = (n: number) => n.toLocaleString("en-US");
  const sizes = [...new Set(r.costByBatchSize.map((c) => c.batchSize))];
  const marked = r.costByBatchSize.some((c) => c.source !== "measured");
  console.log("\nL1 gas per transfer by batch size (full batches of distinct transfers; gas of the batch transaction / transfers in it)");
  printTable(
    ["batch size (transfers)", ...sizes.map(String)],
    COST_MODES.filter((mode) => r.costByBatchSize.some((c) => c.mode === mode)).map((mode) => [
      `${mode} (gas/transfer)`,
      ...sizes.map((n) => {
        const c = r.costByBatchSize.find((x) => x.mode === mode && x.batchSize === n);
        return c === undefined ? "-" : `${gas(c.gasPerTransfer)}${c.source === "measured" ? "" : " *"}`;
      }),
    ]),
  );
  if (marked && r.verifierGas !== undefined) {
    console.log(
      `  * contract measured with an accepting verifier + real verifier gas measured: ZkRollup.sol's gasUsed with contracts/AcceptingVerifier.sol (test only, accepts every proof) plus ${gas(r.verifierGas.gas)} gas, what the real Groth16 verifier added to a proven batch of ${r.verifierGas.batchSize} in this run (the same batch and proof on both verifiers). Unmarked: one receipt's gasUsed.`,
    );
  }
}


