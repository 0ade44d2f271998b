import { describe, expect, it } from "vitest";
import { Sequencer, type QueuedDeposit } from "../../src/sequencer/index.ts";
import { RollupError, type RollupErrorCode } from "../../src/state/index.ts";
import type { SignedOperation } from "../../src/tx/index.ts";
import { ctx, fundedState, newUser, testInstance, transfer, withdraw } from "../helpers/fixtures.ts";

function sequencerWithFunds(balances: readonly [bigint, bigint] = [1000n, 50n]) {
  const f = fundedState(balances);
  const seq = new Sequencer({ capacity: testInstance.ops, arities: testInstance.arities, ctx, maxWaitSeconds: 30 }, f.state);
  return { ...f, seq };
}

function rejectedWith(seq: Sequencer, op: SignedOperation, code: RollupErrorCode): void {
  const before = seq.mempool.size;
  let caught: unknown;
  try {
    seq.submit(op, 0);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(RollupError);
  expect((caught as RollupError).code).toBe(code);
  expect(seq.mempool.size).toBe(before);
}

describe("mempool admission", () => {
  it("admits valid operations and rejects invalid ones by code, without entering them", () => {
    const { alice, bob, seq } = sequencerWithFunds();
    seq.submit(transfer(alice, 0, 5, 900n, 0n), 0);
    rejectedWith(seq, transfer(alice, 0, 5, 900n, 0n), "DUPLICATE");
    // The pending transfer already spent 900 of 1000: the next one must fit the rest.
    rejectedWith(seq, transfer(alice, 0, 5, 101n, 1n), "INSUFFICIENT_BALANCE");
    rejectedWith(seq, transfer(alice, 0, 5, 1n, 0n), "BAD_NONCE");
    rejectedWith(seq, transfer(alice, 0, 5, 1n, 2n), "BAD_NONCE");
    rejectedWith(seq, transfer(newUser(), 0, 5, 1n, 1n), "BAD_SIGNATURE");
    rejectedWith(seq, transfer(alice, 0, 9, 1n, 1n), "UNKNOWN_ACCOUNT");
    // Bob has 50 plus the 900 pending from Alice.
    rejectedWith(seq, withdraw(bob, 5, 1n, 951n, 0n), "INSUFFICIENT_BALANCE");
    seq.submit(withdraw(bob, 5, 1n, 950n, 0n), 0);
    // Nonce order per account: the next nonce is admitted after the pending one.
    seq.submit(transfer(alice, 0, 5, 100n, 1n), 0);
    expect(seq.mempool.size).toBe(3);
  });
});

describe("batching", () => {
  it("size trigger, time trigger, and nothing to do", () => {
    const { alice, seq } = sequencerWithFunds();
    expect(seq.shouldCut(0, 0)).toBe(false);
    seq.submit(transfer(alice, 0, 5, 1n, 0n), 100);
    expect(seq.shouldCut(110, 0)).toBe(false);
    expect(seq.shouldCut(130, 0)).toBe(true);
    seq.submit(transfer(alice, 0, 5, 1n, 1n), 100);
    expect(seq.shouldCut(100, 0)).toBe(true);
  });

  it("deposits first and in queue order, then operations in admission order, padded with no-ops", () => {
    const { alice, bob, seq } = sequencerWithFunds();
    seq.submit(transfer(alice, 0, 5, 10n, 0n), 0);
    seq.submit(transfer(alice, 0, 5, 20n, 1n), 0);
    const carol = newUser();
    const queue: QueuedDeposit[] = [{ queueIndex: 0, publicKey: carol.publicKey, amount: 7n }];
    const first = seq.cut(queue);
    expect(first.batch.inputs.kind).toEqual([2n, 1n]);
    // Carol gets the lowest free index (1); one transfer is left for the next batch.
    expect(first.batch.state.account(1)?.balance).toBe(7n);
    expect(seq.mempool.size).toBe(1);
    // A deposit for a key that has an account goes to that account.
    const second = seq.cut([{ queueIndex: 1, publicKey: bob.publicKey, amount: 5n }]);
    expect(second.batch.inputs.kind).toEqual([2n, 1n]);
    expect(second.batch.state.account(5)?.balance).toBe(50n + 10n + 20n + 5n);
    const third = seq.cut([]);
    expect(third.batch.inputs.kind).toEqual([0n, 0n]);
    expect(third.batch.newRoot).toBe(second.batch.newRoot);
  });

  it("operations admitted against pending state stay valid across a cut", () => {
    const { alice, seq } = sequencerWithFunds();
    for (let n = 0n; n < 5n; n++) seq.submit(transfer(alice, 0, 5, 1n, n), 0);
    while (seq.mempool.size > 0) seq.cut([]);
    expect(seq.state.account(0)).toMatchObject({ balance: 995n, nonce: 5n });
  });
});
