/**
 * What the two rollups on an EVM (ZkRollupL1, the zk rollup; OptimisticRollupL1, the optimistic one) share:
 * the session they start and stop, sending a transaction at the L1Clock's time and reporting it as a
 * receipt with its calldata cost and decoded revert code, and what their common Solidity base
 * (contracts/RollupBridge.sol) does alike: the bridge (deposit queue, withdrawal claims), forced
 * withdrawals and exit mode (ForcedExitL1), the Poseidon and EdDSA contracts its account proofs call, and
 * the L1 ledger. Each subclass adds its own ABI, deployment and rollup logic, and says which of its
 * batches are live and final.
 */
import { poseidonContract } from "circomlibjs";
import { parseAbi, parseEventLogs, type Abi, type AbiEvent, type Address, type GetLogsParameters, type Hex } from "viem";
import type { PublicKey } from "../crypto/eddsa.ts";
import type { DepositEntry, WithdrawalEntry } from "../l1/bridge-types.ts";
import { encodeClaim, encodeDeposit } from "../l1/calldata.ts";
import type { L1Address } from "../l1/address.ts";
import type { L1Clock } from "../l1/clock.ts";
import {
  encodeActivateExitMode,
  encodeClaimExit,
  encodeDismissForcedWithdrawal,
  encodeRefundDeposit,
  encodeReleaseBond,
  encodeRequestForcedWithdrawal,
} from "../l1/forced-exit-calldata.ts";
import { DISMISS_REASONS, type BatchAccountProof, type Carrier, type ExitClaim, type ExitMode, type ForcedRequestStatus, type ForcedWithdrawalRequest, type QueuedRequest } from "../l1/forced-exit-types.ts";
import type { Withdraw } from "../tx/operation.ts";
import { TX_BASE_GAS, calldataCost } from "../l1/calldata-cost.ts";
import type { AnvilOptions } from "./anvil.ts";
import { EvmSession, fromAddress, revertName, type SentTransaction } from "./client.ts";
import { requireContract, type CompileOutput } from "./compile.ts";
import { EvmError } from "./errors.ts";
import { proveExitClaim, type ExitClaimProver, type ProvenExitClaim } from "./exit-claim.ts";
import type { ForcedExitL1 } from "./forced-exit-l1.ts";
import { poseidonCreationCode } from "./poseidon-gen.ts";
import type { EvmKind, ZkL1Receipt, ZkL1RevertCode } from "./zk-l1.ts";

/**
 * What ZkRollup.sol and OptimisticRollup.sol inherit from RollupBridge.sol (bridge, forced exit): the same
 * signatures in both, so each contract's ABI starts with these.
 */
