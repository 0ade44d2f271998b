/**
 * The review's halt, end to end: two L1 deposits into one key whose sum passes 2^64, or one more new key
 * than the tree has leaves, used to leave the node HALTED for good (the batch consuming them cannot be
 * proven). The L1 now refuses both at deposit time, so the node never sees them and keeps batching.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labelAddress } from "../../src/l1/address.ts";
import { NodeClient } from "../../src/node/client.ts";
import type { RunningNode } from "../../src/node/run.ts";
import { newUser, testInstance } from "../helpers/fixtures.ts";
import { TestNodes, until } from "./helpers.ts";

/** Waits until every cut batch is accepted. */
async function accepted(n: RunningNode): Promise<void> {
  await until(async () => {
    const h = n.node.health();
    return h.mempool.pending === 0 && h.batches.cut === h.batches.accepted && !h.prover.busy && n.node.health().batches.cut > 0;
  }, 60_000, "every batch accepted", 100);
}

/** Waits until every cut batch is accepted, then moves the L1 on so they are final. */
async function settle(n: RunningNode): Promise<void> {
  await accepted(n);
  await n.node.tick();
}

const nodes = new TestNodes("zkr-deposit-limits-");
let node: RunningNode;
let client: NodeClient;
const FUNDER = labelAddress("deposit limits funder");

beforeAll(async () => {
  node = await nodes.start();
  client = new NodeClient(node.api.url);
  await client.faucet(FUNDER, 10n ** 20n);
});

afterAll(async () => {
  await nodes.stopAll();
});

describe("a depositor cannot halt the node", () => {
  it("a deposit that would take the bridge past 2^64 - 1 is refused by the L1 (BRIDGE_FULL); the node goes on", async () => {
    const whale = newUser();
    for (let i = 0; i < 2; i++) expect((await client.deposit(FUNDER, whale.publicKey, 9n * 10n ** 18n)).status).toBe("success");
    const over = await client.deposit(FUNDER, whale.publicKey, 10n ** 18n);
    expect([over.status, over.revertReason]).toEqual(["reverted", "BRIDGE_FULL"]);
    // The last batch accepted is not final at once (finalitySlots 1), but after the L1 moves on. How many
    // blocks that takes depends on how the deposits and batches interleaved (each transaction is a block).
    await accepted(node);
    const h = node.node.health();
    expect(h.batches.final).toBeLessThan(h.batches.accepted);
    for (let i = 0; i < 3 && node.node.health().batches.final < h.batches.accepted; i++) await node.node.tick();
    expect(node.node.health().batches.final).toBe(h.batches.accepted);
    const [index] = await client.findAccounts(whale.publicKey);
    expect((await client.account(index!)).account?.balance).toBe((18n * 10n ** 18n).toString());
    expect((await client.health()).halted).toBeNull();
  });

  it("a new key past the tree's leaves is refused (TREE_FULL); known keys still deposit and are credited", async () => {
    const leaves = testInstance.arities.reduce((n, a) => n * a, 1);
    const users = Array.from({ length: leaves }, () => newUser()); // the whale already holds one leaf
    for (const u of users.slice(0, leaves - 1)) expect((await client.deposit(FUNDER, u.publicKey, 10n)).status).toBe("success");
    const last = await client.deposit(FUNDER, users[leaves - 1]!.publicKey, 10n);
    expect([last.status, last.revertReason]).toEqual(["reverted", "TREE_FULL"]);
    expect((await client.deposit(FUNDER, users[0]!.publicKey, 5n)).status).toBe("success");
    await until(async () => (await client.rollupData()).depositQueue.length === leaves + 2, 10_000, "the deposits queued");
    await until(async () => {
      await settle(node);
      const [i] = await client.findAccounts(users[0]!.publicKey);
      return i !== undefined && (await client.account(i)).account?.balance === "15";
    }, 120_000, "every queued deposit to be credited and final");
    expect((await client.health()).halted).toBeNull();
  });
});
