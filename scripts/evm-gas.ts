/**
 * Gas on a real EVM against the simulated L1's model, for the same proven batches; the public-data
 * commitment's cost on the EVM (Poseidon hash chain vs SHA-256 vs keccak) beside its circuit cost; and the
 * optimistic rollup's transactions (the scenarios of src/evm/optimistic-scenarios.ts) on both L1s.
 *
 *   npx tsx scripts/evm-gas.ts [--instance NAME] [--sizes 4,16,64,256]
 *
 * Starts anvil (npm @foundry-rs/anvil-linux-amd64) on 127.0.0.1 and stops it when done. Prints the tables
 * and writes build/reports/evm-gas.json and build/reports/evm-gas.md.
 */
import { join } from "node:path";
import { writeFileAtomic } from "../src/artifacts/files.ts";
import { setupInstance } from "../src/artifacts/setup.ts";
import { findInstance, instanceByRole } from "../src/circuit/instances.ts";
import { compareGas, type GasComparison, type TxComparison } from "../src/evm/gas-compare.ts";
import { compareOptimisticGas, type OptimisticGasComparison } from "../src/evm/optimistic-gas-compare.ts";
import { BUILD_DIR } from "../src/paths.ts";
import { shutdownProver } from "../src/prover/prove.ts";
import { machineInfo } from "../src/report/machine.ts";

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

