/**
 * No deposit the L2 could not credit ever enters the queue (it would halt the rollup: the circuit can
 * prove no batch that consumes it). Reproduces the review's two halts — two deposits into one key whose
 * sum passes 2^64, and one more new key than the tree has leaves — on both simulated contracts, and the
 * key rule: a key that can never sign (off the curve, or of small order) is refused.
 */
import { describe, expect, it } from "vitest";
import { FIELD_MODULUS } from "../../src/crypto/field.ts";
import { L1Chain, OptimisticRollupContract, ZkRollupContract, labelAddress } from "../../src/l1/index.ts";
import { RollupState, buildBatch } from "../../src/state/index.ts";
import { assignDeposits } from "../../src/sequencer/sequencer.ts";
import { MAX_BALANCE } from "../../src/tx/amount.ts";
import { ctx, newUser, testInstance } from "../helpers/fixtures.ts";
import { newWorld } from "../optimistic/world.ts";

const DEPOSITOR = labelAddress("depositor");
/** The contract checks the key's shape only here: no batch is submitted. */
const SHAPE_ONLY_VKEY = { protocol: "groth16", curve: "bn128", nPublic: 1 };
const genesis = () => new RollupState(testInstance.arities);

type Depositing = { deposit: ZkRollupContract["deposit"]; readonly depositQueue: readonly { publicKey: { x: bigint; y: bigint }; amount: bigint }[] };

function contracts(): [string, L1Chain, Depositing][] {
  const zkChain = new L1Chain();
  const zk = new ZkRollupContract(zkChain, { rollupId: ctx.rollupId, layout: ctx.layout, capacity: testInstance.ops, vkey: SHAPE_ONLY_VKEY, genesisRoot: genesis().root });
  const w = newWorld();
  return [
    ["zk", zkChain, zk],
    ["optimistic", w.chain, w.rollup as OptimisticRollupContract],
  ];
}

describe.each(contracts())("deposits the L2 could never credit are refused (%s contract)", (_name, chain, rollup) => {
  chain.mint(DEPOSITOR, 10n ** 21n);

  it("the bridge holds at most 2^64 - 1: a deposit past it reverts BRIDGE_FULL, so no balance can overflow", async () => {
    const user = newUser();
    const big = 9n * 10n ** 18n; // exactly encodable: 9 · 10^18
    expect((await rollup.deposit(DEPOSITOR, user.publicKey, big)).status).toBe("success");
    expect((await rollup.deposit(DEPOSITOR, user.publicKey, big)).status).toBe("success");
    // 1.8e19 + 1e18 > 2^64 - 1 ≈ 1.845e19: before, this queued and no batch could ever credit it.
    const over = await rollup.deposit(DEPOSITOR, user.publicKey, 10n ** 18n);
    expect(over.revertReason).toBe("BRIDGE_FULL");
    expect(rollup.depositQueue).toHaveLength(2);
    // What is queued can always be credited: the sequencer's batch of them builds.
    const ops = assignDeposits(genesis(), rollup.depositQueue);
    const built = buildBatch(genesis(), ops, testInstance.ops, ctx);
    expect(built.state.account(0)?.balance).toBe(2n * big);
    expect(2n * big + 10n ** 18n).toBeGreaterThan(MAX_BALANCE);
  });
});

describe.each(contracts())("one account per key, no more keys than leaves (%s contract)", (_name, chain, rollup) => {
  chain.mint(DEPOSITOR, 10n ** 21n);

  it("the key after the tree's last free leaf reverts TREE_FULL; known keys still deposit", async () => {
    const leaves = testInstance.arities.reduce((n, a) => n * a, 1);
    const users = Array.from({ length: leaves + 1 }, () => newUser());
    for (const u of users.slice(0, leaves)) expect((await rollup.deposit(DEPOSITOR, u.publicKey, 10n)).status).toBe("success");
    expect((await rollup.deposit(DEPOSITOR, users[leaves]!.publicKey, 10n)).revertReason).toBe("TREE_FULL");
    expect((await rollup.deposit(DEPOSITOR, users[0]!.publicKey, 5n)).status).toBe("success");
    // Every queued deposit has a leaf: the whole queue applies, batch by batch.
    let state = genesis();
    const queue = [...rollup.depositQueue];
    for (let i = 0; i < queue.length; i += testInstance.ops) {
      const part = queue.slice(i, i + testInstance.ops);
      state = buildBatch(state, assignDeposits(state, part), testInstance.ops, ctx).state;
    }
    expect([...state.entries()]).toHaveLength(leaves);
  });

  it("a key that can never sign is refused (BAD_PUBLIC_KEY): off the curve, or of small order", async () => {
    for (const key of [{ x: 1n, y: 2n }, { x: 0n, y: 1n }, { x: 0n, y: FIELD_MODULUS - 1n }, { x: FIELD_MODULUS, y: 1n }]) {
      expect((await rollup.deposit(DEPOSITOR, key, 10n)).revertReason).toBe("BAD_PUBLIC_KEY");
    }
  });
});