export const BRIDGE_SIGNATURES = [
  "function depositAt(uint256 index) view returns (uint256 x, uint256 y, uint256 amount, uint256 timestamp)",
  "function depositSender(uint256 index) view returns (address sender, bool wasRefunded)",
  "function forcedDeadlineSeconds() view returns (uint256)",
  "function requestCount() view returns (uint256)",
  "function requestStatus(uint256 id) view returns (uint256 status, uint256 carrierBatch, uint256 carrierIndex)",
  "function exitMode() view returns (bool active, uint256 activatedAt, uint256 requestId, uint256 activatedAtBatch, uint256 batchNumber, uint256 root, bool claimsOpen)",
  "function exitClaimed(uint256 index) view returns (bool)",
  "event DepositQueued(uint256 indexed index, uint256 x, uint256 y, uint256 amount, uint256 timestamp)",
  "event WithdrawalClaimed(uint256 indexed batchNumber, uint256 index, address indexed recipient, uint256 amount)",
  "event ForcedWithdrawalRequested(uint256 indexed id, uint256 indexed from, address requester, address recipient, uint256 amount, uint256 nonce, uint256[3] signature, uint256 atBatch, uint256 deadline)",
  "event ForcedWithdrawalIncluded(uint256 indexed id, uint256 indexed batchNumber, uint256 withdrawalIndex)",
  "event ForcedWithdrawalDismissed(uint256 indexed id, uint256 rootBatch, uint256 reason)",
  "event ExitModeActivated(uint256 indexed requestId, uint256 batchNumber, uint256 root)",
  "event ExitClaimed(uint256 indexed index, address indexed recipient, uint256 amount)",
  "event DepositRefunded(uint256 indexed index, address indexed sender, uint256 amount)",
  "error MALFORMED()",
  "error BAD_AMOUNT()",
  "error BAD_PUBLIC_KEY()",
  "error BRIDGE_FULL()",
  "error TREE_FULL()",
  "error NO_WITHDRAWAL()",
  "error NOT_FINAL()",
  "error ALREADY_CLAIMED()",
  "error BRIDGE_INSOLVENT()",
  "error PAYOUT_FAILED()",
  "error BAD_MERKLE_PROOF()",
  "error BAD_WITNESS()",
  "error DEADLINE_NOT_PASSED()",
  "error INSUFFICIENT_BALANCE()",
  "error EXIT_MODE()",
  "error NOT_EXIT_MODE()",
  "error BAD_NONCE()",
  "error BAD_SIGNATURE()",
  "error NOT_PENDING()",
  "error SERVABLE()",
  "error BAD_BOND()",
  "error NO_REQUEST()",
  "error NO_DEPOSIT()",
  "error DEPOSIT_CONSUMED()",
  "error REQUEST_OPEN()",
  "error ROOT_EXPIRED()",
  "error INVALID_PROOF()",
] as const;

/** On-chain request status codes (RollupBridge.sol STATUS_*). */
const REQUEST_STATUSES: readonly ForcedRequestStatus[] = ["pending", "included", "served", "dismissed"];

/**
 * The wei a forced-withdrawal request carries: paid to whoever dismisses it (the proof's gas), else back to
 * its recipient once served (or pending in exit mode). On a priced L1 it must cover a dismissal's gas
 * (≈ 0.66M for a forged signature on the test tree, measured by tests/evm/forced-exit-*.test.ts; on the
 * 65,536-account tree an account proof and an EdDSA check cost ≈ 1.6M, as an exit claim there does);
 * here gas is not priced, so it is a nominal 1,000 wei (L2 units are wei).
 */
export const FORCED_REQUEST_BOND = 1_000n;

/** Default forced-withdrawal deadline: one day of L1 time. */
export const DEFAULT_FORCED_DEADLINE_SECONDS = 86_400;

/**
 * Addresses of the Poseidon(n) and EdDSA contracts the rollup's account proofs call (2 and 8 only if used),
 * and of the exit-claim circuit's verifier for the tree.
 */
export interface TreeContracts {
  readonly poseidon2: Address;
  readonly poseidon3: Address;
  readonly poseidon4: Address;
  readonly poseidon6: Address;
  readonly poseidon8: Address;
  readonly eddsa: Address;
  readonly exitVerifier: Address;
  /** Gas of each deployment, measured (0: not deployed, its arity is not used). */
  readonly gas: Readonly<Record<"poseidon2" | "poseidon3" | "poseidon4" | "poseidon6" | "poseidon8" | "eddsa" | "exitVerifier", number>>;
}

const NO_ADDRESS: Address = "0x0000000000000000000000000000000000000000";

/** Creation code of Poseidon(n): circomlibjs's up to 6 inputs, src/evm/poseidon-gen.ts's above. */
export function poseidonCreation(n: number): Hex {
  if (n > 6) return poseidonCreationCode(n);
  const code = poseidonContract.createCode(n);
  if (!/^0x[0-9a-fA-F]*$/.test(code)) throw new EvmError("BAD_CONFIG", `circomlibjs returned no bytecode for Poseidon(${n})`);
  return code as Hex;
}

