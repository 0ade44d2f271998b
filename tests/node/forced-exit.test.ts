/**
 * Censorship resistance in zk mode: a forced withdrawal queued on L1 must be included by the deadline;
 * a censoring sequencer lets it lapse, anyone then puts the rollup in exit mode and every user takes
 * their balance out of the last final root with a Merkle proof, once (unconsumed deposits are refunded).
 * An honest sequencer serves the request, and a request its owner made stale is dismissed: neither can
 * trigger exit mode.
 */
import { afterAll, describe, expect, it } from "vitest";
import { FORCED_REQUEST_BOND } from "../../src/evm/rollup-contract.ts";
import { newPrivateKey, sign } from "../../src/crypto/eddsa.ts";
import { exitClaimMessage } from "../../src/l1/forced-exit-types.ts";
import type { RunningNode } from "../../src/node/run.ts";
import { walletFromPrivateKey } from "../../src/wallet/keyfile.ts";
import { Wallet, WalletError } from "../../src/wallet/wallet.ts";
import { ROLLUP_ID, testInstance } from "../helpers/fixtures.ts";
import { TestNodes, until } from "./helpers.ts";

const DEADLINE = 60;
const nodes = new TestNodes("zkr-forced-");

afterAll(() => nodes.stopAll());

/** censorForced: a sequencer that ignores forced withdrawals. */
function start(censorForced: boolean): Promise<RunningNode> {
  return nodes.start({ genesis: { forcedDeadlineSeconds: DEADLINE }, censorForced });
}

function wallet(n: RunningNode): Wallet {
  return new Wallet(walletFromPrivateKey(newPrivateKey()), n.api.url);
}

async function fund(w: Wallet, amount: bigint): Promise<void> {
  await w.faucet(10_000n);
  await w.deposit(amount);
}

/** Waits until every cut batch is accepted, then moves the L1 on so they are final. */
async function settle(n: RunningNode): Promise<void> {
  await until(async () => {
    const h = n.node.health();
    return h.mempool.pending === 0 && h.batches.cut === h.batches.accepted && !h.prover.busy;
  }, 60_000, "every batch accepted", 100);
  await n.node.tick();
  expect(n.node.health().batches.final).toBe(n.node.health().batches.cut);
}

const l1Balance = async (w: Wallet) => BigInt((await w.client.l1Balance(w.key.l1Address)).balance);

