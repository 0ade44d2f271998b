import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { JsonObject } from "snarkjs";
import type { SetupArtifacts } from "../artifacts/setup.ts";
import { writeFileAtomic } from "../artifacts/files.ts";
import type { CircuitInstance } from "../circuit/instances.ts";
import { labelAddress } from "../l1/address.ts";
import { L1Clock } from "../l1/clock.ts";
import { reconstructState } from "../l1/reconstruct.ts";
import { ZkRollupL1, compileRollupContracts } from "../evm/zk-rollup.ts";
import { OptimisticRollupL1, compileOptimisticContracts } from "../evm/optimistic-rollup.ts";
import { EvmSession } from "../evm/client.ts";
import type { OptimisticL1 } from "../evm/optimistic-l1.ts";
import type { ZkL1, ZkL1Receipt } from "../evm/zk-l1.ts";
import { Proposer } from "../optimistic/proposer.ts";
import { Watcher } from "../optimistic/watcher.ts";
import { batchMetadata, countKinds, writeBatchFolder, type BatchCounts } from "../prover/batch-folder.ts";
import type { ProvedBatch } from "../prover/prove.ts";
import type { Prover } from "../prover/prover.ts";
import { Sequencer, type QueuedDeposit, type SequencedBatch } from "../sequencer/sequencer.ts";
import { RollupError } from "../state/errors.ts";
import { RollupState } from "../state/rollup-state.ts";
import { stateToJson } from "../state/serialize.ts";
import { signTransfer, signWithdraw } from "../tx/operation.ts";
import type { Workload } from "./workload.ts";

export type Mode = "zk" | "optimistic";

/**
 * Where the Solidity contracts run: "simulated" is the in-process EVM (EDR: deterministic, no server),
 * "anvil" a local anvil node started and stopped by the run. Both report every gas figure from a receipt.
 */
export type DemoL1 = "simulated" | "anvil";

export const ROLLUP_ID = 1;
export const SEQUENCER = labelAddress("sequencer");
export const WATCHER = labelAddress("watcher");
export const PROPOSER_BOND = 10n ** 18n;
export const CHALLENGER_BOND = 5n * 10n ** 17n;

export interface ModeBatch {
  readonly number: number;
  readonly counts: BatchCounts;
  /** L1 time the sequencer cut the batch (the same in both modes). */
  readonly cutAt: number;
  /** zk: measured witness + proof seconds; the submission waits for it. */
  readonly proveSeconds: number | undefined;
  /** L1 time of the block that included the submission (zk: accepted; optimistic: proposed). */
  readonly submittedAt: number;
  /** L1 time the root could no longer change: zk at acceptance, optimistic when its window closed. */
  readonly finalAt: number | undefined;
  readonly gas: number;
  readonly calldataBytes: number;
  readonly folder: string | undefined;
}

export interface ModeRun {
  readonly mode: Mode;
  /** Where the contracts ran (in-process EVM or anvil); gas is the receipts' gasUsed either way. */
  readonly l1: DemoL1;
  readonly slotSeconds: number;
  readonly windowSeconds: number | undefined;
  readonly deposits: { user: number; amount: string; gas: number; at: number }[];
  readonly batches: ModeBatch[];
  readonly withdrawal: { requestedAt: number; batch: number; finalAt: number; paidAt: number; amount: string; claimGas: number } | undefined;
  readonly totals: { operations: number; transfers: number; gas: number; gasPerOperation: number; bytesPosted: number };
  readonly reconstructedRootMatches: boolean | undefined;
  readonly endedAt: number;
}

export interface ModeRunOptions {
  readonly mode: Mode;
  readonly instance: CircuitInstance;
  readonly workload: Workload;
  readonly windowSeconds: number;
  readonly watcher: boolean;
  readonly log: (message: string) => void;
  /** zk only: the keys and a warm prover. */
  readonly keys?: SetupArtifacts;
  readonly prover?: Prover;
  /** zk only: where batch folders go. */
  readonly outDir?: string;
  /** The in-process EVM (default) or anvil; the same contracts on the same clock. */
  readonly l1?: DemoL1;
}

