// The exit-claim circuit (circuits/exit_claim.circom) on the test tree: a claim built from the reference
// state proves, and each rule refuses what breaks it (the witness fails before any proof). The L1 side
// (public inputs it supplies or range-checks) is tests/evm/forced-exit-*.test.ts.
import { readFileSync } from "node:fs";
import type { JsonObject } from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupInstance, type SetupArtifacts } from "../../src/artifacts/setup.ts";
import { exitClaimCircuit, exitClaimInputs, exitClaimPublicSignals, type ExitClaimInputs } from "../../src/circuit/exit-claim.ts";
import { calculateWitness } from "../../src/circuit/witness.ts";
import { sign } from "../../src/crypto/eddsa.ts";
import { FIELD_MODULUS } from "../../src/crypto/field.ts";
import { exitClaimMessage, type ExitClaim } from "../../src/l1/forced-exit-types.ts";
import { proveExitClaim } from "../../src/evm/exit-claim.ts";
import { shutdownProver, verifyProof } from "../../src/prover/prove.ts";
import { wordsToProof } from "../../src/l1/calldata.ts";
import { ROLLUP_ID, fundedState, testInstance } from "../helpers/fixtures.ts";

/** The Baby Jubjub subgroup order: S must be below it. */
const SUBGROUP_ORDER = 2736030358979909402780800718157159386076813972158567259200215660948447373041n;
const RECIPIENT = 0xabcdef0123456789abcdef0123456789abcdef01n;

let keys: SetupArtifacts;
beforeAll(async () => {
  keys = await setupInstance(exitClaimCircuit(testInstance.arities));
}, 600_000);
afterAll(shutdownProver);

function aliceClaim(): { claim: ExitClaim; root: bigint; inputs: ExitClaimInputs; other: ExitClaim } {
  const { alice, bob, state } = fundedState();
  const claimOf = (index: number, signer: Uint8Array, recipient = RECIPIENT, rollupId = ROLLUP_ID): ExitClaim => ({
    index,
    account: state.account(index)!,
    path: state.tree.path(index),
    recipient,
    signature: sign(signer, exitClaimMessage(rollupId, index, recipient)),
  });
  const claim = claimOf(0, alice.key);
  return { claim, root: state.root, inputs: exitClaimInputs(claim, state.root, ROLLUP_ID), other: claimOf(5, bob.key) };
}

const holds = (inputs: ExitClaimInputs) => calculateWitness(keys.wasm, inputs);
const refused = (inputs: ExitClaimInputs) => expect(holds(inputs)).rejects.toMatchObject({ name: "CircuitError" });

describe("the exit-claim circuit", () => {
  it("proves a claim of the reference state; the proof verifies with its public signals only", async () => {
    const { claim, root } = aliceClaim();
    const proven = await proveExitClaim(keys, claim, root, ROLLUP_ID);
    const signals = exitClaimPublicSignals(exitClaimInputs(claim, root, ROLLUP_ID)).map(String);
    const vkey = JSON.parse(readFileSync(keys.vkey, "utf8")) as JsonObject;
    expect(await verifyProof(vkey, signals, wordsToProof(proven.proof))).toBe(true);
    const otherBalance = [...signals.slice(0, 4), String(claim.account.balance + 1n)];
    expect(await verifyProof(vkey, otherBalance, wordsToProof(proven.proof))).toBe(false);
    // A claim that does not hold has no proof: refused before anything is sent.
    await expect(proveExitClaim(keys, { ...claim, recipient: claim.recipient + 1n }, root, ROLLUP_ID)).rejects.toMatchObject({ code: "BAD_ARGUMENT" });
  });

  it("refuses another balance, nonce or key than the leaf's", async () => {
    const { inputs } = aliceClaim();
    await expect(holds(inputs)).resolves.toBeDefined();
    await refused({ ...inputs, balance: inputs.balance + 1n });
    await refused({ ...inputs, nonce: inputs.nonce + 1n });
    await refused({ ...inputs, ax: inputs.ax + 1n });
    // balance + p is the same field element here: only the L1's range check refuses it (MALFORMED there).
    await expect(holds({ ...inputs, balance: inputs.balance + FIELD_MODULUS })).resolves.toBeDefined();
    await refused({ ...inputs, root: inputs.root + 1n });
  });

  it("refuses a path that does not lead to the root, or another account's index", async () => {
    const { inputs, other } = aliceClaim();
    const path = [...inputs.path];
    path[path.length - 1] = path[path.length - 1]! + 1n;
    await refused({ ...inputs, path });
    await refused({ ...inputs, index: 5n });
    // Bob's leaf and path with Alice's index, and an index beyond the tree (its bits do not fit).
    await refused({ ...exitClaimInputs(other, inputs.root, ROLLUP_ID), index: 0n });
    await refused({ ...inputs, index: inputs.index + BigInt(testInstance.accounts) });
  });

  it("refuses a signature of another key, recipient or rollup, and a malleable S", async () => {
    const { inputs, other, root } = aliceClaim();
    const bobSigned = exitClaimInputs(other, root, ROLLUP_ID);
    await refused({ ...inputs, sigR8x: bobSigned.sigR8x, sigR8y: bobSigned.sigR8y, sigS: bobSigned.sigS });
    await refused({ ...inputs, recipient: inputs.recipient + 1n });
    await refused({ ...inputs, rollupId: inputs.rollupId + 1n });
    await refused({ ...inputs, sigS: inputs.sigS + SUBGROUP_ORDER });
  });
});
