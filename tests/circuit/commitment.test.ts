// The SHA-256 commitment (circuits/lib/sha256_commitment.circom) against the reference batchInputHash:
// the test instance's tree compiled with commitment = sha256 accepts exactly the TS model's public input,
// and ZkRollup.sol deployed with that commitment accepts its proofs (and not a Poseidon-committed one).
import { sha256 } from "@noble/hashes/sha2.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileCircuit } from "../../src/artifacts/compile.ts";
import { setupInstance } from "../../src/artifacts/setup.ts";
import { ZkRollupL1 } from "../../src/evm/zk-rollup.ts";
import { labelAddress } from "../../src/l1/address.ts";
import { fastestEngine, proveBatch, shutdownProver } from "../../src/prover/prove.ts";
import { RollupState } from "../../src/state/index.ts";
import { CircuitError } from "../../src/circuit/errors.ts";
import { instanceName, type CircuitInstance } from "../../src/circuit/instances.ts";
import { decodeR1cs, firstViolatedConstraint, readR1cs } from "../../src/circuit/r1cs.ts";
import { calculateWitness } from "../../src/circuit/witness.ts";
import type { CompiledCircuit } from "../../src/artifacts/compile.ts";
import { batchInputHash, buildBatch, type BatchInputs } from "../../src/state/index.ts";
import { bigintToBytes, bytesToBigint } from "../../src/tx/bytes.ts";
import { recordLayout } from "../../src/tx/layout.ts";
import { ROLLUP_ID, ctx as poseidonCtx, fundedState, newUser, testArtifacts, testInstance, transfer, withdraw } from "../helpers/fixtures.ts";

const layout = recordLayout(testInstance.arities, "sha256");
const shaInstance: CircuitInstance = { ...testInstance, name: instanceName(testInstance.ops, testInstance.arities, "sha256"), layout };
const ctx = { layout, rollupId: ROLLUP_ID };
let circuit: CompiledCircuit;

beforeAll(async () => {
  circuit = await compileCircuit(shaInstance, { log: () => {} });
}, 600_000);
afterAll(shutdownProver);

describe("the SHA-256 commitment", () => {
  it("is SHA-256(rollupId ‖ oldRoot ‖ newRoot ‖ l1Acc ‖ records) with its top 3 bits cleared", () => {
    const { depositBatch: b } = fundedState();
    const bytes = new Uint8Array([...bigintToBytes(BigInt(ROLLUP_ID), 4), ...bigintToBytes(b.oldRoot, 32), ...bigintToBytes(b.newRoot, 32), ...bigintToBytes(b.l1Acc, 32), ...b.records]);
    const digest = bytesToBigint(sha256(bytes));
    expect(batchInputHash("sha256", ROLLUP_ID, b.oldRoot, b.newRoot, b.l1Acc, b.records)).toBe(digest % 2n ** 253n);
    expect(batchInputHash("sha256", ROLLUP_ID, b.oldRoot, b.newRoot, b.l1Acc, b.records)).not.toBe(batchInputHash("poseidon", ROLLUP_ID, b.oldRoot, b.newRoot, b.l1Acc, b.records));
    expect(() => batchInputHash("sha256", ROLLUP_ID, b.oldRoot + 21888242871839275222246405745257275088548364400416034343698204186575808495617n, b.newRoot, b.l1Acc, b.records)).toThrow(RangeError);
  });

  it("the circuit accepts the model's public input for deposits, transfers and withdrawals", async () => {
    const r1cs = decodeR1cs(readR1cs(circuit.r1cs));
    const { alice, bob, state } = fundedState();
    const batch = buildBatch(state, [transfer(alice, 0, 5, 300n, 0n), withdraw(bob, 5, 0xabcdefn, 350n, 0n)], testInstance.ops, ctx);
    const witness = await calculateWitness(circuit.wasm, batch.inputs);
    expect(firstViolatedConstraint(r1cs, witness)).toBe(-1);
    expect(witness[1]).toBe(batch.inputHash);
  });

  it("rejects any other public input: the Poseidon one, a flipped bit, the same hash over other records", async () => {
    const { alice, bob, state } = fundedState();
    const batch = buildBatch(state, [transfer(alice, 0, 5, 300n, 0n), withdraw(bob, 5, 0xabcdefn, 350n, 0n)], testInstance.ops, ctx);
    const other = buildBatch(state, [transfer(alice, 0, 5, 301n, 0n)], testInstance.ops, ctx);
    const wrong = [
      batchInputHash("poseidon", ROLLUP_ID, batch.oldRoot, batch.newRoot, batch.l1Acc, batch.records),
      batch.inputHash ^ 1n,
      batch.inputHash ^ (1n << 252n),
      other.inputHash,
    ];
    for (const inputHash of wrong) {
      const inputs: BatchInputs = { ...structuredClone(batch.inputs), inputHash };
      const err = await calculateWitness(circuit.wasm, inputs).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(CircuitError);
      expect((err as CircuitError).code).toBe("CONSTRAINT_FAILED");
    }
  });
});

