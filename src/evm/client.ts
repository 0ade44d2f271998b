/**
 * viem clients for one EVM (in-process EDR or an anvil node: src/evm/edr.ts, anvil.ts), and the one way
 * this project sends a transaction there: from any address (impersonated), with an explicit gas limit (no
 * eth_estimateGas: on the snarkjs verifier it misleads, and a reverting call must still be mined to be
 * measured), at zero gas price (both run with base fee 0, so L1 balances move only by the values sent).
 */
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  decodeErrorResult,
  defineChain,
  getAddress,
  http,
  type Transport,
  type Abi,
  type Address,
  type Hex,
  type PublicClient,
  type TestClient,
  type TransactionReceipt,
  type WalletClient,
} from "viem";
import type { L1Address } from "../l1/address.ts";
import type { L1Clock } from "../l1/clock.ts";
import { MAX_L1_ADDRESS } from "../l1/address.ts";
import { rpc, startAnvil, type AnvilNode, type AnvilOptions } from "./anvil.ts";
import { startInProcessEvm, type EvmBackend, type InProcessOptions } from "./edr.ts";
import { EvmError } from "./errors.ts";

/** Gas limit of every transaction sent: far above any batch here, below EIP-7825's 2^24 cap. */
export const TX_GAS_LIMIT = 16_000_000n;

export const anvilChain = defineChain({
  id: 31337,
  name: "anvil",
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: ["http://127.0.0.1:8545"] } },
});

/** Arguments anvil needs for zero-price gas (see the module comment). */
export const ZERO_FEE_ARGS = ["--base-fee", "0", "--gas-price", "0", "--disable-min-priority-fee"] as const;

export function toAddress(a: L1Address): Address {
  if (a < 0n || a > MAX_L1_ADDRESS) throw new EvmError("BAD_ARGUMENT", `${a} is not a 160-bit L1 address`);
  return getAddress(`0x${a.toString(16).padStart(40, "0")}`);
}

export function fromAddress(a: Address): L1Address {
  return BigInt(a);
}

export interface SentTransaction {
  readonly hash: Hex;
  readonly receipt: TransactionReceipt;
  readonly timestamp: number;
  /** The revert data (an ABI-encoded custom error) of a reverted transaction; "0x" when it had none. */
  readonly revertData: Hex | undefined;
}

/** An anvil node as an EvmBackend (it impersonates every sender already: --auto-impersonate). */
export function anvilBackend(node: AnvilNode, owned: boolean): EvmBackend {
  return {
    kind: "anvil",
    description: `${node.version} at ${node.url}`,
    hardfork: node.hardfork,
    transport: http(node.url, { timeout: 60_000 }),
    request: (method, params) => rpc(node.url, method, params),
    allowSender: async () => undefined,
    get closed() {
      return node.exited;
    },
    close: async () => {
      if (owned) await node.stop();
    },
  };
}

/** One EVM and the clients that talk to it. */
export class EvmSession {
  readonly public: PublicClient;
  readonly wallet: WalletClient;
  // "hardhat" mode: hardhat_* methods, which anvil accepts too (EDR refuses anvil_*).
  readonly test: TestClient<"hardhat">;
  private lastTimestamp = -1;
  /** In-process: the timestamp the next block gets (set by setNextTimestamp), else the last block's. */
  private nextTimestamp: number | undefined;

  private constructor(readonly backend: EvmBackend) {
    const transport: Transport = backend.transport;
    this.public = createPublicClient({ chain: anvilChain, transport, pollingInterval: 20 });
    this.wallet = createWalletClient({ chain: anvilChain, transport });
    this.test = createTestClient({ chain: anvilChain, mode: "hardhat", transport });
  }

  /** A fresh in-process EVM (the default L1). */
  static async inProcess(opts: InProcessOptions = {}): Promise<EvmSession> {
    return new EvmSession(await startInProcessEvm(opts));
  }

  /** Starts a fresh anvil (stopped by `close`). */
  static async start(opts: AnvilOptions = {}): Promise<EvmSession> {
    const node = await startAnvil({ ...opts, args: [...ZERO_FEE_ARGS, ...(opts.args ?? [])] });
    return new EvmSession(anvilBackend(node, true));
  }

  /** Uses a running anvil (started with ZERO_FEE_ARGS); `close` leaves it running. */
  static attach(node: AnvilNode): EvmSession {
    return new EvmSession(anvilBackend(node, false));
  }

  get kind(): EvmBackend["kind"] {
    return this.backend.kind;
  }

  async close(): Promise<void> {
    await this.backend.close();
  }

