/**
 * A batch folder is reported by the API only once it exists, whole: while the data directory cannot
 * take it (a simulated write failure) the batch is still proven and accepted but GET /batches/n has no
 * folder; once writing works again the folder is written (atomically) and then reported.
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { labelAddress } from "../../src/l1/address.ts";
import { NodeClient } from "../../src/node/client.ts";
import { BATCH_FILES } from "../../src/prover/batch-folder.ts";
import { newUser } from "../helpers/fixtures.ts";
import { TestNodes, until } from "./helpers.ts";

const nodes = new TestNodes("zkr-folder-");

afterAll(async () => {
  await nodes.stopAll();
});

describe("batch folders", () => {
  it("are not reported while they cannot be written, and are written whole once they can", async () => {
    const running = await nodes.start();
    const client = new NodeClient(running.api.url);
    const batchesDir = join(running.node.store.dir, "batches");
    // The write failure: a file where the batches folder goes (unlike chmod, this stops root too).
    writeFileSync(batchesDir, "");

    const l1 = labelAddress("folder test");
    await client.faucet(l1, 1_000n);
    await client.deposit(l1, newUser().publicKey, 100n);
    await until(async () => {
      await running.node.tick();
      if (running.node.halted !== undefined) throw running.node.halted;
      const b = await client.batch(1).catch(() => undefined);
      return b !== undefined && (b.status === "accepted" || b.status === "final");
    }, 90_000, "batch 1 accepted");
    const before = await client.batch(1);
    expect(before.proof).not.toBeNull();
    expect(before.folder).toBeUndefined();

    rmSync(batchesDir);
    await until(async () => {
      await running.node.tick();
      return (await client.batch(1)).folder !== undefined;
    }, 30_000, "the folder of batch 1");
    const folder = (await client.batch(1)).folder ?? "";
    for (const f of Object.values(BATCH_FILES)) expect(existsSync(join(folder, f)), f).toBe(true);
    // Nothing else in the batches folder: no temp folder left behind.
    expect(readdirSync(batchesDir)).toEqual(["batch-0001"]);
    expect(running.node.health().ok).toBe(true);
  });
});
