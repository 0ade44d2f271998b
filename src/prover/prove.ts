import * as snarkjs from "snarkjs";
import type { Protocol } from "../artifacts/setup.ts";
import { calculateWitnessBin } from "../circuit/witness.ts";
import type { BatchInputs } from "../state/batch.ts";

export type Proof = snarkjs.JsonObject;

export interface ProvedBatch {
  readonly proof: Proof;
  /** snarkjs order: outputs, then public inputs; here just [inputHash]. */
  readonly publicSignals: string[];
  readonly witnessSeconds: number;
  readonly proveSeconds: number;
}

/** Witness (circom wasm, in memory) then proof with snarkjs. A rule the inputs break throws at the witness step. */
export async function proveBatch(
  keys: { zkey: string; wasm: string },
  inputs: BatchInputs,
  protocol: Protocol = "groth16",
): Promise<ProvedBatch> {
  const t0 = performance.now();
  const wtns = await calculateWitnessBin(keys.wasm, inputs);
  const t1 = performance.now();
  const { proof, publicSignals } = await snarkjs[protocol].prove(keys.zkey, { type: "mem", data: wtns });
  const t2 = performance.now();
  return { proof, publicSignals, witnessSeconds: (t1 - t0) / 1000, proveSeconds: (t2 - t1) / 1000 };
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
  // ffjavascript caches the multi-threaded curve here; terminate() also clears it.
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } | null };
  if (g.curve_bn128 != null) await g.curve_bn128.terminate();
}
