import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve, sep } from "node:path";
import type { ExitClaimCircuit } from "../circuit/exit-claim.ts";
import type { CircuitInstance } from "../circuit/instances.ts";
import { BUILD_DIR, CIRCUITS_DIR, REPO_ROOT } from "../paths.ts";
import { COMMITMENT_CODE } from "../tx/layout.ts";
import { guardedChild } from "./child-process.ts";
import { ArtifactError } from "./errors.ts";
import { cleanStaleTemps, contentHash, replaceTreeFiles, tempPathFor, writeFileAtomic } from "./files.ts";

const require = createRequire(import.meta.url);
const CIRCOM_CLI = require.resolve("circom2/cli.js");
const CIRCOM_VERSION = (require("circom2/package.json") as { version: string }).version;
const CIRCOMLIB_VERSION = (require("circomlib/package.json") as { version: string }).version;
const NODE_MODULES = resolve(REPO_ROOT, "node_modules");
const FLAGS = ["--r1cs", "--wasm", "--sym", "--O2"];

export interface CompiledCircuit {
  readonly dir: string;
  readonly key: string;
  readonly r1cs: string;
  readonly wasm: string;
  readonly sym: string;
  readonly constraints: number;
  readonly wires: number;
  readonly compileSeconds: number;
  readonly cached: boolean;
}

interface CompileManifest {
  key: string;
  instance: string;
  constraints: number;
  wires: number;
  compileSeconds: number;
  compiler: string;
  circomlib: string;
  flags: string[];
}

export type Log = (message: string) => void;

/** What this pipeline compiles and keys: a batch instance, or the exit-claim circuit of a tree shape. */
export type Circuit = CircuitInstance | ExitClaimCircuit;

export function isExitClaimCircuit(c: Circuit): c is ExitClaimCircuit {
  return "kind" in c && c.kind === "exit-claim";
}

export function mainSource(instance: Circuit): string {
  const levels = `${instance.arities.length}, [${instance.arities.join(", ")}]`;
  const main = isExitClaimCircuit(instance)
    ? ['include "exit_claim.circom";', `component main {public [root, rollupId, index, recipient, balance]} = ExitClaim(${levels});`]
    : ['include "batch.circom";', `component main {public [inputHash]} = Batch(${instance.ops}, ${levels}, ${COMMITMENT_CODE[instance.layout.commitment]});`];
  return ["pragma circom 2.1.0;", ...main, ""].join("\n");
}

/** The cache key: the circuit sources it includes, instance parameters, compiler and circomlib versions, flags. */
export function compileKey(instance: Circuit): string {
  const main = mainSource(instance);
  return contentHash(CIRCUITS_DIR, includedSources(main), [
    main,
    `circom2@${CIRCOM_VERSION}`,
    `circomlib@${CIRCOMLIB_VERSION}`,
    ...FLAGS,
  ]);
}

export function circuitDir(instance: Circuit): string {
  return join(BUILD_DIR, instance.name, `circuit-${compileKey(instance).slice(0, 12)}`);
}

/** The compiled circuit if it is built and current, else undefined. */
export function compiledCircuit(instance: Circuit): CompiledCircuit | undefined {
  const dir = circuitDir(instance);
  const manifestPath = join(dir, "compile.json");
  if (!existsSync(manifestPath)) return undefined;
  const m = JSON.parse(readFileSync(manifestPath, "utf8")) as CompileManifest;
  if (m.key !== compileKey(instance)) return undefined;
  return { ...paths(dir), key: m.key, constraints: m.constraints, wires: m.wires, compileSeconds: m.compileSeconds, cached: true };
}

