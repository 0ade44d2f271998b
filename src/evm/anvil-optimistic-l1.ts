/**
 * The optimistic rollup on a real EVM: contracts/OptimisticRollup.sol with circomlibjs's Poseidon(2), (4),
 * (6) contracts, the generated Poseidon(8) (src/evm/poseidon-gen.ts) and contracts/BabyJubjubEdDSA.sol,
 * deployed on anvil and driven with viem. It offers what the simulated OptimisticRollupContract offers
 * (the OptimisticL1 interface), so the same proposers, watchers and challengers play on it; every gas
 * figure is a receipt's gasUsed, measured. Calldata is byte for byte what the simulated L1 is sent.
 *
 * Time: every transaction is mined at the L1Clock's current slot timestamp (anvil starts at timestamp 0),
 * so deadlines, windows and finality run on the same clock as the simulated L1; views judge time by it too.
 */
import { encodeDeployData, parseAbi, parseEventLogs, type Address, type Hex } from "viem";
import type { PublicKey } from "../crypto/eddsa.ts";
import type { DepositEntry, WithdrawalEntry } from "../l1/bridge.ts";
import { encodeClaim, encodeDeposit } from "../l1/calldata.ts";
import type { L1Address } from "../l1/chain.ts";
import type { L1Clock } from "../l1/clock.ts";
import {
  OPTIMISTIC_SIGNATURES,
  decodeProposeBatch,
  encodeProposeBatch,
  encodeProveStep,
  encodeRespond,
  encodeRevealRoot,
  encodeUintCall,
  type ProposeBatchArgs,
} from "../l1/dispute-calldata.ts";
import { splitPostedData, type AccountWitness } from "../l1/dispute-data.ts";
import { EDDSA_CONTRACT } from "../l1/eddsa-contract.ts";
import { TX_BASE_GAS, calldataCost } from "../l1/gas.ts";
import {
  DEFAULT_CHALLENGE_WINDOW_SECONDS,
  DEFAULT_RESPONSE_SECONDS,
  DEFAULT_SLASH_BURN_FRACTION,
  type DisputeOutcome,
  type DisputeTurn,
} from "../l1/optimistic-rollup.ts";
import { poseidonContractCode } from "../l1/poseidon-contract.ts";
import { recordLayout, type RecordLayout } from "../tx/layout.ts";
import type { AnvilOptions } from "./anvil.ts";
import { bytesToHex, hexToBytes } from "./anvil-l1.ts";
import { EvmSession, fromAddress, revertName, type SentTransaction } from "./client.ts";
import { compileSources, repoSources, requireContract, type CompileOutput } from "./compile.ts";
import { EvmError } from "./errors.ts";
import type { BatchView, DisputeView, OptimisticL1, OptimisticL1Receipt } from "./optimistic-l1.ts";
import type { ZkL1RevertCode } from "./zk-l1.ts";

