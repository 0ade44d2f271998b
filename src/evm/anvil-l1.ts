/**
 * The zk rollup on a real EVM: contracts/ZkRollup.sol with snarkjs's Groth16 verifier for the instance's
 * keys and circomlibjs's Poseidon(3) and Poseidon(6) contracts, deployed on anvil and driven with viem.
 * It offers what the simulated ZkRollupContract offers (the ZkL1 interface); every gas figure is a
 * receipt's gasUsed, measured. Calldata is byte for byte what the simulated L1 is sent (src/l1/calldata.ts).
 */
import { poseidonContract } from "circomlibjs";
import { encodeDeployData, parseAbi, parseEventLogs, type Address, type Hex } from "viem";
import type { PublicKey } from "../crypto/eddsa.ts";
import type { DepositEntry, WithdrawalEntry } from "../l1/bridge.ts";
import { decodeSubmitBatch, encodeClaim, encodeDeposit, encodeSubmitBatch, type SubmitBatchArgs } from "../l1/calldata.ts";
import type { L1Address } from "../l1/chain.ts";
import type { L1Clock } from "../l1/clock.ts";
import { TX_BASE_GAS, calldataCost } from "../l1/gas.ts";
import type { L1RollupData } from "../l1/reconstruct.ts";
import type { AcceptedBatch } from "../l1/zk-rollup.ts";
import { batchInputHash } from "../state/batch.ts";
import { extendL1Chain, type L1Message } from "../state/transition.ts";
import type { RecordLayout } from "../tx/layout.ts";
import { KIND_CODE, decodeRecord } from "../tx/operation.ts";
import type { AnvilOptions } from "./anvil.ts";
import { EvmSession, fromAddress, revertName, toAddress, type SentTransaction } from "./client.ts";
import { compileSources, repoSources, requireContract, type CompileOutput } from "./compile.ts";
import { EvmError } from "./errors.ts";
import { VERIFIER_CONTRACT, VERIFIER_SOURCE_NAME, groth16VerifierSource } from "./verifier.ts";
import type { ZkL1, ZkL1Receipt, ZkL1RevertCode } from "./zk-l1.ts";

/** What the TypeScript side calls on ZkRollup.sol (a test checks it against the compiled ABI). */
export const ZK_ROLLUP_ABI = parseAbi([
  "function deposit(uint256 x, uint256 y) payable",
  "function claimWithdrawal(uint256 batchNumber, uint256 index)",
  "function currentRoot() view returns (uint256)",
  "function batchCount() view returns (uint256)",
  "function queueLength() view returns (uint256)",
  "function queueHead() view returns (uint256)",
  "function finalityBlocks() view returns (uint256)",
  "function depositAt(uint256 index) view returns (uint256 x, uint256 y, uint256 amount, uint256 timestamp)",
  "function withdrawalAt(uint256 batchNumber, uint256 index) view returns (address recipient, uint256 amount, uint256 acceptedBlock, bool paid)",
  "event DepositQueued(uint256 indexed index, uint256 x, uint256 y, uint256 amount, uint256 timestamp)",
  "event BatchAccepted(uint256 indexed batchNumber, uint256 oldRoot, uint256 newRoot)",
  "event WithdrawalClaimed(uint256 indexed batchNumber, uint256 index, address indexed recipient, uint256 amount)",
  "error MALFORMED()",
  "error BAD_RECORDS_LENGTH(uint256 expected, uint256 got)",
  "error DEPOSIT_QUEUE_EMPTY(uint256 record)",
  "error DEPOSIT_MISMATCH(uint256 record, uint256 queued, uint256 posted)",
  "error WITHDRAWAL_COUNT()",
  "error INVALID_PROOF()",
  "error BAD_AMOUNT()",
  "error BAD_PUBLIC_KEY()",
  "error NO_WITHDRAWAL()",
  "error NOT_FINAL()",
  "error ALREADY_CLAIMED()",
  "error BRIDGE_INSOLVENT()",
  "error PAYOUT_FAILED()",
]);

const REVERT_CODES: readonly ZkL1RevertCode[] = [
  "MALFORMED",
  "BAD_RECORDS_LENGTH",
  "DEPOSIT_QUEUE_EMPTY",
  "DEPOSIT_MISMATCH",
  "WITHDRAWAL_COUNT",
  "INVALID_PROOF",
  "BAD_AMOUNT",
  "BAD_PUBLIC_KEY",
  "NO_WITHDRAWAL",
  "NOT_FINAL",
  "ALREADY_CLAIMED",
  "BRIDGE_INSOLVENT",
  "PAYOUT_FAILED",
];