/** Compiles the instance with circom (WASM build, --O2) unless a current build is cached. */
export async function compileCircuit(
  instance: Circuit,
  opts: { force?: boolean; log?: Log } = {},
): Promise<CompiledCircuit> {
  const log = opts.log ?? (() => {});
  // Leftovers of interrupted compiles (their process is gone) go on every run; a concurrent one's stay.
  cleanStaleTemps(join(BUILD_DIR, instance.name));
  const cached = opts.force === true ? undefined : compiledCircuit(instance);
  if (cached !== undefined) {
    log(`${instance.name}: circuit cached (${cached.constraints} constraints)`);
    return cached;
  }
  const key = compileKey(instance);
  const dir = circuitDir(instance);
  const tmp = tempPathFor(dir);
  mkdirSync(tmp, { recursive: true });
  try {
    writeFileSync(join(tmp, "main.circom"), mainSource(instance));

    log(`${instance.name}: compiling with circom ${CIRCOM_VERSION} (WASM) --O2 ...`);
    const started = performance.now();
    const output = await runCircom([join(tmp, "main.circom"), ...FLAGS, "-o", tmp, "-l", CIRCUITS_DIR, "-l", NODE_MODULES], log);
    const compileSeconds = (performance.now() - started) / 1000;
    const constraints = matchNumber(output, /non-linear constraints: (\d+)/) + matchNumber(output, /(?<!non-)linear constraints: (\d+)/);
    const wires = matchNumber(output, /wires: (\d+)/);
    const manifest: CompileManifest = {
      key,
      instance: instance.name,
      constraints,
      wires,
      compileSeconds,
      compiler: `circom2@${CIRCOM_VERSION}`,
      circomlib: `circomlib@${CIRCOMLIB_VERSION}`,
      flags: FLAGS,
    };
    // circom's generated witness_calculator.js is CommonJS; this repo's package.json says "module".
    writeFileSync(join(tmp, "main_js", "package.json"), '{ "type": "commonjs" }\n');
    publishCompiled(tmp, dir, JSON.stringify(manifest, null, 2));
    log(`${instance.name}: compiled in ${compileSeconds.toFixed(1)} s: ${constraints} constraints, ${wires} wires`);
    return { ...paths(dir), key, constraints, wires, compileSeconds, cached: false };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Puts a finished build in its content-addressed folder. A new folder arrives whole (one rename, its
 * compile.json inside). An existing one (--force, or a concurrent compile of the same key) is never
 * removed: a running prover or setup may be reading its files. Each file is replaced by a rename
 * instead (same key: same content), compile.json last, so no path in it is ever missing.
 */
function publishCompiled(tmp: string, dir: string, manifest: string): void {
  if (!existsSync(dir)) {
    writeFileAtomic(join(tmp, "compile.json"), manifest);
    try {
      renameSync(tmp, dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw err;
      rmSync(join(tmp, "compile.json"), { force: true }); // another process published first: replace file by file
    }
  }
  replaceTreeFiles(tmp, dir);
  writeFileAtomic(join(dir, "compile.json"), manifest);
}

/**
 * Compiles a circuit snippet (a `component main` and what it needs) into a temp folder and
 * returns its constraint count: how the per-part breakdown and the pinned counts are measured.
 */
export async function countConstraints(source: string): Promise<number> {
  const key = contentHash(CIRCUITS_DIR, includedSources(source), [source, `circom2@${CIRCOM_VERSION}`, `circomlib@${CIRCOMLIB_VERSION}`]);
  const dir = join(BUILD_DIR, "parts", key.slice(0, 16));
  const cached = join(dir, "constraints.txt");
  if (existsSync(cached)) return Number(readFileSync(cached, "utf8"));
  cleanStaleTemps(dirname(dir));
  // circom writes into its own temp folder: two runs of the same snippet never share files.
  const tmp = tempPathFor(dir);
  mkdirSync(tmp, { recursive: true });
  try {
    writeFileSync(join(tmp, "main.circom"), `pragma circom 2.1.0;\n${source}\n`);
    const output = await runCircom([join(tmp, "main.circom"), "--r1cs", "--O2", "-o", tmp, "-l", CIRCUITS_DIR, "-l", NODE_MODULES], () => {});
    const n = matchNumber(output, /non-linear constraints: (\d+)/) + matchNumber(output, /(?<!non-)linear constraints: (\d+)/);
    writeFileAtomic(cached, String(n));
    return n;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The files of circuits/ that `source` reaches through its includes, as circom resolves them (beside the
 * including file, then circuits/): a change to a circuit another kind uses does not invalidate this one.
 * circomlib's files are covered by its version in the key.
 */
export function includedSources(source: string): string[] {
  const found = new Set<string>();
  const visit = (text: string, dir: string): void => {
    for (const m of text.matchAll(/^\s*include\s+"([^"]+)"\s*;/gm)) {
      const name = m[1] ?? "";
      const file = [resolve(dir, name), resolve(CIRCUITS_DIR, name)].find((f) => f.startsWith(CIRCUITS_DIR + sep) && existsSync(f));
      if (file === undefined || found.has(file)) continue;
      found.add(file);
      visit(readFileSync(file, "utf8"), dirname(file));
    }
  };
  visit(source, CIRCUITS_DIR);
  return [...found];
}

function paths(dir: string) {
  return {
    dir,
    r1cs: join(dir, "main.r1cs"),
    wasm: join(dir, "main_js", "main.wasm"),
    sym: join(dir, "main.sym"),
  };
}

function runCircom(args: string[], log: Log): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    // circom2 is a node program (WASM): guarded so that it ends with this process, even on kill -9.
    const guard = guardedChild();
    const child = spawn(process.execPath, [...guard.execArgv, CIRCOM_CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], env: guard.env });
    let output = "";
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      for (const line of text.split("\n")) {
        // circom prints colour codes; keep the progress lines readable.
        const clean = line.replace(/\x1b\[[0-9;]*m/g, "").trim();
        if (/^(template instances|non-linear constraints|wires)/.test(clean)) log(`  circom: ${clean}`);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (err) => reject(new ArtifactError("COMPILE_FAILED", `could not start circom: ${err.message}`, { cause: err })));
    child.on("close", (code) => {
      const clean = output.replace(/\x1b\[[0-9;]*m/g, "");
      if (code === 0 && clean.includes("Everything went okay")) resolvePromise(clean);
      else {
        const firstError = clean.split("\n").find((l) => /error/i.test(l)) ?? `exit code ${code}`;
        reject(new ArtifactError("COMPILE_FAILED", `circom failed: ${firstError.trim()}`));
      }
    });
  });
}

function matchNumber(text: string, re: RegExp): number {
  const m = re.exec(text);
  if (m === null || m[1] === undefined) throw new ArtifactError("COMPILE_FAILED", `circom output lacks ${re.source}`);
  return Number(m[1]);
}
