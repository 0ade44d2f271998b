import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { JsonObject } from "snarkjs";
import { CircuitError } from "../../src/circuit/errors.ts";
import { calculateWitnessBin } from "../../src/circuit/witness.ts";
import { builtCppWitness, cppWitnessBin, witnessNote } from "../../src/circuit/witness-cpp.ts";
import { BUILD_DIR } from "../../src/paths.ts";
import { proveBatch, shutdownProver, verifyProof } from "../../src/prover/prove.ts";
import { Prover } from "../../src/prover/prover.ts";
import { buildBatch } from "../../src/state/index.ts";
import { ctx, fundedState, testArtifacts, testInstance, transfer } from "../helpers/fixtures.ts";

// The prover's use of circom's C++ witness generator (src/circuit/witness-cpp.ts) with stand-in
// generators: the plumbing (input file, output file, temp folder, fallback, errors) runs everywhere in
// seconds. The real generator is built and timed by `zkr bench --witness cpp` (tests/bench/bench.long.test.ts).
const { circuit, keys } = testArtifacts();
const work = mkdtempSync(join(tmpdir(), "zkr-cpp-test-"));
const vkey = JSON.parse(readFileSync(keys.vkey, "utf8")) as JsonObject;

/** An executable script at `name` in the test folder. */
function script(name: string, body: string): string {
  const path = join(work, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const tempFolders = () => readdirSync(tmpdir()).filter((f) => f.startsWith("zkr-wtns-")).length;

afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  await shutdownProver();
});

describe("C++ witness generator in the prover", () => {
  it("runs the generator as circom's does (input JSON in, .wtns out), reads the witness and removes its temp folder", async () => {
    const { alice, state } = fundedState();
    const b = buildBatch(state, [transfer(alice, 0, 5, 7n, 0n)], testInstance.ops, ctx);
    const wtns = await calculateWitnessBin(circuit.wasm, b.inputs);
    const reference = join(work, "reference.wtns");
    writeFileSync(reference, wtns);
    // The stand-in checks it got the inputs as JSON (bigints as decimal strings) and writes the reference witness.
    const gen = script("gen-ok", `grep -q '"oldRoot":"${b.inputs.oldRoot.toString()}"' "$1" || exit 3\ncp "${reference}" "$2"`);
    const before = tempFolders();
    expect(Buffer.from(await cppWitnessBin(gen, b.inputs)).equals(Buffer.from(wtns))).toBe(true);
    expect(tempFolders()).toBe(before);
    // proveBatch with it proves, and the proof verifies.
    const proved = await proveBatch({ zkey: keys.zkey, wasm: circuit.wasm, cpp: gen }, b.inputs, "groth16", "native");
    expect(await verifyProof(vkey, proved.publicSignals, proved.proof)).toBe(true);
    // So does the prover process (what nodes and demos run): the generator path reaches it.
    const marker = join(work, "ran");
    const traced = script("gen-traced", `touch "${marker}"\ncp "${reference}" "$2"`);
    const prover = new Prover({ zkey: keys.zkey, wasm: circuit.wasm, cpp: traced });
    try {
      const viaProcess = await prover.prove(b.inputs);
      expect(await verifyProof(vkey, viaProcess.publicSignals, viaProcess.proof)).toBe(true);
      expect(existsSync(marker)).toBe(true);
    } finally {
      await prover.close();
    }
  });

  it("a failing generator: the wasm calculator makes the witness (the proof verifies); a batch that breaks a rule still fails with CONSTRAINT_FAILED", async () => {
    const failing = script("gen-fail", `echo "Error: something broke" >&2\nexit 1`);
    await expect(cppWitnessBin(failing, fundedState().depositBatch.inputs)).rejects.toThrow(/gen-fail failed \(exit 1\): Error: something broke/);
    const { alice, state } = fundedState();
    const b = buildBatch(state, [transfer(alice, 0, 5, 9n, 0n)], testInstance.ops, ctx);
    const proved = await proveBatch({ zkey: keys.zkey, wasm: circuit.wasm, cpp: failing }, b.inputs, "groth16", "native");
    expect(await verifyProof(vkey, proved.publicSignals, proved.proof)).toBe(true);
    const broken = structuredClone(b.inputs);
    broken.oldRoot = broken.oldRoot + 1n;
    const err = await proveBatch({ zkey: keys.zkey, wasm: circuit.wasm, cpp: failing }, broken, "groth16", "native").then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(CircuitError);
    expect((err as CircuitError).code).toBe("CONSTRAINT_FAILED");
  });

  it("finds a built generator only for the circuit key it was built for, and says which generator is used", () => {
    const instance = `zkr-test-cpp-${process.pid}`;
    const key = "ab".repeat(32);
    const dir = join(BUILD_DIR, instance, `circuit-${key.slice(0, 12)}`, "cpp");
    try {
      expect(builtCppWitness(instance, key)).toBeUndefined();
      mkdirSync(join(dir, "main_c_cpp"), { recursive: true });
      writeFileSync(join(dir, "built.json"), JSON.stringify({ instance, circuitKey: key, binary: "main_c_cpp/main_c", buildSeconds: 1 }));
      expect(builtCppWitness(instance, key)).toBeUndefined(); // no binary
      writeFileSync(join(dir, "main_c_cpp", "main_c"), "");
      expect(builtCppWitness(instance, key)).toBe(join(dir, "main_c_cpp", "main_c"));
      expect(builtCppWitness(instance, "cd".repeat(6) + key.slice(12))).toBeUndefined(); // another circuit
      writeFileSync(join(dir, "built.json"), "{not json");
      expect(builtCppWitness(instance, key)).toBeUndefined();
      expect(witnessNote(instance, "/x/main_c")).toBe("witness: circom's C++ generator (/x/main_c)");
      expect(witnessNote(instance, undefined)).toMatch(/^witness: the wasm calculator \(/);
    } finally {
      rmSync(join(BUILD_DIR, instance), { recursive: true, force: true });
    }
  });
});
