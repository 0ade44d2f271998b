/**
 * The optimistic rollup contract on the simulated L1, beside the zk contract and with the same bridge
 * semantics. A proposer posts a batch's full data (operations with nonces and signatures), its new root
 * and a keccak commitment to the intermediate roots root_0..root_N, locking a bond; nothing is checked
 * against the state. The batch becomes final when its challenge window has closed, no dispute on it is
 * open, and its parent is final. Inside the window anyone may challenge with a bond: an interactive
 * bisection over the batch's operations narrows the disagreement to one operation, which the contract
 * re-executes from Merkle witnesses with the one reference transition (src/state/transition.ts).
 *
 * Documented choices:
 * - One proposer bond per batch, returned by `finalize` once the batch is final.
 * - Several disputes may run against one batch at once (each with its own challenger and bond), so a
 *   dishonest challenger cannot keep an honest one out by occupying the batch until the window closes.
 * - Burden of proof at the last step: when the range is one operation wide, anyone may submit the
 *   one-step proof, but if nobody does before the deadline the challenger loses.
 * - An operation that is invalid under the agreed root (bad signature, bad nonce, overdraft, a signature
 *   that is not a curve point...) makes the whole batch invalid: the proposer loses, whatever root it
 *   claimed after it.
 * - When the proposer loses, its bond is slashed (slashBurnFraction burned, the rest to the challenger)
 *   and the batch and every live batch after it are rolled back: the root returns to the batch's parent
 *   root, the deposit queue head returns to the batch's first deposit (those deposits can be included
 *   again), the later batches' bonds are returned to their proposers (they were not proven wrong), other
 *   open disputes on the discarded batches are cancelled with their challengers' bonds returned, and
 *   no withdrawal of a discarded batch can ever be claimed.
 * - Batch numbers are never reused: a batch proposed after a rollback takes the next number.
 * - Deposits and withdrawals live at a separate bridge address (`bridge.address`), bonds at the rollup
 *   contract's address, so bonds never pay withdrawals and deposits never pay bonds.
 * - The bridge's own queue head is not used: the contract keeps its own (it must move back on a
 *   rollback); read `queueHead` / `pendingDeposits()` here, not on the bridge.
 * - A one-step witness must hold canonical account fields (key and nonce below the field modulus, balance
 *   within 64 bits): Poseidon reduces its inputs, so `balance + p` hashes like `balance`, and a proof could
 *   otherwise pass an overdraft off as valid.
 *
 * Gas follows contracts/OptimisticRollup.sol's storage layout (measured side by side in
 * tests/evm/optimistic.test.ts): a batch's five slots; a dispute's four plus its revealed root; one "rollup
 * head" slot packing batch count, latest live batch, queue head and dispute count; one bridge slot packing
 * queue length and the bridge's balance. Poseidon(n) and the EdDSA check are run in @ethereumjs/evm
 * (poseidon-contract.ts, eddsa-contract.ts) with the operation's own inputs. The one-step proof makes its
 * checks in the contract's order and charges each hash and STATICCALL where the contract makes it, so a
 * rejected proof costs what the contract spends up to the same check.
 */
import type { PublicKey } from "../crypto/eddsa.ts";
import { FIELD_MODULUS } from "../crypto/field.ts";
import { poseidon } from "../crypto/poseidon.ts";
import { isCanonicalAccount, leafHash } from "../state/account.ts";
import { RollupError } from "../state/errors.ts";
import { RollupState } from "../state/rollup-state.ts";
import { applyOperation, type AppliedOperation } from "../state/transition.ts";
import {
  KIND_CODE,
  isRollupId,
  MAX_BALANCE,
  NONCE_BYTES,
  bytesToBigint,
  recordLayout,
  signedMessage,
  type Operation,
  type RecordLayout,
  type SignedOperation,
} from "../tx/index.ts";
import { Bridge, type DepositEntry, type WithdrawalEntry } from "./bridge.ts";
import { decodeClaim, decodeDeposit, encodeClaim, encodeDeposit } from "./calldata.ts";
import type { L1Address, L1Call, L1Chain, L1Receipt, TxContext } from "./chain.ts";
import {
  OPTIMISTIC_SIGNATURES,
  decodeProposeBatch,
  decodeProveStep,
  decodeRespond,
  decodeRevealRoot,
  decodeUintCall,
  encodeProposeBatch,
  encodeProveStep,
  encodeRespond,
  encodeRevealRoot,
  encodeUintCall,
  type ProposeBatchArgs,
} from "./dispute-calldata.ts";
import { decodePostedOperation, splitPostedData, touchedAccounts, type AccountWitness, type PostedOperation } from "./dispute-data.ts";
import { commitmentDepth, keccakGas, keccakWord, verifyRootsProof } from "./dispute-merkle.ts";
import { chargeSignatureCheck, runUnpackPoint } from "./eddsa-contract.ts";
import { L1Error, L1Revert } from "./errors.ts";
import type { BatchHook } from "./forced-exit.ts";
import {
  CALL_STIPEND_GAS,
  CALL_VALUE_GAS,
  COLD_ACCOUNT_ACCESS_GAS,
  NEW_ACCOUNT_GAS,
  SLOAD_COLD_GAS,
  SSTORE_EXISTING_SLOT_GAS,
  SSTORE_EXISTING_WARM_GAS,
  SSTORE_NEW_SLOT_GAS,
  WARM_ACCESS_GAS,
  poseidonGas,
} from "./gas.ts";

export const DEFAULT_CHALLENGE_WINDOW_SECONDS = 7 * 24 * 3600;
export const DEFAULT_RESPONSE_SECONDS = 3600;
export const DEFAULT_SLASH_BURN_FRACTION = 0.5;
/** Where burned bonds go (the zero address: nobody holds its key). */
export const BURN_ADDRESS: L1Address = 0n;
/** Storage slots of a stored batch: newRoot, rootsCommitment, dataHash, proposer|timestamp|status, parent|firstDeposit|depositCount. */
export const OPTIMISTIC_BATCH_SLOTS = 5;
/** Storage slots of a dispute: batch|challenger, lo|hi|turn|deadline|round, rootLo, rootHi. */
export const DISPUTE_SLOTS = 4;

export interface OptimisticRollupConfig {
  /** The domain separator signatures cover. */
  readonly rollupId: number;
  /** Tree arity per level, bottom-up (the one-step proof rebuilds a witness state of this shape). */
  readonly arities: readonly number[];
  /** Record layout; derived from the arities when omitted, and must match them when given. */
  readonly layout?: RecordLayout;
  /** Operations per batch, N. */
  readonly capacity: number;
  readonly genesisRoot: bigint;
  /** Seconds after a proposal during which it can be challenged (default 7 days). */
  readonly challengeWindowSeconds?: number;
  /** Deadline of each dispute move, from the previous move (default 1 hour). */
  readonly responseSeconds?: number;
  /** L1 units locked per batch. */
  readonly proposerBond: bigint;
  /** L1 units locked per challenge. */
  readonly challengerBond: bigint;
  /** Share of a loser's bond burned (the rest goes to the winner); default 0.5. */
  readonly slashBurnFraction?: number;
}

/** A config with its defaults applied: what an optimistic rollup runs with, here or on anvil (src/evm). */
export type OptimisticRollupSettings = Required<OptimisticRollupConfig>;

/** The burned share of a slashed bond in parts per million, as OptimisticRollup.sol takes it. */
export function burnPpm(fraction: number): bigint {
  return BigInt(Math.round(fraction * 1_000_000));
}

