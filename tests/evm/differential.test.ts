/**
 * Differential test: the Solidity one-step proof (OptimisticRollup.sol proveStep, in the in-process EVM)
 * and the TypeScript reference transition (src/state/transition.ts, through the watcher's re-execution of
 * posted data, src/optimistic/reexecute.ts) agree on random operations, valid and invalid.
 *
 * Each run deploys a fresh contract, queues two deposits (and a third when the operation under test is a
 * deposit), and proposes one batch of capacity 4: the two deposits, a prefix operation (a no-op or a valid
 * transfer that moves a nonce) and, at index 3, the random operation, whose posted bytes may then be
 * edited (signature S + l, R8's y + p, R8 replaced by random bytes, the amount re-packed non-canonically or
 * made larger than any balance). The proposer commits the reference roots root_0..root_3 and a claimed
 * root_4: the reference root when the operation is valid (or that root + 1), the root the operation would
 * give with its rules skipped when it is invalid (what a contract missing the rule would compute). A
 * challenger agrees with root_2 and root_3, so the dispute narrows to operation 3, and the one-step proof
 * is sent with the reference witnesses. Both must agree: the proposer wins exactly when the reference
 * accepts the operation and the claim is its post-root.
 *
 * Error codes: the one-step proof has one outcome for every invalid operation (the proposer loses,
 * whatever root it claimed), so the reference's RollupErrorCode maps to the contract's outcome through
 * OUTCOME_OF_CODE below, and the run asserts it produced every code a posted operation can reach here
 * (BALANCE_OVERFLOW cannot be: the bridge holds at most 2^64 − 1 in all). Longer fuzz runs:
 * DIFFERENTIAL_RUNS=1000 DIFFERENTIAL_SEED=n npx vitest run tests/evm/differential.test.ts.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { privateKeyFromLabel, publicKeyOf, type PublicKey } from "../../src/crypto/index.ts";
import { OptimisticRollupL1 } from "../../src/evm/optimistic-rollup.ts";
import { EvmSession } from "../../src/evm/client.ts";
import { labelAddress } from "../../src/l1/address.ts";
import { L1Clock } from "../../src/l1/clock.ts";
import { rootsCommitment, rootsProof } from "../../src/l1/dispute-merkle.ts";
import type { DisputeOutcome } from "../../src/l1/optimistic-types.ts";
import { depositKeysOf, oneStepWitnesses, reexecute, stateBefore } from "../../src/optimistic/index.ts";
import type { RollupErrorCode } from "../../src/state/errors.ts";
import { RollupState, applyOperation } from "../../src/state/index.ts";
import { bigintToBytes, bytesToBigint, encodeFullOperations, signTransfer, signWithdraw, type Operation } from "../../src/tx/index.ts";
import { ctx, testInstance } from "../helpers/fixtures.ts";

const RUNS = Number(process.env["DIFFERENTIAL_RUNS"] ?? 60);
const SEED = Number(process.env["DIFFERENTIAL_SEED"] ?? 12);
const CAPACITY = 4;
const AT = 3;
const LEAVES = testInstance.arities.reduce((n, a) => n * a, 1);
/** Baby Jubjub's prime subgroup order l (a signature's S must be below it). */
const SUB_ORDER = 2736030358979909402780800718157159386076813972158567259200215660948447373041n;
const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/**
 * The contract's outcome for an operation the reference refuses, by the reference's code. Codes no
 * posted operation can get (the sequencer's and the state's own) are "never".
 */
const OUTCOME_OF_CODE: Readonly<Record<RollupErrorCode, DisputeOutcome | "never">> = {
  BAD_SIGNATURE: "challengerWon",
  BAD_NONCE: "challengerWon",
  INSUFFICIENT_BALANCE: "challengerWon",
  BALANCE_OVERFLOW: "challengerWon",
  UNKNOWN_ACCOUNT: "challengerWon",
  PUBLIC_KEY_MISMATCH: "challengerWon",
  AMOUNT_OUT_OF_RANGE: "challengerWon",
  // a signature whose R8 is not a curve point: the operation cannot be decoded
  MALFORMED: "challengerWon",
  ACCOUNT_EXISTS: "never",
  BATCH_FULL: "never",
  DUPLICATE: "never",
};
/** The codes the generator must reach (BALANCE_OVERFLOW cannot: the bridge holds at most 2^64 − 1 in all). */
const REACHED: readonly RollupErrorCode[] = ["BAD_SIGNATURE", "BAD_NONCE", "INSUFFICIENT_BALANCE", "UNKNOWN_ACCOUNT", "PUBLIC_KEY_MISMATCH", "AMOUNT_OUT_OF_RANGE", "MALFORMED"];

