/**
 * The in-process EVM: Hardhat's runtime EDR (npm @nomicfoundation/edr, Rust, Node-API) as an EIP-1193
 * provider, so the same viem clients drive it and anvil. Chosen by measurement (issue 12's note): on
 * Prague it charges the same gas as anvil for every item measured (Groth16 verifyProof 214,594; EdDSA
 * verify 266,018; the EIP-7623 calldata floor), takes 4–5 ms of CPU for a verifyProof transaction
 * (anvil over HTTP 20 ms, @ethereumjs/vm 63–123 ms), runs offline on Node 20 and takes evm_* clock calls.
 *
 * Settings mirror anvil's as this project starts it (src/evm/anvil.ts): base fee and gas price 0, blocks
 * may share a timestamp, a reverted transaction is mined and returned (not thrown), every sender may send
 * (impersonated on first use). EDR allows one context per process, created on first use.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { EIP1193RequestFn, Transport } from "viem";
import { custom } from "viem";
import { EvmError } from "./errors.ts";

export const EDR_PACKAGE = "@nomicfoundation/edr";

/** What the session needs from an EVM, whichever runs it. */
export interface EvmBackend {
  readonly kind: "in-process" | "anvil";
  /** "EDR 0.13.0 (in-process)" or "anvil 1.7.1 at http://127.0.0.1:PORT". */
  readonly description: string;
  readonly hardfork: string;
  readonly transport: Transport;
  /** One JSON-RPC call; an error response throws. */
  request<T>(method: string, params: readonly unknown[]): Promise<T>;
  /** Lets `from` send transactions (anvil: --auto-impersonate already does). */
  allowSender(from: string): Promise<void>;
  readonly closed: boolean;
  close(): Promise<void>;
}

export interface InProcessOptions {
  /** Genesis block timestamp, s (default 0: the L1 clock's origin). */
  readonly genesisTimestamp?: number;
  /** Block gas limit (default 36,000,000, today's mainnet). */
  readonly blockGasLimit?: bigint;
}

type Edr = typeof import("@nomicfoundation/edr");
let edrModule: Edr | undefined;
let context: InstanceType<Edr["EdrContext"]> | undefined;
let registered: Promise<void> | undefined;

function edr(): Edr {
  if (edrModule === undefined) {
    try {
      edrModule = createRequire(import.meta.url)(EDR_PACKAGE) as Edr;
    } catch (e) {
      throw new EvmError("EVM_NOT_INSTALLED", `${EDR_PACKAGE} cannot be loaded on ${process.platform}/${process.arch} (${(e as Error).message.split("\n")[0]}): run npm ci, or use --l1 anvil`);
    }
  }
  return edrModule;
}

/** The installed EDR's version (its package.json is not exported: read it beside the resolved entry). */
export function edrVersion(): string {
  const req = createRequire(import.meta.url);
  const pkg = JSON.parse(readFileSync(join(dirname(req.resolve(EDR_PACKAGE)), "package.json"), "utf8")) as { version?: string };
  return pkg.version ?? "?";
}

/** A fresh in-process chain (its own state; several may live in one process). */
export async function startInProcessEvm(opts: InProcessOptions = {}): Promise<EvmBackend> {
  const m = edr();
  context ??= new m.EdrContext();
  registered ??= context.registerProviderFactory(m.L1_CHAIN_TYPE, m.l1ProviderFactory());
  await registered;
  const hardfork = m.PRAGUE;
  const blockGasLimit = opts.blockGasLimit ?? 36_000_000n;
  const provider = await context.createProvider(
    m.L1_CHAIN_TYPE,
    {
      allowBlocksWithSameTimestamp: true,
      allowUnlimitedContractSize: false,
      bailOnCallFailure: true,
      bailOnTransactionFailure: false,
      chainId: 31337n,
      coinbase: new Uint8Array(20),
      defaultTransactionGasLimit: 16_000_000n,
      genesisState: m.l1GenesisState(m.l1HardforkFromString(hardfork)),
      hardfork,
      initialBaseFeePerGas: 0n,
      minGasPrice: 0n,
      mining: { autoMine: true, blockGasLimit, memPool: { order: m.MineOrdering.Fifo } },
      network: { genesisBlockGasLimit: blockGasLimit, genesisBlockTime: BigInt(opts.genesisTimestamp ?? 0) },
      networkId: 31337n,
      observability: {},
      ownedAccounts: [],
      precompileOverrides: [],
    },
    { enable: false, decodeConsoleLogInputsCallback: () => [], printLineCallback: () => undefined },
    { subscriptionCallback: () => undefined },
    new m.ContractDecoder(),
  );

  let closed = false;
  let nextId = 1;
  const impersonated = new Set<string>();
  const request = async <T>(method: string, params: readonly unknown[]): Promise<T> => {
    if (closed) throw new EvmError("RPC_FAILED", `the in-process EVM is closed (${method})`);
    const response = await provider.handleRequest(JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }, (_k, v: unknown) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v)));
    const body = (typeof response.data === "string" ? JSON.parse(response.data) : response.data) as { result?: T; error?: { code: number; message: string; data?: unknown } };
    if (body.error !== undefined) throw new RpcError(body.error.message, body.error.code, body.error.data);
    return body.result as T;
  };
  const eip1193: EIP1193RequestFn = (async ({ method, params }: { method: string; params?: unknown }) =>
    request(method, (params ?? []) as readonly unknown[])) as EIP1193RequestFn;
  return {
    kind: "in-process",
    description: `EDR ${edrVersion()} (in-process)`,
    hardfork: hardfork.toLowerCase(),
    transport: custom({ request: eip1193 }, { retryCount: 0 }),
    request,
    async allowSender(from: string) {
      const key = from.toLowerCase();
      if (impersonated.has(key)) return;
      await request("hardhat_impersonateAccount", [from]);
      impersonated.add(key);
    },
    get closed() {
      return closed;
    },
    async close() {
      closed = true;
    },
  };
}

/** A JSON-RPC error response, with its code and data (a revert's data for viem to decode). */
export class RpcError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly data: unknown,
  ) {
    super(message);
  }
}
