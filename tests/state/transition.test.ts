import { describe, expect, it } from "vitest";
import { buildBatch, RollupError, type RollupErrorCode, type RollupState } from "../../src/state/index.ts";
import { MAX_L1_ADDRESS, type Operation } from "../../src/tx/index.ts";
import { ctx, fundedState, newUser, testInstance, transfer, withdraw } from "../helpers/fixtures.ts";

const N = testInstance.ops;

function rejectsWith(state: RollupState, ops: Operation[], code: RollupErrorCode): void {
  const rootBefore = state.root;
  let caught: unknown;
  try {
    buildBatch(state, ops, N, ctx);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(RollupError);
  expect((caught as RollupError).code).toBe(code);
  // A rejected operation never changes the state it was applied to.
  expect(state.root).toBe(rootBefore);
}

describe("the reference model rejects invalid operations with stable codes", () => {
  it("BAD_SIGNATURE", () => {
    const { state } = fundedState();
    rejectsWith(state, [transfer(newUser(), 0, 5, 1n, 0n)], "BAD_SIGNATURE");
  });

  it("BAD_NONCE (a replay and a gap)", () => {
    const { alice, state } = fundedState();
    const tx = transfer(alice, 0, 5, 1n, 0n);
    rejectsWith(buildBatch(state, [tx], N, ctx).state, [tx], "BAD_NONCE");
    rejectsWith(state, [transfer(alice, 0, 5, 1n, 1n)], "BAD_NONCE");
  });

  it("INSUFFICIENT_BALANCE", () => {
    const { alice, bob, state } = fundedState([100n, 5n]);
    rejectsWith(state, [transfer(alice, 0, 5, 101n, 0n)], "INSUFFICIENT_BALANCE");
    rejectsWith(state, [withdraw(bob, 5, 1n, 6n, 0n)], "INSUFFICIENT_BALANCE");
  });

  it("BALANCE_OVERFLOW", () => {
    const { alice, bob, state } = fundedState([10n ** 18n, 18n * 10n ** 18n]);
    rejectsWith(state, [transfer(alice, 0, 5, 5n * 10n ** 17n, 0n)], "BALANCE_OVERFLOW");
    rejectsWith(state, [{ kind: "deposit", to: 5, publicKey: bob.publicKey, amount: 10n ** 18n }], "BALANCE_OVERFLOW");
  });

  it("UNKNOWN_ACCOUNT", () => {
    const { alice, state } = fundedState();
    rejectsWith(state, [transfer(alice, 0, 3, 1n, 0n)], "UNKNOWN_ACCOUNT");
    rejectsWith(state, [{ kind: "deposit", to: 16, publicKey: alice.publicKey, amount: 1n }], "UNKNOWN_ACCOUNT");
    // An index outside the tree cannot even be encoded, so it cannot be signed.
    expect(() => transfer(alice, 0, 16, 1n, 0n)).toThrowError(expect.objectContaining({ code: "UNKNOWN_ACCOUNT" }));
  });

  it("PUBLIC_KEY_MISMATCH", () => {
    const { state } = fundedState();
    rejectsWith(state, [{ kind: "deposit", to: 0, publicKey: newUser().publicKey, amount: 1n }], "PUBLIC_KEY_MISMATCH");
  });

  it("AMOUNT_OUT_OF_RANGE", () => {
    const { alice, state } = fundedState();
    expect(() => transfer(alice, 0, 5, -1n, 0n)).toThrowError(expect.objectContaining({ code: "AMOUNT_OUT_OF_RANGE" }));
    rejectsWith(state, [{ kind: "deposit", to: 3, publicKey: alice.publicKey, amount: 2n ** 64n }], "AMOUNT_OUT_OF_RANGE");
  });

  it("MALFORMED withdrawal recipient", () => {
    const { bob, state } = fundedState();
    rejectsWith(state, [withdraw(bob, 5, MAX_L1_ADDRESS + 1n, 1n, 0n)], "MALFORMED");
  });

  it("BATCH_FULL", () => {
    const { state } = fundedState();
    rejectsWith(state, [{ kind: "noop" }, { kind: "noop" }, { kind: "noop" }], "BATCH_FULL");
  });

  it("a later invalid operation leaves no trace of the earlier valid ones", () => {
    const { alice, state } = fundedState();
    rejectsWith(state, [transfer(alice, 0, 5, 1n, 0n), transfer(alice, 0, 5, 1n, 5n)], "BAD_NONCE");
    expect(state.account(0)?.nonce).toBe(0n);
  });
});

describe("decisions the review asked for", () => {
  it("a transfer of amount 0 is valid: it spends the nonce and moves nothing (a wallet's way to cancel a pending operation)", () => {
    const { alice, state } = fundedState();
    const before = state.account(0)!;
    const b = buildBatch(state, [transfer(alice, 0, 5, 0n, 0n)], N, ctx);
    expect(b.state.account(0)).toEqual({ ...before, nonce: before.nonce + 1n });
    // The same signature cannot be replayed: the nonce moved.
    rejectsWith(b.state, [transfer(alice, 0, 5, 0n, 0n)], "BAD_NONCE");
  });
});
