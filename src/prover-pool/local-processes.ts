/**
 * Local processes for tests and the load script: a real redis-server on a free loopback port with its own
 * folder (the Debian package), and `zkr prover` workers as separate processes (what kill -9 must hit).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { guardedChild } from "../artifacts/child-process.ts";
import { freePort } from "../node/spawn.ts";
import { REPO_ROOT } from "../paths.ts";

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Stops it (SIGTERM: it finishes its append-only file; SIGKILL: it does not). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and folder (its append-only file is read back). */
  restart(): Promise<void>;
  /** Stops it and removes its folder. */
  dispose(): Promise<void>;
}

/** redis-server with every write fsynced to its append-only file before it answers (nothing lost on restart). */
export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), "zkr-redis-"));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    const c = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = c;
    let out = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out.slice(-500)}`)), 10_000);
      c.once("error", (err) => {
        clearTimeout(timer);
        reject(new Error(`cannot run redis-server (apt-get install redis-server): ${err.message}`));
      });
      c.stdout?.on("data", (b: Buffer) => {
        out += b.toString();
        if (out.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  };
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    const c = child;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill(signal);
    await exited;
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    stop,
    restart: launch,
    async dispose() {
      await stop("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly id: string;
  readonly output: string[];
  /** Resolves once the worker listens on the queue (false if it exited first). */
  readonly ready: Promise<boolean>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * A zkr command as its own process (guarded: it never outlives its parent): `script` is the CLI's router
 * (src/cli/main.ts, args starting with the command) or a one-command entry that starts faster
 * (src/prover-pool/main.ts, src/node/main.ts).
 */
export function spawnCli(args: readonly string[], script = "src/cli/main.ts"): WorkerProcess {
  const guard = guardedChild();
  const child = spawn(process.execPath, [...guard.execArgv, "--import", "tsx", script, ...args], {
    cwd: REPO_ROOT,
    env: guard.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  let onReady: (ok: boolean) => void = () => {};
  const ready = new Promise<boolean>((r) => (onReady = r));
  const onData = (buf: Buffer) => {
    for (const line of buf.toString("utf8").split("\n")) {
      if (line === "") continue;
      output.push(line);
      if (/^zkr prover: worker /.test(line)) onReady(true);
    }
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      onReady(false);
      resolve({ code, signal });
    });
  });
  const idAt = args.indexOf("--id");
  return { child, id: idAt === -1 ? "" : (args[idAt + 1] ?? ""), output, ready, exited };
}

export function spawnWorker(url: string, id: string, extra: readonly string[] = []): WorkerProcess {
  return spawnCli(["--queue", url, "--id", id, ...extra], "src/prover-pool/main.ts");
}

export async function killAll(procs: readonly WorkerProcess[]): Promise<void> {
  for (const p of procs) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill("SIGKILL");
      await p.exited;
    }
  }
}
