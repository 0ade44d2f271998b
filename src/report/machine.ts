import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../paths.ts";

/** The machine and tool versions, printed and stored beside every measured number. */
export function machineInfo() {
  // Read from node_modules directly: some packages (snarkjs) do not export their package.json.
  const version = (pkg: string) =>
    (JSON.parse(readFileSync(join(REPO_ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string }).version;
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    snarkjs: version("snarkjs"),
    circom2: version("circom2"),
    circomlib: version("circomlib"),
    /** 1/5/15-minute load averages when the figures were taken: above the core count, other work competed. */
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function machineLine(): string {
  const m = machineInfo();
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, snarkjs ${m.snarkjs}, circom2 ${m.circom2}, load ${m.loadAverage.join("/")}`;
}