const fmt = (n: number): string => n.toLocaleString("en-US");
const pct = (x: number): string => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)} %`;
const signed = (n: number): string => (n > 0 ? `+${fmt(n)}` : fmt(n));

function table(head: readonly string[], rows: readonly (readonly string[])[], align: readonly ("l" | "r")[]): string {
  const sep = align.map((a) => (a === "r" ? "---:" : "---"));
  return [head, sep, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

function summaryTable(r: GasComparison): string {
  return table(
    ["transaction", "calldata bytes", "model gas", "EVM gas (measured)", "model vs EVM", "EVM gas per operation", "EVM gas per slot"],
    r.transactions.map((t) => {
      const ops = t.operations === undefined ? undefined : t.operations.transfers + t.operations.deposits + t.operations.withdrawals;
      return [
        t.label,
        fmt(t.calldataBytes),
        fmt(t.model),
        fmt(t.evm),
        pct(t.modelError),
        ops === undefined ? "" : fmt(Math.round(t.evm / Math.max(1, ops))),
        t.operations === undefined ? "" : fmt(Math.round(t.evm / r.capacity)),
      ];
    }),
    ["l", "r", "r", "r", "r", "r", "r"],
  );
}

function itemTable(t: TxComparison): string {
  return table(
    ["item", "model", "EVM (measured)", "EVM − model", "EVM detail"],
    [
      ...t.items.map((i) => [i.item, fmt(i.model), fmt(i.evm), signed(i.evm - i.model), i.evmDetail]),
      ["**total**", `**${fmt(t.model)}**`, `**${fmt(t.evm)}**`, `**${signed(t.evm - t.model)}**`, ""],
    ],
    ["l", "r", "r", "r", "l"],
  );
}

/** The items where the model and the EVM differ, averaged over the batch submissions. */
function differences(r: GasComparison): string {
  const batches = r.transactions.filter((t) => t.method === "submitBatch");
  const by = new Map<string, number[]>();
  for (const t of batches) for (const i of t.items) if (i.evm !== i.model) by.set(i.item, [...(by.get(i.item) ?? []), i.evm - i.model]);
  const storage = batches.map((t) => t.items.filter((i) => i.item.startsWith("storage")).reduce((s, i) => s + i.evm - i.model, 0));
  const range = (diffs: readonly number[]): string => {
    const min = Math.min(...diffs);
    const max = Math.max(...diffs);
    return min === max ? signed(min) : `${signed(min)} … ${signed(max)}`;
  };
  const rows = [...by].map(([item, diffs]) => [item, range(diffs), `${diffs.length} of ${batches.length}`]);
  rows.push(["storage reads + writes (net)", range(storage), `${batches.length}`]);
  rows.push(["**total**", range(batches.map((t) => t.evm - t.model)), `${batches.length}`]);
  return [
    table(["item (submitBatch)", "EVM − model per batch", "batches"], rows, ["l", "r", "r"]),
    "",
    "Reading it: Poseidon (callee gas), the Groth16 precompiles, base, calldata and logs match the model exactly.",
    "\"storage reads\" and \"storage writes\" move 2,100 gas between them: the model books each SSTORE with its cold-slot access,",
    "the contract pays that access in the SLOAD it does first (then the SSTORE is warm); net, the EVM reads two slots more",
    "than the model (queue head and queue length, read by every batch). \"call overhead\" is EIP-2929 account access:",
    "2,600 for the first call to each contract (Poseidon(3), Poseidon(6), verifier) and 100 for each further call.",
    "\"contract code\" is the Solidity around it: dispatch, calldata decoding, the record walk, ABI-encoding call arguments, memory.",
  ].join("\n");
}

function commitmentTable(r: GasComparison): string {
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

function machineLine(m: ReturnType<typeof machineInfo>, evm: { anvil: string; hardfork: string; solc: string }): string {
  return `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, snarkjs ${m.snarkjs}. EVM: ${evm.anvil} (hardfork ${evm.hardfork}), solc ${evm.solc} (optimizer 200 runs, evm cancun).`;
}

/** "success", or the revert code. */
const outcome = (status: string, code: string | null): string => (status === "success" ? "success" : `reverted ${code ?? "?"}`);

function optimisticMarkdown(o: OptimisticGasComparison, machine: ReturnType<typeof machineInfo>): string {
  const s = o.settings;
  const days = s.challengeWindowSeconds / 86_400;
  const scenarios = o.scenarios.map((x) => `${x.name} (tree [${x.arities.join(", ")}], ${x.capacity} operation${x.capacity === 1 ? "" : "s"} a batch)`).join("; ");
  const tolerance = `${Math.round(100 * o.tolerance)} %`;
  const floored = o.transactions
    .filter((t) => t.anvilAtFloor)
    .map((t) => `${t.scenario} ${t.method} (${outcome(t.status, t.revertReason)}): simulated ${fmt(t.simulated)}, floor ${fmt(t.calldataFloor)}`);
  return [
    "## Optimistic rollup: per method",
    "",
    machineLine(machine, o),
    `Scenarios (src/evm/optimistic-scenarios.ts, the code tests/evm/optimistic.test.ts runs): ${scenarios}. Each on a fresh anvil and a fresh simulated L1; rollup id ${s.rollupId}, ${days}-day challenge window, ${s.responseSeconds / 3_600}-hour moves, bonds ${fmt(Number(s.proposerBond))} (proposer) and ${fmt(Number(s.challengerBond))} (challenger) units, ${100 * s.slashBurnFraction} % of a slashed bond burned.`,
    "",
    "Simulated: src/l1/optimistic-rollup.ts, gas from the EIP schedule plus Poseidon and EdDSA run in @ethereumjs/evm. anvil: contracts/OptimisticRollup.sol; figures are receipts' gasUsed.",
    "The same parties (honest proposer, MaliciousProposer, Watcher, dishonest challenger) sent the same transactions to both; every one had the same status, revert code, calldata size and block time on both (checked).",
    "",
    table(
      ["method", "status", "transactions", "simulated (mean)", "anvil gasUsed (mean)", "worst error", "at anvil's calldata floor"],
      o.methods.map((m) => [m.method, m.status, fmt(m.count), fmt(m.simulatedMean), fmt(m.anvilMean), m.atFloor === m.count ? "-" : pct(m.worstSignedError), m.atFloor === 0 ? "" : fmt(m.atFloor)]),
      ["l", "l", "r", "r", "r", "r", "r"],
    ),
    "",
    `Error: (simulated − anvil) / anvil; "worst" is the transaction furthest from anvil. tests/evm/optimistic.test.ts asserts every transaction, successful or reverted, within ${tolerance}, except those anvil charged the calldata floor.`,
    "A revert's gas depends on where it stops: the simulated proveStep makes its checks in OptimisticRollup.sol's order (the dispute, the data hash, the operation, then each witness's leaf and path level by level) and charges each hash and STATICCALL where the contract makes it, so a rejected proof costs what the contract spent up to the same check.",
    `"At anvil's calldata floor": the receipt's gasUsed is the EIP-7623 floor (Prague: 21,000 + 10 per calldata token, a zero byte 1 token, a non-zero byte 4), because the transaction's execution cost less. The simulated L1 does not apply that floor, so it shows the lower execution cost; such transactions are not held to the tolerance and not in the worst error. It is not a difference in where the contracts stop: the execution is just cheap next to the calldata (e.g. a one-step proof whose resent data does not hash to the batch's reverts BAD_BATCH_DATA after three SLOADs and a keccak, its witnesses still in the calldata).` +
      (floored.length === 0 ? "" : ` At the floor here: ${floored.join("; ")}.`),
    "",
    "### Optimistic rollup: per transaction",
    "",
    table(
      ["scenario", "method", "status", "simulated", "anvil", "error"],
      o.transactions.map((t) => [
        t.scenario,
        t.method,
        outcome(t.status, t.revertReason),
        fmt(t.simulated),
        t.anvilAtFloor ? `${fmt(t.anvil)} (calldata floor)` : fmt(t.anvil),
        pct(t.error),
      ]),
      ["l", "l", "l", "r", "r", "r"],
    ),
    "",
  ].join("\n");
}

