import { compileCircuit, compiledCircuit } from "../../artifacts/compile.ts";
import { existingSetup, PROTOCOLS } from "../../artifacts/setup.ts";
import { loadInstances } from "../../circuit/instances.ts";
import { noPositionals, parseArgs } from "../args.ts";

export const CIRCUITS_HELP = `zkr circuits [--json] [--compile]
  Lists every circuit instance: batch size, tree shape, account capacity, constraints, constraints
  per operation slot, and which artifacts are built. Constraint counts come from compiling;
  --compile compiles the instances not built yet (the largest take minutes).`;

export async function circuitsCommand(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, { valued: [], boolean: ["json", "compile"] });
  noPositionals(args);
  const rows = [];
  for (const instance of loadInstances()) {
    const circuit = args.flags.has("compile")
      ? await compileCircuit(instance, { log: (m) => console.error(m) })
      : compiledCircuit(instance);
    const keys = circuit === undefined ? [] : PROTOCOLS.flatMap((p) => {
      const s = existingSetup(circuit, p);
      return s === undefined ? [] : [`${p}${s.manifest.insecure ? " (dev, INSECURE)" : ""}`];
    });
    rows.push({
      name: instance.name,
      role: instance.role,
      batchSize: instance.ops,
      depth: instance.arities.length,
      arities: instance.arities,
      accounts: instance.accounts,
      recordBytes: instance.layout.recordBytes,
      constraints: circuit?.constraints ?? null,
      constraintsPerOp: circuit === undefined ? null : Math.round(circuit.constraints / instance.ops),
      domain: circuit === undefined ? null : `2^${Math.ceil(Math.log2(circuit.constraints + 2))}`,
      artifacts: circuit === undefined ? "not compiled" : ["compiled", ...keys].join(", "),
    });
  }
  if (args.flags.has("json")) {
    console.log(JSON.stringify(rows, null, 2));
    return;
  }
  const table = rows.map((r) => [
    r.name,
    r.role,
    String(r.batchSize),
    r.arities.join("·"),
    String(r.accounts),
    `${r.recordBytes} B`,
    r.constraints === null ? "-" : String(r.constraints),
    r.constraintsPerOp === null ? "-" : String(r.constraintsPerOp),
    r.domain ?? "-",
    r.artifacts,
  ]);
  printTable(["instance", "role", "ops", "arities", "accounts", "record", "constraints", "per op", "domain", "artifacts"], table);
  if (rows.some((r) => r.constraints === null)) console.log("\n(- = not compiled yet: zkr circuits --compile, or zkr setup INSTANCE)");
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  console.log(line(header));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const r of rows) console.log(line(r));
}
