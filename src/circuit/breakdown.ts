import { countConstraints } from "../artifacts/compile.ts";
import { COMMITMENT_CODE, type Commitment } from "../tx/layout.ts";

export interface PartCount {
  readonly part: string;
  readonly constraints: number;
  readonly note: string;
}

const arr = (a: readonly number[]) => `[${a.join(", ")}]`;

/**
 * Constraint cost of each part of one operation slot for a tree shape, each measured by compiling
 * the template on its own (circom --O2). Sums need not match the slot exactly: --O2 folds across parts.
 */
export async function slotBreakdown(arities: readonly number[]): Promise<PartCount[]> {
  const levels = arities.length;
  const parts: [string, string, string][] = [
    ["operation slot (all kinds)", `include "operation.circom";\ncomponent main = Operation(${levels}, ${arr(arities)});`, "what one batch slot costs"],
    ["EdDSA-Poseidon verifier (2-element message)", `include "lib/eddsa_poseidon.circom";\ncomponent main = EdDSAPoseidon2Verifier();`, "one per slot (transfers and withdrawals)"],
    ["leaf update: verify old + compute new path", `include "lib/merkle.circom";\ncomponent main = LeafUpdate(${levels}, ${arr(arities)});`, "two per slot (sender, receiver)"],
    ["leaf hash Poseidon(4)", `include "circomlib/circuits/poseidon.circom";\ncomponent main = Poseidon(4);`, "four per slot (old/new x sender/receiver)"],
    ["L1 message chain Poseidon(3)", `include "circomlib/circuits/poseidon.circom";\ncomponent main = Poseidon(3);`, "one per slot"],
    ["amount decode (34-bit mantissa, 10^e)", `include "lib/amount.circom";\ncomponent main = DecodeAmount();`, "one per slot"],
    ["64-bit balance range check", `include "circomlib/circuits/bitify.circom";\ncomponent main = Num2Bits(64);`, "two per slot (no underflow, no overflow)"],
  ];
  const out: PartCount[] = [];
  for (const [part, source, note] of parts) out.push({ part, constraints: await countConstraints(source), note });
  return out;
}

/** Batch-level cost beyond its slots: the public-data commitment (Poseidon: chunk packing + hash chain; or SHA-256). */
export async function commitmentCost(
  ops: number,
  arities: readonly number[],
  commitment: Commitment = "poseidon",
): Promise<{ batch: number; perSlot: number; overhead: number }> {
  const batch = await countConstraints(`include "batch.circom";\ncomponent main {public [inputHash]} = Batch(${ops}, ${arities.length}, ${arr(arities)}, ${COMMITMENT_CODE[commitment]});`);
  const perSlot = await countConstraints(`include "operation.circom";\ncomponent main = Operation(${arities.length}, ${arr(arities)});`);
  return { batch, perSlot, overhead: batch - ops * perSlot };
}
