/**
 * The node's mempool: after a batch of the oldest pending operations, crediting the batch's deposits on
 * top of the pending state gives exactly the state a full re-application does (at O(deposits)).
 */
import { describe, expect, it } from "vitest";
import { NodeMempool, type PendingOp } from "../../src/node/mempool.ts";
import { buildBatch } from "../../src/state/index.ts";
import type { Deposit, SignedOperation } from "../../src/tx/index.ts";
import { RollupError } from "../../src/state/errors.ts";
import { ctx, fundedState, newUser, transfer, withdraw } from "../helpers/fixtures.ts";

const pending = (ops: SignedOperation[]): PendingOp[] => ops.map((op, seq) => ({ id: String(seq), op, seq, admittedAt: 0, durable: true }));

describe("NodeMempool", () => {
  it("advance(deposits) after a cut equals a full rebase", () => {
    const { alice, bob, state } = fundedState([1000n, 50n]);
    const carol = newUser();
    const ops = pending([
      transfer(alice, 0, 5, 100n, 0n),
      transfer(bob, 5, 0, 20n, 0n),
      transfer(alice, 0, 5, 7n, 1n),
      withdraw(bob, 5, 0xabcn, 30n, 1n),
      transfer(alice, 0, 0, 1n, 2n),
    ]);
    const a = new NodeMempool(state, ctx);
    const b = new NodeMempool(state, ctx);
    for (const p of ops) {
      a.admit({ ...p });
      b.admit({ ...p });
    }
    // A batch: a deposit to a new account, one to Bob's key, then the oldest pending operations.
    const deposits: Deposit[] = [
      { kind: "deposit", to: 1, publicKey: carol.publicKey, amount: 70n },
      { kind: "deposit", to: 5, publicKey: bob.publicKey, amount: 9n },
    ];
    // (buildBatch pads to any capacity: a batch of 6 here, so that it takes 4 of the 5 pending.)
    const taken = a.take(6 - deposits.length);
    expect(taken).toHaveLength(4);
    b.take(taken.length);
    const built = buildBatch(state, [...deposits, ...taken.map((p) => p.op)], 6, ctx);
    a.advance(deposits);
    b.rebase(built.state);
    expect(a.state.root).toBe(b.state.root);
    expect([...a.state.entries()]).toEqual([...b.state.entries()]);
  });

  it("admits by the reference rules and only hands out operations that are on disk", () => {
    const { alice, state } = fundedState();
    const m = new NodeMempool(state, ctx);
    expect(() => m.admit(pending([transfer(alice, 0, 5, 10n, 3n)])[0]!)).toThrow(RollupError);
    const [p0, p1] = pending([transfer(alice, 0, 5, 10n, 0n), transfer(alice, 0, 5, 10n, 1n)]);
    m.admit({ ...p0!, durable: false });
    m.admit(p1!);
    expect(m.durablePrefix()).toBe(0);
    expect(m.take(2)).toEqual([]);
  });
});