/** What the TypeScript side calls on OptimisticRollup.sol (a test checks it against the compiled ABI). */
export const OPTIMISTIC_ROLLUP_ABI = parseAbi([
  "function currentRoot() view returns (uint256)",
  "function headState() view returns (uint256 batchCount, uint256 latestLive, uint256 queueHead, uint256 disputeCount)",
  "function bridgeState() view returns (uint256 queueLength, uint256 bridgeBalance)",
  "function batchAt(uint256 number) view returns (uint256 newRoot, uint256 rootsCommitment, uint256 dataHash, uint256 meta, uint256 links)",
  "function disputeAt(uint256 id) view returns (uint256 parties, uint256 state, uint256 rootLo, uint256 rootHi, uint256 midRoot)",
  "function depositAt(uint256 index) view returns (uint256 x, uint256 y, uint256 amount, uint256 timestamp)",
  "function withdrawalAt(uint256 batchNumber, uint256 index) view returns (address recipient, uint256 amount, bool paid)",
  "function finalityTime(uint256 number) view returns (bool possible, uint256 at)",
  "function owed(address) view returns (uint256)",
  "event DepositQueued(uint256 indexed index, uint256 x, uint256 y, uint256 amount, uint256 timestamp)",
  "event BatchProposed(uint256 indexed batchNumber, uint256 parentRoot, uint256 newRoot, uint256 rootsCommitment, uint256 windowEnd)",
  "event DisputeOpened(uint256 indexed disputeId, uint256 indexed batchNumber, address challenger, uint256 deadline)",
  "event RootRevealed(uint256 indexed disputeId, uint256 index, uint256 root, uint256 deadline)",
  "event RootAnswered(uint256 indexed disputeId, uint256 index, uint256 agree, uint256 lo, uint256 hi, uint256 deadline)",
  "event DisputeResolved(uint256 indexed disputeId, uint256 indexed batchNumber, uint256 outcome, uint256 burned, uint256 toWinner)",
  "event BatchesRolledBack(uint256 indexed fromBatch, uint256 toBatch, uint256 root)",
  "event BatchFinalized(uint256 indexed batchNumber, uint256 finalizedAt, uint256 root)",
  "event WithdrawalClaimed(uint256 indexed batchNumber, uint256 index, address indexed recipient, uint256 amount)",
  "error MALFORMED()",
  "error BAD_RECORDS_LENGTH(uint256 expected, uint256 got)",
  "error DEPOSIT_QUEUE_EMPTY(uint256 operation)",
  "error DEPOSIT_MISMATCH(uint256 operation, uint256 queued, uint256 posted)",
  "error BAD_AMOUNT()",
  "error BAD_PUBLIC_KEY()",
  "error NO_WITHDRAWAL()",
  "error NOT_FINAL()",
  "error ALREADY_CLAIMED()",
  "error BRIDGE_INSOLVENT()",
  "error PAYOUT_FAILED()",
  "error INSUFFICIENT_BOND()",
  "error NO_SUCH_BATCH()",
  "error NO_SUCH_DISPUTE()",
  "error WINDOW_CLOSED()",
  "error NOT_CHALLENGEABLE()",
  "error NOT_YOUR_TURN()",
  "error DEADLINE_PASSED()",
  "error DEADLINE_NOT_PASSED()",
  "error DISPUTE_OVER()",
  "error BAD_MERKLE_PROOF()",
  "error BAD_WITNESS()",
  "error BAD_BATCH_DATA()",
  "error ALREADY_FINALIZED()",
]);

const REVERT_CODES: readonly ZkL1RevertCode[] = OPTIMISTIC_ROLLUP_ABI.flatMap((item) =>
  item.type === "error" ? [item.name as ZkL1RevertCode] : [],
);

export interface AnvilOptimisticL1Config {
  readonly rollupId: number;
  /** Tree arity per level, bottom-up. */
  readonly arities: readonly number[];
  /** Operations per batch, N. */
  readonly capacity: number;
  readonly genesisRoot: bigint;
  readonly challengeWindowSeconds?: number;
  readonly responseSeconds?: number;
  readonly proposerBond: bigint;
  readonly challengerBond: bigint;
  readonly slashBurnFraction?: number;
  /** Every transaction is mined at this clock's slot timestamp; anvil is started at timestamp 0. */
  readonly clock: L1Clock;
  /** Use this running session (started at timestamp 0; not stopped by `stop`); default: a fresh anvil. */
  readonly session?: EvmSession;
  readonly anvil?: AnvilOptions;
  readonly log?: (message: string) => void;
}

export interface OptimisticDeployment {
  readonly rollup: Address;
  readonly poseidon: { readonly 2: Address; readonly 4: Address; readonly 6: Address; readonly 8: Address };
  readonly eddsa: Address;
  /** Gas of each deployment transaction, measured. */
  readonly gas: Readonly<Record<"poseidon2" | "poseidon4" | "poseidon6" | "poseidon8" | "eddsa" | "rollup", number>>;
  readonly solcVersion: string;
  readonly hardfork: string;
  readonly anvilVersion: string;
}

/** An anvil receipt: the OptimisticL1 fields plus the transaction hash and the split of its measured gas. */
export interface AnvilOptimisticReceipt<T> extends OptimisticL1Receipt<T> {
  readonly txHash: Hex;
  readonly input: Uint8Array;
  /** 21,000 + EIP-2028 calldata gas. */
  readonly intrinsicGas: number;
  /** gasUsed − intrinsicGas. */
  readonly executionGas: number;
}