/**
 * Deploys Poseidon(3), (4), (6) (deposit accumulator, leaves, signature hash), Poseidon(a) for each arity a
 * the tree uses (`all`: 2 and 8 too), the EdDSA contract and the exit-claim verifier; `before` runs before
 * each deployment.
 */
export async function deployTreeContracts(
  session: EvmSession,
  compiled: CompileOutput,
  deployer: L1Address,
  arities: readonly number[],
  exit: ExitClaimProver,
  opts: { readonly all?: boolean; readonly before?: () => Promise<void> } = {},
): Promise<TreeContracts> {
  const addresses: Record<string, Address> = {};
  const gas: Record<string, number> = { poseidon2: 0, poseidon3: 0, poseidon4: 0, poseidon6: 0, poseidon8: 0, eddsa: 0 };
  const widths = new Set([3, 4, 6, ...arities, ...(opts.all === true ? [2, 8] : [])]);
  for (const n of [2, 3, 4, 6, 8]) {
    if (!widths.has(n)) continue;
    await opts.before?.();
    const d = await session.deploy(deployer, poseidonCreation(n), `Poseidon(${n})`);
    addresses[`poseidon${n}`] = d.address;
    gas[`poseidon${n}`] = d.gasUsed;
  }
  await opts.before?.();
  const eddsa = await session.deploy(deployer, requireContract(compiled, "BabyJubjubEdDSA").bytecode, "BabyJubjubEdDSA");
  await opts.before?.();
  const exitVerifier = await session.deploy(deployer, exit.verifier.bytecode, "ExitClaimVerifier");
  return {
    poseidon2: addresses["poseidon2"] ?? NO_ADDRESS,
    poseidon3: addresses["poseidon3"] ?? NO_ADDRESS,
    poseidon4: addresses["poseidon4"] ?? NO_ADDRESS,
    poseidon6: addresses["poseidon6"] ?? NO_ADDRESS,
    poseidon8: addresses["poseidon8"] ?? NO_ADDRESS,
    eddsa: eddsa.address,
    exitVerifier: exitVerifier.address,
    gas: {
      poseidon2: gas["poseidon2"] ?? 0,
      poseidon3: gas["poseidon3"] ?? 0,
      poseidon4: gas["poseidon4"] ?? 0,
      poseidon6: gas["poseidon6"] ?? 0,
      poseidon8: gas["poseidon8"] ?? 0,
      eddsa: eddsa.gasUsed,
      exitVerifier: exitVerifier.gasUsed,
    },
  };
}

/** RollupBridge's TreeConfig constructor argument. */
export function treeConfigArg(rollupId: number, arities: readonly number[], forcedDeadlineSeconds: number, tree: TreeContracts) {
  return {
    rollupId: BigInt(rollupId),
    arities: arities.map(BigInt),
    forcedDeadlineSeconds: BigInt(forcedDeadlineSeconds),
    forcedRequestBond: FORCED_REQUEST_BOND,
    poseidon2: tree.poseidon2,
    poseidon3: tree.poseidon3,
    poseidon4: tree.poseidon4,
    poseidon6: tree.poseidon6,
    poseidon8: tree.poseidon8,
    eddsa: tree.eddsa,
    exitVerifier: tree.exitVerifier,
  };
}

/** A forced-withdrawal deadline in seconds: a positive safe integer (default one day). */
export function checkForcedDeadline(seconds: number | undefined): number {
  const s = seconds ?? DEFAULT_FORCED_DEADLINE_SECONDS;
  if (!Number.isSafeInteger(s) || s < 1 || s >= 2 ** 40) throw new EvmError("BAD_CONFIG", "forcedDeadlineSeconds must be a positive whole number of seconds");
  return s;
}

const BRIDGE_ABI = parseAbi(BRIDGE_SIGNATURES);

type AbiItem = Abi[number];
/** An ABI whose custom errors all have a revert code's name (checked when a subclass passes its ABI). */
export type RevertCodedAbi = readonly (Exclude<AbiItem, { type: "error" }> | (Extract<AbiItem, { type: "error" }> & { readonly name: ZkL1RevertCode }))[];

