/**
 * The two L1 modes run the same contracts: the same scripted optimistic traffic (honest batches, a
 * withdrawal, a minting proposer disputed by the watcher, a dishonest challenger, rejections) on the
 * in-process EVM and on anvil gives the same transactions, statuses, revert codes, events and gasUsed,
 * transaction by transaction (deployments included). If anvil cannot start, the test fails with the
 * reason (it is never skipped).
 */
import { parseEventLogs, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { OptimisticRollupL1, OPTIMISTIC_ROLLUP_ABI } from "../../src/evm/optimistic-rollup.ts";
import { EvmSession } from "../../src/evm/client.ts";
import { requireContract } from "../../src/evm/compile.ts";
import { privateKeyFromLabel, publicKeyOf } from "../../src/crypto/index.ts";
import { labelAddress } from "../../src/l1/address.ts";
import { L1Clock } from "../../src/l1/clock.ts";
import { rootsProof } from "../../src/l1/dispute-merkle.ts";
import { DishonestChallenger, MaliciousProposer, Proposer, Watcher, type SentTransaction } from "../../src/optimistic/index.ts";
import { RollupState } from "../../src/state/index.ts";
import { signTransfer, signWithdraw } from "../../src/tx/index.ts";
import { ctx, testInstance } from "../helpers/fixtures.ts";

const PROPOSER = labelAddress("proposer");
const MALLORY_PROPOSER = labelAddress("mallory (proposer)");
const WATCHER = labelAddress("watcher");
const CHALLENGER = labelAddress("dishonest challenger");
const ANYONE = labelAddress("anyone");
const BOB_L1 = labelAddress("bob (L1)");
const WINDOW = 3 * 3_600;

/** Fixed keys: both EVMs are sent byte-identical calldata (signatures are deterministic). */
const [alice, bob, mallory] = ["alice", "bob", "mallory"].map((label) => {
  const key = privateKeyFromLabel(`optimistic equivalence: ${label}`);
  return { key, publicKey: publicKeyOf(key) };
}) as [{ key: Uint8Array; publicKey: { x: bigint; y: bigint } }, { key: Uint8Array; publicKey: { x: bigint; y: bigint } }, { key: Uint8Array; publicKey: { x: bigint; y: bigint } }];

/** One mined transaction as the chain shows it, with the revert code the client decoded. */
interface Row {
  readonly block: number;
  readonly timestamp: number;
  readonly from: Hex;
  readonly to: Hex | null;
  readonly selector: string;
  readonly status: string;
  readonly revertReason: string | null;
  readonly gasUsed: bigint;
  readonly events: readonly { name: string; args: unknown }[];
}

/** Every party steps once per slot until `done()`. */
async function play(clock: L1Clock, parties: readonly { step(): Promise<unknown> }[], done: () => Promise<boolean>): Promise<void> {
  for (let slot = 0; slot < 500; slot++) {
    for (const p of parties) await p.step();
    if (await done()) return;
    clock.advanceSlots(1);
  }
  throw new Error("not done after 500 slots");
}

/** The scripted traffic on one L1; returns every transaction mined, in order. */
async function traffic(mode: "in-process" | "anvil"): Promise<Row[]> {
  const clock = new L1Clock();
  // EDR takes a next-block timestamp of 0 for "none": both start one slot in.
  clock.advanceSlots(1);
  const session = mode === "in-process" ? await EvmSession.inProcess() : await EvmSession.start({ genesisTimestamp: 0 });
  try {
    const l1 = await OptimisticRollupL1.start({
      rollupId: ctx.rollupId,
      arities: testInstance.arities,
      capacity: 4,
      genesisRoot: new RollupState(testInstance.arities).root,
      challengeWindowSeconds: WINDOW,
      responseSeconds: 600,
      proposerBond: 1_000_000n,
      challengerBond: 400_000n,
      session,
      clock,
    });
    expect(l1.deployment.evm).toMatch(mode === "in-process" ? /in-process/ : /anvil/);
    const receipts = new Map<string, string | null>();
    const sent = (r: { txHash: Hex; revertReason: string | null }) => {
      receipts.set(r.txHash, r.revertReason);
      return r;
    };
    for (const a of [PROPOSER, MALLORY_PROPOSER, WATCHER, CHALLENGER, ANYONE]) await l1.fund(a, 10_000_000n);
    for (const [who, user, amount] of [[labelAddress("alice (L1)"), alice, 1000n], [BOB_L1, bob, 50n], [labelAddress("mallory (L1)"), mallory, 10n]] as const) {
      await l1.fund(who, 10_000n);
      sent(await l1.deposit(who, user.publicKey, amount));
    }
    sent(await l1.deposit(ANYONE, alice.publicKey, 0n)); // BAD_AMOUNT

    // Honest batches: deposits, then a transfer and bob's withdrawal.
    const proposer = new Proposer(l1, PROPOSER);
    const watcher = new Watcher(l1, WATCHER);
    const challenger = new DishonestChallenger(l1, CHALLENGER, 1);
    clock.advanceSlots(1);
    await proposer.propose([
      { kind: "deposit", to: 0, publicKey: alice.publicKey, amount: 1000n },
      { kind: "deposit", to: 5, publicKey: bob.publicKey, amount: 50n },
      { kind: "deposit", to: 3, publicKey: mallory.publicKey, amount: 10n },
    ]);
    clock.advanceSlots(1);
    await proposer.propose([
      signTransfer(alice.key, { kind: "transfer", from: 0, to: 5, amount: 300n, nonce: 0n }, ctx.layout, ctx.rollupId),
      signWithdraw(bob.key, { kind: "withdraw", from: 5, recipient: BOB_L1, amount: 20n, nonce: 0n }, ctx.layout, ctx.rollupId),
    ]);
    sent(await l1.claimWithdrawal(ANYONE, 2, 0)); // NOT_FINAL
    sent(await l1.challenge(WATCHER, 9)); // NO_SUCH_BATCH

    // A dishonest challenger against batch 2; mallory mints on top of it and the watcher disputes that.
    clock.advanceSlots(1);
    await challenger.challenge(2);
    const malloryP = new MaliciousProposer(l1, MALLORY_PROPOSER, proposer.state);
    await malloryP.proposeTampered(
      [
        signTransfer(alice.key, { kind: "transfer", from: 0, to: 3, amount: 5n, nonce: 1n }, ctx.layout, ctx.rollupId),
        signTransfer(bob.key, { kind: "transfer", from: 5, to: 0, amount: 7n, nonce: 1n }, ctx.layout, ctx.rollupId),
      ],
      { kind: "mint", at: 1, account: 3, amount: 5_000n },
    );
    const roots = malloryP.rootsOf(3) ?? [];
    clock.advanceSlots(1);
    await watcher.step();
    sent(await l1.revealRoot(WATCHER, 2, roots[2] ?? 0n, rootsProof(roots, 2))); // NOT_YOUR_TURN
    sent(await l1.revealRoot(MALLORY_PROPOSER, 2, (roots[2] ?? 0n) + 1n, rootsProof(roots, 2))); // BAD_MERKLE_PROOF
    sent(await l1.proveStep(WATCHER, 2, [])); // NOT_YOUR_TURN
    sent(await l1.timeout(ANYONE, 2)); // DEADLINE_NOT_PASSED
    await play(clock, [watcher, malloryP, proposer, challenger], async () => (await l1.openDisputes()).length === 0);
    expect([(await l1.dispute(1))?.outcome, (await l1.dispute(2))?.outcome]).toEqual(["proposerWon", "challengerWon"]);
    expect(await l1.liveBatches()).toEqual([1, 2]);

    // After the window: the withdrawal is paid once, the bonds come back once.
    const b2 = await l1.batch(2);
    clock.advanceSlots(Math.floor((b2?.windowEnd ?? 0) / clock.slotSeconds) + 1 - clock.slot);
    sent(await l1.claimWithdrawal(ANYONE, 2, 0));
    sent(await l1.claimWithdrawal(ANYONE, 2, 0)); // ALREADY_CLAIMED
    sent(await l1.finalize(ANYONE, 3)); // NOT_FINAL (rolled back)
    await proposer.step();
    sent(await l1.finalize(ANYONE, 1)); // ALREADY_FINALIZED
    for (const p of [proposer, watcher, challenger, malloryP]) for (const r of p.sent as (SentTransaction & { txHash: Hex })[]) sent(r);

    // Every transaction the chain holds, block by block.
    const rows: Row[] = [];
    const latest = await session.blockNumber();
    for (let n = 1; n <= latest; n++) {
      const block = await session.public.getBlock({ blockNumber: BigInt(n), includeTransactions: true });
      for (const tx of block.transactions) {
        const receipt = await session.public.getTransactionReceipt({ hash: tx.hash });
        const isDeployment = tx.to === null;
        expect(isDeployment || receipts.has(tx.hash), `transaction ${tx.hash} in block ${n} was recorded`).toBe(true);
        rows.push({
          block: n,
          timestamp: Number(block.timestamp),
          from: tx.from,
          to: tx.to,
          selector: tx.input.slice(0, 10),
          status: receipt.status,
          revertReason: receipts.get(tx.hash) ?? null,
          gasUsed: receipt.gasUsed,
          events: isDeployment ? [] : parseEventLogs({ abi: OPTIMISTIC_ROLLUP_ABI, logs: receipt.logs }).map((l) => ({ name: l.eventName, args: l.args })),
        });
      }
    }
    expect(rows.filter((r) => r.to !== null).length).toBe(receipts.size);
    return rows;
  } finally {
    await session.close();
  }
}

describe("OptimisticRollup.sol: the in-process EVM and anvil are the same L1", () => {
  it("compiles with solc-js; the ABI the client uses is the contract's; Poseidon(8) fits EIP-170", async () => {
    const session = await EvmSession.inProcess();
    try {
      const clock = new L1Clock();
      clock.advanceSlots(1);
      const l1 = await OptimisticRollupL1.start({ rollupId: ctx.rollupId, arities: [4, 8], capacity: 1, genesisRoot: new RollupState([4, 8]).root, proposerBond: 1n, challengerBond: 1n, session, clock });
      const compiled = requireContract(l1.compiled, "OptimisticRollup");
      const names = new Set(compiled.abi.map((item) => ("name" in item ? `${item.type}:${item.name}` : item.type)));
      for (const item of OPTIMISTIC_ROLLUP_ABI) expect(names.has(`${item.type}:${item.name}`), `${item.type} ${item.name}`).toBe(true);
      expect(compiled.deployedBytes).toBeLessThan(24_576);
      expect(l1.deployment.hardfork).toBe("prague");
      expect(l1.deployment.gas.poseidon8).toBeGreaterThan(l1.deployment.gas.poseidon6);
    } finally {
      await session.close();
    }
  });

  it("the same traffic gives the same transactions, statuses, revert codes, events and gas, transaction by transaction", async () => {
    const inProcess = await traffic("in-process");
    const anvil = await traffic("anvil");
    expect(anvil.length).toBe(inProcess.length);
    anvil.forEach((row, i) => expect(row, `transaction ${i} (block ${row.block})`).toEqual(inProcess[i]));
    // the traffic covers what it says: successes and the scripted rejections, every dispute move
    const codes = inProcess.flatMap((r) => (r.revertReason === null ? [] : [r.revertReason])).sort();
    expect(codes).toEqual(["ALREADY_CLAIMED", "ALREADY_FINALIZED", "BAD_AMOUNT", "BAD_MERKLE_PROOF", "DEADLINE_NOT_PASSED", "NOT_FINAL", "NOT_FINAL", "NOT_YOUR_TURN", "NOT_YOUR_TURN", "NO_SUCH_BATCH"]);
    const events = new Set(inProcess.flatMap((r) => r.events.map((e) => e.name)));
    for (const e of ["DepositQueued", "BatchProposed", "DisputeOpened", "RootRevealed", "RootAnswered", "DisputeResolved", "BatchesRolledBack", "BatchFinalized", "WithdrawalClaimed"]) expect(events.has(e), e).toBe(true);
    console.log(`[equivalence] ${inProcess.length} transactions, ${inProcess.reduce((s, r) => s + r.gasUsed, 0n)} gas on both`);
  });
});
