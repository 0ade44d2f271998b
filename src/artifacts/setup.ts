import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import * as snarkjs from "snarkjs";
import type { CircuitInstance } from "../circuit/instances.ts";
import { BUILD_DIR } from "../paths.ts";
import { compileCircuit, type CompiledCircuit, type Log } from "./compile.ts";
import { writeDevGroth16Zkey } from "./dev-groth16.ts";
import { writeDevPtau } from "./dev-ptau.ts";
import { ArtifactError } from "./errors.ts";
import { fileSha256, writeFileAtomic } from "./files.ts";
import { groth16Power, inspectPtau } from "./ptau.ts";

export type Protocol = "groth16" | "plonk" | "fflonk";
export const PROTOCOLS: readonly Protocol[] = ["groth16", "plonk", "fflonk"];

export const INSECURE_WARNING =
  "INSECURE development setup: the toxic waste was generated and known by this process. Never use these keys for value.";

/** What a key was made from, stored beside it as <protocol>-<source>.setup.json. */
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
  seconds: number;
  createdAt: string;
}

export interface SetupArtifacts {
  readonly circuit: CompiledCircuit;
  readonly zkey: string;
  readonly vkey: string;
  readonly manifest: SetupManifest;
  readonly cached: boolean;
}

export interface SetupOptions {
  readonly protocol?: Protocol;
  /** A powers-of-tau file from a real ceremony; without it a development setup is made. */
  readonly ptau?: string;
  readonly force?: boolean;
  readonly log?: Log;
}

/** Key files for an instance and protocol; the source tag keeps development and ceremony keys apart. */
export function setupPaths(circuit: CompiledCircuit, protocol: Protocol, ptauSha?: string) {
  const tag = ptauSha === undefined ? `${protocol}-dev` : `${protocol}-ptau-${ptauSha.slice(0, 12)}`;
  return {
    zkey: join(circuit.dir, `${tag}.zkey`),
    vkey: join(circuit.dir, `${tag}.vkey.json`),
    manifest: join(circuit.dir, `${tag}.setup.json`),
  };
}

/** The current keys for an instance if they exist (development ones unless `ptau` is given). */
export function existingSetup(circuit: CompiledCircuit, protocol: Protocol, ptau?: string): SetupArtifacts | undefined {
  const p = setupPaths(circuit, protocol, ptau === undefined ? undefined : fileSha256(ptau));
  if (!existsSync(p.zkey) || !existsSync(p.vkey) || !existsSync(p.manifest)) return undefined;
  const manifest = JSON.parse(readFileSync(p.manifest, "utf8")) as SetupManifest;
  if (manifest.circuitKey !== circuit.key) return undefined;
  return { circuit, zkey: p.zkey, vkey: p.vkey, manifest, cached: true };
}

/**
 * Compiles (cached) and makes proving and verification keys.
 * Groth16 without --ptau: keys written directly from known toxic waste (fast, insecure).
 * With --ptau: snarkjs's standard path (zkey new + one local phase-2 contribution for Groth16).
 * PLONK/FFLONK without --ptau: a development ptau of the needed power, then snarkjs's setup.
 */
export async function setupInstance(instance: CircuitInstance, opts: SetupOptions = {}): Promise<SetupArtifacts> {
  const protocol = opts.protocol ?? "groth16";
  const log = opts.log ?? (() => {});
  const circuit = await compileCircuit(instance, { log, ...(opts.force === true ? { force: true } : {}) });
  const ptauInfo = opts.ptau === undefined ? undefined : inspectPtau(opts.ptau);
  if (opts.force !== true) {
    const cached = existingSetup(circuit, protocol, opts.ptau);
    if (cached !== undefined) {
      log(`${instance.name}: ${protocol} keys cached (${cached.manifest.ceremony}${cached.manifest.insecure ? ", INSECURE" : ""})`);
      return cached;
    }
  }
  const ptauSha = opts.ptau === undefined ? undefined : fileSha256(opts.ptau);
  const paths = setupPaths(circuit, protocol, ptauSha);
  const started = performance.now();
  const logger = snarkLogger(log);
  const tmpZkey = `${paths.zkey}.${process.pid}.tmp`;
  const base = { protocol, instance: instance.name, circuitKey: circuit.key, createdAt: new Date().toISOString() };
  let manifest: SetupManifest;

  try {
    if (opts.ptau !== undefined && ptauInfo !== undefined && ptauSha !== undefined) {
      if (!ptauInfo.prepared) {
        throw new ArtifactError("BAD_PTAU", `${opts.ptau} is not prepared for phase 2 (run: snarkjs powersoftau prepare phase2)`);
      }
      const need = groth16Power(circuit.constraints, 1);
      if (protocol === "groth16" && ptauInfo.power < need) {
        throw new ArtifactError("PTAU_TOO_SMALL", `${basename(opts.ptau)} has power ${ptauInfo.power}; ${instance.name} needs at least ${need}`);
      }
      log(`${instance.name}: ${protocol} setup from ${basename(opts.ptau)} (power ${ptauInfo.power}) with snarkjs ...`);
      await snarkSetup(protocol, circuit.r1cs, opts.ptau, tmpZkey, logger, instance.name);
      manifest = {
        ...base,
        ceremony: "ptau",
        insecure: false,
        ptau: { file: basename(opts.ptau), sha256: ptauSha, power: ptauInfo.power },
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
    writeFileAtomic(paths.vkey, JSON.stringify(vkey, null, 1));
    rmSync(paths.zkey, { force: true });
    await import("node:fs/promises").then((fs) => fs.rename(tmpZkey, paths.zkey));
  } finally {
    rmSync(tmpZkey, { force: true });
  }
  manifest.seconds = (performance.now() - started) / 1000;
  writeFileAtomic(paths.manifest, JSON.stringify(manifest, null, 2));
  log(`${instance.name}: ${protocol} keys ready in ${manifest.seconds.toFixed(1)} s${manifest.insecure ? `  [${INSECURE_WARNING}]` : ""}`);
  return { circuit, zkey: paths.zkey, vkey: paths.vkey, manifest, cached: false };
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
    throw new ArtifactError(tooSmall ? "PTAU_TOO_SMALL" : "SETUP_FAILED", `${name}: ${protocol} setup failed: ${msg.split("\n")[0]}`, { cause: err });
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
