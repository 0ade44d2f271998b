/**
 * The node's L1 (ZkRollup.sol in the in-process EVM) survives a restart by replay alone: the same
 * contract address, blocks, times, deposit queue and balances after reopening the store, ticks
 * included; an input logged but not executed before a crash runs in the replay; a deposit its sender
 * cannot pay is refused before it is logged.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonObject } from "snarkjs";
import { afterAll, describe, expect, it } from "vitest";
import { labelAddress } from "../../src/l1/address.ts";
import { publicKeyToJson } from "../../src/node/codec.ts";
import { L1Host, type L1LogEntry, type L1Params } from "../../src/node/l1-host.ts";
import { NodeStore, seqKey } from "../../src/node/store.ts";
import { RollupState } from "../../src/state/rollup-state.ts";
import { newUser, ROLLUP_ID, testArtifacts, testInstance } from "../helpers/fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "zkr-l1-host-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const { keys } = testArtifacts();
const params: L1Params = {
  rollupId: ROLLUP_ID,
  layout: testInstance.layout,
  arities: testInstance.arities,
  capacity: testInstance.ops,
  vkey: JSON.parse(readFileSync(keys.vkey, "utf8")) as JsonObject,
  zkey: keys.zkey,
  genesisRoot: new RollupState(testInstance.arities).root,
  slotSeconds: 12,
  finalitySlots: 1,
  forcedDeadlineSeconds: 60,
};

async function withHost<T>(f: (host: L1Host, store: NodeStore) => Promise<T>): Promise<T> {
  const store = await NodeStore.open(dir);
  const host = await L1Host.open(store, params);
  try {
    return await f(host, store);
  } finally {
    await host.close();
    await store.close();
  }
}

const snapshot = async (host: L1Host, who: bigint) => ({
  address: host.evm.address,
  block: host.view.block,
  now: host.now,
  queue: host.view.depositQueue,
  balance: await host.evm.balanceOf(who),
  bridge: await host.evm.balanceOf(BigInt(host.evm.address)),
});

describe("the node's L1 across restarts", () => {
  const alice = labelAddress("l1-host alice");
  const bob = newUser();

  it("replays to the same chain: address, blocks, times, queue and balances", async () => {
    const before = await withHost(async (host) => {
      expect(host.now).toBe(12); // the contracts are deployed in slot 1
      await host.tick();
      await host.fund(alice, 1_000n);
      const ok = await host.deposit(alice, bob.publicKey, 10n);
      expect([ok.status, ok.timestamp, ok.result?.index]).toEqual(["success", 24, 0]);
      const bad = await host.deposit(alice, bob.publicKey, 0n);
      expect([bad.status, bad.revertReason]).toEqual(["reverted", "BAD_AMOUNT"]);
      await host.tick();
      await host.tick();
      expect(host.transactionCount).toBe(2);
      await expect(host.deposit(labelAddress("nobody"), bob.publicKey, 5n)).rejects.toMatchObject({ code: "L1_INSUFFICIENT_FUNDS" });
      expect(host.transactionCount).toBe(2);
      return snapshot(host, alice);
    });
    expect(before).toMatchObject({ now: 48, balance: 990n, bridge: 10n });
    expect(await withHost((host) => snapshot(host, alice))).toEqual(before);
  });

  it("an input logged before a crash, not yet executed, runs in the replay", async () => {
    const { entries } = await withHost(async (_host, store) => L1Host.readLog(store));
    const last = await withHost(async (host, store) => {
      const entry: L1LogEntry = {
        at: host.now,
        block: host.view.block,
        call: { type: "deposit", from: `0x${alice.toString(16)}`, publicKey: publicKeyToJson(bob.publicKey), amount: "7" },
      };
      // What logged() writes before it executes; the "crash" comes before execution.
      await store.write([{ type: "put", key: seqKey("l1/tx/", entries.length), value: entry }]);
      return host.view.depositQueue.length;
    });
    await withHost(async (host) => {
      expect(host.view.depositQueue.map((d) => d.amount)).toEqual([10n, 7n]);
      expect(host.view.depositQueue.length).toBe(last + 1);
      expect(await host.evm.balanceOf(alice)).toBe(983n);
    });
  });
});
