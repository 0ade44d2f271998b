import { describe, expect, it } from "vitest";
import { applyOperation, inOrder, RollupState } from "../../src/state/index.ts";
import { decodeFullOperations, encodeFullOperation, encodeFullOperations, type Operation } from "../../src/tx/index.ts";
import { ctx, fundedState, newUser, transfer, withdraw } from "../helpers/fixtures.ts";

describe("optimistic posted data (operations with nonces and signatures)", () => {
  it("round-trips every kind and states the sizes", () => {
    const { alice, bob } = fundedState();
    const carol = newUser();
    const ops: Operation[] = [
      transfer(alice, 0, 5, 300n, 7n),
      { kind: "deposit", to: 3, publicKey: carol.publicKey, amount: 10n },
      withdraw(bob, 5, 0xabcdefn, 20n, 0n),
      { kind: "noop" },
    ];
    expect(ops.map((op) => encodeFullOperation(op, ctx.layout).length)).toEqual([6 + 68, 6, 6 + 88, 6]);
    const decoded = decodeFullOperations(encodeFullOperations(ops, ctx.layout), ctx.layout, inOrder([{ x: carol.publicKey.x, y: carol.publicKey.y }]));
    expect(decoded).toEqual(ops);
  });

  it("decoding leaves the posted bytes untouched", () => {
    const { alice } = fundedState();
    // Try a few signatures: about half have the sign bit of R8 set, which unpacking used to clear in place.
    for (let amount = 1n; amount <= 6n; amount++) {
      const bytes = encodeFullOperation(transfer(alice, 0, 5, amount, 0n), ctx.layout);
      const before = Uint8Array.from(bytes);
      decodeFullOperations(bytes, ctx.layout, inOrder([]));
      expect(bytes).toEqual(before);
    }
  });

  it("rejects truncated data", () => {
    const { alice } = fundedState();
    const bytes = encodeFullOperation(transfer(alice, 0, 5, 1n, 0n), ctx.layout);
    expect(() => decodeFullOperations(bytes.subarray(0, 40), ctx.layout, inOrder([]))).toThrowError(expect.objectContaining({ code: "MALFORMED" }));
  });
});

describe("a state built from Merkle witnesses only", () => {
  it("applies an operation exactly as the full state does (the one-step proof's re-execution)", () => {
    const { alice, state } = fundedState();
    const op = transfer(alice, 0, 5, 300n, 0n);
    const witness = RollupState.fromWitness(
      state.tree.arities,
      [0, 5].map((i) => ({ index: i, account: state.account(i), path: state.tree.path(i) })),
    );
    expect(witness.root).toBe(state.root);
    const full = state.clone();
    applyOperation(full, op, ctx);
    applyOperation(witness, op, ctx);
    expect(witness.root).toBe(full.root);
  });

  it("rejects an inconsistent path", () => {
    const { state } = fundedState();
    const path = state.tree.path(0);
    path[1] = (path[1] ?? 0n) + 1n;
    const other = state.tree.path(5);
    expect(() => RollupState.fromWitness(state.tree.arities, [
      { index: 0, account: state.account(0), path },
      { index: 5, account: state.account(5), path: other },
    ])).toThrowError(expect.objectContaining({ code: "MALFORMED" }));
  });
});