const PROPOSER = labelAddress("differential proposer");
const CHALLENGER = labelAddress("differential challenger");
const DEPOSITOR = labelAddress("differential depositor");
const users = ["u0", "u1", "u2"].map((label) => {
  const key = privateKeyFromLabel(`differential test: ${label}`);
  return { key, publicKey: publicKeyOf(key) };
});

type Who = "u0" | "u1" | "empty";
type Mutation = "none" | "sPlusL" | "r8yPlusP" | "r8Garbage" | "amountNonCanonical" | "amountHuge";

const arbCase = fc.record({
  a0: fc.integer({ min: 0, max: LEAVES - 1 }),
  a1Offset: fc.integer({ min: 1, max: LEAVES - 1 }),
  bal0: fc.bigInt({ min: 1n, max: 2000n }),
  bal1: fc.bigInt({ min: 1n, max: 2000n }),
  prefixTransfer: fc.boolean(),
  kind: fc.constantFrom("transfer", "transfer", "withdraw", "deposit", "noop"),
  from: fc.constantFrom<Who>("u0", "u0", "u1", "empty"),
  to: fc.constantFrom<Who>("u0", "u1", "u1", "empty"),
  // small amounts, round ones (an exponent to re-pack), the whole balance, one more than it
  amount: fc.oneof(fc.bigInt({ min: 0n, max: 40n }), fc.constantFrom(10n, 20n, 300n, "all", "over")),
  nonceDelta: fc.constantFrom(0, 0, 0, 1, -1),
  otherSigner: fc.constantFrom(false, false, true),
  depositOtherKey: fc.boolean(),
  mutation: fc.constantFrom<Mutation>("none", "none", "none", "sPlusL", "r8yPlusP", "r8Garbage", "amountNonCanonical", "amountHuge"),
  garbage: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  wrongClaim: fc.boolean(),
});
type Case = typeof arbCase extends fc.Arbitrary<infer T> ? T : never;

let session: EvmSession;
const clock = new L1Clock();
const seenCodes = new Set<RollupErrorCode | "valid">();
const seenMutations = new Map<Mutation, number>();

beforeAll(async () => {
  session = await EvmSession.inProcess();
  // EDR takes a next-block timestamp of 0 for "none": start one slot in.
  clock.advanceSlots(1);
});

afterAll(async () => {
  await session?.close();
});

/** The batch's operations, and which queued deposits they consume. */
function operations(c: Case) {
  const a0 = c.a0;
  const a1 = (c.a0 + c.a1Offset) % LEAVES;
  const empty = Array.from({ length: LEAVES }, (_, i) => i).find((i) => i !== a0 && i !== a1) ?? 0;
  const index = { u0: a0, u1: a1, empty } as const;
  const owner = (w: Who) => users[w === "u0" ? 0 : w === "u1" ? 1 : 2]!;
  const balance = { u0: c.bal0 - (c.prefixTransfer ? 1n : 0n), u1: c.bal1 + (c.prefixTransfer ? 1n : 0n), empty: 0n };
  const nonce = { u0: c.prefixTransfer ? 1n : 0n, u1: 0n, empty: 0n };
  const deposits: { publicKey: PublicKey; amount: bigint }[] = [
    { publicKey: users[0]!.publicKey, amount: c.bal0 },
    { publicKey: users[1]!.publicKey, amount: c.bal1 },
  ];
  const ops: Operation[] = [
    { kind: "deposit", to: a0, publicKey: users[0]!.publicKey, amount: c.bal0 },
    { kind: "deposit", to: a1, publicKey: users[1]!.publicKey, amount: c.bal1 },
    c.prefixTransfer ? signTransfer(users[0]!.key, { kind: "transfer", from: a0, to: a1, amount: 1n, nonce: 0n }, ctx.layout, ctx.rollupId) : { kind: "noop" },
  ];
  const amount: bigint = c.amount === "all" ? balance[c.from] : c.amount === "over" ? balance[c.from] + 1n : BigInt(c.amount);
  let n = nonce[c.from] + BigInt(c.nonceDelta);
  if (n < 0n) n = 2n;
  const signer = c.otherSigner ? users[2]! : owner(c.from);
  if (c.kind === "transfer") {
    ops.push(signTransfer(signer.key, { kind: "transfer", from: index[c.from], to: index[c.to], amount, nonce: n }, ctx.layout, ctx.rollupId));
  } else if (c.kind === "withdraw") {
    ops.push(signWithdraw(signer.key, { kind: "withdraw", from: index[c.from], recipient: DEPOSITOR, amount, nonce: n }, ctx.layout, ctx.rollupId));
  } else if (c.kind === "deposit") {
    const publicKey = c.depositOtherKey ? users[2]!.publicKey : owner(c.to).publicKey;
    const depositAmount = amount === 0n ? 1n : amount;
    deposits.push({ publicKey, amount: depositAmount });
    ops.push({ kind: "deposit", to: index[c.to], publicKey, amount: depositAmount });
  } else {
    ops.push({ kind: "noop" });
  }
  return { ops, deposits };
}

