/**
 * Solidity compilation with solc-js (the npm package `solc`, which ships its compiler: nothing is
 * downloaded). Output is cached in build/evm/ by a hash of the sources, the compiler version and the
 * settings, and written atomically.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Abi, Hex } from "viem";
import { writeFileAtomic } from "../artifacts/files.ts";
import { BUILD_DIR, REPO_ROOT } from "../paths.ts";
import { EvmError } from "./errors.ts";

export const CONTRACTS_DIR = join(REPO_ROOT, "contracts");
export const EVM_BUILD_DIR = join(BUILD_DIR, "evm");

/** The target EVM: Cancun opcodes (PUSH0, MCOPY); runs on any later hardfork. */
export const EVM_VERSION = "cancun";

export const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: EVM_VERSION,
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
} as const;

export interface CompiledContract {
  readonly abi: Abi;
  /** Creation bytecode (constructor arguments are appended by the deployer). */
  readonly bytecode: Hex;
  readonly deployedBytes: number;
}

export interface CompileOutput {
  readonly key: string;
  readonly solcVersion: string;
  readonly settings: typeof SOLC_SETTINGS;
  /** By contract name (names are unique across the sources). */
  readonly contracts: Readonly<Record<string, CompiledContract>>;
  readonly compileSeconds: number;
  readonly cached: boolean;
}

interface SolcLike {
  version(): string;
  compile(input: string): string;
}

let solcInstance: SolcLike | undefined;

function solc(): SolcLike {
  // solc-js is CommonJS and loads its 9 MB compiler on require: only when a compile is needed.
  solcInstance ??= createRequire(import.meta.url)("solc") as SolcLike;
  return solcInstance;
}

/** The solc-js package version (what the cache key uses, without loading the compiler). */
export function solcPackageVersion(): string {
  const require = createRequire(import.meta.url);
  return (JSON.parse(readFileSync(require.resolve("solc/package.json"), "utf8")) as { version: string }).version;
}

/** Every contracts/*.sol file by its name ("ZkRollup.sol"). */
export function repoSources(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(CONTRACTS_DIR).sort()) if (f.endsWith(".sol")) out[f] = readFileSync(join(CONTRACTS_DIR, f), "utf8");
  return out;
}

export function compileKey(sources: Readonly<Record<string, string>>): string {
  const h = createHash("sha256");
  for (const name of Object.keys(sources).sort()) h.update(name).update("\0").update(sources[name] ?? "").update("\0");
  h.update(`solc-js@${solcPackageVersion()}`).update("\0").update(JSON.stringify(SOLC_SETTINGS));
  return h.digest("hex");
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>>;
}

/** Compiles the given sources (name → text) as one unit, or returns the cached output. */
export function compileSources(sources: Readonly<Record<string, string>>, opts: { log?: (m: string) => void } = {}): CompileOutput {
  const key = compileKey(sources);
  const file = join(EVM_BUILD_DIR, `solc-${key.slice(0, 16)}.json`);
  if (existsSync(file)) {
    const cached = JSON.parse(readFileSync(file, "utf8")) as Omit<CompileOutput, "cached">;
    if (cached.key === key) return { ...cached, cached: true };
  }
  const t0 = performance.now();
  const compiler = solc();
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(Object.entries(sources).map(([name, content]) => [name, { content }])),
    settings: SOLC_SETTINGS,
  };
  const output = JSON.parse(compiler.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) {
    throw new EvmError("COMPILE_FAILED", `solc ${compiler.version()}:\n${errors.map((e) => e.formattedMessage).join("\n")}`);
  }
  const contracts: Record<string, CompiledContract> = {};
  for (const byName of Object.values(output.contracts ?? {})) {
    for (const [name, c] of Object.entries(byName)) {
      if (c.evm.bytecode.object === "") continue; // interfaces
      contracts[name] = {
        abi: c.abi,
        bytecode: `0x${c.evm.bytecode.object}`,
        deployedBytes: c.evm.deployedBytecode.object.length / 2,
      };
    }
  }
  const result = {
    key,
    solcVersion: compiler.version(),
    settings: SOLC_SETTINGS,
    contracts,
    compileSeconds: (performance.now() - t0) / 1000,
  };
  writeFileAtomic(file, JSON.stringify(result));
  opts.log?.(`solc ${result.solcVersion}: compiled ${Object.keys(contracts).join(", ")} in ${result.compileSeconds.toFixed(1)} s`);
  return { ...result, cached: false };
}

export function requireContract(output: CompileOutput, name: string): CompiledContract {
  const c = output.contracts[name];
  if (c === undefined) throw new EvmError("COMPILE_FAILED", `no contract ${name} in the compiled sources`);
  return c;
}
