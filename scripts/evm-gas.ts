/**
 * Where the zk rollup's L1 gas goes, measured: proven batches, deposits and a withdrawal claim sent to
 * ZkRollup.sol, each receipt's gasUsed split item by item from its traces; the deployment; and what the
 * public-data commitment costs on the EVM (Poseidon hash chain vs SHA-256 vs keccak) beside its circuit cost.
 *
 *   npx tsx scripts/evm-gas.ts [--instance NAME] [--sizes 4,16,64,256] [--l1 simulated|anvil]
 *
 * Runs on the in-process EVM (default) or a local anvil it starts and stops. Prints the tables and writes
 * build/reports/evm-gas.json and build/reports/evm-gas.md.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../src/artifacts/files.ts";
import { setupInstance } from "../src/artifacts/setup.ts";
import { findInstance, instanceByRole } from "../src/circuit/instances.ts";
import { measureZkGas, type TxGas, type ZkGasReport } from "../src/evm/zk-gas.ts";
import { BUILD_DIR } from "../src/paths.ts";
import { shutdownProver } from "../src/prover/prove.ts";
import { machineInfo } from "../src/report/machine.ts";

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

const fmt = (n: number): string => n.toLocaleString("en-US");

function table(head: readonly string[], rows: readonly (readonly string[])[], align: readonly ("l" | "r")[]): string {
  const sep = align.map((a) => (a === "r" ? "---:" : "---"));
  return [head, sep, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

function summaryTable(r: ZkGasReport): string {
  return table(
    ["transaction", "calldata bytes", "gasUsed", "gas per operation", "gas per slot"],
    r.transactions.map((t) => {
      const ops = t.operations === undefined ? undefined : t.operations.transfers + t.operations.deposits + t.operations.withdrawals;
      return [t.label, fmt(t.calldataBytes), fmt(t.gasUsed), ops === undefined ? "" : fmt(Math.round(t.gasUsed / Math.max(1, ops))), t.operations === undefined ? "" : fmt(Math.round(t.gasUsed / r.capacity))];
    }),
    ["l", "r", "r", "r", "r"],
  );
}

function itemTable(t: TxGas): string {
  return table(["item", "gas", "detail"], [...t.items.map((i) => [i.item, fmt(i.gas), i.detail]), ["**total (gasUsed)**", `**${fmt(t.gasUsed)}**`, ""]], ["l", "r", "l"]);
}

function commitmentTable(r: ZkGasReport): string {
  return table(
    ["operations", "record bytes", "hashed bytes", "EVM: Poseidon chain", "EVM: SHA-256", "EVM: keccak", "circuit: Poseidon chain", "circuit: SHA-256", "circuit: keccak"],
    r.commitments.map((c) => [
      fmt(c.operations),
      fmt(c.recordBytes),
      fmt(c.hashedBytes),
      fmt(c.evmGas.poseidonChain),
      fmt(c.evmGas.sha256),
      fmt(c.evmGas.keccak),
      `${fmt(c.constraints.poseidonChain)} (${c.constraints.poseidonCalls} × Poseidon(6))`,
      `~${fmt(c.constraints.sha256)} (${c.constraints.sha256Blocks} blocks)`,
      `~${fmt(c.constraints.keccak)} (${c.constraints.keccakBlocks} blocks)`,
    ]),
    ["r", "r", "r", "r", "r", "r", "r", "r", "r"],
  );
}

function markdown(r: ZkGasReport, m: ReturnType<typeof machineInfo>): string {
  return [
    "# Where the zk rollup's L1 gas goes (measured by scripts/evm-gas.ts)",
    "",
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}. EVM: ${r.evm} (hardfork ${r.hardfork}), solc ${r.solc} (optimizer 200 runs, evm cancun).`,
    `Instance: ${r.instance} (${r.capacity} operations a batch, ${r.recordBytes}-byte records); every batch proven and accepted by contracts/ZkRollup.sol.`,
    "Totals are receipts' gasUsed; items come from the call and opcode traces of those very transactions and add up to gasUsed.",
    "",
    "## Per transaction",
    "",
    summaryTable(r),
    "",
    ...r.transactions.flatMap((t) => [`### ${t.label}`, "", itemTable(t), ""]),
    "## Deployment (measured)",
    "",
    table(["contract", "gas", "runtime code bytes"], r.deployments.map((d) => [d.contract, fmt(d.gas), d.codeBytes === undefined ? "" : fmt(d.codeBytes)]), ["l", "r", "r"]),
    "",
    "## The public-data commitment: EVM gas vs circuit constraints",
    "",
    "EVM gas: the hash of header (rollupId, oldRoot, newRoot, l1Acc) + records inside a real transaction, measured by the contract with gasleft() around it (contracts/CommitmentGas.sol; Poseidon includes its STATICCALLs and chunking, SHA-256 the precompile call, both the packing into memory). Differencing whole transactions does not work here: the EIP-7623 calldata floor sets gasUsed of such compute-light transactions.",
    "Circuit: the Poseidon chain is HashChain(n) compiled with circom --O2 (measured); SHA-256 is 29,380 constraints per 512-bit block and keccak ~150,000 per 1,088-bit block (per-block figures from design.md; not compiled here). SHA-256 and keccak also need the header's field elements as bits (about 4 × 254 more).",
    "",
    commitmentTable(r),
    "",
  ].join("\n");
}

const instance = option("instance") === undefined ? instanceByRole("demo") : findInstance(option("instance")!);
const sizes = (option("sizes") ?? "4,16,64,256").split(",").map((s) => Number(s));
const l1 = option("l1") === "anvil" ? "anvil" : "simulated";
const log = (m: string): void => console.log(`[evm-gas] ${m}`);
try {
  const keys = await setupInstance(instance, { log });
  const report = await measureZkGas({ instance, circuit: keys.circuit, keys, commitmentOperations: sizes, l1, log });
  const machine = machineInfo();
  const md = markdown(report, machine);
  const dir = join(BUILD_DIR, "reports");
  writeFileAtomic(join(dir, "evm-gas.json"), JSON.stringify({ machine, createdAt: new Date().toISOString(), ...report }, null, 2));
  writeFileAtomic(join(dir, "evm-gas.md"), md);
  console.log(`\n${md}`);
  console.log(`wrote ${join(dir, "evm-gas.md")} and evm-gas.json`);
} finally {
  await shutdownProver();
}
