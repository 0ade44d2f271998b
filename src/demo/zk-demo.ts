import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { JsonObject } from "snarkjs";
import { setupInstance } from "../artifacts/setup.ts";
import type { CircuitInstance } from "../circuit/instances.ts";
import { privateKeyFromLabel, publicKeyOf, type PublicKey } from "../crypto/eddsa.ts";
import { L1Chain, labelAddress, type L1Address } from "../l1/chain.ts";
import { ETH_TRANSFER_GAS } from "../l1/gas.ts";
import { reconstructState } from "../l1/reconstruct.ts";
import { ZkRollupContract } from "../l1/zk-rollup.ts";
import { batchMetadata, writeBatchFolder } from "../prover/batch-folder.ts";
import { Prover } from "../prover/prover.ts";
import { Sequencer } from "../sequencer/sequencer.ts";
import { RollupState } from "../state/rollup-state.ts";
import { stateToJson } from "../state/serialize.ts";
import { writeFileAtomic } from "../artifacts/files.ts";
import { signTransfer, signWithdraw } from "../tx/operation.ts";
import { randomInt, seededRandom } from "./random.ts";

export interface ZkDemoOptions {
  readonly instance: CircuitInstance;
  readonly users: number;
  readonly transfers: number;
  readonly seed: number;
  /** Where batch folders go (one per batch, verifiable with zkr verify). */
  readonly outDir: string;
  readonly slotSeconds?: number;
  readonly log: (message: string) => void;
}

export interface BatchTimeline {
  readonly number: number;
  readonly counts: { transfers: number; deposits: number; withdrawals: number; noops: number };
  /** L1 time (s) when the sequencer cut the batch. */
  readonly cutAt: number;
  /** Measured wall-clock witness + proof time (s); the L1 clock advances by it. */
  readonly proveSeconds: number;
  readonly submittedAt: number;
  readonly acceptedAt: number;
  /** zk: final at acceptance. */
  readonly finalAt: number;
  readonly gas: number;
  readonly gasItems: { item: string; gas: number }[];
  readonly calldataBytes: number;
  readonly folder: string;
}

export interface ZkDemoReport {
  readonly mode: "zk";
  readonly instance: string;
  readonly keys: { ceremony: string; insecure: boolean };
  readonly slotSeconds: number;
  readonly deposits: { user: number; amount: string; gas: number; queuedAt: number }[];
  readonly batches: BatchTimeline[];
  readonly withdrawal: { requestedAt: number; includedInBatch: number; paidAt: number; amount: string; claimGas: number } | undefined;
  readonly totals: { operations: number; gas: number; gasPerOperation: number; plainL1TransferGas: number };
  readonly reconstructedRootMatches: boolean;
  readonly gasNote: string;
}

interface User {
  readonly key: Uint8Array;
  readonly publicKey: PublicKey;
  readonly l1: L1Address;
  index?: number;
}

const ROLLUP_ID = 1;

/**
 * The zk half of the demo: users deposit on the L1, sign random transfers, the sequencer cuts
 * batches, the warm prover proves them, the zk rollup contract verifies and accepts them, one user
 * withdraws and is paid from a final root. L1 time is simulated (12 s slots); proving time is
 * measured and moves the L1 clock by as much.
 */