/** How either rollup gets its EVM and its time. */
export interface RollupContractConfig {
  /** Use this running session (not closed by `stop`); default: a fresh in-process EVM, or anvil with `anvil`. */
  readonly session?: EvmSession;
  /** Start a fresh anvil node with these options instead of an in-process EVM (ignored with `session`). */
  readonly anvil?: AnvilOptions;
  /**
   * Mine each transaction at the clock's current slot timestamp (the demo and the node drive the L1's
   * time this way); a fresh EVM then starts at genesis timestamp 0, and a given session must be at or
   * before the clock. Without it, the in-process EVM's time stands still and anvil's follows the wall clock.
   */
  readonly clock?: L1Clock;
  readonly log?: (message: string) => void;
  /** L1 seconds the sequencer has to serve a forced withdrawal (default 86,400: one day). */
  readonly forcedDeadlineSeconds?: number;
}

/** A receipt: the ZkL1 fields plus the transaction hash and the split of its measured gas. */
export interface EvmReceipt<T> extends ZkL1Receipt<T> {
  readonly txHash: Hex;
  /** The exact calldata sent. */
  readonly input: Uint8Array;
  /** 21,000 + EIP-2028 calldata gas: what the transaction pays before any opcode runs. */
  readonly intrinsicGas: number;
  /** gasUsed − intrinsicGas: what the contract's code (and the calls it makes) used. */
  readonly executionGas: number;
}

/**
 * Starts an EVM unless `config` gives a session, and runs `deploy` on it; one started here is closed again
 * if that fails, so a failed start leaves no process behind.
 */
export async function onEvm<T>(config: RollupContractConfig, deploy: (session: EvmSession) => Promise<T>): Promise<T> {
  // With a clock, anvil's genesis is the clock's (timestamp 0) so every block can take the clock's time.
  const anvilOptions = config.clock === undefined ? config.anvil : { genesisTimestamp: 0, ...config.anvil };
  const session = config.session ?? (anvilOptions === undefined ? await EvmSession.inProcess() : await EvmSession.start(anvilOptions));
  try {
    return await deploy(session);
  } catch (e) {
    if (config.session === undefined) await session.close();
    throw e;
  }
}

/** A rollup contract deployed on an EVM (`deployment.rollup`), driven through one session. */
export abstract class RollupContract<D extends { readonly rollup: Address }> implements ForcedExitL1 {
  get kind(): EvmKind {
    return this.session.kind;
  }
  protected readonly clock: L1Clock | undefined;
  private readonly ownsSession: boolean;
  /** Queue entries never change once queued (a rollback moves the queue head, not the entries). */
  private readonly depositCache = new Map<number, DepositEntry>();
  /** A request's fixed parts (from its ForcedWithdrawalRequested event). */
  private readonly requestCache = new Map<number, QueuedRequest>();
  abstract readonly forcedDeadlineSeconds: number;
  /** The contract's rollupId (what L2 signatures, and the exit proof's public input, name). */
  abstract readonly rollupId: number;

  protected constructor(
    readonly session: EvmSession,
    readonly deployment: D,
    readonly compiled: CompileOutput,
    config: RollupContractConfig,
    /** The contract's ABI: a revert's custom error is its revert code, any other revert UNKNOWN_REVERT. */
    private readonly abi: RevertCodedAbi,
    /** The exit-claim circuit's keys for this tree (its verifier is deployment.tree.exitVerifier). */
    readonly exitClaim: ExitClaimProver,
  ) {
    this.clock = config.clock;
    this.ownsSession = config.session === undefined;
  }

  /** Stops anvil if this instance started it. */
  async stop(): Promise<void> {
    if (this.ownsSession) await this.session.close();
  }

  get address(): Address {
    return this.deployment.rollup;
  }

  // ---- the bridge transactions (the same calldata and events on both contracts) ----

