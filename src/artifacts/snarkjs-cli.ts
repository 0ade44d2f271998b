import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { guardedChild } from "./child-process.ts";

// The package's exports hide build/cli.cjs; it sits beside the package entry point.
export const SNARKJS_CLI = join(dirname(createRequire(import.meta.url).resolve("snarkjs")), "cli.cjs");

/** Runs the stock snarkjs CLI (used as a baseline and in tests); returns stdout and the exit code instead of throwing. */
export function snarkjsCli(args: string[]): { stdout: string; code: number } {
  try {
    // Guarded: a snarkjs run (a ceremony step can take minutes) ends with the process that started it.
    const guard = guardedChild();
    return { stdout: execFileSync(process.execPath, [...guard.execArgv, SNARKJS_CLI, ...args], { encoding: "utf8", env: guard.env }), code: 0 };
  } catch (err) {
    const e = err as { stdout?: string; status?: number };
    return { stdout: String(e.stdout ?? ""), code: e.status ?? 1 };
  }
}