function markdown(r: GasComparison, o: OptimisticGasComparison, machine: ReturnType<typeof machineInfo>): string {
  const m = machine;
  return [
    "# Gas on a real EVM vs the simulated L1's model (measured by scripts/evm-gas.ts)",
    "",
    machineLine(m, r),
    `Instance: ${r.instance} (${r.capacity} operations a batch, ${r.recordBytes}-byte records). The same proven batches and the same calldata bytes went to both L1s.`,
    "",
    "Model: the simulated L1 (src/l1/zk-rollup.ts), gas from the EIP schedule plus Poseidon measured in @ethereumjs/evm.",
    "EVM: contracts/ZkRollup.sol on anvil; totals are receipts' gasUsed; items come from the call and opcode traces of those transactions.",
    "",
    "## Per transaction",
    "",
    summaryTable(r),
    "",
    "## Where the model differs",
    "",
    differences(r),
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
    optimisticMarkdown(o, m),
  ].join("\n");
}

const instance = option("instance") === undefined ? instanceByRole("demo") : findInstance(option("instance")!);
const sizes = (option("sizes") ?? "4,16,64,256").split(",").map((s) => Number(s));
const log = (m: string): void => console.log(`[evm-gas] ${m}`);
try {
  const keys = await setupInstance(instance, { log });
  const report = await compareGas({ instance, circuit: keys.circuit, keys, commitmentOperations: sizes, log });
  const optimistic = await compareOptimisticGas({ log });
  const machine = machineInfo();
  const md = markdown(report, optimistic, machine);
  const dir = join(BUILD_DIR, "reports");
  writeFileAtomic(join(dir, "evm-gas.json"), JSON.stringify({ machine, createdAt: new Date().toISOString(), ...report, optimistic }, null, 2));
  writeFileAtomic(join(dir, "evm-gas.md"), md);
  console.log(`\n${md}`);
  console.log(`wrote ${join(dir, "evm-gas.md")} and evm-gas.json`);
} finally {
  await shutdownProver();
}