/** Checks a config (L1Error BAD_CONFIG) and applies its defaults; the layout is derived from the arities. */
export function optimisticRollupSettings(config: OptimisticRollupConfig): OptimisticRollupSettings {
  const { rollupId, arities, capacity, genesisRoot, proposerBond, challengerBond } = config;
  const window = config.challengeWindowSeconds ?? DEFAULT_CHALLENGE_WINDOW_SECONDS;
  const response = config.responseSeconds ?? DEFAULT_RESPONSE_SECONDS;
  const burn = config.slashBurnFraction ?? DEFAULT_SLASH_BURN_FRACTION;
  if (!isRollupId(rollupId)) throw new L1Error("BAD_CONFIG", "rollupId must be an integer in 0..2^32-1");
  if (!Number.isSafeInteger(capacity) || capacity < 1) throw new L1Error("BAD_CONFIG", "capacity must be a positive integer");
  if (arities.length === 0 || !arities.every((a) => a === 2 || a === 4 || a === 8)) {
    throw new L1Error("BAD_CONFIG", "arities must be a non-empty list of 2, 4 or 8");
  }
  const layout = recordLayout(arities);
  if (config.layout !== undefined && (config.layout.indexBits !== layout.indexBits || config.layout.recordBytes !== layout.recordBytes)) {
    throw new L1Error("BAD_CONFIG", "layout does not match the arities");
  }
  if (genesisRoot < 0n || genesisRoot >= FIELD_MODULUS) throw new L1Error("BAD_CONFIG", "genesisRoot is not a field element");
  if (!Number.isSafeInteger(window) || window < 1) throw new L1Error("BAD_CONFIG", "challengeWindowSeconds must be a positive integer");
  if (!Number.isSafeInteger(response) || response < 1) throw new L1Error("BAD_CONFIG", "responseSeconds must be a positive integer");
  if (proposerBond <= 0n || challengerBond <= 0n) throw new L1Error("BAD_CONFIG", "bonds must be positive");
  if (!(burn >= 0 && burn <= 1)) throw new L1Error("BAD_CONFIG", "slashBurnFraction must be in [0, 1]");
  return {
    rollupId,
    arities: [...arities],
    layout,
    capacity,
    genesisRoot,
    challengeWindowSeconds: window,
    responseSeconds: response,
    proposerBond,
    challengerBond,
    slashBurnFraction: burn,
  };
}

export type DisputeTurn = "proposer" | "challenger" | "oneStep";
export type DisputeOutcome = "proposerWon" | "challengerWon" | "cancelled";
export type DisputeMoveKind = "challenge" | "reveal" | "respond" | "oneStep" | "timeout";

/** One successful dispute transaction. */
export interface DisputeMove {
  readonly kind: DisputeMoveKind;
  readonly from: L1Address;
  readonly blockNumber: number;
  readonly timestamp: number;
  readonly gasUsed: number;
  /** The root index revealed or answered (reveal, respond), the operation proven (oneStep). */
  readonly index: number | undefined;
  /** A respond move's answer. */
  readonly agree: boolean | undefined;
  readonly detail: string;
}

export interface SlashRecord {
  readonly loser: L1Address;
  readonly winner: L1Address;
  readonly bond: bigint;
  readonly burned: bigint;
  readonly toWinner: bigint;
}

/** A proposed batch as the contract stores it (roots, commitment, data hash) and as its calldata shows it (data). */
export interface OptimisticBatch {
  /** Never reused; 1 for the first. */
  readonly number: number;
  /** The live batch it was built on (0: genesis). */
  readonly parent: number;
  readonly proposer: L1Address;
  readonly bond: bigint;
  /** root_0: the contract's root when it was proposed. */
  readonly parentRoot: bigint;
  /** root_N. */
  readonly newRoot: bigint;
  readonly rootsCommitment: bigint;
  readonly data: Uint8Array;
  readonly dataHash: bigint;
  readonly operationCount: number;
  /** Queue indices [firstDeposit, firstDeposit + depositCount) were consumed by this batch. */
  readonly firstDeposit: number;
  readonly depositCount: number;
  readonly withdrawals: readonly WithdrawalEntry[];
  readonly blockNumber: number;
  readonly timestamp: number;
  /** Challenges are accepted while the L1 time is before this. */
  readonly windowEnd: number;
  readonly openDisputes: number;
  readonly lastDisputeResolvedAt: number | undefined;
  readonly rolledBackAt: number | undefined;
  /** The dispute whose loss rolled it back (its own, or an ancestor's). */
  readonly rolledBackBy: number | undefined;
  readonly bondReturned: boolean;
}

export interface Dispute {
  readonly id: number;
  readonly batchNumber: number;
  readonly challenger: L1Address;
  readonly proposer: L1Address;
  /** The challenger's bond. */
  readonly bond: bigint;
  /** The range [lo, hi] still disputed: root_lo is agreed, root_hi is the proposer's disputed claim. */
  readonly lo: number;
  readonly hi: number;
  readonly rootLo: bigint;
  readonly rootHi: bigint;
  /** The root the proposer revealed, awaiting the challenger's answer. */
  readonly mid: number | undefined;
  readonly midRoot: bigint | undefined;
  /** Whose move it is; undefined once resolved. */
  readonly turn: DisputeTurn | undefined;
  /** Roots revealed so far. */
  readonly round: number;
  /** The current move must be mined at or before this L1 time; `timeout` works after it. */
  readonly deadline: number;
  readonly openedAt: number;
  readonly moves: readonly DisputeMove[];
  readonly outcome: DisputeOutcome | undefined;
  readonly reason: string | undefined;
  readonly resolvedAt: number | undefined;
  readonly slash: SlashRecord | undefined;
}

export interface DisputeReport {
  readonly id: number;
  readonly batchNumber: number;
  readonly outcome: DisputeOutcome | undefined;
  readonly reason: string | undefined;
  /** Bisection rounds (roots revealed). */
  readonly rounds: number;
  /** Successful dispute transactions, challenge and resolution included. */
  readonly moves: number;
  readonly gasPerMove: readonly { readonly kind: DisputeMoveKind; readonly gasUsed: number; readonly blockNumber: number }[];
  readonly totalGas: number;
  readonly openedAt: number;
  readonly resolvedAt: number | undefined;
  /** L1 seconds from the challenge to the resolution. */
  readonly durationSeconds: number | undefined;
  readonly windowEnd: number;
  /**
   * How long past its window's end the dispute held the batch: max(0, resolvedAt − windowEnd) when the
   * batch survived; null when the batch was rolled back (it never becomes final).
   */
  readonly finalityDelaySeconds: number | null | undefined;
  readonly slash: SlashRecord | undefined;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type BatchRecord = Mutable<OptimisticBatch>;
type DisputeRecord = Omit<Mutable<Dispute>, "moves"> & { moves: DisputeMove[] };

/** The contract's view of a party in a resolution. */
type Side = "proposer" | "challenger";

// The settings are public fields of the contract, declared once (OptimisticRollupConfig) through this
// merged interface and set in the constructor; AnvilOptimisticL1 does the same.
export interface OptimisticRollupContract extends OptimisticRollupSettings {}

export class OptimisticRollupContract {
  /** The rollup contract: proposals, disputes, bonds. */
  readonly address: L1Address;
  /** Deposits and withdrawals, at their own address. */
  readonly bridge: Bridge;
  private readonly burnPpm: bigint;
  private root: bigint;
  private depositHead = 0;
  private burnedTotal = 0n;
  private readonly records: BatchRecord[] = [];
  /** Live (not rolled back) batch numbers, oldest first: each one's parent is the one before. */
  private live: number[] = [];
  private readonly disputeRecords: DisputeRecord[] = [];
  /** Per batch, the first dispute id that can concern it (disputes opened before it cannot): the rollback scans from there. */
  private readonly firstDisputeOf = new Map<number, number>();
  /** Accounts and slots each transaction has touched (EIP-2929 warm/cold), while it runs. */
  private readonly accessed = new WeakMap<TxContext, Set<string>>();
  private hook: BatchHook<OptimisticBatch> | undefined;

  constructor(
    /** The L1 it runs on (parties read its clock and blocks). */
    readonly chain: L1Chain,
    config: OptimisticRollupConfig,
  ) {
    const settings = optimisticRollupSettings(config);
    this.address = chain.registerContract("OptimisticRollup");
    this.bridge = new Bridge(
      chain,
      chain.registerContract("OptimisticBridge"),
      (n, tx) => {
        this.chargeFinalityWalk(tx, n, false);
        return this.isFinal(n);
      },
      { balanceSlot: true },
      settings.arities.reduce((n, a) => n * a, 1),
    );
    Object.assign(this, settings);
    this.burnPpm = burnPpm(settings.slashBurnFraction);
    this.root = settings.genesisRoot;
  }

