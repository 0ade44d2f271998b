// A rapidsnark binary the user has (iden3's C++/asm Groth16 prover), timed on the same zkey and witness
// file as our engine. The project never builds, downloads or ships rapidsnark: it runs the binary that
// --rapidsnark PATH or ZKR_RAPIDSNARK names, as `prover circuit.zkey witness.wtns proof.json public.json`.
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { JsonObject } from "snarkjs";

/** The environment variable naming the binary when --rapidsnark is not given. */
export const RAPIDSNARK_ENV = "ZKR_RAPIDSNARK";

/** GNU time: CPU seconds and peak RSS of the child (optional: without it those two are not measured). */
const GNU_TIME = "/usr/bin/time";

/** The binary to run, or why there is none (the bench then skips the rapidsnark engine with that reason). */
export function findRapidsnark(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): { readonly path: string } | { readonly missing: string } {
  const given = flag ?? env[RAPIDSNARK_ENV];
  if (given === undefined || given === "") {
    return { missing: `no rapidsnark binary given (--rapidsnark PATH or ${RAPIDSNARK_ENV}=PATH; build it from iden3/rapidsnark outside this repository)` };
  }
  const path = resolve(given);
  try {
    if (!statSync(path).isFile()) return { missing: `rapidsnark binary ${path} is not a regular file` };
    accessSync(path, constants.X_OK);
  } catch {
    return { missing: `rapidsnark binary ${path} does not exist or is not executable` };
  }
  return { path };
}

export interface RapidsnarkRun {
  /** Process start to exit: reading and parsing the zkey and the witness file, the proof, writing its files. */
  readonly wallSeconds: number;
  /** User + system CPU of the process (all threads), from GNU time; null without /usr/bin/time. */
  readonly cpuSeconds: number | null;
  readonly peakRssBytes: number | null;
  readonly proof: JsonObject;
  readonly publicSignals: string[];
  readonly proofJsonBytes: number;
}

/** One cold run of the binary on a zkey and a .wtns file; throws with its first output line if it fails. */
export async function runRapidsnark(opts: { readonly binary: string; readonly zkey: string; readonly wtns: string; readonly workDir: string }): Promise<RapidsnarkRun> {
  const proofPath = join(opts.workDir, "rapidsnark-proof.json");
  const publicPath = join(opts.workDir, "rapidsnark-public.json");
  const timePath = join(opts.workDir, "rapidsnark-time.txt");
  for (const f of [proofPath, publicPath, timePath]) rmSync(f, { force: true });
  const args = [opts.zkey, opts.wtns, proofPath, publicPath];
  const timed = existsSync(GNU_TIME);
  const [command, argv] = timed ? [GNU_TIME, ["-f", "%U %S %M", "-o", timePath, opts.binary, ...args]] : [opts.binary, args];
  const started = performance.now();
  const { code, output } = await new Promise<{ code: number | null; output: string }>((done, reject) => {
    const child = spawn(command, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (c) => done({ code: c, output }));
  });
  const wallSeconds = (performance.now() - started) / 1000;
  if (code !== 0 || !existsSync(proofPath) || !existsSync(publicPath)) {
    const line = output.split("\n").find((l) => l.trim() !== "") ?? `exit code ${code}`;
    throw new Error(`rapidsnark failed: ${line.trim()}`);
  }
  let cpuSeconds: number | null = null;
  let peakRssBytes: number | null = null;
  if (timed && existsSync(timePath)) {
    // The last line: "user system maxRSS(KiB)" (earlier lines may hold a "Command exited ..." note).
    const last = readFileSync(timePath, "utf8").trim().split("\n").pop() ?? "";
    const [user, system, rss] = last.split(" ").map(Number);
    if (user !== undefined && system !== undefined && Number.isFinite(user) && Number.isFinite(system)) cpuSeconds = user + system;
    if (rss !== undefined && Number.isFinite(rss)) peakRssBytes = rss * 1024;
  }
  return {
    wallSeconds,
    cpuSeconds,
    peakRssBytes,
    proof: JSON.parse(readFileSync(proofPath, "utf8")) as JsonObject,
    publicSignals: JSON.parse(readFileSync(publicPath, "utf8")) as string[],
    proofJsonBytes: statSync(proofPath).size,
  };
}
