import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import * as snarkjs from "snarkjs";
import { BUILD_DIR } from "../paths.ts";
import { compileCircuit, type Circuit, type CompiledCircuit, type Log } from "./compile.ts";
import { writeDevGroth16Zkey } from "./dev-groth16.ts";
import { writeDevPtau } from "./dev-ptau.ts";
import { ArtifactError } from "./errors.ts";
import { cleanStaleTemps, fileSha256, linkOrCopy, tempPathFor, writeFileAtomic } from "./files.ts";
import { checkKeysProve } from "./key-check.ts";
import { groth16Power, readPtau } from "./ptau.ts";
import { checkGroth16PtauPoints } from "./ptau-points.ts";

export type Protocol = "groth16" | "plonk" | "fflonk";
export const PROTOCOLS: readonly Protocol[] = ["groth16", "plonk", "fflonk"];

export const INSECURE_WARNING =
  "INSECURE development setup: the toxic waste was generated and known by this process. Never use these keys for value.";

/** What a key was made from, stored beside it as setup.json in its version folder. */
export interface SetupManifest {
  protocol: Protocol;
  instance: string;
  circuitKey: string;
  /** "development" (known toxic waste) or "ptau" (a user-supplied powers of tau). */
  ceremony: "development" | "ptau";
  insecure: boolean;
  warning?: string;
  ptau?: { file: string; sha256: string; power: number };
  phase2?: string;
  domainPower?: number;
  /** The version folder's name: circuit, source and the zkey's hash. */
  version?: string;
  zkeySha256?: string;
  /** The proof made and verified with these keys before they were kept. */
  check?: { proofVerified: true; seconds: number };
  seconds: number;
  createdAt: string;
}

/**
 * One version of an instance's keys: an immutable folder build/<instance>/keys/<version>/ holding the
 * proving key, the verification key, the witness calculator they go with and setup.json. A version is
 * never changed or deleted by setup (--force writes a new one), so a node that pinned it keeps proving.
 */
export interface KeyVersion {
  readonly version: string;
  readonly dir: string;
  readonly zkey: string;
  readonly vkey: string;
  /** circom's witness wasm (witness_calculator.js beside it) of the circuit the keys were made for. */
  readonly wasm: string;
  readonly manifest: SetupManifest;
}

export interface SetupArtifacts extends KeyVersion {
  readonly circuit: CompiledCircuit;
  readonly cached: boolean;
}

export interface SetupOptions {
  readonly protocol?: Protocol;
  /** A powers-of-tau file from a real ceremony; without it a development setup is made. */
  readonly ptau?: string;
  readonly force?: boolean;
  readonly log?: Log;
}

const ZKEY_FILE = "circuit.zkey";
const VKEY_FILE = "verification_key.json";
const MANIFEST_FILE = "setup.json";
const WASM_FILES = ["main.wasm", "witness_calculator.js", "package.json"] as const;
const VERSION_NAME = /^[0-9a-f]{12}-[a-z0-9]+-(dev|ptau-[0-9a-f]{12})-[0-9a-f]{16}$/;

/** Where an instance's key versions live (beside its circuit folders, not inside one). */
export function keysDir(instanceName: string): string {
  return join(BUILD_DIR, instanceName, "keys");
}

/** The source tag keeps development and ceremony keys (and ceremonies) apart. */
function keyTag(circuit: CompiledCircuit, protocol: Protocol, ptauSha?: string): string {
  return `${circuit.key.slice(0, 12)}-${protocol}-${ptauSha === undefined ? "dev" : `ptau-${ptauSha.slice(0, 12)}`}`;
}

/** The file naming the current version for a circuit, protocol and source: what a new node or setup uses. */
function currentPointer(circuit: CompiledCircuit, protocol: Protocol, ptauSha?: string): string {
  return join(dirname(circuit.dir), "keys", `${keyTag(circuit, protocol, ptauSha)}.current`);
}

/**
 * A key version by name, if its folder is complete; what a node loads for the version its data
 * directory pinned, whatever the current one is.
 */