  // ---- views ----

  /** The root of the latest live batch (genesis if none): what the next proposal builds on. */
  get currentRoot(): bigint {
    return this.root;
  }

  /** The latest live batch's number (0: none). */
  get latestBatchNumber(): number {
    return this.live[this.live.length - 1] ?? 0;
  }

  /** Live batch numbers, oldest first. */
  get liveBatches(): readonly number[] {
    return [...this.live];
  }

  /** Every batch ever proposed, rolled back ones included (copies). */
  get batches(): readonly OptimisticBatch[] {
    return this.records.map(copyBatch);
  }

  batch(number: number): OptimisticBatch | undefined {
    const b = this.records[number - 1];
    return b === undefined ? undefined : copyBatch(b);
  }

  get disputes(): readonly Dispute[] {
    return this.disputeRecords.map(copyDispute);
  }

  dispute(id: number): Dispute | undefined {
    const d = this.disputeRecords[id - 1];
    return d === undefined ? undefined : copyDispute(d);
  }

  openDisputes(): readonly Dispute[] {
    return this.disputeRecords.filter((d) => d.outcome === undefined).map(copyDispute);
  }

  disputesOf(batchNumber: number): readonly Dispute[] {
    return this.disputeRecords.filter((d) => d.batchNumber === batchNumber).map(copyDispute);
  }

  get depositQueue(): readonly DepositEntry[] {
    return this.bridge.depositQueue;
  }

  /** Index of the next deposit a batch must consume (moves back on a rollback). */
  get queueHead(): number {
    return this.depositHead;
  }

  pendingDeposits(): readonly DepositEntry[] {
    return this.bridge.depositQueue.slice(this.depositHead);
  }

  /** Total L1 units burned by slashing. */
  get burned(): bigint {
    return this.burnedTotal;
  }

  /** Roots committed per batch: root_0..root_N. */
  get rootsPerBatch(): number {
    return this.capacity + 1;
  }

  /** The timestamp of the block a transaction sent now lands in: the L1 time finality is judged at. */
  get blockTime(): number {
    return this.chain.clock.slotTimestamp(this.chain.blockNumber);
  }

  /**
   * When batch `n` became final: the latest of its window's end, its last dispute's resolution and its
   * parent's finality — or undefined if it is not final (yet, or ever).
   */
  finalizedAt(n: number): number | undefined {
    const chain: BatchRecord[] = [];
    for (let b = this.records[n - 1]; b !== undefined; b = b.parent === 0 ? undefined : this.records[b.parent - 1]) chain.push(b);
    if (chain.length === 0) return undefined;
    let t = 0;
    for (const b of chain.reverse()) {
      if (b.rolledBackAt !== undefined || b.openDisputes > 0) return undefined;
      t = Math.max(t, b.windowEnd, b.lastDisputeResolvedAt ?? 0);
    }
    return t <= this.blockTime ? t : undefined;
  }

  /** Optimistic finality: window closed, no open dispute, every earlier batch final; never once rolled back. */
  isFinal(n: number): boolean {
    return this.finalizedAt(n) !== undefined;
  }

  /** A batch's timeline for reports. */
  batchReport(n: number):
    | { number: number; proposedAt: number; windowEnd: number; finalizedAt: number | undefined; finalityDelaySeconds: number | undefined; rolledBackAt: number | undefined }
    | undefined {
    const b = this.records[n - 1];
    if (b === undefined) return undefined;
    const finalizedAt = this.finalizedAt(n);
    return {
      number: n,
      proposedAt: b.timestamp,
      windowEnd: b.windowEnd,
      finalizedAt,
      finalityDelaySeconds: finalizedAt === undefined ? undefined : finalizedAt - b.windowEnd,
      rolledBackAt: b.rolledBackAt,
    };
  }

  disputeReport(id: number): DisputeReport | undefined {
    const d = this.disputeRecords[id - 1];
    if (d === undefined) return undefined;
    const b = this.record(d.batchNumber);
    let finalityDelaySeconds: number | null | undefined;
    if (d.resolvedAt !== undefined) {
      finalityDelaySeconds = d.outcome === "proposerWon" ? Math.max(0, d.resolvedAt - b.windowEnd) : null;
    }
    return {
      id: d.id,
      batchNumber: d.batchNumber,
      outcome: d.outcome,
      reason: d.reason,
      rounds: d.round,
      moves: d.moves.length,
      gasPerMove: d.moves.map((m) => ({ kind: m.kind, gasUsed: m.gasUsed, blockNumber: m.blockNumber })),
      totalGas: d.moves.reduce((s, m) => s + m.gasUsed, 0),
      openedAt: d.openedAt,
      resolvedAt: d.resolvedAt,
      durationSeconds: d.resolvedAt === undefined ? undefined : d.resolvedAt - d.openedAt,
      windowEnd: b.windowEnd,
      finalityDelaySeconds,
      slash: d.slash,
    };
  }

  /** Attaches the forced-exit rules (forced-exit.ts): they may refuse a proposal and see each one made. */
  attachBatchHook(hook: BatchHook<OptimisticBatch>): void {
    if (this.hook !== undefined) throw new L1Error("BAD_CONFIG", "a batch hook is already attached");
    this.hook = hook;
  }

  // ---- transactions ----

  /** Locks `amount` (sent as value) at the bridge and queues it for `publicKey` on L2. */
  async deposit(sender: L1Address, publicKey: PublicKey, amount: bigint): Promise<L1Receipt<DepositEntry>> {
    const input = encodeDeposit(publicKey);
    return this.chain.execute({ from: sender, to: this.bridge.address, method: "deposit", input, value: amount }, (tx) =>
      this.bridge.deposit(tx, decodeDeposit(input), tx.value),
    );
  }

  /** Pays withdrawal `index` of batch `batchNumber` once, and only if the batch is final. */
  async claimWithdrawal(sender: L1Address, batchNumber: number, index: number): Promise<L1Receipt<WithdrawalEntry>> {
    const input = encodeClaim(batchNumber, index);
    return this.chain.execute({ from: sender, to: this.bridge.address, method: "claimWithdrawal", input }, (tx) => {
      const args = decodeClaim(input);
      return this.bridge.claim(tx, args.batchNumber, args.index);
    });
  }

  /**
   * Posts a batch on top of the current root with the proposer bond (sent as value; `bond` overrides
   * the amount sent, for tests). No proof and no re-execution: the data is only split into operations,
   * its deposits checked against the queue and its withdrawals registered (payable once final).
   */
  async proposeBatch(sender: L1Address, args: ProposeBatchArgs & { readonly bond?: bigint }): Promise<L1Receipt<OptimisticBatch>> {
    const input = encodeProposeBatch(args);
    const value = args.bond ?? this.proposerBond;
    return this.chain.execute({ from: sender, to: this.address, method: "proposeBatch", input, value }, (tx) =>
      this.runPropose(tx, input),
    );
  }

  /** Opens a dispute over batch `batchNumber` with the challenger bond (sent as value), inside its window. */
  async challenge(sender: L1Address, batchNumber: number, bond: bigint = this.challengerBond): Promise<L1Receipt<Dispute>> {
    const input = encodeUintCall(OPTIMISTIC_SIGNATURES.challenge, batchNumber);
    return this.disputeTx({ from: sender, to: this.address, method: "challenge", input, value: bond }, (tx) => this.runChallenge(tx, input));
  }

  /** The proposer reveals root_mid of the disputed range with its Merkle proof against the commitment. */
  async revealRoot(sender: L1Address, disputeId: number, root: bigint, proof: readonly bigint[]): Promise<L1Receipt<Dispute>> {
    const input = encodeRevealRoot(disputeId, root, proof);
    return this.disputeTx({ from: sender, to: this.address, method: "revealRoot", input }, (tx) => this.runReveal(tx, input));
  }

