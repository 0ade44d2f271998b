import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

// The package's exports hide build/cli.cjs; it sits beside the package entry point.
export const SNARKJS_CLI = join(dirname(createRequire(import.meta.url).resolve("snarkjs")), "cli.cjs");

/** Runs the stock snarkjs CLI (used as a baseline and in tests); returns stdout and the exit code instead of throwing. */
export function snarkjsCli(args: string[]): { stdout: string; code: number } {
  try {
    return { stdout: execFileSync(process.execPath, [SNARKJS_CLI, ...args], { encoding: "utf8" }), code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; status?: number };
    return { stdout: String(e.stdout ?? ""), code: e.status ?? 1 };
  }
}
