/**
 * contracts/ZkRollup.sol, the zk rollup's only implementation, in the in-process EVM (the default L1) with
 * a twin on anvil: every transaction goes to both, and both must give the same status, revert code, result
 * (decoded from events) and gasUsed — the two L1 modes are the same contracts on two EVMs. If anvil cannot
 * start, beforeAll throws and every test here fails with the reason (they are never skipped).
 */
import { encodeDeployData } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIELD_MODULUS } from "../../src/crypto/index.ts";
import { ZkRollupL1, ZK_ROLLUP_ABI } from "../../src/evm/zk-rollup.ts";
import { treeConfigArg } from "../../src/evm/rollup-contract.ts";
import { EvmSession } from "../../src/evm/client.ts";
import { requireContract } from "../../src/evm/compile.ts";
import { measureGas } from "../../src/evm/gas-breakdown.ts";
import type { ZkL1Receipt } from "../../src/evm/zk-l1.ts";
import type { SubmitBatchArgs } from "../../src/l1/calldata.ts";
import { L1Clock } from "../../src/l1/clock.ts";
import { L1Error } from "../../src/l1/errors.ts";
import { reconstructState } from "../../src/l1/reconstruct.ts";
import { shutdownProver, verifyProof } from "../../src/prover/prove.ts";
import { ctx, testInstance, type User } from "../helpers/fixtures.ts";
import { ALICE_L1, BOB_L1, GENESIS_ROOT, OTHER, RECIPIENT, SEQUENCER, args, keys, proveZkBatches, vkey, type Proved } from "../helpers/zk-batches.ts";

/** BN254's base field: proof coordinates live there (the verifier checks them below it). */
const BN254_BASE_FIELD = 21888242871839275222246405745257275088696311157297509221408470016n;

let alice: User;
let bob: User;
let b1: Proved;
let b2: Proved;
let b3: Proved;
let inflated: Proved;
let session: EvmSession;
let evm: ZkRollupL1;
/** The same contracts on anvil. */
let twin: ZkRollupL1;

function config(finalityBlocks = 0) {
  return { rollupId: ctx.rollupId, layout: ctx.layout, arities: testInstance.arities, capacity: testInstance.ops, genesisRoot: GENESIS_ROOT, keys, finalityBlocks };
}

beforeAll(async () => {
  // anvil first: if it cannot start, fail at once with its reason.
  twin = await ZkRollupL1.start({ ...config(), anvil: {} });
  session = await EvmSession.inProcess();
  evm = await ZkRollupL1.start({ ...config(), session });
  ({ alice, bob, b1, b2, b3, inflated } = await proveZkBatches());
});

afterAll(async () => {
  await session?.close();
  await twin?.stop();
  await shutdownProver();
});

/** The fields both EVMs must agree on, transaction by transaction. */
function outcome<T>(r: ZkL1Receipt<T>) {
  return { status: r.status, code: r.revertReason, gasUsed: r.gasUsed, calldata: r.calldata, result: r.result === undefined ? undefined : { ...r.result, blockNumber: undefined, timestamp: undefined } };
}

/** Sends the same transaction to both EVMs; they must agree. Returns the in-process receipt. */
async function both<T>(send: (l1: ZkRollupL1) => Promise<ZkL1Receipt<T>>): Promise<ZkL1Receipt<T>> {
  const e = await send(evm);
  const a = await send(twin);
  expect(outcome(a)).toEqual(outcome(e));
  return e;
}

/** What a rejected batch must leave unchanged on the EVM. */
async function evmSnapshot() {
  return {
    root: await evm.currentRoot(),
    batches: await evm.batchCount(),
    head: await evm.queueHead(),
    length: await evm.queueLength(),
    locked: await evm.balanceOf(BigInt(evm.address)),
  };
}

/** Submits to both EVMs; both must agree on the outcome and the gas. Returns the in-process receipt. */
async function submitBoth(submission: SubmitBatchArgs) {
  return { e: await both((l1) => l1.submitBatch(SEQUENCER, submission)) };
}

async function expectRejected(submission: SubmitBatchArgs, code: string): Promise<void> {
  const before = await evmSnapshot();
  const { e } = await submitBoth(submission);
  expect(e.status).toBe("reverted");
  expect(e.revertReason).toBe(code);
  expect(e.result).toBeUndefined();
  // A reverted transaction is mined and pays its gas.
  expect(e.gasUsed).toBeGreaterThan(21_000);
  expect(await evmSnapshot()).toEqual(before);
}

