import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import type { JsonObject } from "snarkjs";
import { calculateWitnessBin } from "../../src/circuit/witness.ts";
import { buildCppWitness, builtCppWitness, cppToolchain, cppWitnessBin } from "../../src/circuit/witness-cpp.ts";
import { proveBatch, shutdownProver, verifyProof } from "../../src/prover/prove.ts";
import { buildBatch } from "../../src/state/index.ts";
import { ctx, fundedState, testArtifacts, testInstance, transfer, withdraw } from "../helpers/fixtures.ts";

// circom's real C++ witness generator for the test circuit (a few minutes of g++ on first use, then
// cached): its witness is byte-equal to the wasm calculator's, the prover uses it, stock snarkjs verifies.
const { circuit, keys } = testArtifacts();
const toolchain = cppToolchain();
if (!toolchain.ok) console.warn(`skipped: the C++ witness generator needs ${toolchain.missing.join(", ")} (apt-get install ${toolchain.install.join(" ")})`);

afterAll(async () => {
  await shutdownProver();
});

describe.skipIf(!toolchain.ok)("circom's C++ witness generator (built here)", () => {
  it("builds for the test circuit, makes the wasm calculator's witness byte for byte, and its proofs verify", async () => {
    const gen = await buildCppWitness(testInstance, circuit, () => {});
    expect(builtCppWitness(testInstance.name, keys.manifest.circuitKey)).toBe(gen.binary);
    const { alice, bob, state } = fundedState();
    // Signed operations (the parallel signature checks), a withdrawal and no-ops.
    const b = buildBatch(state, [transfer(alice, 0, 5, 300n, 0n), withdraw(bob, 5, 0xbeefn, 20n, 0n)], testInstance.ops, ctx);
    const wtns = await cppWitnessBin(gen.binary, b.inputs);
    expect(Buffer.from(wtns).equals(Buffer.from(await calculateWitnessBin(circuit.wasm, b.inputs)))).toBe(true);
    const proved = await proveBatch({ zkey: keys.zkey, wasm: circuit.wasm, cpp: gen.binary }, b.inputs, "groth16", "native");
    const vkey = JSON.parse(readFileSync(keys.vkey, "utf8")) as JsonObject;
    expect(await verifyProof(vkey, proved.publicSignals, proved.proof)).toBe(true);
    expect(proved.publicSignals).toEqual([b.inputHash.toString()]);
    // A batch that breaks a rule: the generator fails (its assert), and the prover still reports the rule.
    const broken = structuredClone(b.inputs);
    broken.oldRoot = broken.oldRoot + 1n;
    await expect(cppWitnessBin(gen.binary, broken)).rejects.toThrow(/failed \(exit/);
    await expect(proveBatch({ zkey: keys.zkey, wasm: circuit.wasm, cpp: gen.binary }, broken, "groth16", "native")).rejects.toMatchObject({ code: "CONSTRAINT_FAILED" });
  }, 900_000);
});