  /** The challenger agrees with the revealed root (range becomes [mid, hi]) or not ([lo, mid]). */
  async respond(sender: L1Address, disputeId: number, agree: boolean): Promise<L1Receipt<Dispute>> {
    const input = encodeRespond(disputeId, agree);
    return this.disputeTx({ from: sender, to: this.address, method: "respond", input }, (tx) => this.runRespond(tx, input));
  }

  /**
   * The one-step proof of operation `lo` (anyone may send it): the Merkle witnesses of the accounts it
   * touches under the agreed root_lo. The batch's posted data is resent (its hash is checked against
   * the stored one); `data` overrides it, for tests.
   */
  async proveStep(
    sender: L1Address,
    disputeId: number,
    witnesses: readonly AccountWitness[],
    data?: Uint8Array,
  ): Promise<L1Receipt<Dispute>> {
    const d = this.disputeRecords[disputeId - 1];
    const bytes = data ?? (d === undefined ? new Uint8Array(0) : this.record(d.batchNumber).data);
    const input = encodeProveStep({ disputeId, data: bytes, witnesses });
    return this.disputeTx({ from: sender, to: this.address, method: "proveStep", input }, (tx) => this.runProveStep(tx, input));
  }

  /** Anyone, after a move's deadline: the party whose move it was loses (the challenger at the one-step). */
  async timeout(sender: L1Address, disputeId: number): Promise<L1Receipt<Dispute>> {
    const input = encodeUintCall(OPTIMISTIC_SIGNATURES.timeout, disputeId);
    return this.disputeTx({ from: sender, to: this.address, method: "timeout", input }, (tx) => this.runTimeout(tx, input));
  }

  /** Anyone, once the batch is final: returns the proposer's bond (finality itself needs no transaction). */
  async finalize(sender: L1Address, batchNumber: number): Promise<L1Receipt<OptimisticBatch>> {
    const input = encodeUintCall(OPTIMISTIC_SIGNATURES.finalize, batchNumber);
    return this.chain.execute({ from: sender, to: this.address, method: "finalize", input }, (tx) => this.runFinalize(tx, input));
  }

  /** A dispute transaction; its result is the dispute as the transaction left it (read after its effects). */
  private async disputeTx(call: L1Call, body: (tx: TxContext) => Dispute | Promise<Dispute>): Promise<L1Receipt<Dispute>> {
    const receipt = await this.chain.execute(call, body);
    const id = receipt.result?.id;
    return id === undefined ? receipt : { ...receipt, result: this.dispute(id) };
  }

  // ---- transaction bodies ----

  private runPropose(tx: TxContext, input: Uint8Array): OptimisticBatch {
    this.hook?.before(tx);
    const call = decodeProposeBatch(input);
    requireBond(tx.value, this.proposerBond, "proposer");
    if (call.newRoot >= FIELD_MODULUS) throw new L1Revert("MALFORMED", "newRoot is not a field element");
    let ops: PostedOperation[];
    try {
      ops = splitPostedData(call.data, this.layout);
    } catch (e) {
      if (e instanceof RollupError) throw new L1Revert("MALFORMED", `posted data: ${e.message}`, { cause: e });
      throw e;
    }
    if (ops.length !== this.capacity) {
      throw new L1Revert("BAD_RECORDS_LENGTH", `a batch holds exactly ${this.capacity} operations, the data has ${ops.length}`);
    }

    const number = this.records.length + 1;
    const withdrawals: WithdrawalEntry[] = [];
    let deposits = 0;
    if (ops.some((op) => op.depositOrdinal !== undefined)) tx.gas.charge("storage reads", SLOAD_COLD_GAS, "bridge slot (queue length): SLOAD cold");
    for (const op of ops) {
      if (op.depositOrdinal !== undefined) {
        const entry = this.readQueue(tx, deposits);
        if (entry === undefined) {
          throw new L1Revert("DEPOSIT_QUEUE_EMPTY", `operation ${op.index} is a deposit but only ${deposits} deposits are pending`);
        }
        if (entry.amount !== op.amount) {
          throw new L1Revert("DEPOSIT_MISMATCH", `operation ${op.index} deposits ${op.amount}, queue entry ${entry.index} holds ${entry.amount}`);
        }
        deposits++;
      } else if (op.recipient !== undefined) {
        withdrawals.push({ batchNumber: number, index: withdrawals.length, recipient: op.recipient, amount: op.amount });
      }
    }

    tx.gas.charge("keccak: data hash", keccakGas(call.data.length), `keccak256 over ${call.data.length} bytes (30 + 6/word)`);
    const dataHash = keccakWord(call.data);
    tx.gas.chargeEach("storage writes", OPTIMISTIC_BATCH_SLOTS, SSTORE_NEW_SLOT_GAS, "batch: newRoot, commitment, data hash, proposer|time, parent|deposits; SSTORE new slot");
    tx.gas.charge("storage writes", SSTORE_EXISTING_SLOT_GAS, "current root: SSTORE existing slot");
    tx.gas.charge(
      "storage writes",
      this.records.length === 0 ? SSTORE_NEW_SLOT_GAS : SSTORE_EXISTING_SLOT_GAS,
      `rollup head (batch count|latest live|queue head|dispute count): SSTORE ${this.records.length === 0 ? "new" : "existing"} slot`,
    );
    this.bridge.registerWithdrawals(tx, number, withdrawals);
    this.firstDisputeOf.set(number, this.disputeRecords.length + 1);

    const batch: BatchRecord = {
      number,
      parent: this.latestBatchNumber,
      proposer: tx.from,
      bond: tx.value,
      parentRoot: this.root,
      newRoot: call.newRoot,
      rootsCommitment: call.rootsCommitment,
      data: call.data,
      dataHash,
      operationCount: ops.length,
      firstDeposit: this.depositHead,
      depositCount: deposits,
      withdrawals,
      blockNumber: tx.blockNumber,
      timestamp: tx.timestamp,
      windowEnd: tx.timestamp + this.challengeWindowSeconds,
      openDisputes: 0,
      lastDisputeResolvedAt: undefined,
      rolledBackAt: undefined,
      rolledBackBy: undefined,
      bondReturned: false,
    };
    this.hook?.accepted(tx, copyBatch(batch));
    tx.emit(
      "BatchProposed",
      { batchNumber: number, parentRoot: batch.parentRoot, newRoot: call.newRoot, rootsCommitment: call.rootsCommitment, windowEnd: batch.windowEnd },
      ["batchNumber"],
    );
    tx.onSuccess(() => {
      this.records.push(batch);
      this.live.push(number);
      this.root = call.newRoot;
      this.depositHead += deposits;
    });
    return copyBatch(batch);
  }