describe("ZkRollup.sol in the in-process EVM and on anvil (test instance, development keys)", () => {
  it("compiles with solc-js; the ABI the client uses is the contract's", () => {
    const compiled = requireContract(evm.compiled, "ZkRollup");
    const names = new Set(compiled.abi.map((item) => ("name" in item ? `${item.type}:${item.name}` : item.type)));
    for (const item of ZK_ROLLUP_ABI) expect(names.has(`${item.type}:${item.name}`)).toBe(true);
    expect(evm.deployment.hardfork).toBe("prague");
    // The snarkjs Groth16 verifier: design.md measured ≈ 369k to deploy with 2 public signals; one here.
    expect(evm.deployment.gas.verifier).toBeGreaterThan(250_000);
    expect(evm.deployment.gas.verifier).toBeLessThan(450_000);
  });

  it("queues deposits in order with the L2 keys and locks the ether", async () => {
    for (const l1 of [twin, evm]) {
      await l1.fund(ALICE_L1, 5_000n);
      await l1.fund(BOB_L1, 500n);
    }
    for (const [who, user, amount] of [[ALICE_L1, alice, 1000n], [BOB_L1, bob, 50n]] as const) {
      expect((await both((l1) => l1.deposit(who, user.publicKey, amount))).status).toBe("success");
    }
    const pending = await evm.pendingDeposits();
    expect(pending.map((d) => [d.index, d.sender, d.publicKey, d.amount])).toEqual([
      [0, ALICE_L1, alice.publicKey, 1000n],
      [1, BOB_L1, bob.publicKey, 50n],
    ]);
    expect([await evm.balanceOf(ALICE_L1), await evm.balanceOf(BOB_L1), await evm.balanceOf(BigInt(evm.address))]).toEqual([4000n, 450n, 1050n]);
  });

  it("refuses deposits no record can carry or with a bad key (BAD_AMOUNT, BAD_PUBLIC_KEY)", async () => {
    const cases = [
      [alice.publicKey, 0n, "BAD_AMOUNT"],
      [alice.publicKey, (1n << 34n) + 1n, "BAD_AMOUNT"], // 17179869185: no exact mantissa < 2^34
      [{ x: 0n, y: 0n }, 10n, "BAD_PUBLIC_KEY"],
      [{ x: FIELD_MODULUS, y: 1n }, 10n, "BAD_PUBLIC_KEY"],
      [{ x: 1n, y: 2n }, 10n, "BAD_PUBLIC_KEY"], // not on Baby Jubjub: no key could ever sign for it
      [{ x: 0n, y: FIELD_MODULUS - 1n }, 10n, "BAD_PUBLIC_KEY"], // on the curve, of order 2: 8·A is the identity
    ] as const;
    for (const [key, amount, code] of cases) {
      await evm.fund(ALICE_L1, amount);
      await twin.fund(ALICE_L1, amount);
      expect((await both((l1) => l1.deposit(ALICE_L1, key, amount))).revertReason).toBe(code);
    }
    expect(await evm.queueLength()).toBe(2);
  });

  it("rejects a validly proven batch whose deposit amount differs from the queue (DEPOSIT_MISMATCH)", async () => {
    expect(await verifyProof(vkey, [inflated.batch.inputHash.toString()], inflated.proved.proof)).toBe(true);
    await expectRejected(args(inflated), "DEPOSIT_MISMATCH");
  });

  it("rejects tampered proofs (INVALID_PROOF)", async () => {
    const proof = b1.proved.proof;
    const piA = proof["pi_a"] as string[];
    const piC = proof["pi_c"] as string[];
    const [ax = "0", ay = "0"] = piA;
    await expectRejected(args(b1, { proof: { ...proof, pi_a: piC, pi_c: piA } }), "INVALID_PROOF");
    await expectRejected(args(b1, { proof: { ...proof, pi_a: [(BigInt(ax) + 1n).toString(), ay, "1"] } }), "INVALID_PROOF");
    await expectRejected(args(b1, { proof: { ...proof, pi_a: [(BigInt(ax) + BN254_BASE_FIELD).toString(), ay, "1"] } }), "INVALID_PROOF");
  });

  it("rejects records of the wrong length (BAD_RECORDS_LENGTH)", async () => {
    await expectRejected(args(b1, { records: b1.batch.records.subarray(1) }), "BAD_RECORDS_LENGTH");
    await expectRejected(args(b1, { records: new Uint8Array([...b1.batch.records, 0]) }), "BAD_RECORDS_LENGTH");
  });

  it("accepts the proven deposit batch: root, count, queue head, the public input the contract computed", async () => {
    const { e } = await submitBoth(args(b1));
    expect(e.status).toBe("success");
    expect(await evm.currentRoot()).toBe(b1.batch.newRoot);
    expect(await evm.batchCount()).toBe(1);
    expect(await evm.queueHead()).toBe(2);
    expect(e.result).toMatchObject({
      number: 1,
      oldRoot: GENESIS_ROOT,
      newRoot: b1.batch.newRoot,
      firstDeposit: 0,
      depositCount: 2,
      l1Acc: b1.batch.l1Acc,
      inputHash: b1.batch.inputHash,
      blockNumber: e.blockNumber,
      timestamp: e.timestamp,
    });
  });

  it("rejects a replay of the accepted deposit batch (its deposits are consumed)", async () => {
    await expectRejected(args(b1), "DEPOSIT_QUEUE_EMPTY");
  });

  it("rejects a batch that skips one (its old root is not the current root)", async () => {
    await expectRejected(args(b3), "INVALID_PROOF");
  });

  it("rejects wrong withdrawal recipients", async () => {
    await expectRejected(args(b2, { withdrawalRecipients: [OTHER] }), "INVALID_PROOF");
    await expectRejected(args(b2, { withdrawalRecipients: [] }), "WITHDRAWAL_COUNT");
    await expectRejected(args(b2, { withdrawalRecipients: [RECIPIENT, RECIPIENT] }), "WITHDRAWAL_COUNT");
    await expect(evm.submitBatch(SEQUENCER, args(b2, { withdrawalRecipients: [1n << 160n] }))).rejects.toBeInstanceOf(L1Error);
  });

  it("rejects every single-byte change of the posted records with the code the first failing check gives", async () => {
    const records = b2.batch.records;
    const { recordBytes } = ctx.layout;
    for (let i = 0; i < records.length; i++) {
      const tampered = records.slice();
      tampered[i] = (tampered[i] ?? 0) ^ 1;
      const kinds = Array.from({ length: testInstance.ops }, (_, k) => (tampered[k * recordBytes] ?? 0) >> 6);
      const expected = kinds.includes(2) ? "DEPOSIT_QUEUE_EMPTY" : kinds.filter((k) => k === 3).length !== 1 ? "WITHDRAWAL_COUNT" : "INVALID_PROOF";
      await expectRejected(args(b2, { records: tampered }), expected);
    }
  });

  it("rejects a new root that is not the proven one, or not a field element", async () => {
    await expectRejected(args(b2, { newRoot: b2.batch.newRoot + 1n }), "INVALID_PROOF");
    await expectRejected(args(b2, { newRoot: b2.batch.newRoot + FIELD_MODULUS }), "MALFORMED");
  });

  it("accepts the transfer + withdrawal batch and registers the withdrawal", async () => {
    const { e } = await submitBoth(args(b2));
    expect(e.status).toBe("success");
    expect(e.result?.inputHash).toBe(b2.batch.inputHash);
    expect(await evm.withdrawalAt(2, 0)).toEqual({ recipient: RECIPIENT, amount: 20n, acceptedBlock: e.blockNumber, paid: false });
    expect(await evm.isFinal(2)).toBe(true);
  });

  it("pays the withdrawal once: a second claim reverts and pays nothing", async () => {
    const locked = await evm.balanceOf(BigInt(evm.address));
    const first = await both((l1) => l1.claimWithdrawal(SEQUENCER, 2, 0));
    expect(first.status).toBe("success");
    expect(first.result).toEqual({ batchNumber: 2, index: 0, recipient: RECIPIENT, amount: 20n });
    expect(await evm.balanceOf(RECIPIENT)).toBe(20n);
    expect(await evm.balanceOf(BigInt(evm.address))).toBe(locked - 20n);

    const again = await both((l1) => l1.claimWithdrawal(RECIPIENT, 2, 0));
    expect(again.status).toBe("reverted");
    expect(again.revertReason).toBe("ALREADY_CLAIMED");
    expect((await both((l1) => l1.claimWithdrawal(SEQUENCER, 2, 1))).revertReason).toBe("NO_WITHDRAWAL");
    expect((await both((l1) => l1.claimWithdrawal(SEQUENCER, 1, 0))).revertReason).toBe("NO_WITHDRAWAL");
    expect(await evm.balanceOf(RECIPIENT)).toBe(20n);
    expect(await evm.balanceOf(BigInt(evm.address))).toBe(locked - 20n);
  });

  it("rejects a replay of the accepted transfer batch (stale old root)", async () => {
    await expectRejected(args(b2), "INVALID_PROOF");
  });

  it("accepts the next batch; the L2 state rebuilt from the EVM's data alone has the contract's root", async () => {
    expect((await submitBoth(args(b3))).e.status).toBe("success");
    const state = reconstructState(await evm.rollupData(), testInstance.arities);
    expect(state.root).toBe(await evm.currentRoot());
    expect(state.root).toBe(b3.batch.newRoot);
    expect(await evm.batch(3)).toMatchObject({ number: 3, oldRoot: b2.batch.newRoot, newRoot: b3.batch.newRoot, records: b3.batch.records });
    expect(await twin.currentRoot()).toBe(await evm.currentRoot());
  });
});

