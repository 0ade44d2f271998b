import * as snarkjs from "snarkjs";
import type { Protocol } from "../artifacts/setup.ts";
import { calculateWitnessBin } from "../circuit/witness.ts";
import { cppWitnessBin } from "../circuit/witness-cpp.ts";
import type { BatchInputs } from "../state/batch.ts";
import { WarmGroth16Prover, type ProveBreakdown } from "./groth16-warm.ts";
import { loadNativeMsm, NativeMsmError } from "./native-msm.ts";

export type Proof = snarkjs.JsonObject;

/**
 * Which Groth16 prover runs: "snarkjs" (snarkjs.groth16.prove, reading the zkey every proof), "warm"
 * (groth16-warm.ts: the zkey kept parsed in memory, the QAP step on all cores; same proofs) or "native"
 * (the warm prover with its multi-exponentiations in compiled C: native-msm.ts). PLONK and FFLONK
 * always use snarkjs.
 */
export type ProverEngine = "snarkjs" | "warm" | "native";

export const PROVER_ENGINES: readonly ProverEngine[] = ["warm", "native", "snarkjs"];

let fastest: ProverEngine | undefined;

/**
 * The fastest Groth16 engine this machine has: "native" when the MSM addon builds here (compiled once,
 * cached), else "warm" with a one-line note on stderr saying why. The sequencer node and the demo use it.
 */
export function fastestEngine(): ProverEngine {
  if (fastest !== undefined) return fastest;
  try {
    loadNativeMsm((m) => process.stderr.write(`${m}\n`));
    fastest = "native";
  } catch (err) {
    if (!(err instanceof NativeMsmError)) throw err;
    process.stderr.write(`${err.message}; proving with ffjavascript's wasm MSM\n`);
    fastest = "warm";
  }
  return fastest;
}

export interface ProvedBatch {
  readonly proof: Proof;
  /** snarkjs order: outputs, then public inputs; here just [inputHash]. */
  readonly publicSignals: string[];
  readonly witnessSeconds: number;
  readonly proveSeconds: number;
  /** Peak resident memory of the process that proved, so far (bytes); set by the prover process. */
  readonly peakRssBytes?: number;
  /** CPU time of the request in the prover process, all its threads (user + system), seconds; set by the prover process. */
  readonly cpuSeconds?: number;
  /** Where the proof's time went (warm Groth16 engine only). */
  readonly breakdown?: ProveBreakdown;
}

/** What proves a circuit's batches: its proving key, its wasm witness calculator and, when built, its C++ one. */
export interface ProvingKeys {
  readonly zkey: string;
  readonly wasm: string;
  /** circom's C++ witness generator for the same circuit (src/circuit/witness-cpp.ts), used instead of the wasm when given. */
  readonly cpp?: string;
}

/**
 * Witness (the C++ generator when the keys have one, else circom's wasm in memory), then proof. A rule
 * the inputs break throws at the witness step (CircuitError from the wasm calculator: a C++ run that
 * fails is done again with the wasm, so errors read the same either way).
 */
export async function proveBatch(keys: ProvingKeys, inputs: BatchInputs, protocol: Protocol = "groth16", engine: ProverEngine = "snarkjs"): Promise<ProvedBatch> {
  const t0 = performance.now();
  const wtns = keys.cpp === undefined ? await calculateWitnessBin(keys.wasm, inputs) : await cppOrWasmWitness(keys.cpp, keys.wasm, inputs);
  const t1 = performance.now();
  const proved = await proveWitness(keys.zkey, wtns, protocol, engine);
  return { ...proved, witnessSeconds: (t1 - t0) / 1000 };
}

async function cppOrWasmWitness(cpp: string, wasm: string, inputs: BatchInputs): Promise<Uint8Array> {
  try {
    return await cppWitnessBin(cpp, inputs);
  } catch (err) {
    const wtns = await calculateWitnessBin(wasm, inputs); // throws the rule the inputs break, if any
    process.stderr.write(`C++ witness generator failed (${err instanceof Error ? err.message : String(err)}); the wasm calculator made this witness\n`);
    return wtns;
  }
}

const warmProvers = new Map<string, Promise<WarmGroth16Prover>>();

/**
 * A proof from a witness already computed (snarkjs .wtns bytes): the second half of a pipelined prover.
 * The warm engines keep the zkey loaded per path for the next proof; with `cached: false` it is loaded
 * for this proof only (a key about to be moved, as in the key check of new keys).
 */
export async function proveWitness(
  zkey: string,
  wtns: Uint8Array,
  protocol: Protocol = "groth16",
  engine: ProverEngine = "snarkjs",
  options: { readonly cached?: boolean } = {},
): Promise<ProvedBatch> {
  if (protocol === "groth16" && engine !== "snarkjs") {
    const id = `${engine}:${zkey}`;
    const load = () => WarmGroth16Prover.load(zkey, { msm: engine === "native" ? "native" : "wasm" });
    let warm = options.cached === false ? load() : warmProvers.get(id);
    if (warm === undefined) {
      warm = load();
      warmProvers.set(id, warm);
      // A failed load is not cached: the next call tries again.
      warm.catch(() => warmProvers.delete(id));
    }
    const prover = await warm;
    const t0 = performance.now();
    const { proof, publicSignals, breakdown } = await prover.prove(wtns);
    return { proof: { ...proof }, publicSignals, witnessSeconds: 0, proveSeconds: (performance.now() - t0) / 1000, breakdown };
  }
  const t0 = performance.now();
  const { proof, publicSignals } = await snarkjs[protocol].prove(zkey, { type: "mem", data: wtns });
  return { proof, publicSignals, witnessSeconds: 0, proveSeconds: (performance.now() - t0) / 1000 };
}

export async function verifyProof(
  vkey: snarkjs.JsonObject,
  publicSignals: string[],
  proof: Proof,
  protocol: Protocol = "groth16",
): Promise<boolean> {
  return snarkjs[protocol].verify(vkey, publicSignals, proof);
}

/** snarkjs keeps bn128 curve workers alive; end them when done or Node never exits. */
export async function shutdownProver(): Promise<void> {
  warmProvers.clear();
  // ffjavascript caches the multi-threaded curve here; terminate() also clears it.
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } | null };
  if (g.curve_bn128 != null) await g.curve_bn128.terminate();
}