export interface AnvilL1Config {
  readonly rollupId: number;
  readonly layout: RecordLayout;
  /** Operations per batch: the circuit's fixed size N. */
  readonly capacity: number;
  readonly genesisRoot: bigint;
  /** The instance's Groth16 keys: the verifier contract is exported from the zkey. */
  readonly keys: { readonly zkey: string; readonly vkey: string };
  /** Blocks after its acceptance block before a batch's withdrawals are payable (default 0). */
  readonly finalityBlocks?: number;
  /** Use this running session (its anvil is not stopped by `stop`); default: start a fresh anvil. */
  readonly session?: EvmSession;
  readonly anvil?: AnvilOptions;
  /**
   * Mine each transaction at the clock's current slot timestamp (a driver that runs the simulated L1's
   * clock, like the demo, then sees the same times on both L1s); anvil is then started with genesis
   * timestamp 0. Without it anvil's own clock is used. Block numbers stay anvil's (one block per
   * transaction), so `finalityBlocks` counts anvil blocks, not clock slots.
   */
  readonly clock?: L1Clock;
  readonly log?: (message: string) => void;
}

/** Gas of each deployment transaction, measured. */
export interface DeploymentGas {
  readonly verifier: number;
  readonly poseidon3: number;
  readonly poseidon6: number;
  readonly rollup: number;
}

export interface AnvilDeployment {
  readonly rollup: Address;
  readonly verifier: Address;
  readonly poseidon3: Address;
  readonly poseidon6: Address;
  readonly gas: DeploymentGas;
  readonly solcVersion: string;
  readonly hardfork: string;
  readonly anvilVersion: string;
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

/** Deployer of the contracts (impersonated by anvil; needs no balance at zero gas price). */
const DEPLOYER: L1Address = 0xdeadn << 140n;

/** The ZkRollup, verifier and Poseidon contracts compiled for these keys (cached in build/evm/). */
export async function compileRollupContracts(keys: { zkey: string; vkey: string }, log?: (m: string) => void): Promise<CompileOutput> {
  const verifier = await groth16VerifierSource(keys);
  return compileSources({ ...repoSources(), [VERIFIER_SOURCE_NAME]: verifier }, log === undefined ? {} : { log });
}

export class AnvilL1 implements ZkL1 {
  readonly kind = "anvil";
  readonly rollupId: number;
  readonly layout: RecordLayout;
  readonly capacity: number;
  readonly genesisRoot: bigint;
  readonly finalityBlocks: number;
  private readonly clock: L1Clock | undefined;
  private readonly ownsSession: boolean;
  private readonly depositCache = new Map<number, DepositEntry>();
  private readonly batchCache = new Map<number, AcceptedBatch>();

  private constructor(
    readonly session: EvmSession,
    readonly deployment: AnvilDeployment,
    readonly compiled: CompileOutput,
    config: AnvilL1Config,
  ) {
    this.rollupId = config.rollupId;
    this.layout = config.layout;
    this.capacity = config.capacity;
    this.genesisRoot = config.genesisRoot;
    this.finalityBlocks = config.finalityBlocks ?? 0;
    this.clock = config.clock;
    this.ownsSession = config.session === undefined;
  }

  /** Compiles (cached), starts anvil unless a session is given, and deploys the four contracts. */
  static async start(config: AnvilL1Config): Promise<AnvilL1> {
    const { rollupId, capacity, genesisRoot, layout } = config;
    const finalityBlocks = config.finalityBlocks ?? 0;
    if (!Number.isSafeInteger(rollupId) || rollupId < 0) throw new EvmError("BAD_CONFIG", "rollupId must be a non-negative integer");
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new EvmError("BAD_CONFIG", "capacity must be a positive integer");
    if (!Number.isSafeInteger(finalityBlocks) || finalityBlocks < 0) throw new EvmError("BAD_CONFIG", "finalityBlocks must be ≥ 0");
    const compiled = await compileRollupContracts(config.keys, config.log);
    // With a clock, anvil's genesis is the clock's (timestamp 0) so every block can take the clock's time.
    const anvilOptions = config.clock === undefined ? (config.anvil ?? {}) : { genesisTimestamp: 0, ...config.anvil };
    const session = config.session ?? (await EvmSession.start(anvilOptions));
    try {
      const deployment = await deployRollup(session, compiled, { rollupId, capacity, genesisRoot, layout, finalityBlocks });
      config.log?.(
        `anvil ${session.node.url} (${deployment.hardfork}): ZkRollup at ${deployment.rollup}, verifier ${fmtGas(deployment.gas.verifier)} gas to deploy`,
      );
      return new AnvilL1(session, deployment, compiled, config);
    } catch (e) {
      if (config.session === undefined) await session.close();
      throw e;
    }
  }

