import { describe, expect, it } from "vitest";
import { RollupState } from "../../src/state/index.ts";
import {
  L1Chain,
  L1Clock,
  L1Error,
  ZkRollupContract,
  calldataCost,
  labelAddress,
  type L1Transaction,
} from "../../src/l1/index.ts";
import { ctx, newUser, testInstance } from "../helpers/fixtures.ts";

const ALICE = labelAddress("alice");
const BOB = labelAddress("bob");
/** Deposits and claims never reach the verifier: a key of the right shape is enough here. */
const SHAPE_ONLY_VKEY = { protocol: "groth16", curve: "bn128", nPublic: 1 };

function sumOfLines(tx: L1Transaction): number {
  return tx.gas.reduce((s, l) => s + l.gas, 0);
}

function newRollup(chain: L1Chain, finalitySlots = 0): ZkRollupContract {
  return new ZkRollupContract(chain, {
    rollupId: ctx.rollupId,
    layout: ctx.layout,
    capacity: testInstance.ops,
    vkey: SHAPE_ONLY_VKEY,
    genesisRoot: new RollupState(testInstance.arities).root,
    finalitySlots,
  });
}

describe("L1 clock", () => {
  it("starts at 0 with 12 s slots and moves only when advanced", () => {
    const clock = new L1Clock();
    expect([clock.now, clock.slot, clock.slotSeconds]).toEqual([0, 0, 12]);
    clock.advance(11);
    expect(clock.slot).toBe(0);
    clock.advance(1);
    expect([clock.now, clock.slot, clock.slotTimestamp(clock.slot)]).toEqual([12, 1, 12]);
    clock.advance(5);
    clock.advanceSlots(2);
    expect([clock.now, clock.slot]).toEqual([36, 3]);
    clock.advanceSlots(0);
    expect(clock.now).toBe(36);
  });

  it("takes another slot length and refuses going backwards", () => {
    const clock = new L1Clock({ slotSeconds: 2 });
    clock.advance(7);
    expect(clock.slot).toBe(3);
    expect(() => clock.advance(-1)).toThrow(L1Error);
    expect(() => new L1Clock({ slotSeconds: 0 })).toThrow(L1Error);
  });
});

describe("L1 chain", () => {
  it("mines transactions into the current slot's block, in order; empty slots are empty blocks", async () => {
    const chain = new L1Chain();
    chain.mint(ALICE, 100n);
    const [a, b] = await Promise.all([chain.transfer(ALICE, BOB, 10n), chain.transfer(ALICE, BOB, 5n)]);
    chain.advance(30);
    const c = await chain.transfer(BOB, ALICE, 1n);
    expect([a.blockNumber, a.index, b.blockNumber, b.index]).toEqual([0, 0, 0, 1]);
    expect([c.blockNumber, c.timestamp]).toEqual([2, 24]);
    expect(chain.block(0).transactions).toHaveLength(2);
    expect(chain.block(1)).toEqual({ number: 1, timestamp: 12, transactions: [] });
    expect(() => chain.block(3)).toThrow(L1Error);
    expect(chain.transactions()).toHaveLength(3);
  });

  it("a plain transfer costs 21,000 gas and moves the value", async () => {
    const chain = new L1Chain();
    chain.mint(ALICE, 100n);
    const r = await chain.transfer(ALICE, BOB, 40n);
    expect(r.status).toBe("success");
    expect(r.gasUsed).toBe(21_000);
    expect([chain.balanceOf(ALICE), chain.balanceOf(BOB)]).toEqual([60n, 40n]);
    expect(r.gasProvenance).toMatch(/src\/l1\/gas\.ts/);
  });

  it("a reverted transaction is mined and pays gas but changes nothing", async () => {
    const chain = new L1Chain();
    chain.mint(ALICE, 10n);
    const r = await chain.transfer(ALICE, BOB, 11n);
    expect(r.status).toBe("reverted");
    expect(r.revertReason).toBe("INSUFFICIENT_BALANCE");
    expect(r.gasUsed).toBe(21_000);
    expect(r.events).toEqual([]);
    expect(r.result).toBeUndefined();
    expect([chain.balanceOf(ALICE), chain.balanceOf(BOB)]).toEqual([10n, 0n]);
    expect(chain.block(0).transactions).toHaveLength(1);
  });
});