  private runChallenge(tx: TxContext, input: Uint8Array): Dispute {
    const batchNumber = decodeUintCall(input, OPTIMISTIC_SIGNATURES.challenge);
    tx.gas.charge("storage reads", SLOAD_COLD_GAS, "batch proposer|time|status: SLOAD cold");
    const b = this.records[batchNumber - 1];
    if (b === undefined) throw new L1Revert("NO_SUCH_BATCH", `there is no batch ${batchNumber}`);
    if (b.rolledBackAt !== undefined) throw new L1Revert("NOT_CHALLENGEABLE", `batch ${batchNumber} was rolled back`);
    if (tx.timestamp >= b.windowEnd) {
      throw new L1Revert("WINDOW_CLOSED", `batch ${batchNumber}'s challenge window closed at ${b.windowEnd}`);
    }
    requireBond(tx.value, this.challengerBond, "challenger");
    const rootReads = b.parent === 0 ? 3 : 4;
    tx.gas.chargeEach("storage reads", rootReads, SLOAD_COLD_GAS, `rollup head, batch root, links${b.parent === 0 ? "" : ", parent's root"}: SLOAD cold`);
    const id = this.disputeRecords.length + 1;
    const oneWide = this.capacity === 1;
    const d: DisputeRecord = {
      id,
      batchNumber,
      challenger: tx.from,
      proposer: b.proposer,
      bond: tx.value,
      lo: 0,
      hi: this.capacity,
      rootLo: b.parentRoot,
      rootHi: b.newRoot,
      mid: undefined,
      midRoot: undefined,
      turn: oneWide ? "oneStep" : "proposer",
      round: 0,
      deadline: tx.timestamp + this.responseSeconds,
      openedAt: tx.timestamp,
      moves: [],
      outcome: undefined,
      reason: undefined,
      resolvedAt: undefined,
      slash: undefined,
    };
    tx.gas.chargeEach("storage writes", DISPUTE_SLOTS, SSTORE_NEW_SLOT_GAS, "dispute: batch|challenger, lo|hi|turn|deadline, rootLo, rootHi; SSTORE new slot");
    tx.gas.charge("storage writes", SSTORE_EXISTING_WARM_GAS, "rollup head (dispute count, warm): SSTORE existing");
    tx.gas.charge("storage writes", SSTORE_EXISTING_WARM_GAS, "batch open-dispute count (status slot, warm): SSTORE existing");
    tx.emit("DisputeOpened", { disputeId: id, batchNumber, challenger: tx.from, deadline: d.deadline }, ["disputeId", "batchNumber"]);
    tx.onSuccess(() => {
      this.disputeRecords.push(d);
      b.openDisputes++;
    });
    this.recordMove(tx, d, "challenge", `challenges batch ${batchNumber}: operations [0, ${this.capacity}]`);
    return copyDispute(d);
  }

  private runReveal(tx: TxContext, input: Uint8Array): Dispute {
    const call = decodeRevealRoot(input);
    const d = this.openDispute(tx, call.disputeId);
    tx.gas.charge("storage reads", SLOAD_COLD_GAS, "batch proposer|time|status: SLOAD cold");
    if (d.turn !== "proposer" || tx.from !== d.proposer) {
      throw new L1Revert("NOT_YOUR_TURN", `dispute ${d.id} awaits ${describeTurn(d)}, not a root from ${tx.from}`);
    }
    requireBeforeDeadline(tx, d);
    const b = this.record(d.batchNumber);
    tx.gas.charge("storage reads", SLOAD_COLD_GAS, "batch roots commitment: SLOAD cold");
    const mid = d.lo + Math.floor((d.hi - d.lo) / 2);
    const leaves = this.rootsPerBatch;
    const depth = commitmentDepth(leaves);
    tx.gas.charge("keccak: merkle proof", keccakGas(32) + depth * keccakGas(64), `leaf 36 + ${depth} levels × 42 (keccak256, 30 + 6/word)`);
    if (!verifyRootsProof(b.rootsCommitment, leaves, mid, call.root, call.proof)) {
      throw new L1Revert("BAD_MERKLE_PROOF", `the proof does not show root_${mid} = ${call.root} under batch ${b.number}'s commitment`);
    }
    tx.gas.charge("storage writes", d.round === 0 ? SSTORE_NEW_SLOT_GAS : SSTORE_EXISTING_SLOT_GAS, `revealed root: SSTORE ${d.round === 0 ? "new" : "existing"} slot`);
    tx.gas.charge("storage writes", SSTORE_EXISTING_WARM_GAS, "turn|deadline|round (warm after its read): SSTORE existing");
    const deadline = tx.timestamp + this.responseSeconds;
    tx.emit("RootRevealed", { disputeId: d.id, index: mid, root: call.root, deadline }, ["disputeId"]);
    tx.onSuccess(() => {
      d.mid = mid;
      d.midRoot = call.root;
      d.turn = "challenger";
      d.deadline = deadline;
      d.round++;
    });
    this.recordMove(tx, d, "reveal", `root_${mid} revealed (range [${d.lo}, ${d.hi}])`, { index: mid });
    return copyDispute(d);
  }

  private runRespond(tx: TxContext, input: Uint8Array): Dispute {
    const call = decodeRespond(input);
    const d = this.openDispute(tx, call.disputeId);
    if (d.turn !== "challenger" || tx.from !== d.challenger || d.mid === undefined || d.midRoot === undefined) {
      throw new L1Revert("NOT_YOUR_TURN", `dispute ${d.id} awaits ${describeTurn(d)}, not an answer from ${tx.from}`);
    }
    requireBeforeDeadline(tx, d);
    tx.gas.charge("storage reads", SLOAD_COLD_GAS, "revealed root: SLOAD cold");
    const mid = d.mid;
    const midRoot = d.midRoot;
    const lo = call.agree ? mid : d.lo;
    const hi = call.agree ? d.hi : mid;
    const turn: DisputeTurn = hi - lo === 1 ? "oneStep" : "proposer";
    const deadline = tx.timestamp + this.responseSeconds;
    tx.gas.charge("storage writes", SSTORE_EXISTING_SLOT_GAS, `${call.agree ? "rootLo" : "rootHi"}: SSTORE existing slot`);
    tx.gas.charge("storage writes", SSTORE_EXISTING_WARM_GAS, "lo|hi|turn|deadline (warm after its read): SSTORE existing");
    tx.emit("RootAnswered", { disputeId: d.id, index: mid, agree: call.agree ? 1 : 0, lo, hi, deadline }, ["disputeId"]);
    tx.onSuccess(() => {
      d.lo = lo;
      d.hi = hi;
      if (call.agree) d.rootLo = midRoot;
      else d.rootHi = midRoot;
      d.mid = undefined;
      d.midRoot = undefined;
      d.turn = turn;
      d.deadline = deadline;
    });
    this.recordMove(tx, d, "respond", `${call.agree ? "agrees" : "disagrees"} with root_${mid}: range [${lo}, ${hi}]`, {
      index: mid,
      agree: call.agree,
    });
    return copyDispute(d);
  }

