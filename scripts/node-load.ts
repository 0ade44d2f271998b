// Bounded load test of `zkr node` on loopback: fixed clients and requests, stops by itself.
//   npx tsx scripts/node-load.ts [--clients N] [--requests N] [--instance NAME] [--out FILE.json]
// Prints a table (accepted operations per second, admission latency percentiles, admissions while a
// proof ran) and writes the figures with the machine to build/reports/node-load.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { intFlag, noPositionals, parseArgs, stringFlag } from "../src/cli/args.ts";
import { findInstance, instanceByRole } from "../src/circuit/instances.ts";
import { formatLoadReport, runLoad } from "../src/node/load.ts";
import { BUILD_DIR } from "../src/paths.ts";

const args = parseArgs(process.argv.slice(2), { valued: ["clients", "requests", "instance", "out", "slot-ms"], boolean: [] });
const int = (name: string, fallback: number, max: number): number => intFlag(args, name, 1, max, fallback);
noPositionals(args);
const name = stringFlag(args, "instance");
const instance = name === undefined ? instanceByRole("demo") : findInstance(name);
const report = await runLoad({
  instance,
  clients: int("clients", 8, 256),
  requestsPerClient: int("requests", 40, 10_000),
  slotMs: int("slot-ms", 250, 60_000),
  startDuringProof: true,
  log: (m) => console.log(m),
});
console.log(formatLoadReport(report));
const out = stringFlag(args, "out") ?? join(BUILD_DIR, "reports", "node-load.json");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ command: `npx tsx scripts/node-load.ts ${process.argv.slice(2).join(" ")}`.trim(), ...report }, null, 2)}\n`);
console.log(`written ${out}`);
