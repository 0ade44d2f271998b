/**
 * `zkr setup --force` while a node runs must not change the keys under it: setup writes a new key
 * version and the node keeps proving with the version its data directory pinned at genesis, now and
 * after a restart (no KEYS_CHANGED, nothing rejected by the L1).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { compiledCircuit } from "../../src/artifacts/compile.ts";
import { existingSetup, keysDir } from "../../src/artifacts/setup.ts";
import { labelAddress } from "../../src/l1/address.ts";
import { NodeClient } from "../../src/node/client.ts";
import { startNode, type RunningNode } from "../../src/node/run.ts";
import { REPO_ROOT } from "../../src/paths.ts";
import { newUser, ROLLUP_ID, testInstance } from "../helpers/fixtures.ts";
import { until } from "./helpers.ts";

const dataDir = mkdtempSync(join(tmpdir(), "zkr-keys-"));
let running: RunningNode | undefined;

afterAll(async () => {
  await running?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const start = () =>
  startNode({ dataDir, port: 0, instance: testInstance, genesis: { rollupId: ROLLUP_ID, finalitySlots: 1 }, slotMs: 0, maxWaitSeconds: 0 });

/** `zkr ARGS` as its own process (the test's event loop stays free for the node it runs). */
function zkr(args: string[]): Promise<number | null> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [resolve(REPO_ROOT, "bin", "zkr.js"), ...args], { cwd: REPO_ROOT, stdio: "ignore" });
    child.on("exit", (code) => done(code));
  });
}

/** One deposit, then waits until the batch `n` holding it is accepted by the L1. */
async function depositBatch(node: RunningNode, n: number): Promise<void> {
  const client = new NodeClient(node.api.url);
  const l1 = labelAddress(`keys test ${n}`);
  await client.faucet(l1, 1_000n);
  await client.deposit(l1, newUser().publicKey, 100n);
  await until(async () => {
    await node.node.tick();
    if (node.node.halted !== undefined) throw node.node.halted;
    const b = node.node.batchView(n);
    return b !== undefined && (b.status === "accepted" || b.status === "final");
  }, 90_000, `batch ${n} accepted`);
}

describe("zkr setup --force while a node runs on the instance", () => {
  it("the node keeps its pinned keys: the next proof is accepted, and a restart loads the same version", async () => {
    running = await start();
    const pinned = running.node.meta.keysVersion;
    expect(pinned).toBeDefined();
    expect(running.node.keys.version).toBe(pinned);

    expect(await zkr(["setup", testInstance.name, "--force"])).toBe(0);
    const circuit = compiledCircuit(testInstance);
    if (circuit === undefined) throw new Error("test circuit not built");
    expect(existingSetup(circuit, "groth16")?.version).not.toBe(pinned);
    expect(existsSync(join(keysDir(testInstance.name), pinned ?? "", "circuit.zkey"))).toBe(true);

    await depositBatch(running, 1);
    await running.stop();
    running = undefined;

    running = await start();
    expect(running.node.keys.version).toBe(pinned);
    await depositBatch(running, 2);
    expect(running.node.health().ok).toBe(true);
  });
});