/** Deployer of the contracts (impersonated by anvil). */
const DEPLOYER: L1Address = 0xbeefn << 140n;

const TURNS: readonly (DisputeTurn | undefined)[] = [undefined, "proposer", "challenger", "oneStep"];
const OUTCOMES: readonly (DisputeOutcome | undefined)[] = [undefined, "proposerWon", "challengerWon", "cancelled"];
const FLAG_ROLLED_BACK = 2n;
const FLAG_BOND_RETURNED = 4n;
const M32 = 0xffffffffn;
const M64 = 0xffffffffffffffffn;

/** A batch's parts that never change once proposed (from its event and calldata). */
interface BatchRecord {
  readonly number: number;
  readonly parentRoot: bigint;
  readonly data: Uint8Array;
  readonly operationCount: number;
  readonly withdrawals: readonly WithdrawalEntry[];
  readonly blockNumber: number;
  readonly timestamp: number;
  readonly windowEnd: number;
}

/** OptimisticRollup.sol and its libraries compiled from contracts/ (cached in build/evm/). */
export function compileOptimisticContracts(log?: (m: string) => void): CompileOutput {
  return compileSources(repoSources(), log === undefined ? {} : { log });
}

export class AnvilOptimisticL1 implements OptimisticL1 {
  readonly kind = "anvil";
  readonly rollupId: number;
  readonly arities: readonly number[];
  readonly layout: RecordLayout;
  readonly capacity: number;
  readonly genesisRoot: bigint;
  readonly challengeWindowSeconds: number;
  readonly responseSeconds: number;
  readonly proposerBond: bigint;
  readonly challengerBond: bigint;
  readonly clock: L1Clock;
  private readonly ownsSession: boolean;
  private readonly batchCache = new Map<number, BatchRecord>();
  private readonly depositCache = new Map<number, DepositEntry>();
  /** Resolved disputes never change again. */
  private readonly closedDisputes = new Map<number, DisputeView>();

  private constructor(
    readonly session: EvmSession,
    readonly deployment: OptimisticDeployment,
    readonly compiled: CompileOutput,
    config: AnvilOptimisticL1Config,
    settings: { window: number; response: number },
  ) {
    this.rollupId = config.rollupId;
    this.arities = [...config.arities];
    this.layout = recordLayout(config.arities);
    this.capacity = config.capacity;
    this.genesisRoot = config.genesisRoot;
    this.challengeWindowSeconds = settings.window;
    this.responseSeconds = settings.response;
    this.proposerBond = config.proposerBond;
    this.challengerBond = config.challengerBond;
    this.clock = config.clock;
    this.ownsSession = config.session === undefined;
  }

  /** Compiles (cached), starts anvil at timestamp 0 unless a session is given, and deploys the six contracts. */
  static async start(config: AnvilOptimisticL1Config): Promise<AnvilOptimisticL1> {
    const window = config.challengeWindowSeconds ?? DEFAULT_CHALLENGE_WINDOW_SECONDS;
    const response = config.responseSeconds ?? DEFAULT_RESPONSE_SECONDS;
    const burn = config.slashBurnFraction ?? DEFAULT_SLASH_BURN_FRACTION;
    if (!Number.isSafeInteger(config.rollupId) || config.rollupId < 0) throw new EvmError("BAD_CONFIG", "rollupId must be a non-negative integer");
    if (!Number.isSafeInteger(config.capacity) || config.capacity < 1) throw new EvmError("BAD_CONFIG", "capacity must be a positive integer");
    if (config.arities.length === 0 || !config.arities.every((a) => a === 2 || a === 4 || a === 8)) {
      throw new EvmError("BAD_CONFIG", "arities must be a non-empty list of 2, 4 or 8");
    }
    if (!(burn >= 0 && burn <= 1)) throw new EvmError("BAD_CONFIG", "slashBurnFraction must be in [0, 1]");
    const compiled = compileOptimisticContracts(config.log);
    const session = config.session ?? (await EvmSession.start({ genesisTimestamp: 0, ...config.anvil }));
    try {
      const deployment = await deploy(session, compiled, config, { window, response, burnPpm: BigInt(Math.round(burn * 1_000_000)) });
      config.log?.(`anvil ${session.node.url} (${deployment.hardfork}): OptimisticRollup at ${deployment.rollup}, ${deployment.gas.rollup.toLocaleString("en-US")} gas to deploy`);
      return new AnvilOptimisticL1(session, deployment, compiled, config, { window, response });
    } catch (e) {
      if (config.session === undefined) await session.close();
      throw e;
    }
  }

