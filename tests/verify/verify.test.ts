import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonObject } from "snarkjs";
import { REPO_ROOT } from "../../src/paths.ts";
import { batchMetadata, writeBatchFolder } from "../../src/prover/batch-folder.ts";
import { proveBatch, shutdownProver } from "../../src/prover/prove.ts";
import { buildBatch, stateToJson } from "../../src/state/index.ts";
import { verifyBatchFolder } from "../../src/verify/verify-batch.ts";
import { ctx, fundedState, testArtifacts, testInstance, transfer, withdraw } from "../helpers/fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "zkr-verify-"));
const good = join(root, "good");
const preState = join(root, "pre-state.json");

beforeAll(async () => {
  const { circuit, keys } = testArtifacts();
  const { alice, bob, state } = fundedState();
  const b = buildBatch(state, [transfer(alice, 0, 5, 300n, 0n), withdraw(bob, 5, 0xbeefn, 20n, 0n)], testInstance.ops, ctx);
  const proved = await proveBatch({ zkey: keys.zkey, wasm: circuit.wasm }, b.inputs);
  const metadata = batchMetadata({ number: 1, instance: testInstance, protocol: "groth16", rollupId: ctx.rollupId, batch: b, insecureKeys: true });
  const vkey = JSON.parse(readFileSync(keys.vkey, "utf8")) as JsonObject;
  writeBatchFolder(good, { metadata, proof: proved.proof, publicSignals: proved.publicSignals, vkey });
  writeFileSync(preState, JSON.stringify(stateToJson(state)));
});

afterAll(async () => {
  await shutdownProver();
  rmSync(root, { recursive: true, force: true });
});

/** A copy of the good folder with one file edited. */
function tampered(file: string, edit: (json: Record<string, unknown>) => unknown): string {
  const dir = join(root, `t-${Math.random().toString(36).slice(2)}`);
  cpSync(good, dir, { recursive: true });
  const path = join(dir, file);
  writeFileSync(path, JSON.stringify(edit(JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>)));
  return dir;
}

function zkrVerify(...args: string[]) {
  const r = spawnSync(process.execPath, [resolve(REPO_ROOT, "bin", "zkr.js"), "verify", ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("verifying a batch folder", () => {
  it("a good batch: proof, public data and re-execution all pass", async () => {
    const r = await verifyBatchFolder(good, { reexecute: preState });
    expect(r.valid).toBe(true);
    expect(r.checks.map((c) => c.name)).toEqual(["proof", "public data", "re-execution"]);
  });

  it("a tampered public signal fails the proof check", async () => {
    const dir = tampered("public.json", (j) => [String(BigInt((j as unknown as string[])[0]!) + 1n)]);
    expect(await verifyBatchFolder(dir)).toMatchObject({ valid: false, checks: [{ name: "proof", ok: false }] });
  });

  it("a tampered byte of the posted records fails the public-data check", async () => {
    const dir = tampered("batch.json", (j) => {
      const hex = j["records"] as string;
      return { ...j, records: `${hex.slice(0, 10)}${hex[10] === "0" ? "1" : "0"}${hex.slice(11)}` };
    });
    const r = await verifyBatchFolder(dir);
    expect(r.valid).toBe(false);
    expect(r.checks.at(-1)).toMatchObject({ name: "public data", ok: false });
  });

  it("another withdrawal recipient fails the public-data check", async () => {
    const dir = tampered("batch.json", (j) => ({ ...j, l1Messages: [{ x: "48879", y: "1" }] }));
    expect((await verifyBatchFolder(dir)).checks.at(-1)).toMatchObject({ name: "public data", ok: false });
  });

  it("re-execution from a state other than the batch's old root fails", async () => {
    const other = join(root, "other-state.json");
    writeFileSync(other, JSON.stringify(stateToJson(fundedState().state)));
    const r = await verifyBatchFolder(good, { reexecute: other });
    expect(r.checks.at(-1)).toMatchObject({ name: "re-execution", ok: false });
  });

  it("CLI: exit 0 valid, 1 invalid with the reason, 2 bad input with one line", () => {
    expect(zkrVerify(good, "--reexecute", preState)).toMatchObject({ code: 0 });
    const invalid = zkrVerify(tampered("public.json", () => ["1"]));
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/INVALID: proof/);
    for (const bad of [zkrVerify(join(root, "nope")), zkrVerify(tampered("proof.json", () => ({ pi_a: 1 }))), zkrVerify()]) {
      expect(bad.code).toBe(2);
      expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    }
    const dir = tampered("batch.json", (j) => j);
    writeFileSync(join(dir, "batch.json"), "{ not json");
    const malformed = zkrVerify(dir);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr.trim().split("\n")).toHaveLength(1);
  });
});
