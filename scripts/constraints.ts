// Measures the per-part constraint breakdown of an operation slot and the commitment overhead
// by compiling each template on its own, the public-data commitment per choice (constraints per
// operation beside its L1 gas per operation, measured in the in-process EVM), and every instance's
// total (compiling what is not built: the 32-slot instances take minutes); writes
// build/reports/constraints.{json,md}.
// Usage: npx tsx scripts/constraints.ts
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { commitmentCost, slotBreakdown } from "../src/circuit/breakdown.ts";
import { BUILD_DIR } from "../src/paths.ts";
import { compileCircuit } from "../src/artifacts/compile.ts";
import { groth16Power } from "../src/artifacts/ptau.ts";
import { loadInstances } from "../src/circuit/instances.ts";
import { compareCommitments } from "../src/evm/zk-gas.ts";
import { ZkRollupL1 } from "../src/evm/zk-rollup.ts";
import { RollupState } from "../src/state/rollup-state.ts";
import { COMMITMENTS, recordLayout } from "../src/tx/layout.ts";

const shapes: Record<string, number[]> = {
  "4x2-8x4 (65,536 accounts, default)": [4, 4, 8, 8, 8, 8],
  "4x8 (65,536 accounts)": [4, 4, 4, 4, 4, 4, 4, 4],
  "2x16 (65,536 accounts, binary)": new Array<number>(16).fill(2),
};

const report: Record<string, unknown> = { measuredWith: "circom2 (WASM) --O2, circomlib", shapes: {} };
const md: string[] = ["# Constraint breakdown (measured by scripts/constraints.ts)", ""];
for (const [label, arities] of Object.entries(shapes)) {
  console.error(`measuring ${label} ...`);
  const parts = await slotBreakdown(arities);
  const commit = await commitmentCost(4, arities);
  (report["shapes"] as Record<string, unknown>)[label] = { arities, parts, commitment4: commit };
  md.push(`## Tree ${label}`, "", "| part | constraints | used |", "|---|---:|---|");
  for (const p of parts) md.push(`| ${p.part} | ${p.constraints} | ${p.note} |`);
  md.push(`| public-data commitment, batch of 4 (packing + hash chain) | ${commit.overhead} | once per batch |`, "");
}
// The public-data commitment per choice, on the default tree: what it adds to the circuit (the batch
// minus its slots, compiled) and what it costs the L1 (the hash in a real transaction, gasleft() around
// it: contracts/CommitmentGas.sol), per operation.
{
  const arities = Object.values(shapes)[0]!;
  const sizes = [4, 16, 32];
  console.error("measuring the commitment choices ...");
  const evm = await ZkRollupL1.start({ rollupId: 1, layout: recordLayout(arities), arities, capacity: 4, genesisRoot: new RollupState(arities).root, verifier: "accepting" });
  const gas = await compareCommitments(evm, sizes, recordLayout(arities).recordBytes).finally(() => evm.stop());
  const rows = [];
  for (const ops of sizes) {
    const g = gas.find((r) => r.operations === ops)!;
    for (const commitment of COMMITMENTS) {
      const c = await commitmentCost(ops, arities, commitment);
      const l1 = commitment === "sha256" ? g.evmGas.sha256 : g.evmGas.poseidonChain;
      rows.push({ ops, commitment, batchConstraints: c.batch, commitmentConstraints: c.overhead, l1Gas: l1 });
    }
  }
  report["commitments"] = rows;
  md.push("## The public-data commitment per choice (tree 4x2-8x4)", "", "| batch | commitment | batch constraints | commitment constraints | constraints / op | commitment L1 gas | L1 gas / op |", "|---:|---|---:|---:|---:|---:|---:|");
  for (const r of rows) md.push(`| ${r.ops} | ${r.commitment} | ${r.batchConstraints} | ${r.commitmentConstraints} | ${Math.round(r.commitmentConstraints / r.ops)} | ${r.l1Gas} | ${Math.round(r.l1Gas / r.ops)} |`);
  md.push("", "Commitment constraints: the batch circuit minus its slots (each compiled with circom --O2). L1 gas: the hash over header and records inside a real transaction, measured by contracts/CommitmentGas.sol with gasleft() around it (the Poseidon chain's contract calls, or the SHA-256 precompile), in the in-process EVM.", "");
}

// Every instance of circuits/instances.json, compiled (cached): the totals per batch.
md.push("## Instances (circuits/instances.json)", "", "| instance | ops | accounts | constraints | total / ops (commitment included) | Groth16 domain | compile s |", "|---|---:|---:|---:|---:|---|---:|");
const instances = [];
for (const instance of loadInstances()) {
  console.error(`compiling ${instance.name} (cached if built) ...`);
  const c = await compileCircuit(instance);
  instances.push({ name: instance.name, ops: instance.ops, accounts: instance.accounts, constraints: c.constraints, compileSeconds: c.compileSeconds });
  md.push(`| ${instance.name} | ${instance.ops} | ${instance.accounts} | ${c.constraints} | ${Math.round(c.constraints / instance.ops)} | 2^${groth16Power(c.constraints, 1)} | ${c.compileSeconds.toFixed(1)} |`);
}
md.push("");
report["instances"] = instances;

const dir = join(BUILD_DIR, "reports");
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "constraints.json"), JSON.stringify(report, null, 2));
writeFileSync(join(dir, "constraints.md"), md.join("\n"));
console.log(md.join("\n"));