  async deposit(sender: L1Address, publicKey: PublicKey, amount: bigint): Promise<EvmReceipt<DepositEntry>> {
    const input = encodeDeposit(publicKey);
    const sent = await this.send(sender, input, amount);
    const log = parseEventLogs({ abi: BRIDGE_ABI, logs: sent.receipt.logs, eventName: "DepositQueued" })[0];
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
    return this.receipt(sent, input, result);
  }

  async claimWithdrawal(sender: L1Address, batchNumber: number, index: number): Promise<EvmReceipt<WithdrawalEntry>> {
    const input = encodeClaim(batchNumber, index);
    const sent = await this.send(sender, input, 0n);
    const log = parseEventLogs({ abi: BRIDGE_ABI, logs: sent.receipt.logs, eventName: "WithdrawalClaimed" })[0];
    const result: WithdrawalEntry | undefined =
      log === undefined
        ? undefined
        : { batchNumber: Number(log.args.batchNumber), index: Number(log.args.index), recipient: fromAddress(log.args.recipient), amount: log.args.amount };
    return this.receipt(sent, input, result);
  }

  // ---- forced withdrawals and exit mode (RollupBridge.sol, the same on both rollups) ----

  async requestForcedWithdrawal(sender: L1Address, withdraw: Withdraw): Promise<EvmReceipt<ForcedWithdrawalRequest>> {
    const input = encodeRequestForcedWithdrawal(withdraw);
    const sent = await this.send(sender, input, FORCED_REQUEST_BOND);
    const log = parseEventLogs({ abi: BRIDGE_ABI, logs: sent.receipt.logs, eventName: "ForcedWithdrawalRequested" })[0];
    let result: ForcedWithdrawalRequest | undefined;
    if (log !== undefined) {
      const queued = this.queuedFrom(log.args, sent.timestamp);
      this.requestCache.set(queued.id, queued);
      result = await this.requestView(queued.id);
    }
    return this.receipt(sent, input, result);
  }

  async dismissForcedWithdrawal(sender: L1Address, requestId: number, witness: BatchAccountProof): Promise<EvmReceipt<ForcedWithdrawalRequest>> {
    // A request's words come from its event; an id never issued still goes to the L1 (which refuses it
    // NO_REQUEST) with zero words.
    const known = Number.isSafeInteger(requestId) && requestId >= 0 && requestId < Number(await this.bridgeRead("requestCount", []));
    const withdraw: Withdraw = known
      ? (await this.queuedRequest(requestId)).withdraw
      : { kind: "withdraw", from: 0, recipient: 0n, amount: 0n, nonce: 0n, signature: { r8x: 0n, r8y: 0n, s: 0n } };
    const input = encodeDismissForcedWithdrawal(requestId, withdraw, witness);
    const sent = await this.send(sender, input, 0n);
    return this.receipt(sent, input, sent.receipt.status === "success" ? await this.requestView(requestId) : undefined);
  }

  /** Pays a served request's bond (or a pending one's, in exit mode) to its recipient, once. */
  async releaseBond(sender: L1Address, requestId: number): Promise<EvmReceipt<bigint>> {
    const input = encodeReleaseBond(requestId);
    const sent = await this.send(sender, input, 0n);
    return this.receipt(sent, input, sent.receipt.status === "success" ? FORCED_REQUEST_BOND : undefined);
  }

  async activateExitMode(sender: L1Address, requestId: number): Promise<EvmReceipt<ExitMode>> {
    const input = encodeActivateExitMode(requestId);
    const sent = await this.send(sender, input, 0n);
    return this.receipt(sent, input, sent.receipt.status === "success" ? await this.exitMode() : undefined);
  }

  /**
   * Proves `claim` under the exit root, then sends it. A claim with no proof there (not in exit mode,
   * another balance, a path or signature that is not the account's) is refused before any transaction.
   */
  async claimExit(sender: L1Address, claim: ExitClaim): Promise<EvmReceipt<bigint>> {
    return this.submitExitClaim(sender, await this.proveExitClaim(claim));
  }

