/**
 * The exit-claim circuit (circuits/exit_claim.circom), one per tree shape: what proves, in exit mode, that
 * an account holds its balance under the exit root and that its key signed the claim. Its inputs come from
 * the same ExitClaim a client builds from its account proof and signature (src/l1/forced-exit-types.ts).
 */
import type { ExitClaim } from "../l1/forced-exit-types.ts";
import { checkRollupId } from "../tx/operation.ts";
import { treeShapeName } from "./instances.ts";

export interface ExitClaimCircuit {
  readonly kind: "exit-claim";
  /** exit_claim_<tree shape>: exit_claim_d6_a4x2-8x4. */
  readonly name: string;
  /** Tree arity of each level, bottom-up. */
  readonly arities: readonly number[];
  readonly accounts: number;
}

export function exitClaimCircuit(arities: readonly number[]): ExitClaimCircuit {
  return { kind: "exit-claim", name: `exit_claim_${treeShapeName(arities)}`, arities: [...arities], accounts: arities.reduce((p, a) => p * a, 1) };
}

/** The circuit's input signals (the first five are public, in this order). */
export interface ExitClaimInputs {
  root: bigint;
  rollupId: bigint;
  index: bigint;
  recipient: bigint;
  balance: bigint;
  ax: bigint;
  ay: bigint;
  nonce: bigint;
  path: bigint[];
  sigR8x: bigint;
  sigR8y: bigint;
  sigS: bigint;
}

/** The inputs proving `claim` under `root` on rollup `rollupId`. */
export function exitClaimInputs(claim: ExitClaim, root: bigint, rollupId: number): ExitClaimInputs {
  const { account: a, signature: s } = claim;
  return {
    root,
    rollupId: BigInt(checkRollupId(rollupId)),
    index: BigInt(claim.index),
    recipient: claim.recipient,
    balance: a.balance,
    ax: a.publicKey.x,
    ay: a.publicKey.y,
    nonce: a.nonce,
    path: [...claim.path],
    sigR8x: s.r8x,
    sigR8y: s.r8y,
    sigS: s.s,
  };
}

/** The public signals in the verifier's order: root, rollupId, index, recipient, balance. */
export function exitClaimPublicSignals(inputs: ExitClaimInputs): bigint[] {
  return [inputs.root, inputs.rollupId, inputs.index, inputs.recipient, inputs.balance];
}
