/**
 * What the two rollups on anvil (AnvilL1, the zk rollup; AnvilOptimisticL1, the optimistic one) share:
 * the anvil session they start and stop, sending a transaction at the L1Clock's time and reporting it as
 * a receipt with its calldata cost and decoded revert code, the bridge half both contracts have alike
 * (deposit queue, withdrawal claims) and the L1 ledger. Each subclass adds its own ABI, deployment and
 * rollup logic.
 */
import { parseAbi, parseEventLogs, type Abi, type AbiEvent, type Address, type GetLogsParameters, type Hex } from "viem";
import type { PublicKey } from "../crypto/eddsa.ts";
import type { DepositEntry, WithdrawalEntry } from "../l1/bridge.ts";
import { encodeClaim, encodeDeposit } from "../l1/calldata.ts";
import type { L1Address } from "../l1/chain.ts";
import type { L1Clock } from "../l1/clock.ts";
import { TX_BASE_GAS, calldataCost } from "../l1/gas.ts";
import type { AnvilOptions } from "./anvil.ts";
import { EvmSession, fromAddress, revertName, type SentTransaction } from "./client.ts";
import type { CompileOutput } from "./compile.ts";
import { EvmError } from "./errors.ts";
import type { ZkL1Receipt, ZkL1RevertCode } from "./zk-l1.ts";

/**
 * The bridge half ZkRollup.sol and OptimisticRollup.sol have alike (deposit queue, withdrawal claims): the
 * same signatures in both, so each contract's ABI starts with these.
 */
export const BRIDGE_SIGNATURES = [
  "function depositAt(uint256 index) view returns (uint256 x, uint256 y, uint256 amount, uint256 timestamp)",
  "event DepositQueued(uint256 indexed index, uint256 x, uint256 y, uint256 amount, uint256 timestamp)",
  "event WithdrawalClaimed(uint256 indexed batchNumber, uint256 index, address indexed recipient, uint256 amount)",
  "error BAD_AMOUNT()",
  "error BAD_PUBLIC_KEY()",
  "error BRIDGE_FULL()",
  "error TREE_FULL()",
  "error NO_WITHDRAWAL()",
  "error NOT_FINAL()",
  "error ALREADY_CLAIMED()",
  "error BRIDGE_INSOLVENT()",
  "error PAYOUT_FAILED()",
] as const;

const BRIDGE_ABI = parseAbi(BRIDGE_SIGNATURES);

type AbiItem = Abi[number];
/** An ABI whose custom errors all have a revert code's name (checked when a subclass passes its ABI). */
export type RevertCodedAbi = readonly (Exclude<AbiItem, { type: "error" }> | (Extract<AbiItem, { type: "error" }> & { readonly name: ZkL1RevertCode }))[];

/** How either rollup on anvil gets its node and its time. */
export interface AnvilContractConfig {
  /** Use this running session (its anvil is not stopped by `stop`); default: start a fresh anvil. */
  readonly session?: EvmSession;
  readonly anvil?: AnvilOptions;
  /**
   * Mine each transaction at the clock's current slot timestamp (a driver that runs the simulated L1's
   * clock, like the demo, then sees the same times on both L1s); a fresh anvil is then started with genesis
   * timestamp 0, and a given session must be too. Without it anvil's own clock is used.
   */
  readonly clock?: L1Clock;
  readonly log?: (message: string) => void;
}

/** An anvil receipt: the ZkL1 fields plus the transaction hash and the split of its measured gas. */
export interface AnvilReceipt<T> extends ZkL1Receipt<T> {
  readonly txHash: Hex;
  /** The exact calldata sent. */
  readonly input: Uint8Array;
  /** 21,000 + EIP-2028 calldata gas: what the transaction pays before any opcode runs. */
  readonly intrinsicGas: number;
  /** gasUsed − intrinsicGas: what the contract's code (and the calls it makes) used. */
  readonly executionGas: number;
}

/**
 * Starts anvil unless `config` gives a session, and runs `deploy` on it; an anvil started here is stopped
 * again if that fails, so a failed start leaves no process behind.
 */
export async function onAnvil<T>(config: AnvilContractConfig, deploy: (session: EvmSession) => Promise<T>): Promise<T> {
  // With a clock, anvil's genesis is the clock's (timestamp 0) so every block can take the clock's time.
  const anvilOptions = config.clock === undefined ? (config.anvil ?? {}) : { genesisTimestamp: 0, ...config.anvil };
  const session = config.session ?? (await EvmSession.start(anvilOptions));
  try {
    return await deploy(session);
  } catch (e) {
    if (config.session === undefined) await session.close();
    throw e;
  }
}

/** A rollup contract deployed on anvil (`deployment.rollup`), driven through one session. */
export abstract class AnvilContract<D extends { readonly rollup: Address }> {
  readonly kind = "anvil";
  protected readonly clock: L1Clock | undefined;
  private readonly ownsSession: boolean;
  /** Queue entries never change once queued (a rollback moves the queue head, not the entries). */
  private readonly depositCache = new Map<number, DepositEntry>();

  protected constructor(
    readonly session: EvmSession,
    readonly deployment: D,
    readonly compiled: CompileOutput,
    config: AnvilContractConfig,
    /** The contract's ABI: a revert's custom error is its revert code, any other revert UNKNOWN_REVERT. */
    private readonly abi: RevertCodedAbi,
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

  async deposit(sender: L1Address, publicKey: PublicKey, amount: bigint): Promise<AnvilReceipt<DepositEntry>> {
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

  async claimWithdrawal(sender: L1Address, batchNumber: number, index: number): Promise<AnvilReceipt<WithdrawalEntry>> {
    const input = encodeClaim(batchNumber, index);
    const sent = await this.send(sender, input, 0n);
    const log = parseEventLogs({ abi: BRIDGE_ABI, logs: sent.receipt.logs, eventName: "WithdrawalClaimed" })[0];
    const result: WithdrawalEntry | undefined =
      log === undefined
        ? undefined
        : { batchNumber: Number(log.args.batchNumber), index: Number(log.args.index), recipient: fromAddress(log.args.recipient), amount: log.args.amount };
    return this.receipt(sent, input, result);
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
    if (this.clock !== undefined) await this.session.setNextTimestamp(this.clock.slotTimestamp(this.clock.slot));
    return this.session.send({ from, to: this.address, data: bytesToHex(input), value });
  }

  protected receipt<T>(sent: SentTransaction, input: Uint8Array, result: T | undefined): AnvilReceipt<T> {
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
