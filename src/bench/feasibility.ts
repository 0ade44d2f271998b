import { totalmem } from "node:os";
import type { Protocol } from "../artifacts/setup.ts";
import type { ProverEngine } from "../prover/prove.ts";
import type { PlonkSizing } from "./plonk-gates.ts";

/**
 * Cost model used only to decide, before spending the time, whether a configuration fits this machine
 * and the per-configuration time budget. Every constant says where it was measured; none of them is
 * reported as a result (results are measured).
 */
export const COST_MODEL = {
  /** Warm Groth16 proof (warm engine), seconds per R1CS constraint: ≈ 4 s for 60,051 constraints (n4), this machine. */
  groth16ProveSecondsPerConstraint: 70e-6,
  /** Warm prover with the native MSM: 7.0 s for 239,499 constraints (n16), this machine. */
  groth16NativeProveSecondsPerConstraint: 30e-6,
  /** snarkjs.groth16.prove in a warm process: ≈ 5.7 s at 60,051 constraints, this machine. */
  groth16SnarkjsProveSecondsPerConstraint: 95e-6,
  /** Stock CLI fullprove, cold: ≈ 6.4-7.9 s at 60,051 constraints; the fixed start-up is ≈ 1.5 s. */
  coldCliSecondsPerConstraint: 100e-6,
  coldCliStartSeconds: 1.5,
  /** Development Groth16 keys: 12.0 s for 120,093 constraints (build/reports/setup.md). */
  groth16DevSetupSecondsPerConstraint: 100e-6,
  /** circom2 --O2 wasm compile: 42.3 s for 120,093 constraints (build/reports/setup.md). */
  compileSecondsPerConstraint: 350e-6,
  /** circom --c then g++: ≈ 3.5 min for the 342k-constraint naive 16-transfer circuit (design.md); 59 s for 16,966 here (fixed runtime sources). */
  cppBuildFixedSeconds: 50,
  cppBuildSecondsPerConstraint: 470e-6,
  /** PLONK prove: 229 s for 265k gates, a 2^19 domain (design.md), per domain row. */
  plonkProveSecondsPerRow: 229 / 2 ** 19,
  /** FFLONK prove: not measured here; assumed twice PLONK's per row (its ptau is 9× larger). */
  fflonkProveSecondsPerRow: (2 * 229) / 2 ** 19,
  /** snarkjs plonk setup from a ready ptau: ≈ 57 s at 2^18 (the test instance, this machine). */
  universalSetupSecondsPerRow: 57 / 2 ** 18,
  /** Development ptau: 76 s for 2^19 (this machine). */
  devPtauSecondsPerPoint: 76 / 2 ** 19,
  /** Warm Groth16 prover process: ≈ 950 MB peak at 60,051 constraints; ≈ 300 MB fixed. */
  groth16RssBase: 300e6,
  groth16RssPerConstraint: 11e3,
  /** PLONK zkey: 411.6 MB at 2^18 (the test instance), per row; the prover is assumed to hold ~3× it. */
  plonkZkeyBytesPerRow: 411.6e6 / 2 ** 18,
  universalRssFactor: 3,
} as const;

/** The largest development ptau made on demand here (src/artifacts/setup.ts MAX_DEV_PTAU_POWER). */
export const MAX_DEV_PTAU_POWER = 22;

/** Compile time of an instance not built yet, from its batch size (≤ 22k constraints a slot on the trees listed). */
export function compileSeconds(batchSize: number): number {
  return (batchSize * 22_000 + 1_000) * COST_MODEL.compileSecondsPerConstraint;
}

export interface Estimate {
  /** Compile (if not cached) + setup (if not cached) + warm-up + timed proofs + baseline. */
  readonly seconds: number;
  readonly proveSeconds: number;
  readonly peakRssBytes: number;
  /** Why the configuration cannot run here (machine limits or the time budget); undefined when it can. */
  readonly skip?: string;
}

export interface EstimateInput {
  readonly protocol: Protocol;
  readonly engine: ProverEngine;
  readonly constraints: number;
  readonly sizing?: PlonkSizing;
  readonly compiled: boolean;
  readonly keysCached: boolean;
  readonly ptauCached: boolean;
  readonly cppBuild: boolean;
  readonly reps: number;
  readonly pipeline: boolean;
  readonly baseline: boolean;
  /** A rapidsnark binary also proves each repetition's witness (assumed about as long as our proof). */
  readonly rapidsnark?: boolean;
  readonly maxSeconds: number;
  readonly memoryBytes?: number;
}