export function keyVersion(instanceName: string, version: string): KeyVersion | undefined {
  if (!VERSION_NAME.test(version)) return undefined;
  const dir = join(keysDir(instanceName), version);
  const kv = {
    version,
    dir,
    zkey: join(dir, ZKEY_FILE),
    vkey: join(dir, VKEY_FILE),
    wasm: join(dir, "main_js", "main.wasm"),
  };
  const manifestPath = join(dir, MANIFEST_FILE);
  if (![kv.zkey, kv.vkey, kv.wasm, manifestPath].every((p) => existsSync(p))) return undefined;
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as SetupManifest;
  if (manifest.instance !== instanceName || manifest.version !== version) return undefined;
  return { ...kv, manifest };
}

/** The current keys for an instance if they exist (development ones unless `ptau` is given). */
export function existingSetup(circuit: CompiledCircuit, protocol: Protocol, ptau?: string): SetupArtifacts | undefined {
  return currentSetup(circuit, protocol, ptau === undefined ? undefined : readPtau(ptau).sha256);
}

function currentSetup(circuit: CompiledCircuit, protocol: Protocol, ptauSha?: string): SetupArtifacts | undefined {
  const pointer = currentPointer(circuit, protocol, ptauSha);
  if (!existsSync(pointer)) return undefined;
  const kv = keyVersion(basename(dirname(circuit.dir)), readFileSync(pointer, "utf8").trim());
  if (kv === undefined || kv.manifest.circuitKey !== circuit.key || kv.manifest.protocol !== protocol) return undefined;
  return { ...kv, circuit, cached: true };
}

/**
 * Compiles (cached) and makes proving and verification keys.
 * Groth16 without --ptau: keys written directly from known toxic waste (fast, insecure).
 * With --ptau: snarkjs's standard path (zkey new + one local phase-2 contribution for Groth16).
 * PLONK/FFLONK without --ptau: a development ptau of the needed power, then snarkjs's setup.
 *
 * A user's ptau has its points checked first (ptau-points.ts, Groth16), and every new key proves and
 * verifies a batch (key-check.ts) before it is kept: a ptau whose points are wrong gives BAD_PTAU and
 * leaves nothing behind. Keys are kept as a new immutable version folder, then
 * the current pointer moves to it; --force makes a new version and never touches the old ones, which a
 * running node may be proving with.
 */
