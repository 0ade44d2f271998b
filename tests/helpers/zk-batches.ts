// The proven batches the zk rollup tests submit (tests/evm/zk-rollup.test.ts, on both EVMs).
import { readFileSync } from "node:fs";
import type { JsonObject } from "snarkjs";
import { labelAddress } from "../../src/l1/address.ts";
import type { SubmitBatchArgs } from "../../src/l1/calldata.ts";
import { proveBatch, type ProvedBatch } from "../../src/prover/prove.ts";
import { RollupState, buildBatch, type BuiltBatch } from "../../src/state/index.ts";
import { ctx, fundedState, testArtifacts, testInstance, transfer, withdraw, type User } from "./fixtures.ts";

const { circuit, keys } = testArtifacts();
export { keys };
export const vkey = JSON.parse(readFileSync(keys.vkey, "utf8")) as JsonObject;
export const GENESIS_ROOT = new RollupState(testInstance.arities).root;

export const ALICE_L1 = labelAddress("alice (L1)");
export const BOB_L1 = labelAddress("bob (L1)");
export const SEQUENCER = labelAddress("sequencer");
export const RECIPIENT = labelAddress("bob's withdrawal recipient");
export const OTHER = labelAddress("someone else");

export interface Proved {
  readonly batch: BuiltBatch;
  readonly proved: ProvedBatch;
  readonly recipients: bigint[];
}

export interface ZkBatches {
  readonly alice: User;
  readonly bob: User;
  /** Deposits for alice (1000 at 0) and bob (50 at 5). */
  readonly b1: Proved;
  /** Transfer 300 alice→bob and a 20 withdrawal by bob to RECIPIENT. */
  readonly b2: Proved;
  /** 100 alice→bob. */
  readonly b3: Proved;
  /** A valid proof of a batch that credits alice 2000 when the L1 queue holds 1000 for her. */
  readonly inflated: Proved;
}

async function prove(batch: BuiltBatch, recipients: bigint[] = []): Promise<Proved> {
  return { batch, proved: await proveBatch({ zkey: keys.zkey, wasm: circuit.wasm }, batch.inputs), recipients };
}

export async function proveZkBatches(): Promise<ZkBatches> {
  const funded = fundedState([1000n, 50n]);
  const { alice, bob } = funded;
  const two = buildBatch(funded.state, [transfer(alice, 0, 5, 300n, 0n), withdraw(bob, 5, RECIPIENT, 20n, 0n)], testInstance.ops, ctx);
  const three = buildBatch(two.state, [transfer(alice, 0, 5, 100n, 1n)], testInstance.ops, ctx);
  const bad = buildBatch(
    new RollupState(testInstance.arities),
    [
      { kind: "deposit", to: 0, publicKey: alice.publicKey, amount: 2000n },
      { kind: "deposit", to: 5, publicKey: bob.publicKey, amount: 50n },
    ],
    testInstance.ops,
    ctx,
  );
  return { alice, bob, b1: await prove(funded.depositBatch), b2: await prove(two, [RECIPIENT]), b3: await prove(three), inflated: await prove(bad) };
}

/** The submission of a proven batch, with fields overridden (the rejection tests tamper with one each). */
export function args(p: Proved, over: Partial<SubmitBatchArgs> = {}): SubmitBatchArgs {
  return { records: p.batch.records, withdrawalRecipients: p.recipients, newRoot: p.batch.newRoot, proof: p.proved.proof, ...over };
}