  /**
   * The one-step proof, check by check in the order of OptimisticRollup.sol's proveStep, each piece of work
   * charged where the contract does it, so that a proof which reverts stops at the contract's check, with
   * its code and the gas the contract spent up to it: the dispute and its turn; the resent data against the
   * stored hash; the disputed operation (readOperation: a deposit's key from the queue, a signed
   * operation's R8 decompressed); root_lo; the witnesses one by one (checkWitnesses); the accounts the
   * operation touches (requireTouched); the re-execution (execute).
   */
  private async runProveStep(tx: TxContext, input: Uint8Array): Promise<Dispute> {
    const call = decodeProveStep(input);
    const d = this.openDispute(tx, call.disputeId);
    if (d.turn !== "oneStep") throw new L1Revert("NOT_YOUR_TURN", `dispute ${d.id} awaits ${describeTurn(d)}, not a one-step proof`);
    requireBeforeDeadline(tx, d);
    const b = this.record(d.batchNumber);
    tx.gas.charge("storage reads", SLOAD_COLD_GAS, "batch data hash: SLOAD cold");
    const calls = new ContractCalls(tx);

    // The posted data, resent and checked against the stored hash.
    tx.gas.charge("keccak: data hash", keccakGas(call.data.length), `keccak256 over ${call.data.length} bytes (30 + 6/word)`);
    if (keccakWord(call.data) !== b.dataHash) throw new L1Revert("BAD_BATCH_DATA", `the data sent is not batch ${b.number}'s posted data`);

    // The disputed operation (readOperation).
    const posted = splitPostedData(call.data, this.layout)[d.lo];
    if (posted === undefined) throw new Error(`batch ${b.number} has no operation ${d.lo}`);
    let depositKey: PublicKey | undefined;
    if (posted.depositOrdinal !== undefined) {
      this.sload(tx, `links ${b.number}`, "batch links (first deposit)");
      tx.gas.chargeEach("deposit queue reads", 2, SLOAD_COLD_GAS, "deposit key x, y: SLOAD cold, EIP-2929");
      depositKey = this.bridge.depositQueue[b.firstDeposit + posted.depositOrdinal]?.publicKey;
    }
    let op: Operation | undefined;
    let invalid: RollupError | undefined;
    try {
      op = decodePostedOperation(posted, this.layout, depositKey);
    } catch (e) {
      if (!(e instanceof RollupError)) throw e;
      invalid = e;
    }
    // A signed operation's R8 is decompressed on L1 (square root mod p), point or not.
    const sig = signatureWords(posted, this.layout);
    if (sig !== undefined) {
      const unpacked = await runUnpackPoint(sig.r8Word);
      if ((unpacked.point === undefined) !== (op === undefined)) throw new Error("BabyJubjubEdDSA.unpackPoint disagrees with circomlibjs's unpackPoint");
      tx.gas.charge("eddsa: R8 decompression", unpacked.gas, "BabyJubjubEdDSA.unpackPoint, measured in @ethereumjs/evm");
      calls.charge("eddsa");
    }
    tx.gas.charge("storage reads", SLOAD_COLD_GAS, "rootLo: SLOAD cold");

    // The witnesses must each lead to the agreed root_lo (checkWitnesses) and cover every account the
    // operation touches (requireTouched).
    const witnesses = call.witnesses;
    await this.checkWitnesses(tx, calls, witnesses, d);
    let state: RollupState;
    try {
      state = RollupState.fromWitness(this.arities, witnesses);
    } catch (e) {
      // Every path led to root_lo above, so this cannot fail short of a Poseidon collision; if it did, BAD_WITNESS.
      if (e instanceof RollupError) throw new L1Revert("BAD_WITNESS", `witness: ${e.message}`, { cause: e });
      throw e;
    }
    if (op !== undefined) {
      const missing = touchedAccounts(op).filter((i) => !witnesses.some((w) => w.index === i));
      if (missing.length > 0) throw new L1Revert("BAD_WITNESS", `operation ${d.lo} touches accounts ${missing.join(", ")}, which are not witnessed`);
    }

    // Re-execution with the one reference transition, signatures and nonces included (execute).
    let applied: AppliedOperation | undefined;
    if (op !== undefined) {
      if ((op.kind === "transfer" || op.kind === "withdraw") && sig !== undefined) {
        await this.chargeSignatureCheck(tx, calls, state, op, sig.sWord);
      }
      try {
        applied = applyOperation(state, op, { layout: this.layout, rollupId: this.rollupId });
      } catch (e) {
        if (!(e instanceof RollupError)) throw e;
        invalid = e;
      }
    }
    if (applied !== undefined && op !== undefined) {
      if (op.kind !== "noop") {
        // New leaves and paths as the contract recomputes them: a transfer between two accounts hashes the
        // sender's path only up to where it meets the receiver's, then the receiver's whole path.
        const pair = op.kind === "transfer" && op.from !== op.to ? op : undefined;
        const newLeaves = pair === undefined ? 1 : 2;
        tx.gas.chargeEach("poseidon: new leaves", newLeaves, await poseidonGas(4), "Poseidon(4) leaf hash, measured");
        calls.charge("poseidon4", newLeaves);
        if (pair !== undefined) await this.chargePathLevels(tx, calls, "poseidon: new paths", meetingLevel(this.arities, pair.from, pair.to));
        await this.chargePathLevels(tx, calls, "poseidon: new paths", this.arities.length);
      }
      // A valid operation's root after it is compared with root_hi (a no-op's is root_lo).
      tx.gas.charge("storage reads", SLOAD_COLD_GAS, "rootHi: SLOAD cold");
    }

    if (invalid !== undefined) {
      this.resolve(tx, d, "challenger", `operation ${d.lo} is invalid (${invalid.code}): the batch is invalid`);
    } else if (applied === undefined || applied.rootAfter !== d.rootHi) {
      this.resolve(tx, d, "challenger", `operation ${d.lo} leads to ${applied?.rootAfter}, the proposer claimed root_${d.hi} = ${d.rootHi}`);
    } else {
      this.resolve(tx, d, "proposer", `operation ${d.lo} leads to the proposer's root_${d.hi}`);
    }
    this.recordMove(tx, d, "oneStep", `one-step proof of operation ${d.lo}`, { index: d.lo });
    return copyDispute(d);
  }

  /**
   * checkWitnesses in OptimisticRollup.sol: at least one witness, then each in turn: an index not
   * witnessed before and inside the tree, a path of the tree's shape, canonical account fields (key and
   * nonce below p, balance within 64 bits: Poseidon reduces its inputs, so `balance + p` would hash like
   * `balance` and could pass an overdraft off as valid), its leaf hashed, its path checked and hashed level
   * by level (a level whose child at the index's position is not the running hash stops it), and the root
   * it reaches must be root_lo. Reverts BAD_WITNESS at the first check that fails, with the hashes the
   * contract made before it charged.
   */
  private async checkWitnesses(tx: TxContext, calls: ContractCalls, witnesses: readonly AccountWitness[], d: DisputeRecord): Promise<void> {
    if (witnesses.length === 0) throw new L1Revert("BAD_WITNESS", "a one-step proof needs at least one Merkle witness");
    const leaves = this.arities.reduce((n, a) => n * a, 1);
    const pathLength = this.arities.reduce((n, a) => n + a, 0);
    for (const [i, w] of witnesses.entries()) {
      if (witnesses.slice(0, i).some((x) => x.index === w.index)) throw new L1Revert("BAD_WITNESS", `account ${w.index} is witnessed twice`);
      if (w.index >= leaves) throw new L1Revert("BAD_WITNESS", `account ${w.index} is outside the tree (${leaves} leaves)`);
      if (w.path.length !== pathLength) throw new L1Revert("BAD_WITNESS", `account ${w.index}'s path has ${w.path.length} nodes, not ${pathLength}`);
      const a = w.account;
      let leaf = 0n;
      if (a !== undefined) {
        if (!isCanonicalAccount(a)) {
          throw new L1Revert("BAD_WITNESS", `account ${w.index}'s witness is not canonical (key and nonce below p, balance below 2^64)`);
        }
        tx.gas.charge("poseidon: witness leaves", await poseidonGas(4), "Poseidon(4) leaf hash, measured");
        calls.charge("poseidon4");
        leaf = leafHash(a);
      }
      const walked = walkPath(this.arities, w.index, leaf, w.path);
      await this.chargePathLevels(tx, calls, "poseidon: witness paths", walked.levels);
      if (walked.root === undefined) {
        throw new L1Revert("BAD_WITNESS", `account ${w.index}'s path does not hold the running hash at level ${walked.levels}`);
      }
      if (walked.root !== d.rootLo) {
        throw new L1Revert("BAD_WITNESS", `account ${w.index}'s path leads to ${walked.root}, not the agreed root_${d.lo} ${d.rootLo}`);
      }
    }
  }

  /**
   * The signature check's gas, where the contract reaches it (the sender, and a transfer's receiver,
   * exist; the amount fits 64 bits; the nonce is the account's): h = Poseidon(6) and the curve check,
   * both run in @ethereumjs/evm. The curve check's verdict must be the reference's.
   */
  private async chargeSignatureCheck(tx: TxContext, calls: ContractCalls, state: RollupState, op: SignedOperation, sWord: bigint): Promise<void> {
    const sender = state.account(op.from);
    if (sender === undefined || (op.kind === "transfer" && state.account(op.to) === undefined)) return;
    if (op.amount > MAX_BALANCE || op.nonce !== sender.nonce) return;
    await chargeSignatureCheck(tx, sender.publicKey, signedMessage(op, this.layout, this.rollupId), op.signature, sWord);
    calls.charge("poseidon6");
    calls.charge("eddsa");
  }

  /** One Merkle path hashed over its first `levels` levels: one Poseidon(arity) call a level, measured. */
  private async chargePathLevels(tx: TxContext, calls: ContractCalls, item: string, levels: number): Promise<void> {
    if (levels === 0) return;
    const hashed = this.arities.slice(0, levels);
    let gas = 0;
    for (const a of hashed) gas += await poseidonGas(a);
    tx.gas.charge(item, gas, `1 path × ${levels} level(s) [${hashed.join(",")}], Poseidon(arity) measured`);
    for (const a of new Set(hashed)) calls.charge(`poseidon${a}`, hashed.filter((x) => x === a).length);
  }

