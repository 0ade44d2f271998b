import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { JsonObject } from "snarkjs";
import type { Protocol } from "../artifacts/setup.ts";
import { SNARKJS_CLI } from "../artifacts/snarkjs-cli.ts";

const RSS_PROBE = fileURLToPath(new URL("./rss-probe.cjs", import.meta.url));

export interface ColdProof {
  /** Process start to exit: node start-up, snarkjs import, curve set-up, wasm witness, zkey read, proof, files written. */
  readonly wallSeconds: number;
  readonly peakRssBytes: number | null;
  /** CPU time of the whole process (all threads), seconds. */
  readonly cpuSeconds: number | null;
  readonly proof: JsonObject;
  readonly publicSignals: string[];
  /** Size of proof.json as the CLI wrote it. */
  readonly proofJsonBytes: number;
}

/**
 * The baseline: one cold process of the stock snarkjs CLI, `snarkjs <protocol> fullprove input.json
 * circuit.wasm circuit.zkey proof.json public.json`, exactly as a user would run it.
 */
export async function coldCliFullProve(opts: {
  readonly protocol: Protocol;
  readonly inputJson: string;
  readonly wasm: string;
  readonly zkey: string;
  readonly workDir: string;
}): Promise<ColdProof> {
  const proofPath = join(opts.workDir, "proof.json");
  const publicPath = join(opts.workDir, "public.json");
  const rssPath = join(opts.workDir, "rss.txt");
  for (const f of [proofPath, publicPath, rssPath]) rmSync(f, { force: true });
  const args = ["--require", RSS_PROBE, SNARKJS_CLI, opts.protocol, "fullprove", opts.inputJson, opts.wasm, opts.zkey, proofPath, publicPath];
  const started = performance.now();
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ZKR_RSS_OUT: rssPath } });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (c) => resolve({ code: c, output }));
  });
  const wallSeconds = (performance.now() - started) / 1000;
  if (code !== 0 || !existsSync(proofPath) || !existsSync(publicPath)) {
    const line = output.replace(/\x1b\[[0-9;]*m/g, "").split("\n").find((l) => l.trim() !== "") ?? `exit code ${code}`;
    throw new Error(`snarkjs ${opts.protocol} fullprove failed: ${line.trim()}`);
  }
  const probe = existsSync(rssPath) ? (JSON.parse(readFileSync(rssPath, "utf8")) as { peakRssBytes?: number; cpuSeconds?: number }) : {};
  return {
    wallSeconds,
    peakRssBytes: probe.peakRssBytes ?? null,
    cpuSeconds: probe.cpuSeconds ?? null,
    proof: JSON.parse(readFileSync(proofPath, "utf8")) as JsonObject,
    publicSignals: JSON.parse(readFileSync(publicPath, "utf8")) as string[],
    proofJsonBytes: statSync(proofPath).size,
  };
}
