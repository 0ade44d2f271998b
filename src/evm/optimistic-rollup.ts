/**
 * The optimistic rollup's client: contracts/OptimisticRollup.sol with circomlibjs's Poseidon(2), (4), (6)
 * contracts, the generated Poseidon(8) (src/evm/poseidon-gen.ts) and contracts/BabyJubjubEdDSA.sol,
 * deployed on an EVM (in-process or anvil) and driven with viem, behind the OptimisticL1 interface, so the
 * proposers, watchers and challengers play on it. Every gas figure is a receipt's gasUsed.
 *
 * Time: every transaction is mined at the L1Clock's current slot timestamp, so deadlines, windows and
 * finality run on the driver's clock; views judge time by it too.
 */
import { encodeDeployData, parseAbi, parseEventLogs, type Address } from "viem";
import type { PublicKey } from "../crypto/eddsa.ts";
import type { DepositEntry, WithdrawalEntry } from "../l1/bridge-types.ts";
import type { L1Address } from "../l1/address.ts";
import type { L1Clock } from "../l1/clock.ts";
import { OPTIMISTIC_SIGNATURES, decodeProposeBatch, encodeProposeBatch, encodeProveStep, encodeRespond, encodeRevealRoot, encodeUintCall, type ProposeBatchArgs } from "../l1/dispute-calldata.ts";
import { splitPostedData, type AccountWitness } from "../l1/dispute-data.ts";
import { L1Error } from "../l1/errors.ts";
import {
  burnPpm,
  optimisticRollupSettings,
  type DisputeOutcome,
  type DisputeTurn,
  type OptimisticRollupConfig,
  type OptimisticRollupSettings,
} from "../l1/optimistic-types.ts";
import {
  RollupContract,
  BRIDGE_SIGNATURES,
  checkForcedDeadline,
  deployTreeContracts,
  eventAbi,
  hexToBytes,
  onEvm,
  treeConfigArg,
  type RollupContractConfig,
  type EvmReceipt,
} from "./rollup-contract.ts";
import { fromAddress, type EvmSession, type SentTransaction } from "./client.ts";
import { compileSources, repoSources, requireContract, type CompileOutput } from "./compile.ts";
import { exitClaimProver, type ExitClaimProver } from "./exit-claim.ts";
import { EvmError } from "./errors.ts";
import type { BatchView, DisputeView, OptimisticL1, OptimisticL1Receipt } from "./optimistic-l1.ts";

/** What the TypeScript side calls on OptimisticRollup.sol (a test checks it against the compiled ABI). */
export const OPTIMISTIC_ROLLUP_ABI = parseAbi([
  ...BRIDGE_SIGNATURES,
  "function currentRoot() view returns (uint256)",
  "function headState() view returns (uint256 batchCount, uint256 latestLive, uint256 queueHead, uint256 disputeCount)",
  "function bridgeState() view returns (uint256 queueLength, uint256 bridgeBalance)",
  "function batchAt(uint256 number) view returns (uint256 newRoot, uint256 rootsCommitment, uint256 dataHash, uint256 meta, uint256 links)",
  "function disputeAt(uint256 id) view returns (uint256 parties, uint256 state, uint256 rootLo, uint256 rootHi, uint256 midRoot)",
  "function withdrawalAt(uint256 batchNumber, uint256 index) view returns (address recipient, uint256 amount, bool paid)",
  "function finalityTime(uint256 number) view returns (bool possible, uint256 at)",
  "function owed(address) view returns (uint256)",
  "event BatchProposed(uint256 indexed batchNumber, uint256 parentRoot, uint256 newRoot, uint256 rootsCommitment, uint256 windowEnd)",
  "event DisputeOpened(uint256 indexed disputeId, uint256 indexed batchNumber, address challenger, uint256 deadline)",
  "event RootRevealed(uint256 indexed disputeId, uint256 index, uint256 root, uint256 deadline)",
  "event RootAnswered(uint256 indexed disputeId, uint256 index, uint256 agree, uint256 lo, uint256 hi, uint256 deadline)",
  "event DisputeResolved(uint256 indexed disputeId, uint256 indexed batchNumber, uint256 outcome, uint256 burned, uint256 toWinner)",
  "event BatchesRolledBack(uint256 indexed fromBatch, uint256 toBatch, uint256 root)",
  "event BatchFinalized(uint256 indexed batchNumber, uint256 finalizedAt, uint256 root)",
  "error BAD_RECORDS_LENGTH(uint256 expected, uint256 got)",
  "error DEPOSIT_QUEUE_EMPTY(uint256 operation)",
  "error DEPOSIT_MISMATCH(uint256 operation, uint256 queued, uint256 posted)",
  "error INSUFFICIENT_BOND()",
  "error NO_SUCH_BATCH()",
  "error NO_SUCH_DISPUTE()",
  "error WINDOW_CLOSED()",
  "error NOT_CHALLENGEABLE()",
  "error NOT_YOUR_TURN()",
  "error DEADLINE_PASSED()",
  "error DISPUTE_OVER()",
  "error BAD_BATCH_DATA()",
  "error ALREADY_FINALIZED()",
]);