  /** Stops anvil if this instance started it. */
  async stop(): Promise<void> {
    if (this.ownsSession) await this.session.close();
  }

  get address(): Address {
    return this.deployment.rollup;
  }

  // ---- transactions ----

  async deposit(sender: L1Address, publicKey: PublicKey, amount: bigint): Promise<AnvilOptimisticReceipt<DepositEntry>> {
    const input = encodeDeposit(publicKey);
    const sent = await this.send(sender, input, amount);
    const log = parseEventLogs({ abi: OPTIMISTIC_ROLLUP_ABI, logs: sent.receipt.logs, eventName: "DepositQueued" })[0];
    const result: DepositEntry | undefined =
      log === undefined
        ? undefined
        : {
            index: Number(log.args.index),
            sender,
            publicKey: { x: log.args.x, y: log.args.y },
            amount: log.args.amount,
            blockNumber: Number(sent.receipt.blockNumber),
            timestamp: Number(log.args.timestamp),
          };
    if (result !== undefined) this.depositCache.set(result.index, result);
    return this.receipt("deposit", sent, input, result);
  }

  async proposeBatch(sender: L1Address, args: ProposeBatchArgs & { readonly bond?: bigint }): Promise<AnvilOptimisticReceipt<BatchView>> {
    const input = encodeProposeBatch(args);
    const sent = await this.send(sender, input, args.bond ?? this.proposerBond);
    const log = parseEventLogs({ abi: OPTIMISTIC_ROLLUP_ABI, logs: sent.receipt.logs, eventName: "BatchProposed" })[0];
    return this.receipt("proposeBatch", sent, input, log === undefined ? undefined : await this.batch(Number(log.args.batchNumber)));
  }

  async challenge(sender: L1Address, batchNumber: number, bond: bigint = this.challengerBond): Promise<AnvilOptimisticReceipt<DisputeView>> {
    const input = encodeUintCall(OPTIMISTIC_SIGNATURES.challenge, batchNumber);
    const sent = await this.send(sender, input, bond);
    const log = parseEventLogs({ abi: OPTIMISTIC_ROLLUP_ABI, logs: sent.receipt.logs, eventName: "DisputeOpened" })[0];
    return this.receipt("challenge", sent, input, log === undefined ? undefined : await this.dispute(Number(log.args.disputeId)));
  }

  async revealRoot(sender: L1Address, disputeId: number, root: bigint, proof: readonly bigint[]): Promise<AnvilOptimisticReceipt<DisputeView>> {
    return this.disputeTx("revealRoot", sender, disputeId, encodeRevealRoot(disputeId, root, proof));
  }

  async respond(sender: L1Address, disputeId: number, agree: boolean): Promise<AnvilOptimisticReceipt<DisputeView>> {
    return this.disputeTx("respond", sender, disputeId, encodeRespond(disputeId, agree));
  }

  async proveStep(
    sender: L1Address,
    disputeId: number,
    witnesses: readonly AccountWitness[],
    data?: Uint8Array,
  ): Promise<AnvilOptimisticReceipt<DisputeView>> {
    const d = await this.dispute(disputeId);
    const bytes = data ?? (d === undefined ? new Uint8Array(0) : ((await this.batch(d.batchNumber))?.data ?? new Uint8Array(0)));
    return this.disputeTx("proveStep", sender, disputeId, encodeProveStep({ disputeId, data: bytes, witnesses }));
  }

  async timeout(sender: L1Address, disputeId: number): Promise<AnvilOptimisticReceipt<DisputeView>> {
    return this.disputeTx("timeout", sender, disputeId, encodeUintCall(OPTIMISTIC_SIGNATURES.timeout, disputeId));
  }

