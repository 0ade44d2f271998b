import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonObject } from "snarkjs";
import { proveBatch, shutdownProver, verifyProof, type ProvedBatch } from "../../src/prover/prove.ts";
import { buildBatch } from "../../src/state/index.ts";
import { snarkjsCli } from "../../src/artifacts/snarkjs-cli.ts";
import { ctx, fundedState, testArtifacts, testInstance, transfer, withdraw } from "../helpers/fixtures.ts";

const { circuit, keys } = testArtifacts();
const vkey = JSON.parse(readFileSync(keys.vkey, "utf8")) as JsonObject;
let proved: ProvedBatch;
let inputHash: bigint;

beforeAll(async () => {
  const { alice, bob, state } = fundedState();
  const b = buildBatch(state, [transfer(alice, 0, 5, 300n, 0n), withdraw(bob, 5, 0xbeefn, 20n, 0n)], testInstance.ops, ctx);
  inputHash = b.inputHash;
  proved = await proveBatch({ zkey: keys.zkey, wasm: circuit.wasm }, b.inputs);
});

afterAll(shutdownProver);

describe("Groth16 round trip on the test instance (development keys)", () => {
  it("the keys are labelled insecure", () => {
    expect(keys.manifest).toMatchObject({ ceremony: "development", insecure: true });
  });

  it("proves and verifies; the one public signal is the batch's input hash", async () => {
    expect(proved.publicSignals).toEqual([inputHash.toString()]);
    expect(await verifyProof(vkey, proved.publicSignals, proved.proof)).toBe(true);
  });

  it("rejects a tampered public input", async () => {
    expect(await verifyProof(vkey, [(inputHash + 1n).toString()], proved.proof)).toBe(false);
  });

  it("rejects a tampered proof", async () => {
    const pi_a = proved.proof["pi_a"] as string[];
    const pi_c = proved.proof["pi_c"] as string[];
    // Swap in another valid curve point (pi_c for pi_a): still on the curve, no longer a proof.
    expect(await verifyProof(vkey, proved.publicSignals, { ...proved.proof, pi_a: pi_c })).toBe(false);
    expect(await verifyProof(vkey, proved.publicSignals, { ...proved.proof, pi_c: pi_a })).toBe(false);
  });

  it("verifies with the stock snarkjs CLI", () => {
    const dir = mkdtempSync(join(tmpdir(), "zkr-verify-"));
    writeFileSync(join(dir, "proof.json"), JSON.stringify(proved.proof));
    writeFileSync(join(dir, "public.json"), JSON.stringify(proved.publicSignals));
    const args = ["groth16", "verify", keys.vkey, join(dir, "public.json"), join(dir, "proof.json")];
    const good = snarkjsCli(args);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/OK!/);

    writeFileSync(join(dir, "public.json"), JSON.stringify([(inputHash + 1n).toString()]));
    const bad = snarkjsCli(args);
    expect(bad.code).not.toBe(0);
    expect(bad.stdout).toMatch(/Invalid proof/);
  });
});