/** A cut batch waiting for its L1 submission (zk: until its proof is ready). */
interface Pending {
  readonly seq: SequencedBatch;
  readonly cutAt: number;
  readonly readyAt: number;
  readonly proved: ProvedBatch | undefined;
}

/**
 * Runs the workload in one mode on fresh contracts (the in-process EVM or anvil, mined on the run's 12 s
 * slot clock): the same sequencer logic cuts the same batches at the same L1 times in both modes; zk
 * submits each with its proof once the (measured) proving time has passed, optimistic proposes it with a
 * bond in the next block and waits out the challenge window.
 */
export async function runMode(opts: ModeRunOptions): Promise<ModeRun> {
  const { instance, workload, log, mode } = opts;
  const ctx = { layout: instance.layout, rollupId: ROLLUP_ID };
  const clock = demoClock();
  const genesis = new RollupState(instance.arities);
  // Compiled (or read from the cache) before the EVM starts, so deployment blocks follow its genesis closely.
  if (mode === "zk" && opts.keys !== undefined) await compileRollupContracts(opts.keys, log);
  else compileOptimisticContracts(log);
  const session = await demoSession(opts.l1 ?? "simulated");
  try {
    const zk = mode === "zk" ? await zkL1(session, clock, opts, genesis.root) : undefined;
    const opt = mode === "optimistic" ? await optimisticL1(session, clock, opts, genesis.root) : undefined;
    await alignClock(session, clock);
    return await drive(zk, opt);
  } finally {
    await session.close();
  }

  async function drive(zk: ZkL1 | undefined, opt: OptimisticL1 | undefined): Promise<ModeRun> {
  const proposer = opt === undefined ? undefined : new Proposer(opt, SEQUENCER, genesis);
  const watcher = opt === undefined || !opts.watcher ? undefined : new Watcher(opt, WATCHER, genesis);
  if (opt !== undefined) {
    await opt.fund(SEQUENCER, 100n * PROPOSER_BOND);
    await opt.fund(WATCHER, 100n * CHALLENGER_BOND);
  }

  const sequencer = new Sequencer({ capacity: instance.ops, arities: instance.arities, ctx, maxWaitSeconds: 2 * clock.slotSeconds }, genesis);
  const pendingDeposits = async () => (zk !== undefined ? zk.pendingDeposits() : opt === undefined ? [] : (await opt.depositQueue()).slice(await opt.queueHead()));
  const queue = async (): Promise<QueuedDeposit[]> =>
    (await pendingDeposits()).map((d) => ({ queueIndex: d.index, publicKey: d.publicKey, amount: d.amount }));
  const l1: ZkL1 | OptimisticL1 = zk ?? opt ?? noL1(mode);

  const deposits: ModeRun["deposits"] = [];
  for (const [i, u] of workload.users.entries()) {
    await l1.fund(u.l1, u.deposit * 2n);
    const r = await l1.deposit(u.l1, u.publicKey, u.deposit);
    deposits.push({ user: i, amount: u.deposit.toString(), gas: r.gasUsed, at: r.timestamp });
  }
  clock.advanceSlots(1);

  const batches: ModeBatch[] = [];
  const pending: Pending[] = [];
  let proverFreeAt = 0;
  let nextTransfer = 0;
  let withdrawal: { requestedAt: number; amount: bigint; batch?: number; claimed?: ModeRun["withdrawal"] } | undefined;
  const indexOf = (u: number): number | undefined => {
    const pk = workload.users[u]?.publicKey;
    for (const [i, a] of sequencer.mempool.state.entries()) if (a.publicKey.x === pk?.x && a.publicKey.y === pk.y) return i;
    return undefined;
  };

  for (let guard = 0; guard < 1_000_000; guard++) {
    const slot = clock.slot;
    // 1. Traffic of this slot (an operation that no longer fits the sender's balance is dropped by admission).
    for (; nextTransfer < workload.transfers.length && (workload.transfers[nextTransfer]?.slot ?? Infinity) <= slot; nextTransfer++) {
      const t = workload.transfers[nextTransfer]!;
      const from = indexOf(t.from);
      const to = indexOf(t.to);
      const user = workload.users[t.from]!;
      if (from === undefined || to === undefined) continue;
      const nonce = sequencer.mempool.state.account(from)?.nonce ?? 0n;
      tryAdmit(() => sequencer.submit(signTransfer(user.key, { kind: "transfer", from, to, amount: t.amount, nonce }, ctx.layout, ROLLUP_ID), clock.now));
    }
    if (withdrawal === undefined && slot >= workload.withdrawalSlot) {
      const u = workload.users[0]!;
      const from = indexOf(0);
      const account = from === undefined ? undefined : sequencer.mempool.state.account(from);
      if (from !== undefined && account !== undefined) {
        const amount = account.balance / 2n;
        tryAdmit(() => sequencer.submit(signWithdraw(u.key, { kind: "withdraw", from, recipient: u.l1, amount, nonce: account.nonce }, ctx.layout, ROLLUP_ID), clock.now));
        withdrawal = { requestedAt: clock.now, amount };
      }
    }
    // 2. The sequencer cuts on its size or time trigger; a zk batch is then proven (the clock does not wait).
    const queued = await queue();
    if (sequencer.shouldCut(clock.now, sequencer.freshDeposits(queued).length)) {
      const seq = sequencer.cut(queued);
      let proved: ProvedBatch | undefined;
      let readyAt = clock.now;
      if (mode === "zk") {
        proved = await opts.prover!.prove(seq.batch.inputs);
        const seconds = proved.witnessSeconds + proved.proveSeconds;
        proverFreeAt = Math.max(proverFreeAt, clock.now) + Math.ceil(seconds);
        readyAt = proverFreeAt;
      }
      pending.push({ seq, cutAt: clock.now, readyAt, proved });
    }
    // 3. A batch is submitted in the first block after its cut that starts once its proof is ready.
    const blockTime = clock.slotTimestamp(slot);
    for (let p = pending[0]; p !== undefined && p.readyAt <= blockTime && slot > clock.slotOf(p.cutAt); p = pending[0]) {
      pending.shift();
      batches.push(await submit(p));
    }
    // 4. Optimistic parties react; finality; the withdrawal is claimed once its batch is final.
    await proposer?.step();
    await watcher?.step();
    await claimIfFinal();

    const trafficDone = nextTransfer >= workload.transfers.length && withdrawal !== undefined;
    const idle = trafficDone && sequencer.mempool.size === 0 && sequencer.freshDeposits(await queue()).length === 0 && pending.length === 0;
    if (idle && withdrawal?.claimed !== undefined && (await allFinal())) break;
    // Nothing to do but wait for challenge windows: jump to the next one's end.
    const nextWindowEnd = idle && opt !== undefined && (await opt.openDisputes()).length === 0 ? await nextOpenWindowEnd() : undefined;
    if (nextWindowEnd !== undefined && nextWindowEnd > clock.now) clock.advance(nextWindowEnd - clock.now);
    else clock.advanceSlots(1);
  }

  const finalBatches: ModeBatch[] = [];
  for (const b of batches) finalBatches.push({ ...b, finalAt: await finalAt(b.number) });
  const ops = finalBatches.reduce((n, b) => n + b.counts.transfers + b.counts.deposits + b.counts.withdrawals, 0);
  const gas = finalBatches.reduce((n, b) => n + b.gas, 0);
  return {
    mode,
    l1: opts.l1 ?? "simulated",
    slotSeconds: clock.slotSeconds,
    windowSeconds: opt === undefined ? undefined : opts.windowSeconds,
    deposits,
    batches: finalBatches,
    withdrawal: withdrawal?.claimed,
    totals: {
      operations: ops,
      transfers: finalBatches.reduce((n, b) => n + b.counts.transfers, 0),
      gas,
      gasPerOperation: Math.round(gas / Math.max(1, ops)),
      bytesPosted: finalBatches.reduce((n, b) => n + b.calldataBytes, 0),
    },
    reconstructedRootMatches: zk === undefined ? undefined : reconstructState(await zk.rollupData(), instance.arities).root === (await zk.currentRoot()),
    endedAt: clock.now,
  };

  function tryAdmit(submitOp: () => unknown): void {
    try {
      submitOp();
    } catch (err) {
      if (!(err instanceof RollupError)) throw err;
    }
  }

  async function finalAt(n: number): Promise<number | undefined> {
    if (zk !== undefined) return (await zk.isFinal(n)) ? (await zk.batch(n))?.timestamp : undefined;
    return opt?.finalizedAt(n);
  }

  /** A view of the optimistic L1 that must exist in optimistic mode. */
  function optimistic(): OptimisticL1 {
    if (opt === undefined) throw new Error("not the optimistic mode");
    return opt;
  }

  async function allFinal(): Promise<boolean> {
    for (const b of batches) if ((await finalAt(b.number)) === undefined) return false;
    return true;
  }

  async function nextOpenWindowEnd(): Promise<number | undefined> {
    const o = optimistic();
    const ends: number[] = [];
    for (const n of await o.liveBatches()) if (!(await o.isFinal(n))) ends.push((await o.batch(n))?.windowEnd ?? Infinity);
    return ends.length === 0 ? undefined : Math.min(...ends);
  }

  async function submit(p: Pending): Promise<ModeBatch> {
    const { batch } = p.seq;
    const counts = countKinds(batch.inputs.kind);
    let receipt: ZkL1Receipt<unknown>;
    let number: number;
    let folder: string | undefined;
    if (zk !== undefined && p.proved !== undefined) {
      const r = await zk.submitBatch(SEQUENCER, { records: batch.records, withdrawalRecipients: batch.withdrawalRecipients, newRoot: batch.newRoot, proof: p.proved.proof });
      receipt = r;
      number = r.result?.number ?? -1;
      folder = writeFolder(number, p);
    } else {
      const r = await proposer!.proposeSequenced(p.seq);
      receipt = r;
      number = r.result?.number ?? -1;
    }
    if (receipt.status !== "success") throw new Error(`${mode}: the L1 rejected batch ${number}: ${receipt.revertReason ?? "?"}`);
    if (counts.withdrawals > 0 && withdrawal !== undefined && withdrawal.batch === undefined) withdrawal.batch = number;
    log(`${mode}: batch ${number} (${counts.transfers} transfers, ${counts.deposits} deposits, ${counts.withdrawals} withdrawals) ${mode === "zk" ? `proven in ${((p.proved?.witnessSeconds ?? 0) + (p.proved?.proveSeconds ?? 0)).toFixed(1)} s and accepted` : "proposed with a bond"} at L1 t=${receipt.timestamp} s, ${receipt.gasUsed} gas`);
    return {
      number,
      counts,
      cutAt: p.cutAt,
      proveSeconds: p.proved === undefined ? undefined : p.proved.witnessSeconds + p.proved.proveSeconds,
      submittedAt: receipt.timestamp,
      finalAt: undefined,
      gas: receipt.gasUsed,
      calldataBytes: receipt.calldata.bytes,
      folder,
    };
  }

  function writeFolder(number: number, p: Pending): string | undefined {
    if (opts.outDir === undefined || opts.keys === undefined || p.proved === undefined) return undefined;
    const vkey = JSON.parse(readFileSync(opts.keys.vkey, "utf8")) as JsonObject;
    const name = `batch-${String(number).padStart(4, "0")}`;
    const metadata = batchMetadata({ number, instance, protocol: "groth16", rollupId: ROLLUP_ID, batch: p.seq.batch, timings: p.proved, insecureKeys: opts.keys.manifest.insecure });
    // The state the batch started from, for `zkr verify --reexecute`.
    writeFileAtomic(join(opts.outDir, `state-before-${name}.json`), JSON.stringify(stateToJson(p.seq.parent)));
    return writeBatchFolder(join(opts.outDir, name), { metadata, proof: p.proved.proof, publicSignals: p.proved.publicSignals, vkey });
  }

  async function claimIfFinal(): Promise<void> {
    if (withdrawal === undefined || withdrawal.batch === undefined || withdrawal.claimed !== undefined) return;
    const at = await finalAt(withdrawal.batch);
    if (at === undefined) return;
    const u = workload.users[0]!;
    const balance = async () => l1.balanceOf(u.l1);
    const before = await balance();
    const claim: ZkL1Receipt<unknown> = await l1.claimWithdrawal(u.l1, withdrawal.batch, 0);
    if (claim.status !== "success") return;
    withdrawal.claimed = {
      requestedAt: withdrawal.requestedAt,
      batch: withdrawal.batch,
      finalAt: at,
      paidAt: claim.timestamp,
      amount: ((await balance()) - before).toString(),
      claimGas: claim.gasUsed,
    };
    log(`${mode}: withdrawal paid on L1 at t=${claim.timestamp} s (asked at t=${withdrawal.requestedAt} s)`);
  }
}
}