describe("forced withdrawal → exit mode → claims, once (zk mode)", () => {
  it("a censoring sequencer lets the deadline pass; everyone exits from the last final root", async () => {
    const n = await start(true);
    const [alice, bob, carol] = [wallet(n), wallet(n), wallet(n)];
    await fund(alice, 1_000n);
    await fund(bob, 500n);
    await until(async () => (await bob.index()) !== undefined && (await alice.index()) !== undefined, 30_000, "deposits");
    const t = await alice.transfer((await bob.index())!, 100n);
    await settle(n);
    expect((await alice.client.operation(t.id)).status).toBe("final");

    // Bob asks the L1 for a withdrawal; the sequencer ignores it.
    const req = await bob.forceWithdraw(200n);
    const requestId = req.result!.requestId;
    expect(req.result!.deadline).toBe(req.timestamp + DEADLINE);
    const early = await alice.client.activateExitMode(alice.key.l1Address, requestId);
    expect(early).toMatchObject({ status: "reverted", revertReason: "DEADLINE_NOT_PASSED" });
    for (let i = 0; i < DEADLINE / 12 + 1; i++) await n.node.tick();
    expect(n.node.l1.view.forcedRequests[requestId]?.status).toBe("pending");

    // Carol's deposit is still queued when exit mode starts: it will be refunded, not credited.
    const lastBatch = n.node.l1.view.batches.length;
    await fund(carol, 300n);
    const activated = await carol.activateExitMode(requestId);
    expect(activated.result).toMatchObject({ batchNumber: lastBatch });
    expect(await alice.client.exitMode()).toMatchObject({ active: true, batchNumber: lastBatch, claimsOpen: true });

    // The sequencer stops: no operation, no deposit is taken any more.
    await expect(alice.transfer((await bob.index())!, 1n)).rejects.toMatchObject({ status: 409, code: "EXIT_MODE" });
    await expect(carol.deposit(1n)).rejects.toMatchObject({ status: 409, code: "EXIT_MODE" });

    // Each user exits with a proof built from L1 data alone: 900 and 600.
    const [a0, b0] = [await l1Balance(alice), await l1Balance(bob)];
    const aExit = await alice.exitClaim();
    const bExit = await bob.exitClaim();
    expect([aExit.amount, bExit.amount]).toEqual(["900", "600"]);
    expect(await l1Balance(alice)).toBe(a0 + 900n);
    expect(await l1Balance(bob)).toBe(b0 + 600n);

    // Once only; someone else's leaf with another key's signature has no proof: refused before the L1.
    await expect(alice.exitClaim()).rejects.toMatchObject({ code: "L1_REVERTED" });
    const bobAcc = await bob.client.account(bExit.index);
    const forged = carol.client.claimExit(carol.key.l1Address, {
      index: bExit.index,
      account: { publicKey: { x: BigInt(bobAcc.account!.publicKey.x), y: BigInt(bobAcc.account!.publicKey.y) }, balance: 600n, nonce: 0n },
      path: bobAcc.path.map(BigInt),
      recipient: carol.key.l1Address,
      signature: sign(carol.key.privateKey, exitClaimMessage(ROLLUP_ID, bExit.index, carol.key.l1Address)),
    });
    await expect(forged).rejects.toMatchObject({ status: 400, code: "BAD_ARGUMENT" });

    // Carol's queued deposit comes back once; the bridge ends empty: everything it held was paid out.
    const queue = await carol.client.request<{ deposits: { queueIndex: number; consumed: boolean }[] }>("GET", "/l1/deposits");
    const carolDeposit = queue.deposits.find((d) => !d.consumed)!;
    expect((await carol.client.refundDeposit(carol.key.l1Address, carolDeposit.queueIndex)).result).toEqual({ amount: "300" });
    expect((await carol.client.refundDeposit(carol.key.l1Address, carolDeposit.queueIndex)).revertReason).toBe("ALREADY_CLAIMED");
    // Bob's request was pending when exit mode began: its bond goes back to its recipient, once.
    expect((await bob.releaseBond(req.result!.requestId)).result).toEqual({ amount: String(FORCED_REQUEST_BOND) });
    expect((await bob.client.releaseBond(bob.key.l1Address, req.result!.requestId)).revertReason).toBe("ALREADY_CLAIMED");
    expect(await n.node.l1.evm.balanceOf(BigInt(n.node.l1.evm.address))).toBe(0n);
    console.log(
      `L1 gas (${testInstance.name}): forced withdrawal request ${req.gasUsed}, exit-mode activation ${activated.gasUsed}, ` +
        `exit claim ${aExit.receipt.gasUsed} (${aExit.receipt.calldataBytes} calldata bytes)`,
    );

    // A restart replays every logged L1 input into a fresh EVM: the same exit mode and request, and
    // what was claimed or refunded stays so.
    const exitBefore = n.node.l1.view.exitMode;
    await n.stop();
    const again = await nodes.start({ dataDir: n.node.store.dir, genesis: { forcedDeadlineSeconds: DEADLINE }, censorForced: true });
    expect(again.node.l1.view.exitMode).toEqual(exitBefore);
    expect(again.node.l1.view.forcedRequests[requestId]?.status).toBe("pending");
    const aliceAgain = new Wallet(alice.key, again.api.url);
    expect(await l1Balance(aliceAgain)).toBe(a0 + 900n);
    await expect(aliceAgain.exitClaim()).rejects.toMatchObject({ code: "L1_REVERTED" });
    expect((await aliceAgain.client.refundDeposit(carol.key.l1Address, carolDeposit.queueIndex)).revertReason).toBe("ALREADY_CLAIMED");
    expect(await again.node.l1.evm.balanceOf(BigInt(again.node.l1.evm.address))).toBe(0n);
  }, 180_000);

  it("an honest sequencer serves the request; a request its owner made stale is dismissed", async () => {
    const n = await start(false);
    const [alice, bob] = [wallet(n), wallet(n)];
    await fund(alice, 1_000n);
    await fund(bob, 500n);
    await until(async () => (await bob.index()) !== undefined && (await alice.index()) !== undefined, 30_000, "deposits");
    await settle(n);

    // Served: the withdraw goes into a batch; exit mode cannot be triggered with it.
    const served = await bob.forceWithdraw(100n);
    await until(async () => n.node.l1.view.forcedRequests[served.result!.requestId]?.status === "served", 60_000, "the request served");
    await settle(n);
    for (let i = 0; i < DEADLINE / 12 + 1; i++) await n.node.tick();
    expect((await bob.client.activateExitMode(bob.key.l1Address, served.result!.requestId)).revertReason).toBe("NOT_PENDING");
    expect(await bob.claimWithdrawals()).toEqual([{ batch: 3, index: 0, amount: "100" }]);

    // Stale: Alice spends her nonce on a transfer, then forces a withdrawal signed with that same nonce
    // (the latest final root still shows it). It can never be included; the sequencer dismisses it
    // with a proof under a later final root.
    await alice.transfer((await bob.index())!, 10n);
    const stale = await alice.forceWithdraw(50n);
    const id = stale.result!.requestId;
    await settle(n);
    await until(async () => {
      await n.node.tick();
      return n.node.l1.view.forcedRequests[id]?.status === "dismissed";
    }, 60_000, "the stale request dismissed");
    for (let i = 0; i < DEADLINE / 12 + 1; i++) await n.node.tick();
    expect((await alice.client.activateExitMode(alice.key.l1Address, id)).revertReason).toBe("NOT_PENDING");
    expect(n.node.l1.view.exitMode).toBeUndefined();
    await expect(alice.exitClaim()).rejects.toBeInstanceOf(WalletError);
  }, 120_000);
});