  private runTimeout(tx: TxContext, input: Uint8Array): Dispute {
    const id = decodeUintCall(input, OPTIMISTIC_SIGNATURES.timeout);
    const d = this.openDispute(tx, id);
    if (tx.timestamp <= d.deadline) {
      throw new L1Revert("DEADLINE_NOT_PASSED", `dispute ${d.id} awaits ${describeTurn(d)} until ${d.deadline}`);
    }
    const loser: Side = d.turn === "proposer" ? "proposer" : "challenger";
    this.resolve(tx, d, loser === "proposer" ? "challenger" : "proposer", `${describeTurn(d)} missed the deadline ${d.deadline}`);
    this.recordMove(tx, d, "timeout", `${loser} timed out`);
    return copyDispute(d);
  }

  private runFinalize(tx: TxContext, input: Uint8Array): OptimisticBatch {
    const n = decodeUintCall(input, OPTIMISTIC_SIGNATURES.finalize);
    tx.gas.charge("storage reads", SLOAD_COLD_GAS, "batch status: SLOAD cold");
    const b = this.records[n - 1];
    if (b === undefined) throw new L1Revert("NO_SUCH_BATCH", `there is no batch ${n}`);
    this.chargeFinalityWalk(tx, n, true);
    const at = this.finalizedAt(n);
    if (at === undefined) throw new L1Revert("NOT_FINAL", `batch ${n} is not final`);
    if (b.bondReturned) throw new L1Revert("ALREADY_FINALIZED", `batch ${n}'s bond was already returned`);
    tx.gas.charge("storage writes", SSTORE_EXISTING_WARM_GAS, "status|finality time: SSTORE existing (warm)");
    this.pay(tx, b.proposer, b.bond, "proposer bond returned");
    tx.gas.charge("storage reads", SLOAD_COLD_GAS, "batch root (for the event): SLOAD cold");
    tx.emit("BatchFinalized", { batchNumber: n, finalizedAt: at, root: b.newRoot }, ["batchNumber"]);
    tx.onSuccess(() => {
      b.bondReturned = true;
    });
    return { ...copyBatch(b), bondReturned: true };
  }

  // ---- helpers ----

  private record(n: number): BatchRecord {
    const b = this.records[n - 1];
    if (b === undefined) throw new Error(`no batch ${n}`);
    return b;
  }

  private openDispute(tx: TxContext, id: number): DisputeRecord {
    tx.gas.chargeEach("storage reads", 2, SLOAD_COLD_GAS, "dispute: parties, lo|hi|turn|deadline; SLOAD cold");
    const d = this.disputeRecords[id - 1];
    if (d === undefined) throw new L1Revert("NO_SUCH_DISPUTE", `there is no dispute ${id}`);
    if (d.outcome !== undefined) throw new L1Revert("DISPUTE_OVER", `dispute ${id} is over (${d.outcome})`);
    return d;
  }

  /** The `offset`-th pending deposit; a proposal reads only its amount slot. */
  private readQueue(tx: TxContext, offset: number): DepositEntry | undefined {
    const entry = this.bridge.depositQueue[this.depositHead + offset];
    if (entry !== undefined) tx.gas.charge("deposit queue reads", SLOAD_COLD_GAS, "deposit amount|time: SLOAD cold, EIP-2929");
    return entry;
  }

  /**
   * Slots read by the contract's finality walk (finalityTime in OptimisticRollup.sol): each batch's status
   * and, while the walk goes on to the parent, its links; it stops at a batch whose bond was returned (its
   * stored finality time covers its ancestors). `statusWarm`: batch n's status was read already.
   */
  private chargeFinalityWalk(tx: TxContext, n: number, statusWarm: boolean): void {
    let cold = 0;
    let warm = 0;
    for (let b = this.records[n - 1], first = true; b !== undefined; first = false) {
      if (first && statusWarm) warm++;
      else cold++;
      if (b.rolledBackAt !== undefined || b.openDisputes > 0 || b.bondReturned) break;
      cold++;
      b = b.parent === 0 ? undefined : this.records[b.parent - 1];
    }
    tx.gas.charge("storage reads", cold * SLOAD_COLD_GAS + warm * WARM_ACCESS_GAS, `finality walk: ${cold} cold + ${warm} warm SLOADs (status, links up the chain)`);
  }

  /** Charges an SLOAD of `slot`: cold the first time in this transaction, warm after (EIP-2929). */
  private sload(tx: TxContext, slot: string, what: string): void {
    const warm = this.touched(tx, `slot ${slot}`);
    tx.gas.charge("storage reads", warm ? WARM_ACCESS_GAS : SLOAD_COLD_GAS, `${what}: SLOAD ${warm ? "warm" : "cold"}`);
  }

  /** Whether `key` was accessed before in this transaction (the sender always is); marks it accessed. */
  private touched(tx: TxContext, key: string): boolean {
    let seen = this.accessed.get(tx);
    if (seen === undefined) {
      seen = new Set([`address ${tx.from}`]);
      this.accessed.set(tx, seen);
    }
    const was = seen.has(key);
    seen.add(key);
    return was;
  }

  /**
   * A bond payout: CALL with value (9,000) to a cold or warm account (2,600 / 100; the sender is warm),
   * less the 2,300 stipend the EOA hands back; 25,000 more if the account is created (only the burn
   * address can be: every other payee has sent a transaction).
   */
  private pay(tx: TxContext, to: L1Address, amount: bigint, why: string): void {
    if (amount === 0n) return;
    const warm = this.touched(tx, `address ${to}`);
    const created = to === BURN_ADDRESS && !warm && this.chain.balanceOf(to) === 0n;
    const gas = (warm ? WARM_ACCESS_GAS : COLD_ACCOUNT_ACCESS_GAS) + CALL_VALUE_GAS - CALL_STIPEND_GAS + (created ? NEW_ACCOUNT_GAS : 0);
    tx.gas.charge(
      "value transfers",
      gas,
      `${why}: CALL with value 9,000 + ${warm ? "warm 100" : "cold 2,600"} − stipend back 2,300${created ? " + new account 25,000" : ""}`,
    );
    tx.move(this.address, to, amount);
  }

  /** Records a successful dispute transaction (its gas is final when the effects run). */
  private recordMove(
    tx: TxContext,
    d: DisputeRecord,
    kind: DisputeMoveKind,
    detail: string,
    at: { index?: number; agree?: boolean } = {},
  ): void {
    tx.onSuccess(() => {
      d.moves.push({
        kind,
        from: tx.from,
        blockNumber: tx.blockNumber,
        timestamp: tx.timestamp,
        gasUsed: tx.gas.total,
        index: at.index,
        agree: at.agree,
        detail,
      });
    });
  }

  /** Ends dispute `d`: slashes the loser, pays the winner, and rolls back if the proposer lost. */
  private resolve(tx: TxContext, d: DisputeRecord, winner: Side, reason: string): void {
    const b = this.record(d.batchNumber);
    const loserBond = winner === "proposer" ? d.bond : b.bond;
    const burned = (loserBond * this.burnPpm) / 1_000_000n;
    const toWinner = loserBond - burned;
    const slash: SlashRecord = {
      loser: winner === "proposer" ? d.challenger : d.proposer,
      winner: winner === "proposer" ? d.proposer : d.challenger,
      bond: loserBond,
      burned,
      toWinner,
    };
    const outcome: DisputeOutcome = winner === "proposer" ? "proposerWon" : "challengerWon";
    tx.gas.charge("storage writes", SSTORE_EXISTING_WARM_GAS, "dispute outcome (warm): SSTORE existing");
    this.pay(tx, BURN_ADDRESS, burned, "slash: burned share");
    if (winner === "proposer") {
      // The proposer's own bond stays locked until the batch is final.
      this.pay(tx, d.proposer, toWinner, "slash: challenger's bond to the proposer");
      tx.gas.charge("storage writes", SSTORE_EXISTING_SLOT_GAS, "batch open-dispute count|last resolution: SSTORE existing");
    } else {
      this.pay(tx, d.challenger, d.bond + toWinner, "challenger bond returned + proposer's slashed bond");
    }
    tx.emit("DisputeResolved", { disputeId: d.id, batchNumber: b.number, outcome, burned, toWinner }, ["disputeId", "batchNumber"]);

    const rollback = winner === "challenger" ? this.planRollback(tx, b, d) : undefined;
    tx.onSuccess(() => {
      d.outcome = outcome;
      d.reason = reason;
      d.resolvedAt = tx.timestamp;
      d.turn = undefined;
      d.slash = slash;
      this.burnedTotal += burned;
      b.openDisputes--;
      b.lastDisputeResolvedAt = tx.timestamp;
      rollback?.();
    });
  }