  /** The Groth16 proof of `claim` under the exit root (or `root`): ≈ 1 s of snarkjs on this circuit. */
  async proveExitClaim(claim: ExitClaim, root?: bigint): Promise<ProvenExitClaim> {
    let under = root;
    if (under === undefined) {
      const mode = await this.exitMode();
      if (mode === undefined) throw new EvmError("BAD_ARGUMENT", "the rollup is not in exit mode: no exit root to prove a claim under");
      under = mode.root;
    }
    return proveExitClaim(this.exitClaim.keys, claim, under, this.rollupId);
  }

  /** Sends a proven claim as it is (tests send altered ones: the L1 must refuse them). */
  async submitExitClaim(sender: L1Address, claim: ProvenExitClaim): Promise<EvmReceipt<bigint>> {
    const input = encodeClaimExit(claim);
    const sent = await this.send(sender, input, 0n);
    const log = parseEventLogs({ abi: BRIDGE_ABI, logs: sent.receipt.logs, eventName: "ExitClaimed" })[0];
    return this.receipt(sent, input, log?.args.amount);
  }

  async refundDeposit(sender: L1Address, queueIndex: number): Promise<EvmReceipt<bigint>> {
    const input = encodeRefundDeposit(queueIndex);
    const sent = await this.send(sender, input, 0n);
    const log = parseEventLogs({ abi: BRIDGE_ABI, logs: sent.receipt.logs, eventName: "DepositRefunded" })[0];
    return this.receipt(sent, input, log?.args.amount);
  }

  async forcedRequests(): Promise<readonly ForcedWithdrawalRequest[]> {
    const count = Number(await this.bridgeRead("requestCount", []));
    const out: ForcedWithdrawalRequest[] = [];
    for (let id = 0; id < count; id++) out.push(await this.requestView(id));
    return out;
  }

  /**
   * Exit mode as it stands. claimsOpen is judged by the client's own finality (the clock's time for the
   * optimistic rollup), as every other view here.
   */
  async exitMode(): Promise<ExitMode | undefined> {
    const [active, activatedAt, requestId, activatedAtBatch, batchNumber, root] = await this.bridgeRead("exitMode", []);
    if (!active) return undefined;
    const n = Number(batchNumber);
    return {
      activatedAt: Number(activatedAt),
      requestId: Number(requestId),
      activatedAtBatch: Number(activatedAtBatch),
      batchNumber: n,
      root,
      claimsOpen: n === 0 || (await this.forcedFinal(n)),
    };
  }

  async lastFinalBatch(): Promise<number> {
    for (let n = await this.latestLiveBatch(); n > 0; n--) if (await this.forcedFinal(n)) return n;
    return 0;
  }

  async isExitClaimed(index: number): Promise<boolean> {
    return this.bridgeRead("exitClaimed", [BigInt(index)]);
  }

  async isRefunded(queueIndex: number): Promise<boolean> {
    const [, refunded] = await this.bridgeRead("depositSender", [BigInt(queueIndex)]);
    return refunded;
  }

  /** The rollup's batches as the forced exit sees them: the latest live one, and whether n is live and final. */
  protected abstract latestLiveBatch(): Promise<number>;

  /** Live and unable to be rolled back (zk: accepted; optimistic: final by the clock). */
  protected abstract forcedFinal(batchNumber: number): Promise<boolean>;
  protected abstract forcedLive(batchNumber: number): Promise<boolean>;