/** Edits the posted bytes of operation AT (signature or amount); returns the mutation applied, if any. */
function mutate(data: Uint8Array, ops: readonly Operation[], c: Case): Mutation {
  const op = ops[AT];
  if (op === undefined) return "none";
  const offset = encodeFullOperations(ops.slice(0, AT), ctx.layout).length;
  const rb = ctx.layout.recordBytes;
  const signed = op.kind === "transfer" || op.kind === "withdraw";
  const sigAt = offset + rb + 4;
  switch (c.mutation) {
    case "sPlusL": {
      if (!signed) return "none";
      const s = op.signature.s + SUB_ORDER;
      for (let i = 0; i < 32; i++) data[sigAt + 32 + i] = Number((s >> BigInt(8 * i)) & 0xffn);
      return "sPlusL";
    }
    case "r8yPlusP": {
      if (!signed) return "none";
      // packed R8: y little-endian with x's sign in the top bit; y + p still fits below that bit
      const packed = data.subarray(sigAt, sigAt + 32);
      const sign = (packed[31] ?? 0) & 0x80;
      const y = leToBigint(packed) & ((1n << 255n) - 1n);
      const aliased = y + P;
      if (aliased >= 1n << 255n) return "none";
      for (let i = 0; i < 32; i++) packed[i] = Number((aliased >> BigInt(8 * i)) & 0xffn);
      packed[31] = (packed[31] ?? 0) | sign;
      return "r8yPlusP";
    }
    case "r8Garbage":
      if (!signed) return "none";
      data.set(c.garbage, sigAt);
      return "r8Garbage";
    case "amountNonCanonical":
    case "amountHuge": {
      if (!signed) return "none";
      let v = bytesToBigint(data.subarray(offset, offset + rb));
      const mantissa = v & ((1n << 34n) - 1n);
      const exponent = (v >> 34n) & 15n;
      v &= ~((1n << 38n) - 1n);
      if (c.mutation === "amountHuge") v |= (15n << 34n) | ((1n << 34n) - 1n); // (2^34 − 1) · 10^15 > 2^64 − 1
      else if (exponent > 0n && mantissa * 10n < 1n << 34n) v |= ((exponent - 1n) << 34n) | (mantissa * 10n); // same amount
      else return "none";
      data.set(bigintToBytes(v, rb), offset);
      return c.mutation;
    }
    default:
      return "none";
  }
}

function leToBigint(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i] ?? 0);
  return v;
}