  async finalize(sender: L1Address, batchNumber: number): Promise<AnvilOptimisticReceipt<BatchView>> {
    const input = encodeUintCall(OPTIMISTIC_SIGNATURES.finalize, batchNumber);
    const sent = await this.send(sender, input, 0n);
    return this.receipt("finalize", sent, input, sent.receipt.status === "success" ? await this.batch(batchNumber) : undefined);
  }

  async claimWithdrawal(sender: L1Address, batchNumber: number, index: number): Promise<AnvilOptimisticReceipt<WithdrawalEntry>> {
    const input = encodeClaim(batchNumber, index);
    const sent = await this.send(sender, input, 0n);
    const log = parseEventLogs({ abi: OPTIMISTIC_ROLLUP_ABI, logs: sent.receipt.logs, eventName: "WithdrawalClaimed" })[0];
    const result: WithdrawalEntry | undefined =
      log === undefined
        ? undefined
        : { batchNumber: Number(log.args.batchNumber), index: Number(log.args.index), recipient: fromAddress(log.args.recipient), amount: log.args.amount };
    return this.receipt("claimWithdrawal", sent, input, result);
  }

  // ---- views ----

  async blockTime(): Promise<number> {
    return this.clock.slotTimestamp(this.clock.slot);
  }

  async currentRoot(): Promise<bigint> {
    return this.read("currentRoot", []);
  }

  async headState(): Promise<{ batchCount: number; latestLive: number; queueHead: number; disputeCount: number }> {
    const [batchCount, latestLive, queueHead, disputeCount] = await this.read("headState", []);
    return { batchCount: Number(batchCount), latestLive: Number(latestLive), queueHead: Number(queueHead), disputeCount: Number(disputeCount) };
  }

  async bridgeState(): Promise<{ queueLength: number; balance: bigint }> {
    const [queueLength, balance] = await this.read("bridgeState", []);
    return { queueLength: Number(queueLength), balance };
  }

  async liveBatches(): Promise<readonly number[]> {
    const out: number[] = [];
    for (let n = (await this.headState()).latestLive; n !== 0; ) {
      out.unshift(n);
      const [, , , , links] = await this.read("batchAt", [BigInt(n)]);
      n = Number(links & M64);
    }
    return out;
  }

  async batch(number: number): Promise<BatchView | undefined> {
    if (!Number.isSafeInteger(number) || number < 1) return undefined;
    const [newRoot, rootsCommitment, dataHash, meta, links] = await this.read("batchAt", [BigInt(number)]);
    if (meta === 0n) return undefined;
    const fixed = await this.batchRecord(number);
    const flags = meta >> 248n;
    const lastResolvedAt = Number((meta >> 192n) & M32);
    return {
      number,
      parent: Number(links & M64),
      proposer: meta & ((1n << 160n) - 1n),
      parentRoot: fixed.parentRoot,
      newRoot,
      rootsCommitment,
      data: fixed.data.slice(),
      dataHash,
      operationCount: fixed.operationCount,
      firstDeposit: Number((links >> 64n) & M64),
      depositCount: Number((links >> 128n) & M32),
      withdrawals: fixed.withdrawals,
      blockNumber: fixed.blockNumber,
      timestamp: fixed.timestamp,
      windowEnd: fixed.windowEnd,
      openDisputes: Number((meta >> 224n) & 0xffffffn),
      rolledBackAt: (flags & FLAG_ROLLED_BACK) !== 0n ? lastResolvedAt : undefined,
      bondReturned: (flags & FLAG_BOND_RETURNED) !== 0n,
    };
  }

  /** Final once the contract's finality time (window, disputes, parent) has come on the clock. */
  async isFinal(batchNumber: number): Promise<boolean> {
    const at = await this.finalizedAt(batchNumber);
    return at !== undefined;
  }

