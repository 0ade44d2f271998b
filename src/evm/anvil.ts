/**
 * anvil (Foundry's local Ethereum node, from the npm package @foundry-rs/anvil-linux-amd64) as a child
 * process: started on 127.0.0.1 with a port the OS picks, stopped by `stop()`, on process exit, and —
 * should this process be killed outright — by a watchdog that kills anvil when our end of its pipe closes.
 * It never needs the network.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { EvmError } from "./errors.ts";

export const ANVIL_PACKAGE = "@foundry-rs/anvil-linux-amd64";

/** The EVM rules anvil runs by default here: pinned so measured gas does not move with anvil's default. */
export const DEFAULT_HARDFORK = "prague";

export interface AnvilOptions {
  /** anvil's --hardfork (default "prague"). */
  readonly hardfork?: string;
  /** Ether in each of anvil's dev accounts (default 10,000). */
  readonly balanceEther?: number;
  /** Seconds to wait for anvil to listen (default 30). */
  readonly startTimeoutSeconds?: number;
  /** Genesis block timestamp (anvil's --timestamp); default: anvil's (the wall clock). */
  readonly genesisTimestamp?: number;
  /** Extra command-line arguments. */
  readonly args?: readonly string[];
}

export interface AnvilNode {
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly hardfork: string;
  readonly version: string;
  /** Whether anvil has exited (stopped or died). */
  readonly exited: boolean;
  /** Stops anvil (SIGTERM, then SIGKILL after 3 s) and its watchdog; safe to call twice. */
  stop(): Promise<void>;
}

/** The anvil binary: $ZKR_ANVIL_BIN, else the one inside the npm package. */
export function anvilBinary(): string {
  const fromEnv = process.env["ZKR_ANVIL_BIN"];
  if (fromEnv !== undefined && fromEnv !== "") {
    if (!existsSync(fromEnv)) throw new EvmError("ANVIL_NOT_INSTALLED", `ZKR_ANVIL_BIN=${fromEnv} does not exist`);
    return fromEnv;
  }
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new EvmError(
      "ANVIL_NOT_INSTALLED",
      `${ANVIL_PACKAGE} is for linux/x64, this is ${process.platform}/${process.arch}: set ZKR_ANVIL_BIN to an anvil binary`,
    );
  }
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve(`${ANVIL_PACKAGE}/package.json`);
  } catch (e) {
    throw new EvmError("ANVIL_NOT_INSTALLED", `${ANVIL_PACKAGE} is not installed (npm ci installs it as an optional dependency)`, { cause: e });
  }
  const bin = join(dirname(pkg), "bin", "anvil");
  if (!existsSync(bin)) throw new EvmError("ANVIL_NOT_INSTALLED", `${bin} is missing from ${ANVIL_PACKAGE}`);
  return bin;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** On process exit, kill every anvil still running (synchronously: nothing async runs in an exit hook). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
  // A signal would end the process without "exit" handlers running; kill anvil, then die of the signal.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = (): void => {
      for (const child of running) child.kill("SIGKILL");
      process.removeListener(signal, onSignal);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** Starts anvil on 127.0.0.1 with a free port; resolves once it answers JSON-RPC. */
export async function startAnvil(opts: AnvilOptions = {}): Promise<AnvilNode> {
  const bin = anvilBinary();
  const hardfork = opts.hardfork ?? DEFAULT_HARDFORK;
  const args = [
    "--host", "127.0.0.1",
    "--port", "0",
    "--hardfork", hardfork,
    "--auto-impersonate",
    "--balance", String(opts.balanceEther ?? 10_000),
    "--accounts", "3",
    ...(opts.genesisTimestamp === undefined ? [] : ["--timestamp", String(opts.genesisTimestamp)]),
    ...(opts.args ?? []),
  ];
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  installExitHook();
  running.add(child);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      running.delete(child);
      resolve();
    });
  });
  // The watchdog: a shell blocked reading a pipe only this process writes to. If this process dies for
  // any reason, the pipe closes and the shell kills anvil.
  const watchdog =
    child.pid === undefined
      ? undefined
      : spawn("/bin/sh", ["-c", `read _ ; kill -9 ${child.pid} 2>/dev/null`], { stdio: ["pipe", "ignore", "ignore"], detached: true });
  // Neither keeps this process alive: the exit hook stops anvil when the process ends.
  child.unref();
  watchdog?.unref();
  (watchdog?.stdin as { unref?: () => void } | null | undefined)?.unref?.();
  watchdog?.on("error", () => undefined);

  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exitedPromise;
      clearTimeout(timer);
    }
    // anvil is gone: the watchdog may go too (killing it cannot hit a reused pid: it only kills on EOF).
    if (watchdog !== undefined && watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill("SIGKILL");
  };

  const output: string[] = [];
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timeout = setTimeout(
        () => reject(new EvmError("ANVIL_START_FAILED", `anvil did not listen within ${opts.startTimeoutSeconds ?? 30} s`)),
        (opts.startTimeoutSeconds ?? 30) * 1000,
      );
      const onData = (chunk: Buffer): void => {
        const text = chunk.toString();
        output.push(text);
        if (output.length > 200) output.shift();
        const m = /Listening on 127\.0\.0\.1:(\d+)/.exec(output.join(""));
        if (m?.[1] !== undefined) {
          clearTimeout(timeout);
          resolve(Number(m[1]));
        }
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("error", (err) => {
        clearTimeout(timeout);
        reject(new EvmError("ANVIL_START_FAILED", `could not run ${bin}: ${err.message}`, { cause: err }));
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timeout);
        reject(new EvmError("ANVIL_START_FAILED", `anvil exited (${signal ?? `code ${code}`}) before listening: ${tail(output)}`));
      });
    });
    const url = `http://127.0.0.1:${port}`;
    const version = await rpc<string>(url, "web3_clientVersion", []);
    // Keep draining anvil's output (a full pipe would block it), keeping only a short tail for errors.
    child.stdout?.removeAllListeners("data");
    child.stderr?.removeAllListeners("data");
    child.stdout?.resume();
    child.stderr?.resume();
    (child.stdout as { unref?: () => void } | null)?.unref?.();
    (child.stderr as { unref?: () => void } | null)?.unref?.();
    return {
      url,
      port,
      pid: child.pid ?? -1,
      hardfork,
      version,
      get exited() {
        return exited;
      },
      stop,
    };
  } catch (e) {
    await stop();
    if (e instanceof EvmError) throw e;
    throw new EvmError("ANVIL_START_FAILED", `anvil did not answer: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** Runs `fn` with a fresh anvil and always stops it. */
export async function withAnvil<T>(fn: (node: AnvilNode) => Promise<T>, opts: AnvilOptions = {}): Promise<T> {
  const node = await startAnvil(opts);
  try {
    return await fn(node);
  } finally {
    await node.stop();
  }
}

/** A bare JSON-RPC call (used before viem is set up). */
export async function rpc<T>(url: string, method: string, params: readonly unknown[]): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error !== undefined || body.result === undefined) {
    throw new EvmError("RPC_FAILED", `${method}: ${body.error?.message ?? "no result"}`);
  }
  return body.result;
}

function tail(output: readonly string[]): string {
  return output.join("").trim().split("\n").slice(-5).join(" | ") || "(no output)";
}
