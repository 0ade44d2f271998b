/**
 * `zkr node` as a child process (src/node/main.ts under tsx): what the crash test kills with SIGKILL and
 * what the load script measures against, so that the node and its clients do not share an event loop.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { guardedChild } from "../artifacts/child-process.ts";
import { REPO_ROOT } from "../paths.ts";

export interface NodeProcess {
  readonly child: ChildProcess;
  /** Resolves with the URL once the node listens, or undefined if it exited first. */
  readonly ready: Promise<string | undefined>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it printed, line by line. */
  readonly output: string[];
}

export function spawnNode(args: readonly string[], env: Record<string, string> = {}): NodeProcess {
  // Guarded: a node (its port, its store's lock) never outlives the process that started it, even a
  // test runner killed with SIGKILL.
  const guard = guardedChild({ ...process.env, ...env });
  const child = spawn(process.execPath, [...guard.execArgv, "--import", "tsx", "src/node/main.ts", ...args], {
    cwd: REPO_ROOT,
    env: guard.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  let resolveReady: (url: string | undefined) => void = () => {};
  const ready = new Promise<string | undefined>((r) => (resolveReady = r));
  const onData = (buf: Buffer) => {
    for (const line of buf.toString("utf8").split("\n")) {
      if (line === "") continue;
      output.push(line);
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (m?.[1] !== undefined) resolveReady(m[1]);
    }
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      resolveReady(undefined);
      resolve({ code, signal });
    });
  });
  return { child, ready, exited, output };
}

/** A loopback port nothing listens on right now (so a node can be restarted on the same one). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (address === null || typeof address === "string") throw new Error("no free port");
  return address.port;
}