  /** When batch `n` became final, or undefined if it is not (yet, or ever). */
  async finalizedAt(batchNumber: number): Promise<number | undefined> {
    if (!Number.isSafeInteger(batchNumber) || batchNumber < 1) return undefined;
    const [possible, at] = await this.read("finalityTime", [BigInt(batchNumber)]);
    return possible && Number(at) <= (await this.blockTime()) ? Number(at) : undefined;
  }

  async dispute(id: number): Promise<DisputeView | undefined> {
    const closed = this.closedDisputes.get(id);
    if (closed !== undefined) return closed;
    if (!Number.isSafeInteger(id) || id < 1) return undefined;
    const [parties, state, rootLo, rootHi, midRoot] = await this.read("disputeAt", [BigInt(id)]);
    if (parties === 0n) return undefined;
    const batchNumber = Number((parties >> 160n) & M64);
    const [, , , meta] = await this.read("batchAt", [BigInt(batchNumber)]);
    const lo = Number(state & M32);
    const hi = Number((state >> 32n) & M32);
    const turn = TURNS[Number((state >> 112n) & 0xffn)];
    const outcome = OUTCOMES[Number((state >> 120n) & 0xffn)];
    const view: DisputeView = {
      id,
      batchNumber,
      challenger: parties & ((1n << 160n) - 1n),
      proposer: meta & ((1n << 160n) - 1n),
      lo,
      hi,
      rootLo,
      rootHi,
      mid: turn === "challenger" ? lo + Math.floor((hi - lo) / 2) : undefined,
      midRoot: turn === "challenger" ? midRoot : undefined,
      turn,
      round: Number((state >> 96n) & 0xffffn),
      deadline: Number((state >> 64n) & M32),
      openedAt: Number(parties >> 224n),
      outcome,
      resolvedAt: outcome === undefined ? undefined : Number((state >> 128n) & M32),
    };
    if (outcome !== undefined) this.closedDisputes.set(id, view);
    return view;
  }

  async openDisputes(): Promise<readonly DisputeView[]> {
    const { disputeCount } = await this.headState();
    const out: DisputeView[] = [];
    for (let id = 1; id <= disputeCount; id++) {
      if (this.closedDisputes.has(id)) continue;
      const d = await this.dispute(id);
      if (d !== undefined && d.outcome === undefined) out.push(d);
    }
    return out;
  }

  async depositQueue(): Promise<readonly DepositEntry[]> {
    const { queueLength } = await this.bridgeState();
    const out: DepositEntry[] = [];
    for (let i = 0; i < queueLength; i++) out.push(this.depositCache.get(i) ?? (await this.depositFromChain(i)));
    return out;
  }

  async queueHead(): Promise<number> {
    return (await this.headState()).queueHead;
  }

  /** A registered withdrawal as stored (recipient and amount until it is paid). */
  async withdrawalAt(batchNumber: number, index: number): Promise<{ recipient: L1Address; amount: bigint; paid: boolean }> {
    const [recipient, amount, paid] = await this.read("withdrawalAt", [BigInt(batchNumber), BigInt(index)]);
    return { recipient: fromAddress(recipient), amount, paid };
  }

  // ---- the ledger ----

  async balanceOf(address: L1Address): Promise<bigint> {
    return this.session.balanceOf(address);
  }

  async fund(address: L1Address, amount: bigint): Promise<void> {
    await this.session.setBalance(address, (await this.session.balanceOf(address)) + amount);
  }

  // ---- internals ----

  private async read<F extends ReadName>(functionName: F, args: ReadArgs<F>): Promise<ReadResult<F>> {
    const result: unknown = await this.session.public.readContract({
      address: this.address,
      abi: OPTIMISTIC_ROLLUP_ABI,
      functionName,
      args,
    } as Parameters<PublicClientRead>[0]);
    return result as ReadResult<F>;
  }

  private async send(from: L1Address, input: Uint8Array, value: bigint): Promise<SentTransaction> {
    await this.session.setNextTimestamp(await this.blockTime());
    const sent = await this.session.send({ from, to: this.address, data: bytesToHex(input), value });
    if (sent.timestamp !== (await this.blockTime())) {
      throw new EvmError("BAD_CONFIG", `anvil mined at ${sent.timestamp}, the L1 clock is at ${await this.blockTime()}: the clock is behind anvil's time`);
    }
    return sent;
  }