/** The rollup's settings (src/l1/optimistic-types.ts), plus the EVM it runs on and its clock. */
export interface OptimisticRollupL1Config extends OptimisticRollupConfig, RollupContractConfig {
  /** Required: deadlines, windows and finality run on this clock. */
  readonly clock: L1Clock;
}

export interface OptimisticDeployment {
  readonly rollup: Address;
  readonly poseidon: { readonly 2: Address; readonly 3: Address; readonly 4: Address; readonly 6: Address; readonly 8: Address };
  readonly eddsa: Address;
  /** Gas of each deployment transaction, measured. */
  readonly gas: Readonly<Record<"poseidon2" | "poseidon3" | "poseidon4" | "poseidon6" | "poseidon8" | "eddsa" | "rollup", number>>;
  readonly solcVersion: string;
  readonly hardfork: string;
  /** Which EVM runs it ("EDR 0.13.0 (in-process)", "anvil 1.7.1 at ..."). */
  readonly evm: string;
}

/** An anvil receipt: the OptimisticL1 fields plus the transaction hash and the split of its measured gas. */
export interface OptimisticReceipt<T> extends EvmReceipt<T>, OptimisticL1Receipt<T> {}

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

// The settings are public fields, declared once (OptimisticRollupConfig) through this merged interface
// and set in the constructor, as on OptimisticRollupContract.
export interface OptimisticRollupL1 extends OptimisticRollupSettings {}

export class OptimisticRollupL1 extends RollupContract<OptimisticDeployment> implements OptimisticL1 {
  /** Always set (the config requires it): narrows RollupContract's optional clock. */
  declare readonly clock: L1Clock;
  private readonly batchCache = new Map<number, BatchRecord>();
  /** Resolved disputes never change again. */
  private readonly closedDisputes = new Map<number, DisputeView>();
  readonly forcedDeadlineSeconds: number;

  private constructor(
    session: EvmSession,
    deployment: OptimisticDeployment,
    compiled: CompileOutput,
    config: OptimisticRollupL1Config,
    settings: OptimisticRollupSettings,
    exitClaim: ExitClaimProver,
  ) {
    super(session, deployment, compiled, config, OPTIMISTIC_ROLLUP_ABI, exitClaim);
    Object.assign(this, settings);
    this.forcedDeadlineSeconds = checkForcedDeadline(config.forcedDeadlineSeconds);
  }

  /** Compiles (cached), starts anvil at timestamp 0 unless a session is given, and deploys the six contracts. */
  static async start(config: OptimisticRollupL1Config): Promise<OptimisticRollupL1> {
    const settings = evmConfigError(() => optimisticRollupSettings(config));
    const forcedDeadlineSeconds = checkForcedDeadline(config.forcedDeadlineSeconds);
    const compiled = compileOptimisticContracts(config.log);
    const exitClaim = await exitClaimProver(settings.arities, config.log);
    return onEvm(config, async (session) => {
      const deployment = await deploy(session, compiled, config.clock, settings, forcedDeadlineSeconds, exitClaim);
      config.log?.(`${session.backend.description} (${deployment.hardfork}): OptimisticRollup at ${deployment.rollup}, ${deployment.gas.rollup.toLocaleString("en-US")} gas to deploy`);
      return new OptimisticRollupL1(session, deployment, compiled, config, settings, exitClaim);
    });
  }