export async function setupInstance(instance: Circuit, opts: SetupOptions = {}): Promise<SetupArtifacts> {
  const protocol = opts.protocol ?? "groth16";
  const log = opts.log ?? (() => {});
  // The ptau is user input: refused (not a regular file, malformed) before any work.
  const ptauInfo = opts.ptau === undefined ? undefined : readPtau(opts.ptau);
  const circuit = await compileCircuit(instance, { log, ...(opts.force === true ? { force: true } : {}) });
  const dir = join(dirname(circuit.dir), "keys");
  mkdirSync(dir, { recursive: true });
  // Leftovers of interrupted setups whose process is gone (here, and zkey temps of the older layout).
  for (const removed of [...cleanStaleTemps(dir), ...cleanStaleTemps(circuit.dir)]) log(`removed the leftover of an interrupted setup: ${basename(removed)}`);
  const previous = currentSetup(circuit, protocol, ptauInfo?.sha256);
  if (opts.force !== true && previous !== undefined) {
    log(`${instance.name}: ${protocol} keys cached (${previous.manifest.ceremony}${previous.manifest.insecure ? ", INSECURE" : ""})`);
    return previous;
  }
  const started = performance.now();
  const logger = snarkLogger(log);
  const tag = keyTag(circuit, protocol, ptauInfo?.sha256);
  // Everything is made in a temp folder of its own (no name shared with a concurrent setup) and
  // renamed into place only once the keys have proven a batch.
  const tmp = tempPathFor(join(dir, tag));
  mkdirSync(tmp);
  const tmpZkey = join(tmp, ZKEY_FILE);
  const base = { protocol, instance: instance.name, circuitKey: circuit.key, createdAt: new Date().toISOString() };
  let manifest: SetupManifest;
  let version: string;

  try {
    if (opts.ptau !== undefined && ptauInfo !== undefined) {
      if (!ptauInfo.prepared) {
        throw new ArtifactError("BAD_PTAU", `${opts.ptau} is not prepared for phase 2 (run: snarkjs powersoftau prepare phase2)`);
      }
      const need = groth16Power(circuit.constraints, 1);
      if (protocol === "groth16" && ptauInfo.power < need) {
        throw new ArtifactError("PTAU_TOO_SMALL", `${basename(opts.ptau)} has power ${ptauInfo.power}; ${instance.name} needs at least ${need}`);
      }
      if (protocol === "groth16") {
        // Its points before snarkjs trusts them: one wrong Lagrange point makes keys that never prove.
        log(`${instance.name}: checking the points of ${basename(opts.ptau)} for a 2^${need} domain ...`);
        await checkGroth16PtauPoints(opts.ptau, need, log);
      }
      log(`${instance.name}: ${protocol} setup from ${basename(opts.ptau)} (power ${ptauInfo.power}) with snarkjs ...`);
      await snarkSetup(protocol, circuit.r1cs, opts.ptau, tmpZkey, logger, instance.name, true);
      manifest = {
        ...base,
        ceremony: "ptau",
        insecure: false,
        ptau: { file: basename(opts.ptau), sha256: ptauInfo.sha256, power: ptauInfo.power },
        ...(protocol === "groth16" ? { phase2: "one local contribution by this tool (not a multi-party phase 2)" } : {}),
        seconds: 0,
      };
    } else if (protocol === "groth16") {
      log(`${instance.name}: groth16 development setup (known toxic waste) ...`);
      const result = await writeDevGroth16Zkey({ r1csPath: circuit.r1cs, zkeyPath: tmpZkey, log: (m) => log(`  ${m}`) });
      manifest = { ...base, ceremony: "development", insecure: true, warning: INSECURE_WARNING, domainPower: Math.log2(result.domainSize), seconds: 0 };
    } else {
      await universalDevSetup(protocol, instance.name, circuit, tmpZkey, log);
      manifest = { ...base, ceremony: "development", insecure: true, warning: INSECURE_WARNING, seconds: 0 };
    }
    const vkey = await snarkjs.zKey.exportVerificationKey(tmpZkey);
    writeFileAtomic(join(tmp, VKEY_FILE), JSON.stringify(vkey, null, 1));
    // The witness calculator travels with the keys: a version folder is all a prover needs.
    for (const f of WASM_FILES) linkOrCopy(join(dirname(circuit.wasm), f), join(tmp, "main_js", f));

    log(`${instance.name}: proving and verifying a check case with the new keys ...`);
    const check = await checkKeysProve({ instance, protocol, zkey: tmpZkey, wasm: join(tmp, "main_js", "main.wasm"), vkey });
    if (!check.ok) {
      const why = check.error instanceof Error ? `: ${check.error.message.split("\n")[0]}` : "";
      if (check.stage === "witness") {
        throw new ArtifactError("SETUP_FAILED", `${instance.name}: the check case of the reference model does not satisfy the circuit${why}`, { cause: check.error });
      }
      const what = check.stage === "prove" ? "cannot make a proof" : "make proofs that do not verify";
      if (opts.ptau !== undefined) {
        throw new ArtifactError("BAD_PTAU", `keys made from ${basename(opts.ptau)} ${what}: the ptau's points are corrupt${why}`, { cause: check.error });
      }
      throw new ArtifactError("SETUP_FAILED", `${instance.name}: new ${protocol} development keys ${what}${why}`, { cause: check.error });
    }
    const zkeySha256 = fileSha256(tmpZkey);
    version = `${tag}-${zkeySha256.slice(0, 16)}`;
    manifest = { ...manifest, version, zkeySha256, check: { proofVerified: true, seconds: Number(check.seconds.toFixed(2)) } };
    manifest.seconds = (performance.now() - started) / 1000;
    writeFileAtomic(join(tmp, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
    publishVersion(tmp, join(dir, version));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  // Only now does anything new use these keys; the previous version stays where it is.
  writeFileAtomic(currentPointer(circuit, protocol, ptauInfo?.sha256), `${version}\n`);
  const kept = keyVersion(instance.name, version);
  if (kept === undefined) throw new ArtifactError("SETUP_FAILED", `${instance.name}: key version ${version} vanished after it was written`);
  log(`${instance.name}: ${protocol} keys ready in ${manifest.seconds.toFixed(1)} s (version ${version})${manifest.insecure ? `  [${INSECURE_WARNING}]` : ""}`);
  if (previous !== undefined && previous.version !== version) {
    log(`${instance.name}: the previous keys stay in ${previous.dir} (data directories that pinned them keep using them)`);
  }
  return { ...kept, circuit, cached: false };
}

/** Renames a finished version folder into place; the same version already there (same zkey) is kept. */
function publishVersion(tmp: string, final: string): void {
  if (existsSync(final)) return;
  try {
    renameSync(tmp, final);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === "ENOTEMPTY" || code === "EEXIST") && existsSync(final)) return;
    throw err;
  }
}

/**
 * PLONK/FFLONK from a development ptau. Their gate count is several times the R1CS count at --O2
 * (additions become gates), so start a few powers up and, if snarkjs reports the real count, retry once.
 * FFLONK also needs a ptau of about 9x its domain.
 */
async function universalDevSetup(protocol: "plonk" | "fflonk", name: string, circuit: CompiledCircuit, zkeyOut: string, log: Log): Promise<void> {
  let power = Math.min(MAX_DEV_PTAU_POWER, groth16Power(circuit.constraints, 1) + (protocol === "plonk" ? 4 : 7));
  for (let attempt = 0; ; attempt++) {
    const ptauPath = join(BUILD_DIR, "ptau", `dev-${power}.ptau`);
    if (!existsSync(ptauPath)) {
      mkdirSync(dirname(ptauPath), { recursive: true });
      cleanStaleTemps(dirname(ptauPath));
      log(`development powers of tau 2^${power} (known toxic waste) ...`);
      await writeDevPtau({ power, ptauPath, log: (m) => log(`  ${m}`) });
    }
    log(`${name}: ${protocol} setup with snarkjs from the development ptau 2^${power} ...`);
    const errors: string[] = [];
    try {
      await snarkSetup(protocol, circuit.r1cs, ptauPath, zkeyOut, snarkLogger(log, errors), name);
      return;
    } catch (err) {
      const gates = /(\d+) > 2\*\*\d+/.exec(errors.join("\n"));
      const need = gates?.[1] === undefined ? undefined : Math.ceil(Math.log2(Number(gates[1])));
      if (attempt > 0 || need === undefined || need <= power || need > MAX_DEV_PTAU_POWER) throw err;
      power = need;
    }
  }
}

/** Above this a development ptau takes too long and too much disk here to make on demand. */
const MAX_DEV_PTAU_POWER = 22;

async function snarkSetup(
  protocol: Protocol,
  r1cs: string,
  ptau: string,
  zkeyOut: string,
  logger: snarkjs.Logger,
  name: string,
  userPtau = false,
): Promise<void> {
  try {
    if (protocol === "groth16") {
      const initial = `${zkeyOut}.0`;
      try {
        await expectOk(snarkjs.zKey.newZKey(r1cs, ptau, initial, logger), "zkey new");
        await snarkjs.zKey.contribute(initial, zkeyOut, "zk-rollup-lab local phase 2", randomBytes(32).toString("hex"), logger);
      } finally {
        rmSync(initial, { force: true });
      }
    } else if (protocol === "plonk") {
      await expectOk(snarkjs.plonk.setup(r1cs, ptau, zkeyOut, logger), "plonk setup");
    } else {
      await expectOk(snarkjs.fflonk.setup(r1cs, ptau, zkeyOut, logger), "fflonk setup");
    }
  } catch (err) {
    if (err instanceof ArtifactError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    const tooSmall = /too big|too large|power/i.test(msg);
    // snarkjs failing on a user's ptau that passed the structure checks: its contents are bad.
    throw new ArtifactError(tooSmall ? "PTAU_TOO_SMALL" : userPtau ? "BAD_PTAU" : "SETUP_FAILED", `${name}: ${protocol} setup failed: ${msg.split("\n")[0]}`, { cause: err });
  }
}

/** snarkjs signals some failures by returning -1 after logging instead of throwing. */
async function expectOk(p: Promise<unknown>, what: string): Promise<void> {
  const r = await p;
  if (r === -1) throw new ArtifactError("SETUP_FAILED", `snarkjs ${what} failed (circuit too big for this ptau?)`);
}

/** Routes snarkjs's logger into ours: info lines as progress, debug dropped, errors also collected. */
function snarkLogger(log: Log, errors: string[] = []): snarkjs.Logger {
  return {
    debug: () => {},
    info: (m) => log(`  snarkjs: ${m}`),
    warn: (m) => log(`  snarkjs warning: ${m}`),
    error: (m) => {
      errors.push(m);
      log(`  snarkjs error: ${m}`);
    },
  };
}
