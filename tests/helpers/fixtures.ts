import { compiledCircuit, type CompiledCircuit } from "../../src/artifacts/compile.ts";
import { existingSetup, type SetupArtifacts } from "../../src/artifacts/setup.ts";
import { instanceByRole, type CircuitInstance } from "../../src/circuit/instances.ts";
import { newPrivateKey, publicKeyOf, type PublicKey } from "../../src/crypto/index.ts";
import { RollupState, buildBatch, type RollupContext } from "../../src/state/index.ts";
import { signTransfer, signWithdraw, type Transfer, type Withdraw } from "../../src/tx/index.ts";

export const ROLLUP_ID = 7;

export const testInstance: CircuitInstance = instanceByRole("test");
export const ctx: RollupContext = { layout: testInstance.layout, rollupId: ROLLUP_ID };

/** The test instance's circuit and keys, built by tests/global-setup.ts. */
export function testArtifacts(): { circuit: CompiledCircuit; keys: SetupArtifacts } {
  const circuit = compiledCircuit(testInstance);
  if (circuit === undefined) throw new Error("test circuit not built (global setup)");
  const keys = existingSetup(circuit, "groth16");
  if (keys === undefined) throw new Error("test keys not built (global setup)");
  return { circuit, keys };
}

export interface User {
  readonly key: Uint8Array;
  readonly publicKey: PublicKey;
}

export function newUser(): User {
  const key = newPrivateKey();
  return { key, publicKey: publicKeyOf(key) };
}

/** Alice at index 0 and Bob at index 5, funded by deposits in one batch. */
export function fundedState(balances: readonly [bigint, bigint] = [1000n, 50n]) {
  const alice = newUser();
  const bob = newUser();
  const batch = buildBatch(
    new RollupState(testInstance.arities),
    [
      { kind: "deposit", to: 0, publicKey: alice.publicKey, amount: balances[0] },
      { kind: "deposit", to: 5, publicKey: bob.publicKey, amount: balances[1] },
    ],
    testInstance.ops,
    ctx,
  );
  return { alice, bob, state: batch.state, depositBatch: batch };
}

export function transfer(user: User, from: number, to: number, amount: bigint, nonce: bigint): Transfer {
  return signTransfer(user.key, { kind: "transfer", from, to, amount, nonce }, ctx.layout, ctx.rollupId);
}

export function withdraw(user: User, from: number, recipient: bigint, amount: bigint, nonce: bigint): Withdraw {
  return signWithdraw(user.key, { kind: "withdraw", from, recipient, amount, nonce }, ctx.layout, ctx.rollupId);
}