export function estimate(e: EstimateInput): Estimate {
  const m = COST_MODEL;
  const memory = e.memoryBytes ?? totalmem();
  let seconds = e.compiled ? 0 : e.constraints * m.compileSecondsPerConstraint;
  if (e.cppBuild) seconds += m.cppBuildFixedSeconds + e.constraints * m.cppBuildSecondsPerConstraint;
  let proveSeconds: number;
  let peakRssBytes: number;
  if (e.protocol === "groth16") {
    const perConstraint = { native: m.groth16NativeProveSecondsPerConstraint, warm: m.groth16ProveSecondsPerConstraint, snarkjs: m.groth16SnarkjsProveSecondsPerConstraint };
    proveSeconds = e.constraints * perConstraint[e.engine];
    peakRssBytes = m.groth16RssBase + e.constraints * m.groth16RssPerConstraint;
    if (!e.keysCached) seconds += e.constraints * m.groth16DevSetupSecondsPerConstraint;
    seconds += proveSeconds * (1 + e.reps + (e.pipeline ? e.reps : 0));
    if (e.baseline) seconds += e.reps * (m.coldCliStartSeconds + e.constraints * m.coldCliSecondsPerConstraint);
    if (e.rapidsnark === true) seconds += (1 + e.reps) * proveSeconds;
  } else {
    const s = e.sizing;
    if (s === undefined) throw new Error("PLONK/FFLONK estimate needs the gate count");
    const power = e.protocol === "plonk" ? s.plonkPower : s.fflonkPower;
    const rows = 2 ** power;
    if (e.protocol === "fflonk" && s.fflonkPtauPower > MAX_DEV_PTAU_POWER) {
      return {
        seconds: Infinity,
        proveSeconds: Infinity,
        peakRssBytes: Infinity,
        skip: `FFLONK needs a ptau of 2^${s.fflonkPtauPower} (9 × its 2^${power} domain: ${fmtInt(s.gates)} PLONK gates from ${fmtInt(s.constraints)} --O2 constraints); the development ptau stops at 2^${MAX_DEV_PTAU_POWER} here and snarkjs's own ptau path would take hours at that size`,
      };
    }
    const ptauPower = e.protocol === "plonk" ? power : s.fflonkPtauPower;
    proveSeconds = rows * (e.protocol === "plonk" ? m.plonkProveSecondsPerRow : m.fflonkProveSecondsPerRow);
    peakRssBytes = rows * m.plonkZkeyBytesPerRow * m.universalRssFactor * (e.protocol === "fflonk" ? 2 : 1);
    if (!e.keysCached) seconds += rows * m.universalSetupSecondsPerRow + (e.ptauCached ? 0 : 2 ** ptauPower * m.devPtauSecondsPerPoint);
    seconds += proveSeconds * (1 + e.reps);
  }
  if (peakRssBytes > 0.85 * memory) {
    return { seconds, proveSeconds, peakRssBytes, skip: `estimated peak memory ${gb(peakRssBytes)} exceeds 85 % of this machine's ${gb(memory)}` };
  }
  if (seconds > e.maxSeconds) {
    const what = e.protocol === "groth16" ? `${fmtInt(e.constraints)} constraints` : `${fmtInt(e.sizing?.gates ?? 0)} PLONK gates (domain 2^${e.protocol === "plonk" ? e.sizing?.plonkPower : e.sizing?.fflonkPower})`;
    return {
      seconds,
      proveSeconds,
      peakRssBytes,
      skip: `${what}: estimated ${mins(proveSeconds)} a proof, ${mins(seconds)} for setup, warm-up and ${e.reps} repetition(s) — over the ${mins(e.maxSeconds)} budget per configuration (--max-minutes)`,
    };
  }
  return { seconds, proveSeconds, peakRssBytes };
}

const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");
const gb = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
const mins = (s: number) => (s < 120 ? `${Math.round(s)} s` : `${(s / 60).toFixed(1)} min`);