describe("bridge deposits", () => {
  it("locks the amount and queues the L2 key with the L1 time", async () => {
    const chain = new L1Chain();
    const rollup = newRollup(chain);
    const user = newUser();
    chain.mint(ALICE, 5_000n);
    chain.advance(25);
    const r = await rollup.deposit(ALICE, user.publicKey, 1_000n);
    expect(r.status).toBe("success");
    expect(r.result).toMatchObject({ index: 0, sender: ALICE, publicKey: user.publicKey, amount: 1_000n, blockNumber: 2, timestamp: 24 });
    expect(rollup.depositQueue).toHaveLength(1);
    expect(rollup.bridge.queueHead).toBe(0);
    expect(chain.balanceOf(ALICE)).toBe(4_000n);
    expect(rollup.bridge.lockedBalance).toBe(1_000n);
    expect(r.events).toEqual([
      { address: rollup.address, name: "DepositQueued", args: { index: 0, x: user.publicKey.x, y: user.publicKey.y, amount: 1_000n, timestamp: 24 } },
    ]);
    // selector + two words
    expect(r.calldata.bytes).toBe(4 + 64);
    expect(r.calldata).toEqual(calldataCost(r.input));
    expect(r.gas.map((l) => [l.item, l.gas])).toEqual([
      ["base", 21_000],
      ["calldata", r.calldata.gas],
      ["storage reads", 2_100],
      ["storage writes", 20_000],
      ["storage writes", 22_100],
      ["storage writes", 3 * 22_100],
      ["storage writes", 22_100],
      ["logs", 375 + 2 * 375 + 8 * 128],
    ]);
    expect(r.gasUsed).toBe(sumOfLines(r));

    const second = await rollup.deposit(ALICE, user.publicKey, 5n);
    // A known key: one registry read, no registry write.
    expect(second.gas.filter((l) => l.item === "storage writes").map((l) => l.gas)).toEqual([3 * 22_100, 5_000]);
    expect(second.gas.filter((l) => l.item === "storage reads").map((l) => l.gas)).toEqual([2_100]);
  });

  const FUNDS = 10n ** 12n;
  it.each([
    ["BAD_AMOUNT", 0n],
    ["BAD_AMOUNT", (1n << 34n) + 1n], // no exact 38-bit encoding: could never be consumed
    ["INSUFFICIENT_BALANCE", 2n * FUNDS],
  ])("reverts %s for a deposit of %s and changes nothing", async (code, amount) => {
    const chain = new L1Chain();
    const rollup = newRollup(chain);
    chain.mint(ALICE, FUNDS);
    const r = await rollup.deposit(ALICE, newUser().publicKey, amount);
    expect(r.revertReason).toBe(code);
    expect(r.gasUsed).toBeGreaterThanOrEqual(21_000);
    expect(rollup.depositQueue).toHaveLength(0);
    expect(chain.balanceOf(ALICE)).toBe(FUNDS);
    expect(rollup.bridge.lockedBalance).toBe(0n);
  });

  it("reverts BAD_PUBLIC_KEY for a key that is not two field elements", async () => {
    const chain = new L1Chain();
    const rollup = newRollup(chain);
    chain.mint(ALICE, 5_000n);
    expect((await rollup.deposit(ALICE, { x: 0n, y: 0n }, 1n)).revertReason).toBe("BAD_PUBLIC_KEY");
    expect((await rollup.deposit(ALICE, { x: 1n << 254n, y: 1n }, 1n)).revertReason).toBe("BAD_PUBLIC_KEY");
    expect(chain.balanceOf(ALICE)).toBe(5_000n);
  });

  it("a claim of a withdrawal no batch registered reverts NO_WITHDRAWAL", async () => {
    const chain = new L1Chain();
    const rollup = newRollup(chain);
    const r = await rollup.claimWithdrawal(ALICE, 1, 0);
    expect(r.revertReason).toBe("NO_WITHDRAWAL");
    expect(r.gasUsed).toBe(sumOfLines(r));
  });
});
