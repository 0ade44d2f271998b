/**
 * The sequencer as a service: admission into a durable mempool, batches cut, proven by the warm prover
 * and submitted to the (durable, in-process EVM) L1, and everything a client asks about: operation status
 * with L1 times, accounts with Merkle proofs against the latest final root, batches with their proofs.
 *
 * Crash safety, in one rule per step (the store's writes are atomic, fsynced and applied in order):
 * - admit:  the operation and its pending marker are written in one batch before the API answers;
 * - cut:    the batch record, the state after it, the operations' batch numbers and the removal of their
 *           pending markers are one write, so an operation is pending xor in exactly one batch;
 *           only operations already on disk are cut, and a batch is on disk before it is proven;
 * - prove:  a proof is stored with its batch; a batch without one is proven again after a restart
 *           (its inputs are rebuilt from the stored parent state and operations, same roots);
 * - submit: the L1 transaction is logged before it runs (l1-host.ts); on start the L1 (the contracts in
 *           an in-process EVM) is replayed and is the truth: batches it accepted are marked accepted, the
 *           next one is submitted again.
 */
import { existsSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { JsonObject } from "snarkjs";
import { cleanStaleTemps, tempPathFor } from "../artifacts/files.ts";
import type { CircuitInstance } from "../circuit/instances.ts";
import type { PublicKey } from "../crypto/eddsa.ts";
import { labelAddress, type L1Address } from "../l1/address.ts";
import { writeBatchFolder, batchMetadata, countKinds, type BatchCounts } from "../prover/batch-folder.ts";
import type { ProvedBatch, ProvingKeys } from "../prover/prove.ts";
import { Prover } from "../prover/prover.ts";
import { operationId } from "../sequencer/mempool.ts";
import { assignDeposits } from "../sequencer/sequencer.ts";
import type { Account } from "../state/account.ts";
import { buildBatch, type BatchInputs, type BuiltBatch } from "../state/batch.ts";
import { RollupError } from "../state/errors.ts";
import { accountProof, type AccountProof } from "../state/merkle-proof.ts";
import { RollupState } from "../state/rollup-state.ts";
import { stateFromJson, stateToJson, type StateJson } from "../state/serialize.ts";
import { applyOperation, type RollupContext } from "../state/transition.ts";
import type { SignedOperation, Withdraw } from "../tx/operation.ts";
import {
  addressHex,
  bytesToHex,
  depositFromJson,
  depositToJson,
  operationFromJson,
  operationToJson,
  type DepositJson,
  type OperationJson,
} from "./codec.ts";
import { crashPoint, crashSoon } from "./crash-points.ts";
import { NodeError } from "./errors.ts";
import { L1Host, type L1Params } from "./l1-host.ts";
import { NodeMempool, type PendingOp } from "./mempool.ts";
import { NodeStore, seqKey, type StoreOp } from "./store.ts";

/** The L1 address the node submits batches from. */
export const SEQUENCER_ADDRESS: L1Address = labelAddress("sequencer");

/** Parameters fixed at genesis: stored in the data directory, a restart must agree with them. */
export interface GenesisParams {
  readonly rollupId: number;
  readonly slotSeconds: number;
  readonly finalitySlots: number;
  readonly forcedDeadlineSeconds: number;
}

export const DEFAULT_GENESIS: GenesisParams = { rollupId: 1, slotSeconds: 12, finalitySlots: 2, forcedDeadlineSeconds: 240 };

/** The keys a node proves with. */
export interface NodeKeys {
  readonly zkey: string;
  readonly wasm: string;
  /** circom's C++ witness generator of the same circuit, when built (the prover uses it instead of the wasm). */
  readonly cpp?: string;
  readonly vkey: JsonObject;
  readonly insecure: boolean;
  /**
   * The key version they are (src/artifacts/setup.ts keyVersion): recorded in the data directory at
   * genesis, which from then on loads exactly that version, whatever `zkr setup --force` made since.
   */
  readonly version?: string;
}

/** Chooses the keys once the data directory is open: the version it pinned, or (none yet) the current one. */
export type KeyResolver = (pinnedVersion: string | undefined) => Promise<NodeKeys>;

/**
 * Proves batches away from this process (src/prover-pool: workers on a Redis queue): many batches at
 * once, each proof verified by it before it resolves; the node still submits in batch order.
 */
export interface RemoteProver {
  prove(batch: number, inputs: BatchInputs): Promise<ProvedBatch & { readonly worker: string }>;
  /** The batch's proof is stored: its job can go. */
  done(batch: number): Promise<void>;
  close(): Promise<void>;
}

/** Connects a remote prover for this rollup once its keys and metadata are known. */
export type RemoteProverFactory = (keys: NodeKeys, meta: Meta) => Promise<RemoteProver>;

export interface NodeOptions {
  readonly dataDir: string;
  readonly instance: CircuitInstance;
  readonly keys: NodeKeys | KeyResolver;
  /** Only the ones given; the rest come from the data directory or DEFAULT_GENESIS. */
  readonly genesis?: Partial<GenesisParams>;
  /** Wall milliseconds per L1 slot; 0: the clock moves only through tick() (tests). */
  readonly slotMs: number;
  /** Cut a partial batch once the oldest pending operation waited this long (L1 seconds). */
  readonly maxWaitSeconds?: number;
  /** Admission refuses (MEMPOOL_FULL) above this many pending operations. */
  readonly maxPending?: number;
  /** Batches cut but not yet accepted on L1, at most. */
  readonly maxInFlight?: number;
  /** A censoring sequencer: ignores forced withdrawals (to show exit mode). */
  readonly censorForced?: boolean;
  /** POST /l1/faucet adds L1 funds (the development faucet). */
  readonly faucet?: boolean;
  /** Prove on a prover pool instead of in-process (never both: no fallback if the pool is down). */
  readonly provers?: RemoteProverFactory;
  readonly log?: (message: string) => void;
}

export interface Meta extends GenesisParams {
  /**
   * 4: the L1 is ZkRollup.sol in an in-process EVM with exit claims proven by a circuit (older versions'
   * logs replay on other contracts: 1 the TypeScript L1, 2-3 earlier contracts).
   */
  readonly version: 4;
  readonly instance: string;
  readonly arities: number[];
  readonly capacity: number;
  readonly genesisRoot: string;
  readonly vkey: JsonObject;
  readonly insecureKeys: boolean;
  /** The key version this rollup proves with (absent: created before versions, or keys given by path). */
  readonly keysVersion?: string;
  readonly createdAt: string;
}

interface OpRecord {
  readonly id: string;
  readonly op: OperationJson;
  readonly seq: number;
  readonly admittedAt: number;
  readonly admittedWallMs: number;
  readonly batch?: number;
}

export interface BatchRecord {
  readonly number: number;
  readonly opIds: string[];
  readonly deposits: DepositJson[];
  readonly oldRoot: string;
  readonly newRoot: string;
  readonly inputHash: string;
  readonly records: string;
  readonly withdrawalRecipients: string[];
  readonly counts: BatchCounts;
  readonly cutAt: number;
  readonly cutWallMs: number;
  readonly proof?: JsonObject;
  readonly publicSignals?: string[];
  readonly provedAt?: number;
  readonly prove?: { readonly witnessSeconds: number; readonly proveSeconds: number; readonly wallStartMs: number; readonly wallEndMs: number; readonly worker?: string };
  readonly accepted?: { readonly block: number; readonly timestamp: number; readonly gas: number; readonly calldataBytes: number };
  readonly folder?: string;
}

export type OperationStatus = "pending" | "in_batch" | "proven" | "accepted" | "final";

export interface OperationView {
  readonly id: string;
  readonly kind: SignedOperation["kind"];
  readonly from: number;
  readonly status: OperationStatus;
  readonly batch: number | null;
  /** L1 times (seconds since genesis) of each step reached so far. */
  readonly l1Times: { admitted: number; cut?: number; proven?: number; accepted?: number; final?: number };
}

export interface BatchView extends Omit<BatchRecord, "proof" | "publicSignals"> {
  readonly status: "cut" | "proven" | "accepted" | "final";
  readonly final: boolean;
  readonly finalAt: number | null;
  readonly proof: JsonObject | null;
  readonly publicSignals: string[] | null;
}

export interface AccountView extends AccountProof {
  readonly finalBatch: number;
  readonly root: bigint;
  /** The account after every pending operation (what the next signature must use), if it exists there. */
  readonly pending: Account | undefined;
}

export const META_KEY = "meta";
const OP = "op/";
const PENDING = "pending/";
export const BATCH = "batch/";
export const STATE = "state/";
const batchKey = (n: number) => seqKey(BATCH, n);
export const stateKey = (n: number) => seqKey(STATE, n);

export class RollupNode {
  readonly ctx: RollupContext;
  readonly capacity: number;
  readonly arities: readonly number[];
  private readonly log: (m: string) => void;
  private readonly ops = new Map<string, { record: OpRecord; durable: Promise<void> }>();
  private readonly batches: BatchRecord[] = [];
  private readonly built = new Map<number, BuiltBatch>();
  private committed: RollupState;
  private mempool: NodeMempool;
  private nextSeq = 0;
  private nextDeposit = 0;
  private prover: Prover | undefined;
  private proving: { batch: number; sinceWallMs: number } | undefined;
  private remote: RemoteProver | undefined;
  /** Batches whose proof the remote prover is working on (all at once, in parallel). */
  private readonly remoteProving = new Set<number>();
  private submitting = false;
  private stepping = false;
  private stepAgain = false;
  private stopped = false;
  private haltedBy: Error | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private finalCache: { batch: number; state: RollupState } | undefined;
  private readonly forcedHandled = new Set<number>();
  private readonly changeListeners = new Set<() => void>();
  /** Proven batches whose folder is not written yet, with the wall time of the last try. */
  private readonly folderFailed = new Map<number, number>();
  private readonly forcedDismissTried = new Map<number, number>();
  private readonly startedWallMs = Date.now();
  /** Wall-clock intervals of proofs, for the load report (admissions during a proof). */
  readonly provingIntervals: { batch: number; startMs: number; endMs: number }[] = [];

  private constructor(
    readonly store: NodeStore,
    readonly l1: L1Host,
    readonly meta: Meta,
    private readonly opts: NodeOptions,
    /** The keys resolved for this data directory (its pinned version): the prover uses only these. */
    readonly keys: NodeKeys,
    genesis: RollupState,
  ) {
    this.capacity = meta.capacity;
    this.arities = meta.arities;
    this.ctx = { layout: opts.instance.layout, rollupId: meta.rollupId };
    this.log = opts.log ?? (() => {});
    this.committed = genesis;
    this.mempool = new NodeMempool(genesis, this.ctx);
  }

  /** Opens (or creates) the data directory, rebuilds the L1 and the sequencer, and starts the pipeline. */
  static async open(opts: NodeOptions): Promise<RollupNode> {
    const store = await NodeStore.open(opts.dataDir);
    let remote: RemoteProver | undefined;
    try {
      const genesisState = new RollupState(opts.instance.arities);
      const pinned = (await store.get<Meta>(META_KEY))?.keysVersion;
      const keys = typeof opts.keys === "function" ? await opts.keys(pinned) : opts.keys;
      const meta = await loadMeta(store, opts, keys, genesisState.root);
      remote = opts.provers === undefined ? undefined : await opts.provers(keys, meta);
      const params = l1ParamsOf(meta, opts.instance, keys.zkey);
      const t0 = performance.now();
      const l1 = await L1Host.open(store, params);
      const node = new RollupNode(store, l1, meta, opts, keys, genesisState);
      await node.recover();
      node.log(
        `recovered in ${((performance.now() - t0) / 1000).toFixed(1)} s: L1 t=${l1.now} s, ${node.batches.length} batches ` +
          `(${l1.view.batches.length} on L1), ${node.mempool.size} pending operations`,
      );
      if (remote !== undefined) node.remote = remote;
      else node.prover = new Prover(provingKeys(keys));
      node.startTicker();
      node.kick();
      return node;
    } catch (err) {
      await remote?.close().catch(() => undefined);
      await store.close().catch(() => undefined);
      throw err;
    }
  }

  // ---- recovery ----

  private async recover(): Promise<void> {
    const records = await this.store.entries<BatchRecord>(BATCH);
    for (const [i, [, b]] of records.entries()) {
      if (b.number !== i + 1) throw new NodeError("STORE_CORRUPT", `batch records are not numbered 1..n (found ${b.number} at ${i + 1})`);
      this.batches.push(b);
    }
    const onL1Count = this.l1.view.batches.length;
    if (onL1Count > this.batches.length) {
      throw new NodeError("RECOVERY_MISMATCH", `the L1 holds ${onL1Count} batches, the store only ${this.batches.length}`);
    }
    const fixes: StoreOp[] = [];
    for (let n = 1; n <= onL1Count; n++) {
      const onL1 = this.l1.view.batches[n - 1];
      const b = this.batches[n - 1];
      if (onL1 === undefined || b === undefined) continue;
      if (onL1.newRoot.toString() !== b.newRoot) {
        throw new NodeError("RECOVERY_MISMATCH", `batch ${n}: the L1 accepted root ${onL1.newRoot}, the store holds ${b.newRoot}`);
      }
      if (b.accepted === undefined) {
        const rec = await this.acceptedFromL1(n, b);
        this.batches[n - 1] = rec;
        fixes.push({ type: "put", key: batchKey(n), value: rec });
      }
    }
    if (fixes.length > 0) await this.store.write(fixes);

    const last = this.batches.length;
    if (last > 0) {
      const json = await this.store.get<StateJson>(stateKey(last));
      if (json === undefined) throw new NodeError("STORE_CORRUPT", `no state stored after batch ${last}`);
      this.committed = stateFromJson(json);
      if (this.committed.root.toString() !== this.batches[last - 1]?.newRoot) throw new NodeError("STORE_CORRUPT", `state ${last} does not match its batch`);
    }
    this.nextDeposit = this.batches.reduce((n, b) => n + b.deposits.length, 0);

    for (const [, r] of await this.store.entries<OpRecord>(OP)) {
      this.ops.set(r.id, { record: r, durable: Promise.resolve() });
      this.nextSeq = Math.max(this.nextSeq, r.seq + 1);
    }
    this.mempool = new NodeMempool(this.committed, this.ctx);
    for (const [, id] of await this.store.entries<string>(PENDING)) {
      const r = this.ops.get(id)?.record;
      if (r === undefined || r.batch !== undefined) throw new NodeError("STORE_CORRUPT", `pending marker for ${id} without a pending operation`);
      this.mempool.restore({ id, op: operationFromJson(r.op), seq: r.seq, admittedAt: r.admittedAt, durable: true });
    }

    // Batches not yet on L1: rebuild their inputs (same roots) for proving.
    for (let n = onL1Count + 1; n <= last; n++) this.built.set(n, await this.rebuild(n));
    // Temps a killed node was writing (batch folders, node.json).
    cleanStaleTemps(this.store.dir);
    cleanStaleTemps(join(this.store.dir, "batches"));
    // Proven batches without their folder (the crash or a write failure came between storing the proof
    // and writing it; or it was deleted): written again by the pipeline.
    for (const b of this.batches) {
      if (b.proof !== undefined && (b.folder === undefined || !existsSync(join(b.folder, "proof.json")))) this.folderFailed.set(b.number, 0);
    }
  }

  /** Rebuilds a stored batch from the state before it and its operations; the roots must agree. */
  private async rebuild(n: number): Promise<BuiltBatch> {
    const b = this.batches[n - 1];
    if (b === undefined) throw new NodeError("STORE_CORRUPT", `no batch ${n}`);
    const parent = await this.stateAfter(n - 1);
    const ops = [
      ...b.deposits.map(depositFromJson),
      ...b.opIds.map((id) => {
        const r = this.ops.get(id)?.record;
        if (r === undefined) throw new NodeError("STORE_CORRUPT", `batch ${n} names unknown operation ${id}`);
        return operationFromJson(r.op);
      }),
    ];
    const built = buildBatch(parent, ops, this.capacity, this.ctx);
    if (built.newRoot.toString() !== b.newRoot) throw new NodeError("RECOVERY_MISMATCH", `batch ${n} rebuilds to another root`);
    return built;
  }

  private async stateAfter(n: number): Promise<RollupState> {
    if (n === 0) return new RollupState(this.arities);
    if (n === this.batches.length) return this.committed;
    if (this.finalCache?.batch === n) return this.finalCache.state;
    const json = await this.store.get<StateJson>(stateKey(n));
    if (json === undefined) throw new NodeError("STORE_CORRUPT", `no state stored after batch ${n}`);
    return stateFromJson(json);
  }

  // ---- admission ----

  /** Admits a signed operation; resolves once it is on disk. A resubmission returns the same id. */
  async submit(op: SignedOperation): Promise<{ id: string; status: OperationStatus; duplicate: boolean }> {
    this.requireRunning();
    const id = operationId(op);
    const known = this.ops.get(id);
    if (known !== undefined) {
      await known.durable;
      return { id, status: this.statusOf(known.record), duplicate: true };
    }
    if (this.mempool.size >= (this.opts.maxPending ?? 10_000)) {
      throw new NodeError("MEMPOOL_FULL", `${this.mempool.size} operations are waiting; try again later`);
    }
    const p: PendingOp = { id, op, seq: this.nextSeq, admittedAt: this.l1.now, durable: false };
    this.mempool.admit(p); // throws RollupError with the rule's code; nothing changed then
    this.nextSeq++;
    const record: OpRecord = { id, op: operationToJson(op), seq: p.seq, admittedAt: p.admittedAt, admittedWallMs: Date.now() };
    crashPoint("admit:before-write");
    const durable = this.store.write([
      { type: "put", key: OP + id, value: record },
      { type: "put", key: seqKey(PENDING, p.seq), value: id },
    ]);
    this.ops.set(id, { record, durable });
    try {
      await durable;
    } catch (err) {
      this.halt(new NodeError("HALTED", `the store failed: ${String(err)}`, { cause: err }));
      throw this.haltedBy;
    }
    p.durable = true;
    crashPoint("admit:after-write");
    this.kick();
    return { id, status: "pending", duplicate: false };
  }

  private requireRunning(): void {
    if (this.stopped) throw new NodeError("SHUTTING_DOWN", "the node is stopping");
    if (this.haltedBy !== undefined) throw new NodeError("HALTED", `the node halted: ${this.haltedBy.message}`);
    if (this.l1.view.exitMode !== undefined) throw new NodeError("EXIT_MODE", "the rollup is in exit mode: withdraw on L1 with a Merkle proof");
  }

  // ---- the pipeline: cut, prove, submit ----

  /** Runs the pipeline soon (coalesced). */
  kick(): void {
    if (this.stopped || this.haltedBy !== undefined) return;
    this.changed();
    if (this.stepping) {
      this.stepAgain = true;
      return;
    }
    this.stepping = true;
    void this.step()
      .catch((err: unknown) => this.halt(err instanceof Error ? err : new Error(String(err))))
      .finally(() => {
        this.stepping = false;
        this.changed();
        if (this.stepAgain) {
          this.stepAgain = false;
          this.kick();
        }
      });
  }

  private async step(): Promise<void> {
    if (this.stopped || this.haltedBy !== undefined || this.l1.view.exitMode !== undefined) return;
    await this.serveForcedWithdrawals();
    await this.exportMissingFolders();
    const onL1 = this.l1.view.batches.length;
    // Submit the next batch once proven (in order: the L1 checks the proof against its current root).
    const next = this.batches[onL1];
    if (next?.proof !== undefined && !this.submitting) this.background(this.submitNext(next));
    // Prove the oldest batch without a proof.
    this.proveNext();
    // Cut while the size or time trigger holds and the pipeline has room.
    while (this.batches.length - this.l1.view.batches.length < (this.opts.maxInFlight ?? 2) && this.shouldCut()) {
      await this.cut();
      this.proveNext();
    }
  }

  private proveNext(): void {
    if (this.remote !== undefined) {
      // A pool proves every batch in flight at once; they are submitted in order as they come.
      for (const b of this.batches) {
        if (b.number > this.l1.view.batches.length && b.proof === undefined && !this.remoteProving.has(b.number)) this.background(this.prove(b.number));
      }
      return;
    }
    if (this.proving !== undefined) return;
    const unproven = this.batches.find((b) => b.number > this.l1.view.batches.length && b.proof === undefined);
    if (unproven !== undefined) this.background(this.prove(unproven.number));
  }

  /** Work started from the pipeline: a failure halts the node (a lost prover process is replaced). */
  private background(work: Promise<void>): void {
    work.catch((err: unknown) => {
      if (this.stopped) return;
      const e = err instanceof Error ? err : new Error(String(err));
      if (/prover (process exited|is closed)/.test(e.message)) {
        this.log(`the prover process ended (${e.message}); starting a new one`);
        this.prover = new Prover(provingKeys(this.keys));
        this.kick();
        return;
      }
      this.halt(e);
    });
  }

  private freshDeposits() {
    return this.l1.view.depositQueue.slice(this.nextDeposit);
  }

  private shouldCut(): boolean {
    const ready = this.mempool.durablePrefix(this.capacity);
    const deposits = this.freshDeposits().length;
    if (ready + deposits >= this.capacity) return true;
    const oldest = this.mempool.oldestDurableAdmittedAt();
    const maxWait = this.opts.maxWaitSeconds ?? 2 * this.meta.slotSeconds;
    return (oldest !== undefined && this.l1.now - oldest >= maxWait) || (deposits > 0 && ready === 0);
  }

  private async cut(): Promise<void> {
    const number = this.batches.length + 1;
    const deposits = this.freshDeposits().slice(0, this.capacity);
    const depositOps = assignDeposits(this.committed, deposits.map((d) => ({ publicKey: d.publicKey, amount: d.amount })));
    const taken = this.mempool.take(this.capacity - depositOps.length);
    const parent = this.committed;
    const built = buildBatch(parent, [...depositOps, ...taken.map((p) => p.op)], this.capacity, this.ctx);
    const record: BatchRecord = {
      number,
      opIds: taken.map((p) => p.id),
      deposits: deposits.map((d, i) => depositToJson(d.index, depositOps[i] ?? failDeposit())),
      oldRoot: built.oldRoot.toString(),
      newRoot: built.newRoot.toString(),
      inputHash: built.inputHash.toString(),
      records: bytesToHex(built.records),
      withdrawalRecipients: built.withdrawalRecipients.map(addressHex),
      counts: countKinds(built.inputs.kind),
      cutAt: this.l1.now,
      cutWallMs: Date.now(),
    };
    this.committed = built.state;
    this.mempool.advance(depositOps);
    this.nextDeposit += deposits.length;
    this.batches.push(record);
    this.built.set(number, built);
    const writes: StoreOp[] = [
      { type: "put", key: batchKey(number), value: record },
      { type: "put", key: stateKey(number), value: stateToJson(built.state) },
    ];
    for (const p of taken) {
      const entry = this.ops.get(p.id);
      if (entry === undefined) throw new NodeError("STORE_CORRUPT", `operation ${p.id} is not indexed`);
      const updated: OpRecord = { ...entry.record, batch: number };
      entry.record = updated;
      writes.push({ type: "put", key: OP + p.id, value: updated }, { type: "del", key: seqKey(PENDING, p.seq) });
    }
    crashPoint("cut:before-write");
    await this.store.write(writes);
    crashPoint("cut:after-write");
    this.log(`batch ${number} cut: ${record.counts.deposits} deposits, ${record.counts.transfers} transfers, ${record.counts.withdrawals} withdrawals (L1 t=${record.cutAt} s)`);
  }

  private async prove(number: number): Promise<void> {
    const { remote, prover } = this;
    if (remote !== undefined ? this.remoteProving.has(number) : this.proving !== undefined || prover === undefined) return;
    const startMs = Date.now();
    if (remote !== undefined) this.remoteProving.add(number);
    else this.proving = { batch: number, sinceWallMs: startMs };
    try {
      let built = this.built.get(number);
      if (built === undefined) {
        built = await this.rebuild(number);
        this.built.set(number, built);
      }
      crashSoon("prove:during", 300);
      let proved: ProvedBatch & { readonly worker?: string };
      try {
        if (remote !== undefined) proved = await remote.prove(number, built.inputs);
        else if (prover !== undefined) proved = await prover.prove(built.inputs);
        else return;
      } catch (err) {
        if (this.stopped) return;
        throw err;
      }
      crashPoint("prove:after");
      const endMs = Date.now();
      this.provingIntervals.push({ batch: number, startMs, endMs });
      const b = this.batches[number - 1];
      if (b === undefined) throw new NodeError("STORE_CORRUPT", `batch ${number} vanished`);
      const updated: BatchRecord = {
        ...b,
        proof: proved.proof,
        publicSignals: proved.publicSignals,
        provedAt: this.l1.now,
        prove: {
          witnessSeconds: proved.witnessSeconds,
          proveSeconds: proved.proveSeconds,
          wallStartMs: startMs,
          wallEndMs: endMs,
          ...(proved.worker === undefined ? {} : { worker: proved.worker }),
        },
      };
      await this.store.write([{ type: "put", key: batchKey(number), value: updated }]);
      this.batches[number - 1] = updated;
      const by = proved.worker === undefined ? "" : ` by worker ${proved.worker}`;
      this.log(`batch ${number} proven${by} in ${(proved.witnessSeconds + proved.proveSeconds).toFixed(1)} s (L1 t=${updated.provedAt} s)`);
      if (remote !== undefined) await remote.done(number);
      // The folder is an export for users (zkr verify): its failure never stops the pipeline.
      await this.exportFolder(number, built);
    } finally {
      if (remote !== undefined) this.remoteProving.delete(number);
      else this.proving = undefined;
      this.kick();
    }
  }

  /** Where batch n's folder goes (reported by the API only once it was written). */
  private folderPath(n: number): string {
    return join(this.store.dir, "batches", `batch-${String(n).padStart(4, "0")}`);
  }

  /**
   * Writes a proven batch's folder (proof.json, public.json, verification_key.json, batch.json) and
   * only then records its path: the folder is made whole in a temp folder and renamed into place, so a
   * path the API reports always exists, complete. A failure (a read-only or full data directory) is
   * logged; exportMissingFolders tries again later, the pipeline goes on.
   */
  private async exportFolder(n: number, built?: BuiltBatch): Promise<void> {
    const b = this.batches[n - 1];
    if (b === undefined || b.proof === undefined || b.publicSignals === undefined) return;
    const dir = this.folderPath(n);
    try {
      writeFolderAtomic(dir, {
        metadata: batchMetadata({
          number: b.number,
          instance: this.opts.instance,
          protocol: "groth16",
          rollupId: this.meta.rollupId,
          batch: built ?? this.built.get(n) ?? (await this.rebuild(n)),
          ...(b.prove === undefined ? {} : { timings: { witnessSeconds: b.prove.witnessSeconds, proveSeconds: b.prove.proveSeconds } }),
          insecureKeys: this.meta.insecureKeys,
        }),
        proof: b.proof,
        publicSignals: b.publicSignals,
        vkey: this.meta.vkey,
      });
    } catch (err) {
      if (err instanceof NodeError) throw err;
      if (!this.folderFailed.has(n)) this.log(`batch ${n}: its folder cannot be written yet (${(err as NodeJS.ErrnoException).code ?? String(err)}); trying again later`);
      this.folderFailed.set(n, Date.now());
      return;
    }
    this.folderFailed.delete(n);
    if (b.folder !== dir) await this.patchBatch(n, { folder: dir });
  }

  /** Retries the folders that could not be written (at most once a second). */
  private async exportMissingFolders(): Promise<void> {
    for (const [n, at] of [...this.folderFailed]) {
      if (Date.now() - at >= FOLDER_RETRY_MS) await this.exportFolder(n);
    }
  }

  /**
   * Changes a batch record in memory and queues its store write at once: every write carries the latest
   * whole record, and writes land in order, so concurrent changes (a folder path, acceptance) never
   * undo each other.
   */
  private patchBatch(n: number, patch: Partial<Pick<BatchRecord, "folder" | "accepted">>): Promise<void> {
    const b = this.batches[n - 1];
    if (b === undefined) throw new NodeError("STORE_CORRUPT", `no batch ${n}`);
    const rec: BatchRecord = { ...b, ...patch };
    this.batches[n - 1] = rec;
    return this.store.write([{ type: "put", key: batchKey(n), value: rec }]);
  }

  private async submitNext(b: BatchRecord): Promise<void> {
    if (b.proof === undefined) return;
    this.submitting = true;
    try {
      const receipt = await this.l1.submitBatch(
        SEQUENCER_ADDRESS,
        {
          records: Buffer.from(b.records, "hex"),
          withdrawalRecipients: b.withdrawalRecipients.map((r) => BigInt(r)),
          newRoot: BigInt(b.newRoot),
          proof: b.proof,
        },
        () => crashPoint("submit:after-log"),
      );
      crashPoint("submit:after-execute");
      if (receipt.status !== "success") {
        if (this.l1.view.exitMode !== undefined) {
          this.log(`batch ${b.number} refused: the rollup is in exit mode`);
          return;
        }
        throw new NodeError("HALTED", `the L1 rejected batch ${b.number}: ${receipt.revertReason ?? "?"}`);
      }
      const accepted = { block: receipt.blockNumber, timestamp: receipt.timestamp, gas: receipt.gasUsed, calldataBytes: receipt.calldata.bytes };
      await this.patchBatch(b.number, { accepted });
      this.built.delete(b.number);
      this.log(`batch ${b.number} accepted on L1 at t=${receipt.timestamp} s (${receipt.gasUsed} gas)`);
    } finally {
      this.submitting = false;
      this.kick();
    }
  }

  /** A batch the L1 accepted while the node was down (between logging and recording): its receipt, read back. */
  private async acceptedFromL1(n: number, b: BatchRecord): Promise<BatchRecord> {
    const r = await this.l1.acceptance(n);
    return { ...b, accepted: { block: r.blockNumber, timestamp: r.timestamp, gas: r.gasUsed, calldataBytes: r.calldataBytes } };
  }

  // ---- forced withdrawals (the honest sequencer's side) ----

  private async serveForcedWithdrawals(): Promise<void> {
    if (this.opts.censorForced === true) return;
    // Requests come from the L1 with their signed withdraw, unchecked: the sequencer admits it like any
    // operation. One the latest final state refuses (another nonce, a short balance, a bad signature) is
    // proven so to the L1, which dismisses it; the reference transition decides, the contract re-checks.
    for (const req of this.l1.view.forcedRequests.filter((r) => r.status === "pending")) {
      if (!this.forcedHandled.has(req.id)) {
        this.forcedHandled.add(req.id);
        try {
          await this.submit(req.withdraw);
          this.log(`forced withdrawal ${req.id} admitted`);
        } catch (err) {
          if (err instanceof NodeError && err.code === "MEMPOOL_FULL") this.forcedHandled.delete(req.id);
          else if (err instanceof RollupError) this.log(`forced withdrawal ${req.id} cannot be included (${err.code}); it will be dismissed with a proof under a final root`);
          else throw err;
        }
        continue;
      }
      const finalBatch = this.l1.view.lastFinalBatch;
      if (finalBatch < req.atBatch || this.forcedDismissTried.get(req.id) === finalBatch) continue;
      const state = await this.finalState(finalBatch);
      if (servableAt(state, req.withdraw, this.ctx)) continue;
      this.forcedDismissTried.set(req.id, finalBatch);
      const account = state.account(req.withdraw.from) ?? EMPTY_ACCOUNT;
      const r = await this.l1.dismissForcedWithdrawal(SEQUENCER_ADDRESS, req.id, { rootBatch: finalBatch, account, path: state.tree.path(req.withdraw.from) });
      const reason = r.result?.dismissReason;
      this.log(`forced withdrawal ${req.id} dismissal: ${r.status}${r.revertReason === null ? "" : ` ${r.revertReason}`}${reason === undefined ? "" : ` (${reason})`}`);
    }
  }

  // ---- time ----

  private startTicker(): void {
    if (this.opts.slotMs <= 0) return;
    const loop = () => {
      this.ticker = setTimeout(() => {
        this.tick().then(
          () => {
            if (!this.stopped) loop();
          },
          (err: unknown) => {
            if (!this.stopped) this.halt(err instanceof Error ? err : new Error(String(err)));
          },
        );
      }, this.opts.slotMs);
    };
    loop();
  }

  /** Moves the L1 one slot on, then lets the pipeline react (finality, time triggers). */
  async tick(): Promise<void> {
    if (this.stopped) return;
    await this.l1.tick();
    this.kick();
  }

  // ---- views ----

  private statusOf(r: OpRecord): OperationStatus {
    if (r.batch === undefined) return "pending";
    const b = this.batches[r.batch - 1];
    if (b === undefined || b.proof === undefined) return "in_batch";
    if (this.l1.view.batches.length < r.batch) return "proven";
    return r.batch <= this.l1.view.lastFinalBatch ? "final" : "accepted";
  }

  operation(id: string): OperationView | undefined {
    const r = this.ops.get(id)?.record;
    if (r === undefined) return undefined;
    const b = r.batch === undefined ? undefined : this.batchView(r.batch);
    const l1Times: OperationView["l1Times"] = { admitted: r.admittedAt };
    if (b !== undefined) {
      l1Times.cut = b.cutAt;
      if (b.provedAt !== undefined) l1Times.proven = b.provedAt;
      if (b.accepted !== undefined && this.l1.view.batches.length >= b.number) l1Times.accepted = b.accepted.timestamp;
      if (b.finalAt !== null) l1Times.final = b.finalAt;
    }
    return { id, kind: r.op.kind, from: r.op.from, status: this.statusOf(r), batch: r.batch ?? null, l1Times };
  }

  batchView(n: number): BatchView | undefined {
    const b = this.batches[n - 1];
    if (b === undefined) return undefined;
    const view = this.l1.view;
    const onL1 = n <= view.batches.length;
    const final = n <= view.lastFinalBatch;
    const { proof, publicSignals, ...rest } = b;
    return {
      ...rest,
      status: final ? "final" : onL1 ? "accepted" : proof !== undefined ? "proven" : "cut",
      final,
      finalAt: final ? (view.finalAt[n - 1] ?? null) : null,
      proof: proof ?? null,
      publicSignals: publicSignals ?? null,
    };
  }

  /** The latest `limit` operations admitted, newest first (the web page's list). */
  recentOperations(limit: number): OperationView[] {
    const latest = [...this.ops.values()].map((e) => e.record).sort((a, b) => b.seq - a.seq).slice(0, limit);
    return latest.flatMap((r) => this.operation(r.id) ?? []);
  }

  /**
   * Calls `listener` whenever what a viewer sees may have changed (an admission, a cut, a proof, an L1
   * submission, a slot): every kick and the end of every pipeline step. Returns the unsubscribe.
   */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.changeListeners) l();
  }

  get batchCount(): number {
    return this.batches.length;
  }

  /** The state after the latest final batch (in exit mode: after the exit batch, once final). */
  async finalState(batch = this.l1.view.lastFinalBatch): Promise<RollupState> {
    if (this.finalCache?.batch === batch) return this.finalCache.state;
    const state = await this.stateAfter(batch);
    this.finalCache = { batch, state };
    return state;
  }

  async account(index: number): Promise<AccountView> {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.committed.capacity) {
      throw new NodeError("UNKNOWN_ACCOUNT", `account index ${index} is outside 0..${this.committed.capacity - 1}`);
    }
    const exit = this.l1.view.exitMode;
    const finalBatch = exit !== undefined ? exit.batchNumber : this.l1.view.lastFinalBatch;
    const state = await this.finalState(finalBatch);
    return { ...accountProof(state, index), finalBatch, root: state.root, pending: this.mempool.state.account(index) };
  }

  /** Indices whose account holds this key (after pending operations; deposits appear once batched). */
  findAccounts(publicKey: PublicKey): number[] {
    const out: number[] = [];
    for (const [i, a] of this.mempool.state.entries()) if (a.publicKey.x === publicKey.x && a.publicKey.y === publicKey.y) out.push(i);
    return out.sort((a, b) => a - b);
  }

  health() {
    const view = this.l1.view;
    const lastFinal = view.lastFinalBatch;
    const exit = view.exitMode;
    return {
      ok: this.haltedBy === undefined && !this.stopped,
      halted: this.haltedBy?.message ?? null,
      uptimeSeconds: Math.round((Date.now() - this.startedWallMs) / 1000),
      instance: this.meta.instance,
      capacity: this.capacity,
      rollupId: this.meta.rollupId,
      insecureKeys: this.meta.insecureKeys,
      keysVersion: this.keys.version ?? null,
      l1: { now: this.l1.now, block: view.block, slotSeconds: this.meta.slotSeconds, slotMs: this.opts.slotMs, finalitySlots: this.meta.finalitySlots },
      mempool: { pending: this.mempool.size, durable: this.mempool.durablePrefix() },
      batches: {
        cut: this.batches.length,
        proven: this.batches.filter((b) => b.proof !== undefined).length,
        accepted: view.batches.length,
        final: lastFinal,
        finalRoot: (lastFinal === 0 ? BigInt(this.meta.genesisRoot) : (view.batches[lastFinal - 1]?.newRoot ?? 0n)).toString(),
      },
      prover: {
        busy: this.proving !== undefined || this.remoteProving.size > 0,
        batch: this.proving?.batch ?? null,
        sinceMs: this.proving === undefined ? null : Date.now() - this.proving.sinceWallMs,
        pool: this.remote === undefined ? null : { proving: [...this.remoteProving].sort((a, b) => a - b) },
      },
      forced: { pending: view.forcedRequests.filter((r) => r.status === "pending").length, deadlineSeconds: this.meta.forcedDeadlineSeconds, censoring: this.opts.censorForced === true },
      exitMode: exit === undefined ? null : { activatedAt: exit.activatedAt, requestId: exit.requestId, batchNumber: exit.batchNumber, root: exit.root.toString() },
      store: { dir: this.store.dir, syncs: this.store.syncs },
    };
  }

  get faucetEnabled(): boolean {
    return this.opts.faucet !== false;
  }

  // ---- stop ----

  private halt(err: Error): void {
    if (this.haltedBy !== undefined || this.stopped) return;
    this.haltedBy = err;
    this.log(`HALTED: ${err.message}`);
  }

  get halted(): Error | undefined {
    return this.haltedBy;
  }

  /** Stops the clock and the pipeline, waits for queued writes, ends the prover and closes the store. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.ticker !== undefined) clearTimeout(this.ticker);
    await this.store.flush().catch(() => undefined);
    await this.prover?.close().catch(() => undefined);
    await this.remote?.close().catch(() => undefined);
    await this.l1.close().catch(() => undefined);
    await this.store.close();
  }
}

/** How long a batch folder that could not be written waits before the next try. */
const FOLDER_RETRY_MS = 1000;