  private async disputeTx(method: string, sender: L1Address, id: number, input: Uint8Array): Promise<AnvilOptimisticReceipt<DisputeView>> {
    const sent = await this.send(sender, input, 0n);
    return this.receipt(method, sent, input, sent.receipt.status === "success" ? await this.dispute(id) : undefined);
  }

  private receipt<T>(method: string, sent: SentTransaction, input: Uint8Array, result: T | undefined): AnvilOptimisticReceipt<T> {
    const calldata = calldataCost(input);
    const gasUsed = Number(sent.receipt.gasUsed);
    const success = sent.receipt.status === "success";
    const name = success ? undefined : revertName(OPTIMISTIC_ROLLUP_ABI, sent.revertData);
    return {
      method,
      status: success ? "success" : "reverted",
      revertReason: success ? null : (REVERT_CODES.find((c) => c === name) ?? "UNKNOWN_REVERT"),
      gasUsed,
      blockNumber: Number(sent.receipt.blockNumber),
      timestamp: sent.timestamp,
      calldata,
      result: success ? result : undefined,
      txHash: sent.hash,
      input,
      intrinsicGas: TX_BASE_GAS + calldata.gas,
      executionGas: gasUsed - TX_BASE_GAS - calldata.gas,
    };
  }

  /** A batch's fixed parts, from its BatchProposed event and its transaction's calldata (L1 data alone). */
  private async batchRecord(number: number): Promise<BatchRecord> {
    const cached = this.batchCache.get(number);
    if (cached !== undefined) return cached;
    const logs = await this.session.public.getLogs({
      address: this.address,
      event: eventAbi("BatchProposed"),
      args: { batchNumber: BigInt(number) },
      fromBlock: 0n,
      toBlock: "latest",
    });
    const log = logs[0];
    if (log === undefined || log.transactionHash === null || log.blockNumber === null) {
      throw new EvmError("RPC_FAILED", `batch ${number} has no BatchProposed event`);
    }
    const tx = await this.session.public.getTransaction({ hash: log.transactionHash });
    const block = await this.session.public.getBlock({ blockNumber: log.blockNumber });
    const { data } = decodeProposeBatch(hexToBytes(tx.input));
    const ops = splitPostedData(data, this.layout);
    const withdrawals: WithdrawalEntry[] = [];
    for (const op of ops) {
      if (op.recipient !== undefined) withdrawals.push({ batchNumber: number, index: withdrawals.length, recipient: op.recipient, amount: op.amount });
    }
    const record: BatchRecord = {
      number,
      parentRoot: log.args.parentRoot ?? 0n,
      data,
      operationCount: ops.length,
      withdrawals,
      blockNumber: Number(log.blockNumber),
      timestamp: Number(block.timestamp),
      windowEnd: Number(log.args.windowEnd ?? 0n),
    };
    this.batchCache.set(number, record);
    return record;
  }

  /** Queue entry i: key and amount from storage, sender and block from its DepositQueued event. */
  private async depositFromChain(index: number): Promise<DepositEntry> {
    const logs = await this.session.public.getLogs({
      address: this.address,
      event: eventAbi("DepositQueued"),
      args: { index: BigInt(index) },
      fromBlock: 0n,
      toBlock: "latest",
    });
    const log = logs[0];
    if (log === undefined || log.transactionHash === null || log.blockNumber === null) throw new EvmError("RPC_FAILED", `deposit ${index} has no DepositQueued event`);
    const tx = await this.session.public.getTransaction({ hash: log.transactionHash });
    const entry: DepositEntry = {
      index,
      sender: fromAddress(tx.from),
      publicKey: { x: log.args.x ?? 0n, y: log.args.y ?? 0n },
      amount: log.args.amount ?? 0n,
      blockNumber: Number(log.blockNumber),
      timestamp: Number(log.args.timestamp ?? 0n),
    };
    this.depositCache.set(index, entry);
    return entry;
  }
}