  /**
   * Mines the next block at `timestamp` unless that is before the last block's (time cannot go back; an
   * equal one is accepted, so several transactions of one slot share its timestamp).
   */
  async setNextTimestamp(timestamp: number): Promise<void> {
    const last = await this.lastBlockTime();
    if (timestamp < last) return;
    if (this.backend.kind === "in-process") this.nextTimestamp = timestamp;
    else await this.test.setNextBlockTimestamp({ timestamp: BigInt(timestamp) });
  }

  /** The next block at the clock's current slot time (as setNextTimestamp). */
  async atClockSlot(clock: L1Clock): Promise<void> {
    await this.setNextTimestamp(clock.slotTimestamp(clock.slot));
  }

  async mine(blocks: number): Promise<void> {
    if (this.backend.kind === "in-process") {
      for (let i = 0; i < blocks; i++) await this.backend.request("evm_mine", [await this.takeNextTimestamp()]);
    } else if (blocks > 0) await this.test.mine({ blocks });
    this.lastTimestamp = -1;
  }

  async blockNumber(): Promise<number> {
    return Number(await this.public.getBlockNumber({ cacheTime: 0 }));
  }

  async setBalance(address: L1Address, wei: bigint): Promise<void> {
    await this.test.setBalance({ address: toAddress(address), value: wei });
  }

  async balanceOf(address: L1Address): Promise<bigint> {
    return this.public.getBalance({ address: toAddress(address) });
  }

  /** Sends and mines one transaction from `from` (impersonated); a revert is returned, not thrown. */
  async send(tx: { from: L1Address; to?: Address; data: Hex; value?: bigint }): Promise<SentTransaction> {
    await this.backend.allowSender(toAddress(tx.from));
    if (this.backend.kind === "in-process") await this.backend.request("evm_setNextBlockTimestamp", [await this.takeNextTimestamp()]);
    const hash = await this.wallet.sendTransaction({
      account: toAddress(tx.from),
      chain: anvilChain,
      ...(tx.to === undefined ? {} : { to: tx.to }),
      data: tx.data,
      value: tx.value ?? 0n,
      gas: TX_GAS_LIMIT,
      maxFeePerGas: 0n,
      maxPriorityFeePerGas: 0n,
    });
    const receipt = await this.public.waitForTransactionReceipt({ hash, pollingInterval: 20 });
    const block = await this.public.getBlock({ blockNumber: receipt.blockNumber });
    this.lastTimestamp = Number(block.timestamp);
    const revertData = receipt.status === "reverted" ? await this.revertData(hash) : undefined;
    return { hash, receipt, timestamp: Number(block.timestamp), revertData };
  }

  /** Deploys creation bytecode (constructor arguments already appended) and returns the address and gas. */
  async deploy(from: L1Address, bytecode: Hex, what: string): Promise<{ address: Address; gasUsed: number }> {
    const sent = await this.send({ from, data: bytecode });
    const address = sent.receipt.contractAddress;
    if (sent.receipt.status !== "success" || address == null) {
      throw new EvmError("RPC_FAILED", `deploying ${what} failed (${sent.receipt.status})`);
    }
    return { address, gasUsed: Number(sent.receipt.gasUsed) };
  }

  private async lastBlockTime(): Promise<number> {
    if (this.lastTimestamp < 0) this.lastTimestamp = Number((await this.public.getBlock({ blockTag: "latest" })).timestamp);
    return this.lastTimestamp;
  }

  /**
   * In-process, every block's time is set explicitly, so the chain is a function of its inputs: the time
   * asked for, else the last block's (time stands still between slots). EDR reads a timestamp of 0 as
   * "unset" and would use the wall clock, so the earliest block time after genesis is 1.
   */
  private async takeNextTimestamp(): Promise<number> {
    const t = Math.max(this.nextTimestamp ?? (await this.lastBlockTime()), 1);
    this.nextTimestamp = undefined;
    return t;
  }

  /** The output of a mined transaction's top call (its revert data when it reverted), from the call tracer. */
  private async revertData(hash: Hex): Promise<Hex> {
    const trace = await this.backend.request<{ output?: Hex; returnValue?: string }>("debug_traceTransaction", [hash, { tracer: "callTracer" }]);
    if (trace.output !== undefined) return trace.output;
    return trace.returnValue !== undefined && trace.returnValue !== "" ? (`0x${trace.returnValue.replace(/^0x/, "")}` as Hex) : "0x";
  }
}

/** The custom error's name in `abi` that revert data encodes, or undefined if it encodes none. */
export function revertName(abi: Abi, data: Hex | undefined): string | undefined {
  if (data === undefined || data.length < 10) return undefined;
  try {
    return decodeErrorResult({ abi, data }).errorName;
  } catch {
    return undefined;
  }
}
