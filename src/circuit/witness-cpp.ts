// circom's C++ witness generator (circom --c, then make): several times faster than the wasm calculator
// on large circuits, but built per circuit with g++ (minutes for a large one). Built on demand by
// `zkr setup --cpp-witness` and `zkr bench --witness cpp|auto`, cached beside the compiled circuit; the
// prover uses it wherever it is built (else the wasm calculator).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { mainSource, type CompiledCircuit } from "../artifacts/compile.ts";
import { writeFileAtomic } from "../artifacts/files.ts";
import type { CircuitInstance } from "./instances.ts";
import { BUILD_DIR, CIRCUITS_DIR, REPO_ROOT } from "../paths.ts";
import type { BatchInputs } from "../state/batch.ts";

const CIRCOM_CLI = createRequire(import.meta.url).resolve("circom2/cli.js");

/** What circom's C++ witness generator needs here, and what is missing (with the Debian packages to install). */
export function cppToolchain(): { ok: boolean; missing: string[]; install: string[] } {
  const missing: string[] = [];
  const install: string[] = [];
  const onPath = (tool: string) => {
    try {
      execFileSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  };
  const header = (paths: string[]) => paths.some((p) => existsSync(p));
  if (!onPath("g++")) (missing.push("g++"), install.push("g++"));
  if (!onPath("make")) (missing.push("make"), install.push("make"));
  // circom's generated field arithmetic (fr.asm) is assembled with nasm.
  if (!onPath("nasm")) (missing.push("nasm"), install.push("nasm"));
  if (!header(["/usr/include/gmp.h", "/usr/include/x86_64-linux-gnu/gmp.h", "/usr/include/aarch64-linux-gnu/gmp.h"])) (missing.push("gmp.h"), install.push("libgmp-dev"));
  if (!header(["/usr/include/nlohmann/json.hpp"])) (missing.push("nlohmann/json.hpp"), install.push("nlohmann-json3-dev"));
  return { ok: missing.length === 0, missing, install };
}

/** The generator built in a compiled circuit's folder for that circuit (its built.json and binary), or undefined. */
function builtIn(circuitDir: string, circuitKey: string): { binary: string; buildSeconds: number } | undefined {
  const dir = join(circuitDir, "cpp");
  try {
    const m = JSON.parse(readFileSync(join(dir, "built.json"), "utf8")) as { binary?: unknown; circuitKey?: unknown; buildSeconds?: unknown };
    if (typeof m.binary !== "string" || m.circuitKey !== circuitKey) return undefined;
    const binary = join(dir, m.binary);
    return existsSync(binary) ? { binary, buildSeconds: typeof m.buildSeconds === "number" ? m.buildSeconds : 0 } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the C++ generator for this compiled circuit is already built (cached). */
export function cppWitnessBuilt(circuit: CompiledCircuit): boolean {
  return builtIn(circuit.dir, circuit.key) !== undefined;
}

/**
 * The built generator of the circuit an instance's keys were made for (by its compile key, as in
 * setup.json), or undefined when it is not built.
 */
export function builtCppWitness(instance: string, circuitKey: string): string | undefined {
  return builtIn(join(BUILD_DIR, instance, `circuit-${circuitKey.slice(0, 12)}`), circuitKey)?.binary;
}

/**
 * { cpp: binary } for the circuit a key manifest was made for when its C++ generator is built, else {}
 * (the wasm calculator); logs one line saying which and why.
 */
export function cppWitnessOption(manifest: { readonly instance: string; readonly circuitKey: string }, log: (m: string) => void): { cpp?: string } {
  const cpp = builtCppWitness(manifest.instance, manifest.circuitKey);
  log(witnessNote(manifest.instance, cpp));
  return cpp === undefined ? {} : { cpp };
}

/** One line saying which witness generator a prover of this instance uses, and why. */
export function witnessNote(instance: string, cpp: string | undefined): string {
  if (cpp !== undefined) return `witness: circom's C++ generator (${cpp})`;
  const tc = cppToolchain();
  if (!tc.ok) return `witness: the wasm calculator (the C++ generator needs ${tc.missing.join(", ")}: apt-get install ${tc.install.join(" ")})`;
  return `witness: the wasm calculator (no C++ generator built for this circuit; \`zkr setup ${instance} --cpp-witness\` builds one, minutes of g++ for a large circuit)`;
}

/** Circuit inputs as JSON for the C++ generator (bigints as decimal strings). */
export function inputsJson(inputs: BatchInputs): string {
  return JSON.stringify(inputs, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/** A witness (.wtns bytes) from a built C++ generator; its input and output files live in a temp folder removed after. */
export async function cppWitnessBin(binary: string, inputs: BatchInputs): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), "zkr-wtns-"));
  try {
    const input = join(dir, "input.json");
    const output = join(dir, "witness.wtns");
    writeFileSync(input, inputsJson(inputs));
    await run(binary, [input, output], undefined);
    return new Uint8Array(readFileSync(output));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface CppWitnessGenerator {
  readonly binary: string;
  readonly buildSeconds: number;
  readonly cached: boolean;
}

/**
 * circom --c --O2 for the instance (same sources and flags as the wasm build), then `make` in its
 * main_cpp folder. Cached beside the compiled circuit (keyed by the same content hash); built in a temp
 * folder and renamed, so an interrupted build never looks finished.
 */
export async function buildCppWitness(instance: CircuitInstance, circuit: CompiledCircuit, log: (m: string) => void): Promise<CppWitnessGenerator> {
  const dir = join(circuit.dir, "cpp");
  const built = builtIn(circuit.dir, circuit.key);
  if (built !== undefined) return { ...built, cached: true };
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const started = performance.now();
  let relBinary: string;
  try {
    writeFileSync(join(tmp, "main.circom"), mainSource(instance));
    log(`${instance.name}: circom --c --O2 (C++ witness generator) ...`);
    await run(process.execPath, [CIRCOM_CLI, join(tmp, "main.circom"), "--c", "--O2", "-o", tmp, "-l", CIRCUITS_DIR, "-l", resolve(REPO_ROOT, "node_modules")], REPO_ROOT);
    // circom names the folder <program>_cpp (circom2 from npm: main_c_cpp) and the binary <program>.
    const folder = readdirSync(tmp).find((f) => f.endsWith("_cpp"));
    if (folder === undefined) throw new Error("circom --c wrote no *_cpp folder");
    log(`${instance.name}: make (g++ -O3) ...`);
    await run("make", ["-C", join(tmp, folder), "-j2"], tmp);
    relBinary = join(folder, folder.slice(0, -"_cpp".length));
    if (!existsSync(join(tmp, relBinary))) throw new Error(`make did not produce ${relBinary}`);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true }); // a failed build leaves nothing behind
    throw err;
  }
  const buildSeconds = (performance.now() - started) / 1000;
  writeFileAtomic(join(tmp, "built.json"), JSON.stringify({ instance: instance.name, circuitKey: circuit.key, binary: relBinary, buildSeconds }, null, 2));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  log(`${instance.name}: C++ witness generator built in ${buildSeconds.toFixed(1)} s`);
  return { binary: join(dir, relBinary), buildSeconds, cached: false };
}

/** One cold run of the C++ generator: input.json in, a .wtns file out (what the prover reads). */
export async function cppWitness(gen: CppWitnessGenerator, inputJson: string, wtnsPath: string): Promise<{ wtns: Uint8Array; seconds: number }> {
  rmSync(wtnsPath, { force: true });
  const started = performance.now();
  await run(gen.binary, [inputJson, wtnsPath], undefined);
  const seconds = (performance.now() - started) / 1000;
  return { wtns: new Uint8Array(readFileSync(wtnsPath)), seconds };
}

function run(cmd: string, args: string[], cwd: string | undefined): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...(cwd === undefined ? {} : { cwd }) });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", (err) => reject(new Error(`could not start ${cmd}: ${err.message}`)));
    child.on("close", (code) => {
      if (code === 0) resolvePromise();
      else {
        const clean = output.replace(/\x1b\[[0-9;]*m/g, "");
        const line = clean.split("\n").find((l) => /error/i.test(l)) ?? clean.trim().split("\n").pop() ?? "";
        reject(new Error(`${cmd.split("/").pop() ?? cmd} failed (exit ${code}): ${line.trim()}`));
      }
    });
  });
}