  /** Stops anvil if this AnvilL1 started it. */
  async stop(): Promise<void> {
    if (this.ownsSession) await this.session.close();
  }

  get address(): Address {
    return this.deployment.rollup;
  }

  // ---- transactions ----

  async deposit(sender: L1Address, publicKey: PublicKey, amount: bigint): Promise<AnvilReceipt<DepositEntry>> {
    const input = encodeDeposit(publicKey);
    const sent = await this.send(sender, input, amount);
    const log = parseEventLogs({ abi: ZK_ROLLUP_ABI, logs: sent.receipt.logs, eventName: "DepositQueued" })[0];
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

  async submitBatch(sender: L1Address, args: SubmitBatchArgs): Promise<AnvilReceipt<AcceptedBatch>> {
    const input = encodeSubmitBatch(args);
    const sent = await this.send(sender, input, 0n);
    const log = parseEventLogs({ abi: ZK_ROLLUP_ABI, logs: sent.receipt.logs, eventName: "BatchAccepted" })[0];
    const result =
      log === undefined
        ? undefined
        : await this.acceptedBatch(Number(log.args.batchNumber), log.args.oldRoot, log.args.newRoot, input, sent);
    if (result !== undefined) this.batchCache.set(result.number, result);
    return this.receipt(sent, input, result);
  }

  async claimWithdrawal(sender: L1Address, batchNumber: number, index: number): Promise<AnvilReceipt<WithdrawalEntry>> {
    const input = encodeClaim(batchNumber, index);
    const sent = await this.send(sender, input, 0n);
    const log = parseEventLogs({ abi: ZK_ROLLUP_ABI, logs: sent.receipt.logs, eventName: "WithdrawalClaimed" })[0];
    const result: WithdrawalEntry | undefined =
      log === undefined
        ? undefined
        : { batchNumber: Number(log.args.batchNumber), index: Number(log.args.index), recipient: fromAddress(log.args.recipient), amount: log.args.amount };
    return this.receipt(sent, input, result);
  }

  // ---- views ----

  async currentRoot(): Promise<bigint> {
    return this.read("currentRoot");
  }

  async batchCount(): Promise<number> {
    return Number(await this.read("batchCount"));
  }

  async queueHead(): Promise<number> {
    return Number(await this.read("queueHead"));
  }

  async queueLength(): Promise<number> {
    return Number(await this.read("queueLength"));
  }

  async pendingDeposits(): Promise<readonly DepositEntry[]> {
    const [head, length] = await Promise.all([this.queueHead(), this.queueLength()]);
    return this.depositsIn(head, length);
  }

  /** Every deposit ever queued, consumed or not. */
  async depositQueue(): Promise<readonly DepositEntry[]> {
    return this.depositsIn(0, await this.queueLength());
  }

  async batch(number: number): Promise<AcceptedBatch | undefined> {
    const cached = this.batchCache.get(number);
    if (cached !== undefined) return cached;
    if (!Number.isSafeInteger(number) || number < 1) return undefined;
    // From L1 data alone: the BatchAccepted event and its transaction's calldata.
    const logs = await this.session.public.getLogs({
      address: this.address,
      event: eventAbi("BatchAccepted"),
      args: { batchNumber: BigInt(number) },
      fromBlock: 0n,
      toBlock: "latest",
    });
    const log = logs[0];
    if (log === undefined || log.transactionHash === null || log.blockNumber === null) return undefined;
    const tx = await this.session.public.getTransaction({ hash: log.transactionHash });
    const block = await this.session.public.getBlock({ blockNumber: log.blockNumber });
    const input = hexToBytes(tx.input);
    const batch = await this.batchFrom(number, log.args.oldRoot ?? 0n, log.args.newRoot ?? 0n, input, Number(log.blockNumber), Number(block.timestamp));
    this.batchCache.set(number, batch);
    return batch;
  }

  async batches(): Promise<AcceptedBatch[]> {
    const count = await this.batchCount();
    const out: AcceptedBatch[] = [];
    for (let n = 1; n <= count; n++) {
      const b = await this.batch(n);
      if (b !== undefined) out.push(b);
    }
    return out;
  }

  /** Zk finality: accepted, and `finalityBlocks` old by the block a transaction sent now lands in. */
  async isFinal(batchNumber: number): Promise<boolean> {
    const b = await this.batch(batchNumber);
    if (b === undefined) return false;
    return b.blockNumber + this.finalityBlocks <= (await this.session.blockNumber()) + 1;
  }

  async rollupData(): Promise<L1RollupData> {
    const [currentRoot, batches, depositQueue] = await Promise.all([this.currentRoot(), this.batches(), this.depositQueue()]);
    return { rollupId: this.rollupId, layout: this.layout, genesisRoot: this.genesisRoot, currentRoot, batches, depositQueue };
  }

  /** The withdrawal slot as stored: recipient, amount, acceptance block, paid. */
  async withdrawalAt(batchNumber: number, index: number) {
    const [recipient, amount, acceptedBlock, paid] = await this.session.public.readContract({
      address: this.address,
      abi: ZK_ROLLUP_ABI,
      functionName: "withdrawalAt",
      args: [BigInt(batchNumber), BigInt(index)],
    });
    return { recipient: fromAddress(recipient), amount, acceptedBlock: Number(acceptedBlock), paid };
  }

  // ---- the ledger and time ----

  async balanceOf(address: L1Address): Promise<bigint> {
    return this.session.balanceOf(address);
  }

  async fund(address: L1Address, amount: bigint): Promise<void> {
    await this.session.setBalance(address, (await this.session.balanceOf(address)) + amount);
  }

  /** Mines `n` empty blocks (finality tests). */
  async mineBlocks(n: number): Promise<void> {
    await this.session.mine(n);
  }

  // ---- internals ----

  private async read(functionName: "currentRoot" | "batchCount" | "queueHead" | "queueLength"): Promise<bigint> {
    return this.session.public.readContract({ address: this.address, abi: ZK_ROLLUP_ABI, functionName });
  }

  private async send(from: L1Address, input: Uint8Array, value: bigint): Promise<SentTransaction> {
    if (this.clock !== undefined) await this.session.setNextTimestamp(this.clock.slotTimestamp(this.clock.slot));
    return this.session.send({ from, to: this.address, data: bytesToHex(input), value });
  }

  private receipt<T>(sent: SentTransaction, input: Uint8Array, result: T | undefined): AnvilReceipt<T> {
    const calldata = calldataCost(input);
    const gasUsed = Number(sent.receipt.gasUsed);
    const success = sent.receipt.status === "success";
    return {
      status: success ? "success" : "reverted",
      revertReason: success ? null : revertCode(sent.revertData),
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

  private async acceptedBatch(number: number, oldRoot: bigint, newRoot: bigint, input: Uint8Array, sent: SentTransaction): Promise<AcceptedBatch> {
    return this.batchFrom(number, oldRoot, newRoot, input, Number(sent.receipt.blockNumber), sent.timestamp);
  }

  /**
   * An accepted batch from its calldata and event, with the public input recomputed the contract's way
   * (keys from the queue, recipients from calldata): the deposits it consumed are the ones before the
   * queue head right after it.
   */
  private async batchFrom(number: number, oldRoot: bigint, newRoot: bigint, input: Uint8Array, blockNumber: number, timestamp: number): Promise<AcceptedBatch> {
    const call = decodeSubmitBatch(input);
    const { recordBytes } = this.layout;
    const kinds = Array.from({ length: call.records.length / recordBytes }, (_, i) =>
      decodeRecord(call.records.subarray(i * recordBytes, (i + 1) * recordBytes), this.layout).kind,
    );
    const depositCount = kinds.filter((k) => k === KIND_CODE.deposit).length;
    const headAfter = Number(
      await this.session.public.readContract({ address: this.address, abi: ZK_ROLLUP_ABI, functionName: "queueHead", blockNumber: BigInt(blockNumber) }),
    );
    const firstDeposit = headAfter - depositCount;
    const consumed = await this.depositsIn(firstDeposit, headAfter);
    const messages: L1Message[] = [];
    let d = 0;
    let w = 0;
    for (const kind of kinds) {
      if (kind === KIND_CODE.deposit) {
        const e = consumed[d++];
        if (e !== undefined) messages.push({ x: e.publicKey.x, y: e.publicKey.y });
      } else if (kind === KIND_CODE.withdraw) {
        messages.push({ x: call.withdrawalRecipients[w++] ?? 0n, y: 0n });
      }
    }
    const l1Acc = messages.reduce(extendL1Chain, 0n);
    return {
      number,
      oldRoot,
      newRoot,
      records: call.records,
      withdrawalRecipients: call.withdrawalRecipients,
      firstDeposit,
      depositCount,
      l1Acc,
      inputHash: batchInputHash(this.rollupId, oldRoot, newRoot, l1Acc, call.records),
      blockNumber,
      timestamp,
    };
  }

  /** Queue entries [from, to): storage for key and amount, the DepositQueued event for sender and block. */
  private async depositsIn(from: number, to: number): Promise<DepositEntry[]> {
    const out: DepositEntry[] = [];
    for (let i = from; i < to; i++) {
      let entry = this.depositCache.get(i);
      if (entry === undefined) {
        const logs = await this.session.public.getLogs({
          address: this.address,
          event: eventAbi("DepositQueued"),
          args: { index: BigInt(i) },
          fromBlock: 0n,
          toBlock: "latest",
        });
        const log = logs[0];
        if (log === undefined || log.transactionHash === null || log.blockNumber === null) {
          throw new EvmError("RPC_FAILED", `deposit ${i} has no DepositQueued event`);
        }
        const tx = await this.session.public.getTransaction({ hash: log.transactionHash });
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
}

/** Deploys Poseidon(3), Poseidon(6) (circomlibjs bytecode), the verifier and the rollup; gas measured. */
async function deployRollup(
  session: EvmSession,
  compiled: CompileOutput,
  config: { rollupId: number; capacity: number; genesisRoot: bigint; layout: RecordLayout; finalityBlocks: number },
): Promise<AnvilDeployment> {
  const p3 = await session.deploy(DEPLOYER, poseidonCode(3), "Poseidon(3)");
  const p6 = await session.deploy(DEPLOYER, poseidonCode(6), "Poseidon(6)");
  const verifierArtifact = requireContract(compiled, VERIFIER_CONTRACT);
  const verifier = await session.deploy(DEPLOYER, verifierArtifact.bytecode, VERIFIER_CONTRACT);
  const rollupArtifact = requireContract(compiled, "ZkRollup");
  const rollup = await session.deploy(
    DEPLOYER,
    encodeDeployData({
      abi: rollupArtifact.abi,
      bytecode: rollupArtifact.bytecode,
      args: [
        verifier.address,
        p3.address,
        p6.address,
        BigInt(config.rollupId),
        BigInt(config.capacity),
        BigInt(config.layout.indexBits),
        config.genesisRoot,
        BigInt(config.finalityBlocks),
      ],
    }),
    "ZkRollup",
  );
  return {
    rollup: rollup.address,
    verifier: verifier.address,
    poseidon3: p3.address,
    poseidon6: p6.address,
    gas: { verifier: verifier.gasUsed, poseidon3: p3.gasUsed, poseidon6: p6.gasUsed, rollup: rollup.gasUsed },
    solcVersion: compiled.solcVersion,
    hardfork: session.node.hardfork,
    anvilVersion: session.node.version,
  };
}

export function poseidonCode(n: number): Hex {
  const code = poseidonContract.createCode(n);
  if (!/^0x[0-9a-fA-F]*$/.test(code)) throw new EvmError("BAD_CONFIG", `circomlibjs returned no bytecode for Poseidon(${n})`);
  return code as Hex;
}

function revertCode(data: Hex | undefined): ZkL1RevertCode {
  const name = revertName(ZK_ROLLUP_ABI, data);
  return REVERT_CODES.find((c) => c === name) ?? "UNKNOWN_REVERT";
}

function eventAbi<N extends "BatchAccepted" | "DepositQueued">(name: N) {
  const found = ZK_ROLLUP_ABI.find((item): item is Extract<(typeof ZK_ROLLUP_ABI)[number], { type: "event"; name: N }> => item.type === "event" && item.name === name);
  if (found === undefined) throw new EvmError("BAD_CONFIG", `no event ${name} in ZK_ROLLUP_ABI`);
  return found;
}

export function bytesToHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes).toString("hex")}`;
}

export function hexToBytes(hex: Hex): Uint8Array {
  return new Uint8Array(Buffer.from(hex.slice(2), "hex"));
}

function fmtGas(n: number): string {
  return n.toLocaleString("en-US");
}