  private async requestView(id: number): Promise<ForcedWithdrawalRequest> {
    const base = await this.queuedRequest(id);
    const [code, carrierBatch, carrierIndex] = await this.bridgeRead("requestStatus", [BigInt(id)]);
    if (REQUEST_STATUSES[Number(code)] === "dismissed") {
      const found = await this.emitted(eventAbi(BRIDGE_ABI, "ForcedWithdrawalDismissed"), { id: BigInt(id) });
      if (found === undefined) throw new EvmError("RPC_FAILED", `forced withdrawal ${id} is dismissed but has no ForcedWithdrawalDismissed event`);
      const block = await this.session.public.getBlock({ blockNumber: found.log.blockNumber });
      const reason = DISMISS_REASONS[Number(found.log.args.reason ?? -1n)];
      if (reason === undefined) throw new EvmError("RPC_FAILED", `forced withdrawal ${id}: unknown dismissal reason`);
      return { ...base, status: "dismissed", dismissedAt: Number(block.timestamp), dismissReason: reason };
    }
    // The contract's status is judged at the last block's time; the client judges finality by its own.
    const n = Number(carrierBatch);
    if (n === 0 || !(await this.forcedLive(n))) return { ...base, status: "pending" };
    const carrier: Carrier = { batchNumber: n, withdrawalIndex: Number(carrierIndex) };
    return (await this.forcedFinal(n)) ? { ...base, status: "served", servedIn: carrier } : { ...base, status: "included", includedIn: carrier };
  }

  private async queuedRequest(id: number): Promise<QueuedRequest> {
    const cached = this.requestCache.get(id);
    if (cached !== undefined) return cached;
    const found = await this.emitted(eventAbi(BRIDGE_ABI, "ForcedWithdrawalRequested"), { id: BigInt(id) });
    if (found === undefined) throw new EvmError("RPC_FAILED", `forced withdrawal ${id} has no ForcedWithdrawalRequested event`);
    const block = await this.session.public.getBlock({ blockNumber: found.log.blockNumber });
    const args = found.log.args;
    if (args.id === undefined || args.from === undefined || args.requester === undefined || args.recipient === undefined || args.amount === undefined) {
      throw new EvmError("RPC_FAILED", `forced withdrawal ${id}: its event is incomplete`);
    }
    const queued = this.queuedFrom(
      {
        id: args.id,
        from: args.from,
        requester: args.requester,
        recipient: args.recipient,
        amount: args.amount,
        nonce: args.nonce ?? 0n,
        signature: args.signature ?? [0n, 0n, 0n],
        atBatch: args.atBatch ?? 0n,
        deadline: args.deadline ?? 0n,
      },
      Number(block.timestamp),
    );
    this.requestCache.set(id, queued);
    return queued;
  }

  private queuedFrom(
    a: {
      id: bigint;
      from: bigint;
      requester: Address;
      recipient: Address;
      amount: bigint;
      nonce: bigint;
      signature: readonly [bigint, bigint, bigint];
      atBatch: bigint;
      deadline: bigint;
    },
    requestedAt: number,
  ): QueuedRequest {
    const withdraw: Withdraw = {
      kind: "withdraw",
      from: Number(a.from),
      recipient: fromAddress(a.recipient),
      amount: a.amount,
      nonce: a.nonce,
      signature: { r8x: a.signature[0], r8y: a.signature[1], s: a.signature[2] },
    };
    return {
      id: Number(a.id),
      requester: fromAddress(a.requester),
      withdraw,
      atBatch: Number(a.atBatch),
      requestedAt,
      deadline: Number(a.deadline),
    };
  }

  private async bridgeRead<F extends BridgeReadName>(functionName: F, args: BridgeReadArgs<F>): Promise<BridgeReadResult<F>> {
    const result: unknown = await this.session.public.readContract({ address: this.address, abi: BRIDGE_ABI, functionName, args } as Parameters<
      EvmSession["public"]["readContract"]
    >[0]);
    return result as BridgeReadResult<F>;
  }

  // ---- the ledger ----

  async balanceOf(address: L1Address): Promise<bigint> {
    return this.session.balanceOf(address);
  }

  async fund(address: L1Address, amount: bigint): Promise<void> {
    await this.session.setBalance(address, (await this.session.balanceOf(address)) + amount);
  }