describe("ZkRollup.sol with the SHA-256 commitment (in-process EVM, development keys)", () => {
  it("accepts the proven batch, refuses the same batch proven under the Poseidon commitment, and costs less", async () => {
    const keys = await setupInstance(shaInstance, { log: () => {} });
    const alice = newUser();
    const bob = newUser();
    const genesis = new RollupState(testInstance.arities);
    const deposits = [
      { kind: "deposit" as const, to: 0, publicKey: alice.publicKey, amount: 1000n },
      { kind: "deposit" as const, to: 5, publicKey: bob.publicKey, amount: 50n },
    ];
    const sha = buildBatch(genesis, deposits, testInstance.ops, ctx);
    const poseidon = buildBatch(genesis, deposits, testInstance.ops, poseidonCtx);
    const shaProof = (await proveBatch({ zkey: keys.zkey, wasm: circuit.wasm }, sha.inputs, "groth16", fastestEngine())).proof;
    const test = testArtifacts();
    const poseidonProof = (await proveBatch({ zkey: test.keys.zkey, wasm: test.circuit.wasm }, poseidon.inputs, "groth16", fastestEngine())).proof;

    const sequencer = labelAddress("sha sequencer");
    const common = { rollupId: ROLLUP_ID, arities: testInstance.arities, capacity: testInstance.ops, genesisRoot: genesis.root };
    const gas: Record<string, number> = {};
    for (const [name, l1Layout, l1Keys, good, bad] of [
      ["sha256", layout, keys, shaProof, poseidonProof],
      ["poseidon", poseidonCtx.layout, test.keys, poseidonProof, shaProof],
    ] as const) {
      const l1 = await ZkRollupL1.start({ ...common, layout: l1Layout, keys: l1Keys });
      try {
        for (const [who, user, amount] of [["alice", alice, 1000n], ["bob", bob, 50n]] as const) {
          await l1.fund(labelAddress(who), amount);
          expect((await l1.deposit(labelAddress(who), user.publicKey, amount)).status).toBe("success");
        }
        // The same records and root with the other commitment's proof: the contract's public input differs.
        expect((await l1.submitBatch(sequencer, { records: sha.records, withdrawalRecipients: [], newRoot: sha.newRoot, proof: bad })).revertReason).toBe("INVALID_PROOF");
        const ok = await l1.submitBatch(sequencer, { records: sha.records, withdrawalRecipients: [], newRoot: sha.newRoot, proof: good });
        expect(ok.status).toBe("success");
        expect(ok.result?.inputHash).toBe(name === "sha256" ? sha.inputHash : poseidon.inputHash);
        gas[name] = ok.gasUsed;
      } finally {
        await l1.stop();
      }
    }
    console.log(`batch of ${testInstance.ops} deposits, receipts' gasUsed: SHA-256 commitment ${gas["sha256"]}, Poseidon chain ${gas["poseidon"]}`);
    // The Poseidon chain makes at least one Poseidon(6) contract call; SHA-256 is one precompile call.
    expect(gas["sha256"]).toBeLessThan(gas["poseidon"]! - 50_000);
  }, 600_000);
});