  // ---- transactions ----

  override async deposit(sender: L1Address, publicKey: PublicKey, amount: bigint): Promise<OptimisticReceipt<DepositEntry>> {
    return { method: "deposit", ...(await super.deposit(sender, publicKey, amount)) };
  }

  async proposeBatch(sender: L1Address, args: ProposeBatchArgs & { readonly bond?: bigint }): Promise<OptimisticReceipt<BatchView>> {
    const input = encodeProposeBatch(args);
    const sent = await this.send(sender, input, args.bond ?? this.proposerBond);
    const log = parseEventLogs({ abi: OPTIMISTIC_ROLLUP_ABI, logs: sent.receipt.logs, eventName: "BatchProposed" })[0];
    return this.methodReceipt("proposeBatch", sent, input, log === undefined ? undefined : await this.batch(Number(log.args.batchNumber)));
  }

  async challenge(sender: L1Address, batchNumber: number, bond: bigint = this.challengerBond): Promise<OptimisticReceipt<DisputeView>> {
    const input = encodeUintCall(OPTIMISTIC_SIGNATURES.challenge, batchNumber);
    const sent = await this.send(sender, input, bond);
    const log = parseEventLogs({ abi: OPTIMISTIC_ROLLUP_ABI, logs: sent.receipt.logs, eventName: "DisputeOpened" })[0];
    return this.methodReceipt("challenge", sent, input, log === undefined ? undefined : await this.dispute(Number(log.args.disputeId)));
  }

  async revealRoot(sender: L1Address, disputeId: number, root: bigint, proof: readonly bigint[]): Promise<OptimisticReceipt<DisputeView>> {
    return this.disputeTx("revealRoot", sender, disputeId, encodeRevealRoot(disputeId, root, proof));
  }

  async respond(sender: L1Address, disputeId: number, agree: boolean): Promise<OptimisticReceipt<DisputeView>> {
    return this.disputeTx("respond", sender, disputeId, encodeRespond(disputeId, agree));
  }

  async proveStep(
    sender: L1Address,
    disputeId: number,
    witnesses: readonly AccountWitness[],
    data?: Uint8Array,
  ): Promise<OptimisticReceipt<DisputeView>> {
    const d = await this.dispute(disputeId);
    const bytes = data ?? (d === undefined ? new Uint8Array(0) : ((await this.batch(d.batchNumber))?.data ?? new Uint8Array(0)));
    return this.disputeTx("proveStep", sender, disputeId, encodeProveStep({ disputeId, data: bytes, witnesses }));
  }

  async timeout(sender: L1Address, disputeId: number): Promise<OptimisticReceipt<DisputeView>> {
    return this.disputeTx("timeout", sender, disputeId, encodeUintCall(OPTIMISTIC_SIGNATURES.timeout, disputeId));
  }

  async finalize(sender: L1Address, batchNumber: number): Promise<OptimisticReceipt<BatchView>> {
    const input = encodeUintCall(OPTIMISTIC_SIGNATURES.finalize, batchNumber);
    const sent = await this.send(sender, input, 0n);
    return this.methodReceipt("finalize", sent, input, sent.receipt.status === "success" ? await this.batch(batchNumber) : undefined);
  }

  override async claimWithdrawal(sender: L1Address, batchNumber: number, index: number): Promise<OptimisticReceipt<WithdrawalEntry>> {
    return { method: "claimWithdrawal", ...(await super.claimWithdrawal(sender, batchNumber, index)) };
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
    return this.depositsIn(0, (await this.bridgeState()).queueLength);
  }

  async queueHead(): Promise<number> {
    return (await this.headState()).queueHead;
  }

  /** A registered withdrawal as stored (recipient and amount until it is paid). */
  async withdrawalAt(batchNumber: number, index: number): Promise<{ recipient: L1Address; amount: bigint; paid: boolean }> {
    const [recipient, amount, paid] = await this.read("withdrawalAt", [BigInt(batchNumber), BigInt(index)]);
    return { recipient: fromAddress(recipient), amount, paid };
  }