  /** Charges and returns the effects of rolling back `b` and every live batch after it. */
  private planRollback(tx: TxContext, b: BatchRecord, lost: DisputeRecord): () => void {
    const at = this.live.indexOf(b.number);
    if (at < 0) throw new Error(`batch ${b.number} is not live`);
    const discarded = this.live.slice(at).map((n) => this.record(n));
    const cancelled = this.disputeRecords.filter((x) => x.outcome === undefined && x !== lost && discarded.some((y) => y.number === x.batchNumber));
    this.sload(tx, `links ${b.number}`, "batch links (parent, first deposit, first dispute)");
    if (b.parent !== 0) tx.gas.charge("storage reads", SLOAD_COLD_GAS, "parent's root: SLOAD cold");
    tx.gas.charge("storage writes", SSTORE_EXISTING_SLOT_GAS, "current root back to the parent root: SSTORE existing");
    tx.gas.charge("storage writes", SSTORE_EXISTING_SLOT_GAS, "rollup head (latest live batch, queue head): SSTORE existing");
    tx.gas.chargeEach("storage writes", discarded.length, SSTORE_EXISTING_SLOT_GAS, "batch status → rolled back: SSTORE existing");
    // The contract walks every batch number after b (rolled-back ones are read and left) ...
    const skipped = this.records.length - b.number - (discarded.length - 1);
    tx.gas.chargeEach("storage reads", skipped, SLOAD_COLD_GAS, "status of a batch rolled back earlier: SLOAD cold");
    for (const later of discarded.slice(1)) this.pay(tx, later.proposer, later.bond, `bond of discarded batch ${later.number} returned`);
    // ... and every dispute opened since b was proposed.
    const scanned = this.disputeRecords.slice((this.firstDisputeOf.get(b.number) ?? 1) - 1).filter((x) => x !== lost);
    tx.gas.chargeEach("storage reads", scanned.length, SLOAD_COLD_GAS, "dispute parties (scan since the batch was proposed): SLOAD cold");
    tx.gas.chargeEach("storage reads", scanned.filter((x) => x.batchNumber >= b.number).length, SLOAD_COLD_GAS, "dispute state: SLOAD cold");
    tx.gas.chargeEach(
      "storage writes",
      cancelled.length,
      SSTORE_EXISTING_WARM_GAS + 2 * WARM_ACCESS_GAS,
      "cancelled dispute's state (warm) + its batch's dispute count (dirty): SSTORE",
    );
    for (const x of cancelled) this.pay(tx, x.challenger, x.bond, `bond of cancelled dispute ${x.id} returned`);
    tx.emit("BatchesRolledBack", { fromBatch: b.number, toBatch: discarded[discarded.length - 1]?.number ?? b.number, root: b.parentRoot }, ["fromBatch"]);
    return () => {
      for (const x of discarded) {
        x.rolledBackAt = tx.timestamp;
        x.rolledBackBy = lost.id;
        if (x !== b) x.bondReturned = true;
      }
      for (const x of cancelled) {
        x.outcome = "cancelled";
        x.reason = `batch ${x.batchNumber} was rolled back by dispute ${lost.id}`;
        x.resolvedAt = tx.timestamp;
        x.turn = undefined;
        this.record(x.batchNumber).openDisputes--;
      }
      this.live = this.live.slice(0, at);
      this.root = b.parentRoot;
      this.depositHead = b.firstDeposit;
    };
  }
}

function requireBond(value: bigint, bond: bigint, who: string): void {
  if (value < bond) throw new L1Revert("INSUFFICIENT_BOND", `the ${who} bond is ${bond}, ${value} was sent`);
  if (value > bond) throw new L1Revert("BAD_AMOUNT", `the ${who} bond is exactly ${bond}, ${value} was sent`);
}

function requireBeforeDeadline(tx: TxContext, d: DisputeRecord): void {
  if (tx.timestamp > d.deadline) throw new L1Revert("DEADLINE_PASSED", `dispute ${d.id}'s move was due by ${d.deadline}`);
}

function describeTurn(d: DisputeRecord): string {
  if (d.turn === "proposer") return `the proposer's root_${d.lo + Math.floor((d.hi - d.lo) / 2)}`;
  if (d.turn === "challenger") return `the challenger's answer on root_${d.mid ?? "?"}`;
  return `a one-step proof of operation ${d.lo}`;
}

/** Views never share the stored data buffer (nothing outside can change what the contract holds). */
function copyBatch(b: BatchRecord): OptimisticBatch {
  return { ...b, data: b.data.slice() };
}

function copyDispute(d: DisputeRecord): Dispute {
  return { ...d, moves: [...d.moves] };
}

/**
 * The EIP-2929 account access of the STATICCALLs a one-step proof makes to the Poseidon and EdDSA
 * contracts, charged as they are made (a proof that reverts pays for the calls made before it): 2,600 for
 * the first call to a contract in the transaction, 100 for each later one.
 */
class ContractCalls {
  private readonly called = new Set<string>();

  constructor(private readonly tx: TxContext) {}

  charge(contract: string, times = 1): void {
    if (times <= 0) return;
    const cold = this.called.has(contract) ? 0 : 1;
    this.called.add(contract);
    this.tx.gas.charge(
      "contract calls",
      cold * COLD_ACCOUNT_ACCESS_GAS + (times - cold) * WARM_ACCESS_GAS,
      `${times} STATICCALL${times === 1 ? "" : "s"} to ${contract}: ${cold} cold (2,600) + ${times - cold} warm (100), EIP-2929`,
    );
  }
}

/** A signed operation's signature as the contract reads it: the R8 and S words (32 bytes each, big-endian). */
function signatureWords(posted: PostedOperation, layout: RecordLayout): { r8Word: bigint; sWord: bigint } | undefined {
  if (posted.record.kind !== KIND_CODE.transfer && posted.record.kind !== KIND_CODE.withdraw) return undefined;
  const at = layout.recordBytes + NONCE_BYTES;
  return {
    r8Word: bytesToBigint(posted.bytes.subarray(at, at + 32)),
    sWord: bytesToBigint(posted.bytes.subarray(at + 32, at + 64)),
  };
}

/**
 * verifiedRoot in OptimisticRollup.sol: from `leaf` up a flattened path (every child of every level), each
 * level's child at the index's position must be the running hash, which the level's children then hash to.
 * The levels hashed, and the root reached (undefined if a level's child is not the running hash).
 */
function walkPath(arities: readonly number[], index: number, leaf: bigint, path: readonly bigint[]): { levels: number; root: bigint | undefined } {
  let cur = leaf;
  let i = index;
  let at = 0;
  for (let l = 0; l < arities.length; l++) {
    const a = arities[l] ?? 2;
    const children = path.slice(at, at + a);
    if (children[i % a] !== cur) return { levels: l, root: undefined };
    cur = poseidon(children);
    i = Math.floor(i / a);
    at += a;
  }
  return { levels: arities.length, root: cur };
}

/** The lowest level whose children group holds both leaves' ancestors (from ≠ to): the sender's path is hashed below it. */
function meetingLevel(arities: readonly number[], from: number, to: number): number {
  let f = from;
  let t = to;
  for (let l = 0; l < arities.length; l++) {
    const a = arities[l] ?? 2;
    if (Math.floor(f / a) === Math.floor(t / a)) return l;
    f = Math.floor(f / a);
    t = Math.floor(t / a);
  }
  return arities.length;
}