describe("rollup ids are 32-bit (signed messages pack rollupId + 2^32·nonce)", () => {
  it("the client and ZkRollup.sol's constructor refuse an id of 2^32", async () => {
    const wide = 2 ** 32;
    await expect(ZkRollupL1.start({ ...config(), rollupId: wide, session })).rejects.toMatchObject({ code: "BAD_CONFIG" });
    // The contract itself, deployed around the client's check: the constructor reverts.
    const artifact = requireContract(evm.compiled, "ZkRollup");
    const deployWith = (id: bigint) =>
      session.deploy(
        ALICE_L1,
        encodeDeployData({
          abi: artifact.abi,
          bytecode: artifact.bytecode,
          args: [evm.deployment.verifier, BigInt(testInstance.ops), GENESIS_ROOT, 0n, 0n, { ...treeConfigArg(0, testInstance.arities, 86_400, evm.deployment.tree), rollupId: id }],
        }),
        "ZkRollup",
      );
    await expect(deployWith(BigInt(wide))).rejects.toMatchObject({ code: "RPC_FAILED" });
    await expect(deployWith(BigInt(wide - 1))).resolves.toMatchObject({ gasUsed: expect.any(Number) });
  });
});

describe("finality on the EVM", () => {
  it("pays a withdrawal only once its batch is `finalityBlocks` old", async () => {
    const late = await ZkRollupL1.start({ ...config(2), session });
    await late.fund(ALICE_L1, 5_000n);
    await late.fund(BOB_L1, 500n);
    expect((await late.deposit(ALICE_L1, alice.publicKey, 1000n)).status).toBe("success");
    expect((await late.deposit(BOB_L1, bob.publicKey, 50n)).status).toBe("success");
    expect((await late.submitBatch(SEQUENCER, args(b1))).status).toBe("success");
    const accepted = await late.submitBatch(SEQUENCER, args(b2));
    expect(accepted.status).toBe("success");
    // The claim lands in the next block: accepted + 1 < accepted + 2.
    expect(await late.isFinal(2)).toBe(false);
    expect((await late.claimWithdrawal(SEQUENCER, 2, 0)).revertReason).toBe("NOT_FINAL");
    expect(await late.isFinal(2)).toBe(true);
    const paid = await late.claimWithdrawal(SEQUENCER, 2, 0);
    expect(paid.status).toBe("success");
    expect(paid.blockNumber).toBe(accepted.blockNumber + 2);
  });
});