/** One case on both sides; returns what each decided. */
async function runCase(c: Case): Promise<void> {
  const { ops, deposits } = operations(c);
  const rollup = await OptimisticRollupL1.start({
    rollupId: ctx.rollupId,
    arities: testInstance.arities,
    capacity: CAPACITY,
    genesisRoot: new RollupState(testInstance.arities).root,
    proposerBond: 1_000n,
    challengerBond: 400n,
    session,
    clock,
  });
  for (const a of [PROPOSER, CHALLENGER, DEPOSITOR]) await rollup.fund(a, 10n ** 9n);
  for (const d of deposits) expect((await rollup.deposit(DEPOSITOR, d.publicKey, d.amount)).status).toBe("success");

  const data = encodeFullOperations(ops, ctx.layout);
  const mutation = mutate(data, ops, c);
  seenMutations.set(mutation, (seenMutations.get(mutation) ?? 0) + 1);

  // The reference: the watcher's re-execution of the posted bytes.
  const genesis = new RollupState(testInstance.arities);
  const queue = await rollup.depositQueue();
  const run = reexecute(genesis, data, depositKeysOf({ firstDeposit: 0, depositCount: deposits.length }, queue), ctx);
  expect(run.invalidAt === undefined || run.invalidAt === AT, `the prefix is valid (${run.invalidCode} at ${run.invalidAt})`).toBe(true);
  const valid = run.invalidAt === undefined;
  seenCodes.add(valid ? "valid" : (run.invalidCode ?? "MALFORMED"));
  const before = stateBefore(run, AT, ctx);
  let claim: bigint;
  if (valid) claim = (run.roots[AT + 1] ?? 0n) + (c.wrongClaim ? 1n : 0n);
  else {
    // what a contract that skipped the broken rule would compute
    claim = before.root;
    if (run.invalidOp !== undefined) {
      try {
        claim = applyOperation(before.clone(), run.invalidOp, { ...ctx, unchecked: true }).rootAfter;
      } catch {
        // the arithmetic itself fails (an amount beyond any balance): the agreed root stands in
      }
    }
  }
  const roots = [...run.roots.slice(0, AT + 1), claim];

  // The contract: propose, narrow the dispute to operation AT, prove it.
  clock.advanceSlots(1);
  const proposed = await rollup.proposeBatch(PROPOSER, { data, newRoot: claim, rootsCommitment: rootsCommitment(roots) });
  expect({ status: proposed.status, code: proposed.revertReason }).toEqual({ status: "success", code: null });
  const id = (await rollup.challenge(CHALLENGER, proposed.result?.number ?? 0)).result?.id ?? 0;
  for (const mid of [2, 3]) {
    expect((await rollup.revealRoot(PROPOSER, id, roots[mid] ?? 0n, rootsProof(roots, mid))).status).toBe("success");
    expect((await rollup.respond(CHALLENGER, id, true)).status).toBe("success");
  }
  expect(await rollup.dispute(id)).toMatchObject({ turn: "oneStep", lo: AT, hi: AT + 1 });
  const proof = await rollup.proveStep(CHALLENGER, id, oneStepWitnesses(run, AT, ctx));
  expect({ status: proof.status, code: proof.revertReason }).toEqual({ status: "success", code: null });

  const expected: DisputeOutcome | "never" = valid ? (c.wrongClaim ? "challengerWon" : "proposerWon") : OUTCOME_OF_CODE[run.invalidCode ?? "MALFORMED"];
  const what = `${c.kind} ${mutation}: reference ${valid ? `valid, claim ${c.wrongClaim ? "wrong" : "its root"}` : run.invalidCode}`;
  expect(proof.result?.outcome, what).toBe(expected);
  if (valid && !c.wrongClaim) expect(await rollup.currentRoot(), what).toBe(run.roots[AT + 1]);
  if (!valid || c.wrongClaim) expect(await rollup.currentRoot(), `${what}: rolled back`).toBe(genesis.root);
}

describe("the one-step proof (Solidity) and the reference transition (TypeScript) agree", () => {
  it(`on ${RUNS} random operations, valid and invalid: same accept/reject, mapped code, same post-root`, async () => {
    // The rarest edits first, so every run covers them: a round amount re-packed, an amount beyond any balance.
    const base: Case = { a0: 0, a1Offset: 5, bal0: 1000n, bal1: 50n, prefixTransfer: true, kind: "transfer", from: "u0", to: "u1", amount: 300n, nonceDelta: 0, otherSigner: false, depositOtherKey: false, mutation: "none", garbage: new Uint8Array(32), wrongClaim: false };
    const examples: [Case][] = [[{ ...base, mutation: "amountNonCanonical" }], [{ ...base, kind: "withdraw", mutation: "amountHuge" }]];
    await fc.assert(fc.asyncProperty(arbCase, runCase), { numRuns: RUNS, seed: SEED, endOnFailure: true, examples });
    console.log("[differential]", JSON.stringify({ codes: [...seenCodes], mutations: Object.fromEntries(seenMutations) }));
    expect(seenCodes.has("valid")).toBe(true);
    for (const code of REACHED) expect(seenCodes.has(code), `some run hit ${code}`).toBe(true);
    for (const m of ["none", "sPlusL", "r8yPlusP", "r8Garbage", "amountNonCanonical", "amountHuge"] as const) expect(seenMutations.get(m) ?? 0, `runs with ${m}`).toBeGreaterThan(0);
  });
});