export async function runZkDemo(opts: ZkDemoOptions): Promise<ZkDemoReport> {
  const { instance, log } = opts;
  const rand = seededRandom(opts.seed);
  const keys = await setupInstance(instance, { log });
  const vkey = JSON.parse(readFileSync(keys.vkey, "utf8")) as JsonObject;
  const ctx = { layout: instance.layout, rollupId: ROLLUP_ID };

  const chain = new L1Chain(opts.slotSeconds === undefined ? {} : { slotSeconds: opts.slotSeconds });
  const genesis = new RollupState(instance.arities);
  const rollup = new ZkRollupContract(chain, { rollupId: ROLLUP_ID, layout: instance.layout, capacity: instance.ops, vkey, genesisRoot: genesis.root });
  const sequencer = new Sequencer({ capacity: instance.ops, arities: instance.arities, ctx, maxWaitSeconds: 2 * chain.clock.slotSeconds }, genesis);
  const prover = new Prover({ zkey: keys.zkey, wasm: keys.circuit.wasm });
  const report: { deposits: ZkDemoReport["deposits"]; batches: BatchTimeline[]; withdrawal?: ZkDemoReport["withdrawal"] } = { deposits: [], batches: [] };

  try {
    const users: User[] = Array.from({ length: opts.users }, (_, i) => {
      const key = privateKeyFromLabel(`zkr demo ${opts.seed} user ${i}`);
      return { key, publicKey: publicKeyOf(key), l1: labelAddress(`user-${i}`) };
    });
    log(`L1: ${opts.users} users deposit into the rollup bridge`);
    for (const [i, u] of users.entries()) {
      const amount = BigInt(randomInt(rand, 50, 200)) * 1000n;
      chain.mint(u.l1, amount * 2n);
      const r = await rollup.deposit(u.l1, u.publicKey, amount);
      report.deposits.push({ user: i, amount: amount.toString(), gas: r.gasUsed, queuedAt: r.timestamp });
    }

    const withdrawer = users[0];
    let withdrawalRequested: { at: number; amount: bigint } | undefined;
    let transfersLeft = opts.transfers;

    const runBatch = async (): Promise<void> => {
      const cutAt = chain.now;
      const queued = rollup.bridge.pendingDeposits().map((d) => ({ queueIndex: d.index, publicKey: d.publicKey, amount: d.amount }));
      const { batch } = sequencer.cut(queued);
      for (const u of users) {
        if (u.index === undefined) {
          for (const [i, a] of batch.state.entries()) if (a.publicKey.x === u.publicKey.x && a.publicKey.y === u.publicKey.y) u.index = i;
        }
      }
      const number = rollup.batchCount + 1;
      log(`batch ${number}: proving ${batch.inputs.kind.filter((k) => k !== 0n).length} operations ...`);
      const proved = await prover.prove(batch.inputs);
      const proveSeconds = proved.witnessSeconds + proved.proveSeconds;
      // The proof is ready proveSeconds after the cut; its transaction lands in the first block after that.
      chain.advance(Math.ceil(proveSeconds));
      chain.clock.advanceSlots(1);
      const receipt = await rollup.submitBatch(labelAddress("sequencer"), {
        records: batch.records,
        withdrawalRecipients: batch.withdrawalRecipients,
        newRoot: batch.newRoot,
        proof: proved.proof,
      });
      if (receipt.status !== "success") throw new Error(`the L1 rejected batch ${number}: ${receipt.revertReason ?? "?"}`);
      const meta = batchMetadata({ number, instance, protocol: "groth16", rollupId: ROLLUP_ID, batch, timings: proved, insecureKeys: keys.manifest.insecure });
      const folder = writeBatchFolder(join(opts.outDir, `batch-${String(number).padStart(4, "0")}`), { metadata: meta, proof: proved.proof, publicSignals: proved.publicSignals, vkey });
      writeFileAtomic(join(opts.outDir, `state-after-${String(number).padStart(4, "0")}.json`), JSON.stringify(stateToJson(batch.state)));
      report.batches.push({
        number,
        counts: meta.counts,
        cutAt,
        proveSeconds,
        submittedAt: receipt.timestamp,
        acceptedAt: receipt.timestamp,
        finalAt: receipt.timestamp,
        gas: receipt.gasUsed,
        gasItems: receipt.gas.map((g) => ({ item: g.item, gas: g.gas })),
        calldataBytes: receipt.calldata.bytes,
        folder,
      });
      log(`batch ${number}: proof ${proveSeconds.toFixed(1)} s (measured), accepted on L1 at t=${receipt.timestamp} s, ${receipt.gasUsed} gas`);
    };

    // Traffic: each L1 slot some users sign transfers; the sequencer cuts on its size or time trigger.
    while (transfersLeft > 0 || sequencer.mempool.size > 0 || rollup.bridge.pendingDeposits().length > 0 || withdrawalRequested === undefined) {
      const funded = users.filter((u) => u.index !== undefined);
      const inSlot = funded.length < 2 ? 0 : Math.min(transfersLeft, randomInt(rand, 1, instance.ops));
      for (let t = 0; t < inSlot; t++) {
        const from = funded[randomInt(rand, 0, funded.length - 1)];
        const to = funded[randomInt(rand, 0, funded.length - 1)];
        if (from?.index === undefined || to?.index === undefined || from === to) continue;
        const account = sequencer.mempool.state.account(from.index);
        if (account === undefined || account.balance === 0n) continue;
        const amount = BigInt(randomInt(rand, 1, Math.min(5000, Number(account.balance))));
        sequencer.submit(signTransfer(from.key, { kind: "transfer", from: from.index, to: to.index, amount, nonce: account.nonce }, ctx.layout, ROLLUP_ID), chain.now);
        transfersLeft--;
      }
      if (transfersLeft === 0 && withdrawalRequested === undefined && withdrawer?.index !== undefined) {
        const account = sequencer.mempool.state.account(withdrawer.index);
        if (account !== undefined) {
          const amount = account.balance / 2n;
          sequencer.submit(signWithdraw(withdrawer.key, { kind: "withdraw", from: withdrawer.index, recipient: withdrawer.l1, amount, nonce: account.nonce }, ctx.layout, ROLLUP_ID), chain.now);
          withdrawalRequested = { at: chain.now, amount };
          log(`user 0 asks to withdraw ${amount} to L1 at t=${chain.now} s`);
        }
      }
      if (sequencer.shouldCut(chain.now, rollup.bridge.pendingDeposits().length)) await runBatch();
      else chain.clock.advanceSlots(1);
    }

    if (withdrawer !== undefined && withdrawalRequested !== undefined) {
      const batchNumber = rollup.batches.findIndex((b) => b.withdrawalRecipients.includes(withdrawer.l1)) + 1;
      const before = chain.balanceOf(withdrawer.l1);
      const claim = await rollup.claimWithdrawal(withdrawer.l1, batchNumber, 0);
      if (claim.status !== "success") throw new Error(`withdrawal claim failed: ${claim.revertReason ?? "?"}`);
      const paid = chain.balanceOf(withdrawer.l1) - before;
      report.withdrawal = { requestedAt: withdrawalRequested.at, includedInBatch: batchNumber, paidAt: claim.timestamp, amount: paid.toString(), claimGas: claim.gasUsed };
      log(`user 0 paid ${paid} on L1 at t=${claim.timestamp} s (asked at t=${withdrawalRequested.at} s)`);
    }

    const reconstructed = reconstructState(rollup, instance.arities);
    const operations = report.batches.reduce((n, b) => n + b.counts.transfers + b.counts.deposits + b.counts.withdrawals, 0);
    const gas = report.batches.reduce((n, b) => n + b.gas, 0);
    return {
      mode: "zk",
      instance: instance.name,
      keys: { ceremony: keys.manifest.ceremony, insecure: keys.manifest.insecure },
      slotSeconds: chain.clock.slotSeconds,
      deposits: report.deposits,
      batches: report.batches,
      withdrawal: report.withdrawal,
      totals: { operations, gas, gasPerOperation: Math.round(gas / Math.max(1, operations)), plainL1TransferGas: ETH_TRANSFER_GAS },
      reconstructedRootMatches: reconstructed.root === rollup.currentRoot && reconstructed.root === sequencer.state.root,
      gasNote: "L1 gas is computed from the EIP gas schedule (EIP-2028 calldata, EIP-1108 pairing/ECMUL/ECADD, EIP-2929 storage) plus the Poseidon contract's gas measured in @ethereumjs/evm; it is not an EVM measurement of the whole contract.",
    };
  } finally {
    await prover.close();
  }
}