  // ---- the forced exit's view of the batches (RollupContract), judged by the clock ----

  protected async latestLiveBatch(): Promise<number> {
    return (await this.headState()).latestLive;
  }

  protected async forcedLive(n: number): Promise<boolean> {
    const b = await this.batch(n);
    return b !== undefined && b.rolledBackAt === undefined;
  }

  protected async forcedFinal(n: number): Promise<boolean> {
    return this.isFinal(n);
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

  /** As RollupContract's, but a block mined later than the clock's time is an error: views judge time by the clock. */
  protected override async send(from: L1Address, input: Uint8Array, value: bigint): Promise<SentTransaction> {
    const sent = await super.send(from, input, value);
    if (sent.timestamp !== (await this.blockTime())) {
      throw new EvmError("BAD_CONFIG", `the EVM mined at ${sent.timestamp}, the L1 clock is at ${await this.blockTime()}: the clock is behind the EVM's time`);
    }
    return sent;
  }

  private async disputeTx(method: string, sender: L1Address, id: number, input: Uint8Array): Promise<OptimisticReceipt<DisputeView>> {
    const sent = await this.send(sender, input, 0n);
    return this.methodReceipt(method, sent, input, sent.receipt.status === "success" ? await this.dispute(id) : undefined);
  }

  private methodReceipt<T>(method: string, sent: SentTransaction, input: Uint8Array, result: T | undefined): OptimisticReceipt<T> {
    return { method, ...this.receipt(sent, input, result) };
  }

  /** A batch's fixed parts, from its BatchProposed event and its transaction's calldata (L1 data alone). */
  private async batchRecord(number: number): Promise<BatchRecord> {
    const cached = this.batchCache.get(number);
    if (cached !== undefined) return cached;
    const found = await this.emitted(eventAbi(OPTIMISTIC_ROLLUP_ABI, "BatchProposed"), { batchNumber: BigInt(number) });
    if (found === undefined) throw new EvmError("RPC_FAILED", `batch ${number} has no BatchProposed event`);
    const { log, tx } = found;
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

/** Runs the settings check, reporting its L1Error as an EvmError. */
function evmConfigError<T>(check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof L1Error) throw new EvmError("BAD_CONFIG", e.message, { cause: e });
    throw e;
  }
}

/** Deploys Poseidon(2, 3, 4, 6, 8), the EdDSA contract, the exit-claim verifier and the rollup; gas measured. */
async function deploy(
  session: EvmSession,
  compiled: CompileOutput,
  clock: L1Clock,
  settings: OptimisticRollupSettings,
  forcedDeadlineSeconds: number,
  exitClaim: ExitClaimProver,
): Promise<OptimisticDeployment> {
  // Deployment blocks take the clock's time too, so no later transaction has to go back in time.
  const at = (): Promise<void> => session.atClockSlot(clock);
  const tree = await deployTreeContracts(session, compiled, DEPLOYER, settings.arities, exitClaim, { all: true, before: at });
  const artifact = requireContract(compiled, "OptimisticRollup");
  await at();
  const rollup = await session.deploy(
    DEPLOYER,
    encodeDeployData({
      abi: artifact.abi,
      bytecode: artifact.bytecode,
      args: [
        {
          tree: treeConfigArg(settings.rollupId, settings.arities, forcedDeadlineSeconds, tree),
          capacity: BigInt(settings.capacity),
          genesisRoot: settings.genesisRoot,
          challengeWindowSeconds: BigInt(settings.challengeWindowSeconds),
          responseSeconds: BigInt(settings.responseSeconds),
          proposerBond: settings.proposerBond,
          challengerBond: settings.challengerBond,
          burnPpm: burnPpm(settings.slashBurnFraction),
        },
      ],
    }),
    "OptimisticRollup",
  );
  return {
    rollup: rollup.address,
    poseidon: { 2: tree.poseidon2, 3: tree.poseidon3, 4: tree.poseidon4, 6: tree.poseidon6, 8: tree.poseidon8 },
    eddsa: tree.eddsa,
    gas: { ...tree.gas, rollup: rollup.gasUsed },
    solcVersion: compiled.solcVersion,
    hardfork: session.backend.hardfork,
    evm: session.backend.description,
  };
}
