import type { JsonObject } from "snarkjs";
import { exitClaimInputs, exitClaimPublicSignals } from "../circuit/exit-claim.ts";
import type { CircuitInstance } from "../circuit/instances.ts";
import { calculateWitnessBin, type CircuitInputs } from "../circuit/witness.ts";
import { privateKeyFromLabel, publicKeyOf, sign } from "../crypto/index.ts";
import { exitClaimMessage } from "../l1/forced-exit-types.ts";
import { fastestEngine, proveWitness, verifyProof } from "../prover/prove.ts";
import { buildBatch, RollupState, type BuiltBatch, type RollupContext } from "../state/index.ts";
import { signTransfer, signWithdraw, type Operation } from "../tx/index.ts";
import { recordLayout } from "../tx/layout.ts";
import { isExitClaimCircuit, type Circuit } from "./compile.ts";
import type { Protocol } from "./setup.ts";

const key = privateKeyFromLabel("zkr setup key check");
const publicKey = publicKeyOf(key);

/**
 * The batch every new key must prove before it is kept, built by the reference model: a transfer (a
 * signature checked), a deposit, a withdrawal, as many as the instance fits, the rest no-ops, on a state
 * where two accounts exist. Each kind drives other wires, so a key point that is wrong for one of them
 * shows in the proof.
 */
export function keyCheckBatch(instance: CircuitInstance): BuiltBatch {
  const ctx: RollupContext = { layout: instance.layout, rollupId: 1 };
  const funded = fundedState(instance.arities, ctx);
  const ops: Operation[] = [
    signTransfer(key, { kind: "transfer", from: 0, to: 1, amount: 10n, nonce: 0n }, ctx.layout, ctx.rollupId),
    { kind: "deposit", to: 2, publicKey, amount: 5n },
    signWithdraw(key, { kind: "withdraw", from: 1, recipient: 0xc0ffeen, amount: 3n, nonce: 0n }, ctx.layout, ctx.rollupId),
  ];
  return buildBatch(funded, ops.slice(0, instance.ops), instance.ops, ctx);
}

/** Two accounts of one key, 1000 each (a layout of the tree's shape: records are not checked here). */
function fundedState(arities: readonly number[], ctx: RollupContext): RollupState {
  const deposits: Operation[] = [
    { kind: "deposit", to: 0, publicKey, amount: 1000n },
    { kind: "deposit", to: 1, publicKey, amount: 1000n },
  ];
  return buildBatch(new RollupState(arities), deposits, 2, ctx).state;
}

/** What a new key must prove: the check batch, or an exit claim of the second account on that state. */
export function keyCheckCase(circuit: Circuit): { readonly inputs: CircuitInputs; readonly publicSignals: readonly bigint[] } {
  if (!isExitClaimCircuit(circuit)) {
    const batch = keyCheckBatch(circuit);
    return { inputs: batch.inputs, publicSignals: [batch.inputHash] };
  }
  const ctx: RollupContext = { layout: recordLayout(circuit.arities), rollupId: 1 };
  const state = fundedState(circuit.arities, ctx);
  const account = state.account(1);
  if (account === undefined) throw new Error("the key check's state lost its account");
  const recipient = 0xc0ffeen;
  const inputs = exitClaimInputs(
    { index: 1, account, path: state.tree.path(1), recipient, signature: sign(key, exitClaimMessage(ctx.rollupId, 1, recipient)) },
    state.root,
    ctx.rollupId,
  );
  return { inputs, publicSignals: exitClaimPublicSignals(inputs) };
}

export type KeyCheckResult =
  | { readonly ok: true; readonly seconds: number }
  /** "witness": the reference model and the circuit disagree (not the key's fault); "prove"/"verify": the key. */
  | { readonly ok: false; readonly stage: "witness" | "prove" | "verify"; readonly error?: unknown };

/**
 * Proves keyCheckBatch with a new proving key and verifies the proof with its verification key:
 * keys that cannot make a valid proof (a corrupt powers of tau, a broken writer) fail here instead
 * of in the first batch a node submits.
 */
export async function checkKeysProve(args: {
  readonly instance: Circuit;
  readonly protocol: Protocol;
  readonly zkey: string;
  readonly wasm: string;
  readonly vkey: JsonObject;
}): Promise<KeyCheckResult> {
  const t0 = performance.now();
  const check = keyCheckCase(args.instance);
  let wtns: Uint8Array;
  try {
    wtns = await calculateWitnessBin(args.wasm, check.inputs);
  } catch (error) {
    return { ok: false, stage: "witness", error };
  }
  let proved;
  try {
    // Groth16 with the fastest engine here (stock snarkjs took 49 s of a batch-16 SHA-256 setup), not kept
    // loaded: the key sits in a temp folder that is renamed next. PLONK/FFLONK prove with snarkjs.
    proved = await proveWitness(args.zkey, wtns, args.protocol, args.protocol === "groth16" ? fastestEngine() : "snarkjs", { cached: false });
  } catch (error) {
    return { ok: false, stage: "prove", error };
  }
  const signals = check.publicSignals.map(String);
  let valid: boolean;
  try {
    valid = JSON.stringify(proved.publicSignals) === JSON.stringify(signals) && (await verifyProof(args.vkey, signals, proved.proof, args.protocol));
  } catch (error) {
    return { ok: false, stage: "verify", error };
  }
  return valid ? { ok: true, seconds: (performance.now() - t0) / 1000 } : { ok: false, stage: "verify" };
}
