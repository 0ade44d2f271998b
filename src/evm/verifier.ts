/**
 * The Groth16 verifier contract for a circuit's keys: exactly what `snarkjs zkey export solidityverifier`
 * writes (snarkjs.zKey.exportSolidityVerifier with the template shipped in the snarkjs package). Cached in
 * build/evm/verifiers/ by the hash of the verification key it embeds.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as snarkjs from "snarkjs";
import { writeFileAtomic, fileSha256 } from "../artifacts/files.ts";
import { EVM_BUILD_DIR, compileSources, type CompileOutput } from "./compile.ts";
import { EvmError } from "./errors.ts";

export const VERIFIER_CONTRACT = "Groth16Verifier";

export function groth16Template(): string {
  // snarkjs does not export its package.json; resolve its main entry and walk up to the package root.
  const require = createRequire(import.meta.url);
  let dir = dirname(require.resolve("snarkjs"));
  while (!existsSync(join(dir, "templates", "verifier_groth16.sol.ejs"))) {
    const up = dirname(dir);
    if (up === dir) throw new EvmError("BAD_CONFIG", "snarkjs's templates/verifier_groth16.sol.ejs was not found");
    dir = up;
  }
  return readFileSync(join(dir, "templates", "verifier_groth16.sol.ejs"), "utf8");
}

/** The verifier's Solidity source for these keys (generated once per verification key). */
export async function groth16VerifierSource(keys: { zkey: string; vkey: string }): Promise<string> {
  const file = join(EVM_BUILD_DIR, "verifiers", `${fileSha256(keys.vkey).slice(0, 16)}.sol`);
  if (existsSync(file)) return readFileSync(file, "utf8");
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } | null };
  const hadCurve = g.curve_bn128 != null;
  let source: string;
  try {
    source = await exportSolidityVerifier(keys.zkey, { groth16: groth16Template() });
  } finally {
    // Reading the zkey builds ffjavascript's bn128 curve (with workers); end it if we were the ones to build it.
    if (!hadCurve && g.curve_bn128 != null) await g.curve_bn128.terminate();
  }
  if (!source.includes(`contract ${VERIFIER_CONTRACT}`)) {
    throw new EvmError("BAD_CONFIG", "snarkjs did not produce a Groth16 verifier (is this a Groth16 zkey?)");
  }
  writeFileAtomic(file, source);
  return source;
}

/**
 * The verifier for these keys compiled on its own as contract `name` (snarkjs names every verifier
 * Groth16Verifier): it imports nothing, so new keys cost one small solc run, not a compile of every contract.
 */
export async function compileGroth16Verifier(keys: { zkey: string; vkey: string }, name: string, log?: (m: string) => void): Promise<CompileOutput> {
  const source = (await groth16VerifierSource(keys)).replace(`contract ${VERIFIER_CONTRACT}`, `contract ${name}`);
  return compileSources({ [`${name}.sol`]: source }, log === undefined ? {} : { log });
}

/** snarkjs.zKey.exportSolidityVerifier (src/types/vendor.d.ts does not declare it; checked at run time). */
async function exportSolidityVerifier(zkey: string, templates: { groth16: string }): Promise<string> {
  const zKey: Record<string, unknown> = snarkjs.zKey;
  const fn = zKey["exportSolidityVerifier"];
  if (typeof fn !== "function") throw new EvmError("BAD_CONFIG", "this snarkjs has no zKey.exportSolidityVerifier");
  const out: unknown = await fn(zkey, templates);
  if (typeof out !== "string") throw new EvmError("BAD_CONFIG", "snarkjs's exportSolidityVerifier returned no source");
  return out;
}
