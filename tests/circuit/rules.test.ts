import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { CircuitError } from "../../src/circuit/errors.ts";
import { decodeR1cs, firstViolatedConstraint, readR1cs, type R1csSystem } from "../../src/circuit/r1cs.ts";
import { calculateWitness, readSymbols } from "../../src/circuit/witness.ts";
import { buildBatch, RollupState, type BatchInputs } from "../../src/state/index.ts";
import { bytesToBigint, CHUNK_BYTES, type Operation } from "../../src/tx/index.ts";
import { hashChain } from "../../src/crypto/poseidon.ts";
import { ctx, fundedState, newUser, testArtifacts, testInstance, transfer, withdraw } from "../helpers/fixtures.ts";

const { circuit } = testArtifacts();
const N = testInstance.ops;
let r1cs: R1csSystem;
let symbols: Map<string, number>;

beforeAll(() => {
  r1cs = decodeR1cs(readR1cs(circuit.r1cs));
  symbols = readSymbols(circuit.sym);
});

async function accepts(inputs: BatchInputs): Promise<bigint[]> {
  const witness = await calculateWitness(circuit.wasm, inputs);
  expect(firstViolatedConstraint(r1cs, witness)).toBe(-1);
  return witness;
}

async function rejects(inputs: BatchInputs): Promise<void> {
  const err = await calculateWitness(circuit.wasm, inputs).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(CircuitError);
  expect((err as CircuitError).code).toBe("CONSTRAINT_FAILED");
}

/** Valid inputs for `ops` on a funded state, edited by `edit` (a dishonest prover). */
function edited(state: RollupState, ops: Operation[], edit: (i: BatchInputs) => void): BatchInputs {
  const inputs = structuredClone(buildBatch(state, ops, N, ctx).inputs);
  edit(inputs);
  return inputs;
}

function unchecked(state: RollupState, ops: Operation[]): BatchInputs {
  return buildBatch(state, ops, N, { ...ctx, unchecked: true }).inputs;
}

function bump(values: bigint[], i = 0): void {
  values[i] = (values[i] ?? 0n) + 1n;
}

describe("valid batches pass and the TS model's root is the circuit's", () => {
  it("deposits create accounts", async () => {
    const { depositBatch } = fundedState();
    const w = await accepts(depositBatch.inputs);
    // The public input commits to the new root, so agreement on inputHash is agreement on the root.
    expect(w[1]).toBe(depositBatch.inputHash);
  });

  it("transfer then withdrawal", async () => {
    const { alice, bob, state } = fundedState();
    const b = buildBatch(state, [transfer(alice, 0, 5, 300n, 0n), withdraw(bob, 5, 0xabcdefn, 350n, 0n)], N, ctx);
    await accepts(b.inputs);
    expect(b.state.account(5)?.balance).toBe(0n);
  });

  it("a deposit into an existing account of the same key", async () => {
    const { alice, state } = fundedState();
    await accepts(buildBatch(state, [{ kind: "deposit", to: 0, publicKey: alice.publicKey, amount: 5n }], N, ctx).inputs);
  });

  it("a transfer to oneself spends a nonce and keeps the balance", async () => {
    const { alice, state } = fundedState();
    const b = buildBatch(state, [transfer(alice, 0, 0, 400n, 0n)], N, ctx);
    await accepts(b.inputs);
    expect(b.state.account(0)).toMatchObject({ balance: 1000n, nonce: 1n });
  });

  it("a batch of only no-ops leaves the root", async () => {
    const { state } = fundedState();
    const b = buildBatch(state, [], N, ctx);
    expect(b.newRoot).toBe(b.oldRoot);
    await accepts(b.inputs);
  });

  it("random operation streams: the circuit accepts what the model accepts (property)", async () => {
    const { alice, bob, state } = fundedState([1_000_000n, 1_000_000n]);
    const users = [
      { user: alice, index: 0 },
      { user: bob, index: 5 },
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ kind: fc.integer({ min: 0, max: 3 }), who: fc.integer({ min: 0, max: 1 }), amount: fc.integer({ min: 0, max: 5000 }) }), { minLength: 1, maxLength: N }),
        async (plan) => {
          const nonces = [0n, 0n];
          const ops: Operation[] = plan.map(({ kind, who, amount }) => {
            const me = users[who]!;
            const other = users[1 - who]!;
            const a = BigInt(amount);
            if (kind === 0) return { kind: "noop" };
            if (kind === 2) return { kind: "deposit", to: me.index, publicKey: me.user.publicKey, amount: a };
            const nonce = nonces[who]!;
            nonces[who] = nonce + 1n;
            return kind === 1 ? transfer(me.user, me.index, other.index, a, nonce) : withdraw(me.user, me.index, 0x1234n, a, nonce);
          });
          const b = buildBatch(state, ops, N, ctx);
          const w = await accepts(b.inputs);
          expect(w[1]).toBe(b.inputHash);
        },
      ),
      { numRuns: 12 },
    );
  });
});