function noL1(mode: Mode): never {
  throw new Error(`no L1 for mode ${mode}`);
}

/**
 * A fresh EVM for one run, in-process or a new anvil node, its genesis at 1 s (see demoClock); the caller
 * closes it (the contracts are given the session, so it outlives them).
 */
export async function demoSession(l1: DemoL1): Promise<EvmSession> {
  const genesisTimestamp = 1;
  return l1 === "anvil" ? EvmSession.start({ genesisTimestamp }) : EvmSession.inProcess({ genesisTimestamp });
}

/**
 * A run's L1 clock, from slot 1 (12 s): slot 0 holds the genesis and the deployments. Every transaction is
 * mined at the clock's time, but a deployment block may not be (ZkRollup's takes none), and the in-process
 * EVM ignores a block timestamp of 0 and mines a block without one at genesis + the wall time since: so
 * the genesis is at 1 s and the first transaction at 12 s, after any deployment.
 */
export function demoClock(): L1Clock {
  const clock = new L1Clock();
  clock.advanceSlots(1);
  return clock;
}

/**
 * After deployments: if the EVM's latest block is past the clock (a deployment slower than the clock's
 * first slot), moves the clock to the first slot start at or after it, so later blocks can take its time.
 */
export async function alignClock(session: EvmSession, clock: L1Clock): Promise<void> {
  const latest = Number((await session.public.getBlock({ blockTag: "latest" })).timestamp);
  if (latest > clock.now) clock.advance(clock.slotTimestamp(Math.ceil(latest / clock.slotSeconds)) - clock.now);
}

/** OptimisticRollup.sol, its blocks mined at the clock's times. */
async function optimisticL1(session: EvmSession, clock: L1Clock, opts: ModeRunOptions, genesisRoot: bigint): Promise<OptimisticL1> {
  return OptimisticRollupL1.start({
    rollupId: ROLLUP_ID,
    arities: opts.instance.arities,
    capacity: opts.instance.ops,
    genesisRoot,
    challengeWindowSeconds: opts.windowSeconds,
    proposerBond: PROPOSER_BOND,
    challengerBond: CHALLENGER_BOND,
    session,
    clock,
    log: opts.log,
  });
}

/** ZkRollup.sol with the instance's Groth16 verifier, its blocks mined at the clock's times. */
async function zkL1(session: EvmSession, clock: L1Clock, opts: ModeRunOptions, genesisRoot: bigint): Promise<ZkL1> {
  if (opts.keys === undefined || opts.prover === undefined) throw new Error("zk mode needs keys and a prover");
  return ZkRollupL1.start({ rollupId: ROLLUP_ID, layout: opts.instance.layout, arities: opts.instance.arities, capacity: opts.instance.ops, genesisRoot, keys: opts.keys, session, clock, log: opts.log });
}