type ReadName = "currentRoot" | "headState" | "bridgeState" | "batchAt" | "disputeAt" | "finalityTime" | "withdrawalAt";
type ReadArgs<F extends ReadName> = F extends "withdrawalAt" ? [bigint, bigint] : F extends "batchAt" | "disputeAt" | "finalityTime" ? [bigint] : [];
type ReadResult<F extends ReadName> = F extends "currentRoot"
  ? bigint
  : F extends "headState"
    ? readonly [bigint, bigint, bigint, bigint]
    : F extends "bridgeState"
      ? readonly [bigint, bigint]
      : F extends "batchAt" | "disputeAt"
        ? readonly [bigint, bigint, bigint, bigint, bigint]
        : F extends "finalityTime"
          ? readonly [boolean, bigint]
          : readonly [Address, bigint, boolean];
type PublicClientRead = EvmSession["public"]["readContract"];

function eventAbi<N extends "BatchProposed" | "DepositQueued">(name: N) {
  const found = OPTIMISTIC_ROLLUP_ABI.find(
    (item): item is Extract<(typeof OPTIMISTIC_ROLLUP_ABI)[number], { type: "event"; name: N }> => item.type === "event" && item.name === name,
  );
  if (found === undefined) throw new EvmError("BAD_CONFIG", `no event ${name} in OPTIMISTIC_ROLLUP_ABI`);
  return found;
}

/** Deploys Poseidon(2, 4, 6) (circomlibjs), Poseidon(8) (generated), the EdDSA contract and the rollup; gas measured. */
async function deploy(
  session: EvmSession,
  compiled: CompileOutput,
  config: AnvilOptimisticL1Config,
  settings: { window: number; response: number; burnPpm: bigint },
): Promise<OptimisticDeployment> {
  // Deployment blocks take the clock's time too, so no later transaction has to go back in time.
  const at = async (): Promise<void> => session.setNextTimestamp(config.clock.slotTimestamp(config.clock.slot));
  const deployed: Record<string, { address: Address; gasUsed: number }> = {};
  for (const n of [2, 4, 6, 8] as const) {
    await at();
    deployed[`poseidon${n}`] = await session.deploy(DEPLOYER, poseidonContractCode(n), `Poseidon(${n})`);
  }
  await at();
  deployed["eddsa"] = await session.deploy(DEPLOYER, requireContract(compiled, EDDSA_CONTRACT).bytecode, EDDSA_CONTRACT);
  const need = (k: string): { address: Address; gasUsed: number } => {
    const d = deployed[k];
    if (d === undefined) throw new EvmError("RPC_FAILED", `${k} was not deployed`);
    return d;
  };
  const artifact = requireContract(compiled, "OptimisticRollup");
  await at();
  const rollup = await session.deploy(
    DEPLOYER,
    encodeDeployData({
      abi: artifact.abi,
      bytecode: artifact.bytecode,
      args: [
        {
          rollupId: BigInt(config.rollupId),
          arities: config.arities.map(BigInt),
          capacity: BigInt(config.capacity),
          genesisRoot: config.genesisRoot,
          challengeWindowSeconds: BigInt(settings.window),
          responseSeconds: BigInt(settings.response),
          proposerBond: config.proposerBond,
          challengerBond: config.challengerBond,
          burnPpm: settings.burnPpm,
          poseidon2: need("poseidon2").address,
          poseidon4: need("poseidon4").address,
          poseidon6: need("poseidon6").address,
          poseidon8: need("poseidon8").address,
          eddsa: need("eddsa").address,
        },
      ],
    }),
    "OptimisticRollup",
  );
  return {
    rollup: rollup.address,
    poseidon: { 2: need("poseidon2").address, 4: need("poseidon4").address, 6: need("poseidon6").address, 8: need("poseidon8").address },
    eddsa: need("eddsa").address,
    gas: {
      poseidon2: need("poseidon2").gasUsed,
      poseidon4: need("poseidon4").gasUsed,
      poseidon6: need("poseidon6").gasUsed,
      poseidon8: need("poseidon8").gasUsed,
      eddsa: need("eddsa").gasUsed,
      rollup: rollup.gasUsed,
    },
    solcVersion: compiled.solcVersion,
    hardfork: session.node.hardfork,
    anvilVersion: session.node.version,
  };
}