describe("every rule rejects a violating witness", () => {
  it("bad signature: a changed S", async () => {
    const { alice, state } = fundedState();
    await rejects(edited(state, [transfer(alice, 0, 5, 1n, 0n)], (i) => bump(i.sigS)));
  });

  it("bad signature: signed by another key", async () => {
    const { state } = fundedState();
    await rejects(unchecked(state, [transfer(newUser(), 0, 5, 1n, 0n)]));
  });

  it("replayed nonce: a transfer already applied, sent again", async () => {
    const { alice, state } = fundedState();
    const tx = transfer(alice, 0, 5, 10n, 0n);
    const after = buildBatch(state, [tx], N, ctx).state;
    await rejects(unchecked(after, [tx]));
  });

  it("nonce from the future", async () => {
    const { alice, state } = fundedState();
    await rejects(unchecked(state, [transfer(alice, 0, 5, 10n, 3n)]));
  });

  it("overdraft (RollupNC #33): amount above the balance", async () => {
    const { alice, state } = fundedState([1000n, 50n]);
    await rejects(unchecked(state, [transfer(alice, 0, 5, 1001n, 0n)]));
  });

  it("overdraft by withdrawal", async () => {
    const { bob, state } = fundedState([1000n, 50n]);
    await rejects(unchecked(state, [withdraw(bob, 5, 1n, 51n, 0n)]));
  });

  it("overflow: a receiver balance past 2^64 - 1", async () => {
    const { alice, state } = fundedState([10n ** 18n, 18n * 10n ** 18n]);
    await rejects(unchecked(state, [transfer(alice, 0, 5, 5n * 10n ** 17n, 0n)]));
  });

  it("overflow by deposit", async () => {
    const { bob, state } = fundedState([1n, 18n * 10n ** 18n]);
    await rejects(unchecked(state, [{ kind: "deposit", to: 5, publicKey: bob.publicKey, amount: 10n ** 18n }]));
  });

  it("transfer to an empty account", async () => {
    const { alice, state } = fundedState();
    await rejects(unchecked(state, [transfer(alice, 0, 3, 1n, 0n)]));
  });

  it("transfer from an empty account", async () => {
    const { state } = fundedState();
    await rejects(unchecked(state, [transfer(newUser(), 3, 5, 0n, 0n)]));
  });

  it("wrong old root", async () => {
    const { alice, state } = fundedState();
    await rejects(edited(state, [transfer(alice, 0, 5, 1n, 0n)], (i) => void (i.oldRoot += 1n)));
  });

  it("wrong Merkle path (a sibling changed)", async () => {
    const { alice, state } = fundedState();
    await rejects(edited(state, [transfer(alice, 0, 5, 1n, 0n)], (i) => bump(i.senderPath[0]!, 1)));
    await rejects(edited(state, [transfer(alice, 0, 5, 1n, 0n)], (i) => bump(i.receiverPath[0]!, 6)));
  });

  it("tampered public input", async () => {
    const { alice, state } = fundedState();
    await rejects(edited(state, [transfer(alice, 0, 5, 1n, 0n)], (i) => void (i.inputHash += 1n)));
  });

  it("tampered posted data: an amount differing from the signed one", async () => {
    const { alice, state } = fundedState();
    await rejects(edited(state, [transfer(alice, 0, 5, 10n, 0n)], (i) => bump(i.amountMantissa)));
  });

  it("tampered rollup id (signature from another deployment)", async () => {
    const { alice, state } = fundedState();
    await rejects(edited(state, [transfer(alice, 0, 5, 10n, 0n)], (i) => void (i.rollupId += 1n)));
  });

  it("a rollup id of 2^32 or more: a signature for (id, nonce n) replayed on id + 2^32 at nonce n - 1", async () => {
    const { alice, state } = fundedState();
    // Alice's transfer at nonce 1 for this rollup; on a deployment with id + 2^32, her account is at nonce 0.
    const signedHere = transfer(alice, 0, 5, 10n, 1n);
    const replayId = BigInt(ctx.rollupId) + (1n << 32n);
    const inputs = edited(state, [transfer(alice, 0, 5, 10n, 0n)], (i) => {
      i.rollupId = replayId;
      i.sigR8x[0] = signedHere.signature.r8x;
      i.sigR8y[0] = signedHere.signature.r8y;
      i.sigS[0] = signedHere.signature.s;
    });
    // The packed messages are the same field element: only the range check on the id tells them apart.
    const b = buildBatch(state, [transfer(alice, 0, 5, 10n, 0n)], N, ctx);
    const chunks: bigint[] = [];
    for (let k = 0; k < b.records.length; k += CHUNK_BYTES) chunks.push(bytesToBigint(b.records.subarray(k, k + CHUNK_BYTES)));
    inputs.inputHash = hashChain([replayId, b.oldRoot, b.newRoot, b.l1Acc, ...chunks]);
    await rejects(inputs);
  });

  it("deposit with an altered public key, amount or target", async () => {
    const { state } = fundedState();
    const u = newUser();
    const dep: Operation = { kind: "deposit", to: 3, publicKey: u.publicKey, amount: 10n };
    await rejects(edited(state, [dep], (i) => bump(i.l1x)));
    await rejects(edited(state, [dep], (i) => bump(i.amountMantissa)));
    await rejects(edited(state, [dep], (i) => bump(i.to)));
  });

  it("deposit into an account of another key", async () => {
    const { state } = fundedState();
    await rejects(unchecked(state, [{ kind: "deposit", to: 0, publicKey: newUser().publicKey, amount: 1n }]));
  });

  it("withdrawal without a signature, or to a recipient other than the signed one", async () => {
    const { bob, state } = fundedState();
    await rejects(edited(state, [withdraw(bob, 5, 0xabcn, 5n, 0n)], (i) => {
      i.sigR8x[0] = 0n;
      i.sigR8y[0] = 1n;
      i.sigS[0] = 0n;
    }));
    await rejects(edited(state, [withdraw(bob, 5, 0xabcn, 5n, 0n)], (i) => bump(i.l1x)));
  });

  it("no-op and unused fields must be zero (canonical records)", async () => {
    const { bob, state } = fundedState();
    await rejects(edited(state, [], (i) => bump(i.amountMantissa)));
    await rejects(edited(state, [], (i) => bump(i.from)));
    await rejects(edited(state, [withdraw(bob, 5, 1n, 5n, 0n)], (i) => bump(i.to)));
  });

  it("kind outside 0..3", async () => {
    const { state } = fundedState();
    await rejects(edited(state, [], (i) => void (i.kind[0] = 4n)));
  });

  it("an empty-leaf claim for a transfer's receiver", async () => {
    const { alice, state } = fundedState();
    await rejects(edited(state, [transfer(alice, 0, 5, 1n, 0n)], (i) => void (i.receiverEmpty[0] = 1n)));
  });
});

