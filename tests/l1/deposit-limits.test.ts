/**
 * The bridge both rollups share (contracts/), in the in-process EVM: what a deposit queues and locks, and
 * that no deposit the L2 could not credit ever enters the queue (it would halt the rollup: no batch could
 * consume it). Reproduces the review's two halts — two deposits into one key whose sum passes 2^64, and
 * one more new key than the tree has leaves — and the key rule: a key that can never sign (off the curve,
 * or of small order, or not two field elements) is refused.
 */
import { describe, expect, it } from "vitest";
import { FIELD_MODULUS } from "../../src/crypto/field.ts";
import type { PublicKey } from "../../src/crypto/eddsa.ts";
import { ZkRollupL1 } from "../../src/evm/zk-rollup.ts";
import { OptimisticRollupL1 } from "../../src/evm/optimistic-rollup.ts";
import { EvmSession } from "../../src/evm/client.ts";
import { labelAddress, type L1Address } from "../../src/l1/address.ts";
import { L1Clock } from "../../src/l1/clock.ts";
import { RollupState, buildBatch } from "../../src/state/index.ts";
import { assignDeposits } from "../../src/sequencer/sequencer.ts";
import { MAX_BALANCE } from "../../src/tx/amount.ts";
import { ctx, newUser, testInstance } from "../helpers/fixtures.ts";

const DEPOSITOR = labelAddress("depositor");
const genesis = () => new RollupState(testInstance.arities);

/** What the tests use of either rollup's client. */
interface Bridge {
  readonly address: string;
  deposit(sender: L1Address, key: PublicKey, amount: bigint): Promise<{ status: string; revertReason: string | null; timestamp: number; result: unknown }>;
  claimWithdrawal(sender: L1Address, batchNumber: number, index: number): Promise<{ revertReason: string | null }>;
  depositQueue(): Promise<readonly { readonly index: number; readonly publicKey: PublicKey; readonly amount: bigint }[]>;
  balanceOf(a: L1Address): Promise<bigint>;
  fund(a: L1Address, amount: bigint): Promise<void>;
}

/** A fresh EVM with one rollup deployed (the clock one slot in: EDR reads a next timestamp of 0 as none). */
async function deployed(kind: "zk" | "optimistic"): Promise<{ bridge: Bridge; session: EvmSession }> {
  const session = await EvmSession.inProcess();
  const clock = new L1Clock();
  clock.advanceSlots(1);
  const common = { rollupId: ctx.rollupId, capacity: testInstance.ops, genesisRoot: genesis().root, session, clock };
  const bridge: Bridge =
    kind === "zk"
      ? await ZkRollupL1.start({ ...common, layout: ctx.layout, arities: testInstance.arities, verifier: "accepting" })
      : await OptimisticRollupL1.start({ ...common, arities: testInstance.arities, proposerBond: 1000n, challengerBond: 400n });
  await bridge.fund(DEPOSITOR, 10n ** 21n);
  return { bridge, session };
}

