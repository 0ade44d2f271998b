// Measures the per-part constraint breakdown of an operation slot and the commitment overhead
// by compiling each template on its own, and every instance's total (compiling what is not built:
// the 32-slot instance takes minutes); writes build/reports/constraints.{json,md}.
// Usage: npx tsx scripts/constraints.ts
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { commitmentCost, slotBreakdown } from "../src/circuit/breakdown.ts";
import { BUILD_DIR } from "../src/paths.ts";
import { compileCircuit } from "../src/artifacts/compile.ts";
import { groth16Power } from "../src/artifacts/ptau.ts";
import { loadInstances } from "../src/circuit/instances.ts";

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