describe("edited witnesses: a valid witness with one intermediate signal changed fails the R1CS", () => {
  // Signals --O2 keeps as wires (a linear one folded into others cannot be edited on its own).
  const signals = [
    "main.op[0].debit",
    "main.op[0].credit",
    "main.op[0].senderRange.out[0]",
    "main.op[0].receiverRange.out[62]",
    "main.op[0].receiverOld",
    "main.op[0].rootOut",
    "main.op[0].l1AccOut",
    "main.op[1].l1Hash.out",
    "main.op[0].amount.value",
    "main.op[0].amount.pow[1]",
    "main.op[0].isWithdraw",
    "main.op[0].recordBits[46]",
  ];
  it.each(signals)("%s", async (name) => {
    const { alice, bob, state } = fundedState();
    const b = buildBatch(state, [transfer(alice, 0, 5, 300n, 0n), withdraw(bob, 5, 0xabn, 10n, 0n)], N, ctx);
    const witness = await accepts(b.inputs);
    const idx = symbols.get(name);
    expect(idx, `${name} is kept in the witness`).toBeGreaterThan(0);
    const tampered = [...witness];
    tampered[idx!] = (tampered[idx!] ?? 0n) + 1n;
    expect(firstViolatedConstraint(r1cs, tampered)).toBeGreaterThanOrEqual(0);
  });
});