describe("time on the EVM", () => {
  it("follows an L1Clock when given one: each transaction at its slot's timestamp, several per slot allowed", async () => {
    const clock = new L1Clock();
    const timed = await ZkRollupL1.start({ ...config(), clock });
    try {
      await timed.fund(ALICE_L1, 5_000n);
      const stamps: number[] = [];
      for (const advance of [0, 12, 0, 30]) {
        clock.advance(advance);
        stamps.push((await timed.deposit(ALICE_L1, alice.publicKey, 10n)).timestamp);
      }
      expect(stamps).toEqual([0, 12, 12, 36]);
    } finally {
      await timed.stop();
    }
    expect(timed.session.backend.closed).toBe(true);
  });
});

describe("gas measured on the EVM, item by item", () => {
  it("splits a batch's receipt gas by trace into parts that add up to gasUsed", async () => {
    const traced = await ZkRollupL1.start({ ...config(), session: await EvmSession.inProcess() });
    try {
      await traced.fund(ALICE_L1, 5_000n);
      await traced.fund(BOB_L1, 500n);
      await traced.deposit(ALICE_L1, alice.publicKey, 1000n);
      await traced.deposit(BOB_L1, bob.publicKey, 50n);
      const r = await traced.submitBatch(SEQUENCER, args(b1));
      expect(r.status).toBe("success");
      const { poseidon3, poseidon6, verifier } = traced.deployment;
      const measured = await measureGas(traced.session.backend, r.txHash, r.input, { poseidon3, poseidon6, verifier });
      expect(measured.gasUsed).toBe(r.gasUsed);
      expect(measured.lines.reduce((sum, l) => sum + l.gas, 0)).toBe(r.gasUsed);
      const item = (name: string): number | undefined => measured.lines.find((l) => l.item === name)?.gas;
      expect(item("base")).toBe(21_000);
      expect(item("calldata")).toBe(r.calldata.gas);
      // The pairing precompile alone is 45,000 + 34,000·4 (EIP-1108); the verifier's own code adds the rest.
      expect(item("groth16 verification")).toBeGreaterThan(181_000);
      expect(item("groth16 verification")).toBeLessThan(181_000 + 60_000);
      expect(item("poseidon: input hash")).toBeGreaterThan(0);
      expect(item("refund or floor")).toBeUndefined();
    } finally {
      await traced.stop();
    }
  });
});
