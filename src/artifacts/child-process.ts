import { fileURLToPath } from "node:url";

/** The preload that ends a node child process when its parent dies (see parent-guard.cjs). */
export const PARENT_GUARD = fileURLToPath(new URL("./parent-guard.cjs", import.meta.url));

/**
 * Node arguments and environment for a child node process that must not outlive this one: a
 * compiler, a prover or a node started by a test. Put the arguments before the script.
 */
export function guardedChild(env: NodeJS.ProcessEnv = process.env): { execArgv: string[]; env: NodeJS.ProcessEnv } {
  return { execArgv: ["--require", PARENT_GUARD], env: { ...env, ZKR_PARENT_PID: String(process.pid) } };
}