/**
 * writeBatchFolder into a fresh temp folder beside `dir`, renamed into place: `dir` is either absent or
 * complete. An older folder there (one no one was told about: its path was never recorded) is replaced.
 */
function writeFolderAtomic(dir: string, folder: Parameters<typeof writeBatchFolder>[1]): void {
  const tmp = tempPathFor(dir);
  try {
    writeBatchFolder(tmp, folder);
    if (existsSync(dir)) {
      const old = tempPathFor(dir);
      renameSync(dir, old);
      renameSync(tmp, dir);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, dir);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function failDeposit(): never {
  throw new NodeError("STORE_CORRUPT", "a deposit has no assigned account");
}

/** The L1's parameters, as fixed in the store's metadata when the data folder was created. */
export function l1ParamsOf(meta: Meta, instance: CircuitInstance, zkey: string): L1Params {
  return {
    zkey,
    rollupId: meta.rollupId,
    layout: instance.layout,
    arities: meta.arities,
    capacity: meta.capacity,
    vkey: meta.vkey,
    genesisRoot: BigInt(meta.genesisRoot),
    slotSeconds: meta.slotSeconds,
    finalitySlots: meta.finalitySlots,
    forcedDeadlineSeconds: meta.forcedDeadlineSeconds,
  };
}

function provingKeys(keys: NodeKeys): ProvingKeys {
  return { zkey: keys.zkey, wasm: keys.wasm, ...(keys.cpp === undefined ? {} : { cpp: keys.cpp }) };
}

async function loadMeta(store: NodeStore, opts: NodeOptions, keys: NodeKeys, genesisRoot: bigint): Promise<Meta> {
  const existing = await store.get<Meta>(META_KEY);
  const given = opts.genesis ?? {};
  if (existing !== undefined) {
    if (existing.version !== 4) {
      throw new NodeError("CONFIG_MISMATCH", `${store.dir} was made by an older zkr (its L1 log replays on other contracts): start a new data directory`);
    }
    if (existing.instance !== opts.instance.name) {
      throw new NodeError("CONFIG_MISMATCH", `${store.dir} holds a rollup of instance ${existing.instance}, not ${opts.instance.name}`);
    }
    for (const key of Object.keys(DEFAULT_GENESIS) as (keyof GenesisParams)[]) {
      const v = given[key];
      if (v !== undefined && v !== existing[key]) {
        throw new NodeError("CONFIG_MISMATCH", `${key} is ${existing[key]} in ${store.dir}; it is fixed at genesis (asked for ${v})`);
      }
    }
    if (JSON.stringify(existing.vkey) !== JSON.stringify(keys.vkey)) {
      const pinned = existing.keysVersion === undefined ? "" : ` (it pinned key version ${existing.keysVersion}${keys.version === existing.keysVersion ? "" : ", which is gone"})`;
      throw new NodeError("KEYS_CHANGED", `the proving keys changed since ${store.dir} was created${pinned}: the L1 contract's verification key would reject new proofs`);
    }
    // Same verification key: pin the version (a data directory from before versions, or a lost pin).
    if (keys.version !== undefined && existing.keysVersion !== keys.version) {
      const pinnedMeta: Meta = { ...existing, keysVersion: keys.version };
      await store.write([{ type: "put", key: META_KEY, value: pinnedMeta }]);
      return pinnedMeta;
    }
    return existing;
  }
  const meta: Meta = {
    version: 4,
    ...DEFAULT_GENESIS,
    ...given,
    instance: opts.instance.name,
    arities: [...opts.instance.arities],
    capacity: opts.instance.ops,
    genesisRoot: genesisRoot.toString(),
    vkey: keys.vkey,
    insecureKeys: keys.insecure,
    ...(keys.version === undefined ? {} : { keysVersion: keys.version }),
    createdAt: new Date().toISOString(),
  };
  await store.write([{ type: "put", key: META_KEY, value: meta }]);
  return meta;
}

/** The all-zero account: what an empty leaf proves (its hash is 0 in the tree). */
const EMPTY_ACCOUNT: Account = { publicKey: { x: 0n, y: 0n }, balance: 0n, nonce: 0n };

/** Whether the reference transition would apply `withdraw` to `state` (tried on a copy). */
function servableAt(state: RollupState, withdraw: Withdraw, ctx: RollupContext): boolean {
  try {
    applyOperation(state.clone(), withdraw, ctx);
    return true;
  } catch (err) {
    if (err instanceof RollupError) return false;
    throw err;
  }
}