describe.each(["zk", "optimistic"] as const)("the bridge of the %s contract", (kind) => {
  it("a deposit locks its amount and queues the L2 key with the L1 time; what cannot be credited is refused", async () => {
    const { bridge, session } = await deployed(kind);
    try {
      const user = newUser();
      const locked = await bridge.balanceOf(BigInt(bridge.address));
      const before = await bridge.balanceOf(DEPOSITOR);
      const r = await bridge.deposit(DEPOSITOR, user.publicKey, 1_000n);
      expect(r.status).toBe("success");
      expect(r.result).toMatchObject({ index: 0, sender: DEPOSITOR, publicKey: user.publicKey, amount: 1_000n, timestamp: r.timestamp });
      expect(await bridge.depositQueue()).toMatchObject([{ index: 0, publicKey: user.publicKey, amount: 1_000n }]);
      expect([await bridge.balanceOf(DEPOSITOR), await bridge.balanceOf(BigInt(bridge.address))]).toEqual([before - 1_000n, locked + 1_000n]);

      // nothing (0), an amount no 38-bit record encodes exactly, a key that is not two field elements
      const refused: [bigint, PublicKey, string][] = [
        [0n, user.publicKey, "BAD_AMOUNT"],
        [(1n << 34n) + 1n, user.publicKey, "BAD_AMOUNT"],
        [1n, { x: 0n, y: 0n }, "BAD_PUBLIC_KEY"],
        [1n, { x: 1n << 254n, y: 1n }, "BAD_PUBLIC_KEY"],
      ];
      for (const [amount, key, code] of refused) expect((await bridge.deposit(DEPOSITOR, key, amount)).revertReason).toBe(code);
      expect(await bridge.depositQueue()).toHaveLength(1);
      expect(await bridge.balanceOf(DEPOSITOR)).toBe(before - 1_000n);
      // a withdrawal no batch registered
      expect((await bridge.claimWithdrawal(DEPOSITOR, 1, 0)).revertReason).toBe("NO_WITHDRAWAL");
    } finally {
      await session.close();
    }
  });

  it("the bridge holds at most 2^64 - 1: a deposit past it reverts BRIDGE_FULL, so no balance can overflow", async () => {
    const { bridge, session } = await deployed(kind);
    try {
      const user = newUser();
      const big = 9n * 10n ** 18n; // exactly encodable: 9 · 10^18
      expect((await bridge.deposit(DEPOSITOR, user.publicKey, big)).status).toBe("success");
      expect((await bridge.deposit(DEPOSITOR, user.publicKey, big)).status).toBe("success");
      // 1.8e19 + 1e18 > 2^64 - 1 ≈ 1.845e19: before, this queued and no batch could ever credit it.
      expect((await bridge.deposit(DEPOSITOR, user.publicKey, 10n ** 18n)).revertReason).toBe("BRIDGE_FULL");
      const queue = await bridge.depositQueue();
      expect(queue).toHaveLength(2);
      // What is queued can always be credited: the sequencer's batch of them builds.
      const built = buildBatch(genesis(), assignDeposits(genesis(), queue), testInstance.ops, ctx);
      expect(built.state.account(0)?.balance).toBe(2n * big);
      expect(2n * big + 10n ** 18n).toBeGreaterThan(MAX_BALANCE);
    } finally {
      await session.close();
    }
  });

  it("one account per key, no more keys than leaves: the key after the last free leaf reverts TREE_FULL; keys that can never sign are refused", async () => {
    const { bridge, session } = await deployed(kind);
    try {
      const leaves = testInstance.arities.reduce((n, a) => n * a, 1);
      const users = Array.from({ length: leaves + 1 }, () => newUser());
      for (const u of users.slice(0, leaves)) expect((await bridge.deposit(DEPOSITOR, u.publicKey, 10n)).status).toBe("success");
      expect((await bridge.deposit(DEPOSITOR, users[leaves]!.publicKey, 10n)).revertReason).toBe("TREE_FULL");
      expect((await bridge.deposit(DEPOSITOR, users[0]!.publicKey, 5n)).status).toBe("success");
      // Every queued deposit has a leaf: the whole queue applies, batch by batch.
      let state = genesis();
      const queue = [...(await bridge.depositQueue())];
      for (let i = 0; i < queue.length; i += testInstance.ops) {
        state = buildBatch(state, assignDeposits(state, queue.slice(i, i + testInstance.ops)), testInstance.ops, ctx).state;
      }
      expect([...state.entries()]).toHaveLength(leaves);
      // off the curve, small order (the identity and (0, -1)), a coordinate not below the field modulus
      for (const key of [{ x: 1n, y: 2n }, { x: 0n, y: 1n }, { x: 0n, y: FIELD_MODULUS - 1n }, { x: FIELD_MODULUS, y: 1n }]) {
        expect((await bridge.deposit(DEPOSITOR, key, 10n)).revertReason).toBe("BAD_PUBLIC_KEY");
      }
    } finally {
      await session.close();
    }
  });
});