  // ---- for the subclasses ----

  /** Sends calldata to the rollup, mined at the clock's current slot timestamp when there is a clock. */
  protected async send(from: L1Address, input: Uint8Array, value: bigint): Promise<SentTransaction> {
    if (this.clock !== undefined) await this.session.atClockSlot(this.clock);
    return this.session.send({ from, to: this.address, data: bytesToHex(input), value });
  }

  protected receipt<T>(sent: SentTransaction, input: Uint8Array, result: T | undefined): EvmReceipt<T> {
    const calldata = calldataCost(input);
    const gasUsed = Number(sent.receipt.gasUsed);
    const success = sent.receipt.status === "success";
    return {
      status: success ? "success" : "reverted",
      revertReason: success ? null : this.revertCode(sent.revertData),
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

  /** The first log of `event` with these indexed arguments and the transaction that emitted it (L1 data alone). */
  protected async emitted<const E extends AbiEvent>(event: E, args: GetLogsParameters<E>["args"]) {
    const logs = await this.session.public.getLogs({ address: this.address, event, args, fromBlock: 0n, toBlock: "latest" });
    const log = logs[0];
    if (log === undefined || log.transactionHash === null || log.blockNumber === null) return undefined;
    return { log, tx: await this.session.public.getTransaction({ hash: log.transactionHash }) };
  }

  /** Queue entries [from, to): from the cache, else from their DepositQueued events and transactions. */
  protected async depositsIn(from: number, to: number): Promise<DepositEntry[]> {
    const out: DepositEntry[] = [];
    for (let i = from; i < to; i++) {
      let entry = this.depositCache.get(i);
      if (entry === undefined) {
        const found = await this.emitted(eventAbi(BRIDGE_ABI, "DepositQueued"), { index: BigInt(i) });
        if (found === undefined) throw new EvmError("RPC_FAILED", `deposit ${i} has no DepositQueued event`);
        const { log, tx } = found;
        entry = {
          index: i,
          sender: fromAddress(tx.from),
          publicKey: { x: log.args.x ?? 0n, y: log.args.y ?? 0n },
          amount: log.args.amount ?? 0n,
          blockNumber: Number(log.blockNumber),
          timestamp: Number(log.args.timestamp ?? 0n),
        };
        this.depositCache.set(i, entry);
      }
      out.push(entry);
    }
    return out;
  }

  private revertCode(data: Hex | undefined): ZkL1RevertCode {
    const name = revertName(this.abi, data);
    const error = this.abi.find((item) => item.type === "error" && item.name === name);
    return error?.type === "error" ? error.name : "UNKNOWN_REVERT";
  }
}

type BridgeReadName = "requestCount" | "requestStatus" | "exitMode" | "exitClaimed" | "depositSender";
type BridgeReadArgs<F extends BridgeReadName> = F extends "requestCount" | "exitMode" ? [] : [bigint];
type BridgeReadResult<F extends BridgeReadName> = F extends "requestCount"
  ? bigint
  : F extends "requestStatus"
      ? readonly [bigint, bigint, bigint]
      : F extends "exitMode"
        ? readonly [boolean, bigint, bigint, bigint, bigint, bigint, boolean]
        : F extends "exitClaimed"
          ? boolean
          : readonly [Address, boolean];

/** The event `name` of `abi`, as getLogs wants it. */
export function eventAbi<const A extends Abi, N extends string>(abi: A, name: N): Extract<A[number], { type: "event"; name: N }> {
  const found = abi.find((item): item is Extract<A[number], { type: "event"; name: N }> => item.type === "event" && item.name === name);
  if (found === undefined) throw new EvmError("BAD_CONFIG", `no event ${name} in the ABI`);
  return found;
}

export function bytesToHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes).toString("hex")}`;
}

export function hexToBytes(hex: Hex): Uint8Array {
  return new Uint8Array(Buffer.from(hex.slice(2), "hex"));
}
