/**
 * A typed client of the node's HTTP API (global fetch): the wallet, the tests and the load script use it.
 * A refusal becomes an ApiError carrying the HTTP status and the stable code.
 */
import type { PublicKey } from "../crypto/eddsa.ts";
import type { DismissReason, ExitClaim, ForcedRequestStatus } from "../l1/forced-exit-types.ts";
import type { L1RollupData } from "../l1/reconstruct.ts";
import type { Account } from "../state/account.ts";
import { COMMITMENTS, type RecordLayout } from "../tx/layout.ts";
import type { SignedOperation, Withdraw } from "../tx/operation.ts";
import {
  accountFromJson,
  addressHex,
  exitClaimToJson,
  hexToBytes,
  operationToJson,
  publicKeyFromJson,
  publicKeyToJson,
  type AccountJson,
  type PublicKeyJson,
} from "./codec.ts";
import type { OperationStatus } from "./node.ts";
import { CodedError } from "../errors.ts";

export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SubmitResult {
  readonly id: string;
  readonly status: OperationStatus;
  readonly duplicate: boolean;
}

export interface OperationJsonView {
  readonly id: string;
  readonly kind: "transfer" | "withdraw";
  readonly from: number;
  readonly status: OperationStatus;
  readonly batch: number | null;
  readonly l1Times: { admitted: number; cut?: number; proven?: number; accepted?: number; final?: number };
}

export interface AccountResponse {
  readonly index: number;
  readonly finalBatch: number;
  readonly root: string;
  readonly arities: number[];
  readonly account: AccountJson | null;
  readonly path: string[];
  readonly pending: AccountJson | null;
}

export interface ReceiptJson<R> {
  readonly status: "success" | "reverted";
  /** The contract's custom error (or PAYOUT_FAILED / UNKNOWN_REVERT). */
  readonly revertReason: string | null;
  readonly block: number;
  readonly timestamp: number;
  readonly gasUsed: number;
  readonly calldataBytes: number;
  readonly result: R | null;
}

export interface BatchJson {
  readonly number: number;
  readonly status: "cut" | "proven" | "accepted" | "final";
  readonly opIds: string[];
  readonly deposits: { queueIndex: number; to: number; publicKey: PublicKeyJson; amount: string }[];
  readonly oldRoot: string;
  readonly newRoot: string;
  readonly inputHash: string;
  readonly records: string;
  readonly withdrawalRecipients: string[];
  readonly counts: { transfers: number; deposits: number; withdrawals: number; noops: number };
  readonly cutAt: number;
  readonly provedAt?: number;
  readonly prove?: { witnessSeconds: number; proveSeconds: number; wallStartMs: number; wallEndMs: number };
  readonly accepted?: { block: number; timestamp: number; gas: number; calldataBytes: number };
  readonly folder?: string;
  readonly final: boolean;
  readonly finalAt: number | null;
  readonly proof: Record<string, unknown> | null;
  readonly publicSignals: string[] | null;
}

export interface HealthJson {
  readonly ok: boolean;
  readonly halted: string | null;
  readonly instance: string;
  readonly capacity: number;
  readonly rollupId: number;
  readonly l1: { now: number; block: number; slotSeconds: number; slotMs: number; finalitySlots: number };
  readonly mempool: { pending: number; durable: number };
  readonly batches: { cut: number; proven: number; accepted: number; final: number; finalRoot: string };
  readonly prover: { busy: boolean; batch: number | null; sinceMs: number | null };
  readonly forced: { pending: number; deadlineSeconds: number; censoring: boolean };
  readonly exitMode: { activatedAt: number; requestId: number; batchNumber: number; root: string } | null;
}

export interface RollupDataJson {
  readonly rollupId: number;
  readonly layout: RecordLayout;
  readonly arities: number[];
  readonly capacity: number;
  readonly genesisRoot: string;
  readonly currentRoot: string;
  readonly l1Time: number;
  readonly batches: { number: number; oldRoot: string; newRoot: string; records: string; withdrawalRecipients: string[]; block: number; timestamp: number; final: boolean }[];
  readonly depositQueue: { queueIndex: number; publicKey: PublicKeyJson; amount: string }[];
}

export interface ForcedRequestJson {
  readonly id: number;
  readonly from: number;
  readonly recipient: string;
  readonly amount: string;
  readonly nonce: string;
  /** The latest batch when it was made. */
  readonly atBatch: number;
  readonly requestedAt: number;
  readonly deadline: number;
  readonly status: ForcedRequestStatus;
  readonly dismissReason: DismissReason | null;
  readonly servedIn: { batchNumber: number; withdrawalIndex: number } | null;
  readonly includedIn: { batchNumber: number; withdrawalIndex: number } | null;
}

export interface WithdrawalJson {
  readonly batch: number;
  readonly index: number;
  readonly recipient: string;
  readonly amount: string;
  readonly final: boolean;
  readonly claimed: boolean;
}

/** How long a request may take, answer included, before the client gives up (NodeClientError TIMEOUT). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** The largest answer read (the L1's rollup data is the largest: every batch's records). */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 2 ** 20;

export type NodeClientErrorCode = "BAD_URL" | "TIMEOUT" | "RESPONSE_TOO_LARGE" | "BAD_RESPONSE";

/** The client's own failures (not the node's refusals, which are ApiError): a bad URL, no answer in time, an answer too large. */
export class NodeClientError extends CodedError<NodeClientErrorCode> {
  override readonly name = "NodeClientError";
}

/**
 * A node's base URL: http: only (the node serves plain HTTP on loopback), any host, no credentials,
 * query or fragment. Returns it without a trailing slash. Throws NodeClientError BAD_URL.
 */
export function parseNodeUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch (e) {
    throw new NodeClientError("BAD_URL", `"${text}" is not a URL (e.g. http://127.0.0.1:8550)`, { cause: e });
  }
  if (url.protocol !== "http:" || !/^http:\/\//i.test(text)) throw new NodeClientError("BAD_URL", `"${text}": the node's URL must start with http://`);
  if (url.hostname === "") throw new NodeClientError("BAD_URL", `"${text}" names no host`);
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
    throw new NodeClientError("BAD_URL", `"${text}": the node's URL takes no credentials, query or fragment`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

export interface NodeClientOptions {
  /** Per request, answer included (default DEFAULT_REQUEST_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /** Default DEFAULT_MAX_RESPONSE_BYTES. */
  readonly maxResponseBytes?: number;
}

export class NodeClient {
  readonly url: string;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;

  constructor(url: string, opts: NodeClientOptions = {}) {
    this.url = parseNodeUrl(url);
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  async request<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const init = (): RequestInit => ({
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      // Covers the connection, the headers and the body: a node that never answers fails the request.
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    let res: Response;
    let text: string;
    try {
      try {
        res = await fetch(`${this.url}${path}`, init());
      } catch (err) {
        // A kept-alive connection the node closed meanwhile: safe to send again when the request is
        // idempotent (reads, and submissions: a resubmitted operation returns its first id).
        if (!(err instanceof TypeError) || !(method === "GET" || path === "/operations")) throw err;
        res = await fetch(`${this.url}${path}`, init());
      }
      text = await readBounded(res, this.maxResponseBytes);
    } catch (err) {
      if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) {
        throw new NodeClientError("TIMEOUT", `the node at ${this.url} did not answer ${method} ${path.split("?")[0] ?? path} within ${this.timeoutMs / 1000} s`, { cause: err });
      }
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(text) as unknown;
    } catch {
      throw new ApiError(res.status, "BAD_RESPONSE", `the node answered ${res.status} with non-JSON`);
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError(res.status, e?.code ?? "UNKNOWN", e?.message ?? `HTTP ${res.status}`);
    }
    return json as T;
  }

  health(): Promise<HealthJson> {
    return this.request("GET", "/health");
  }

  submit(op: SignedOperation): Promise<SubmitResult> {
    return this.request("POST", "/operations", operationToJson(op));
  }

  operation(id: string): Promise<OperationJsonView> {
    return this.request("GET", `/operations/${id}`);
  }

  account(index: number): Promise<AccountResponse> {
    return this.request("GET", `/accounts/${index}`);
  }

  async findAccounts(pk: PublicKey): Promise<number[]> {
    const r = await this.request<{ indices: number[] }>("GET", `/accounts?x=${pk.x}&y=${pk.y}`);
    return r.indices;
  }

  batch(n: number): Promise<BatchJson> {
    return this.request("GET", `/batches/${n}`);
  }

  l1Balance(address: bigint): Promise<{ address: string; balance: string; l1Time: number }> {
    return this.request("GET", `/l1/accounts/${addressHex(address)}`);
  }

  faucet(address: bigint, amount: bigint): Promise<{ balance: string }> {
    return this.request("POST", "/l1/faucet", { address: addressHex(address), amount: amount.toString() });
  }

  deposit(from: bigint, publicKey: PublicKey, amount: bigint): Promise<ReceiptJson<{ queueIndex: number; amount: string }>> {
    return this.request("POST", "/l1/deposits", { from: addressHex(from), publicKey: publicKeyToJson(publicKey), amount: amount.toString() });
  }

  withdrawals(recipient?: bigint): Promise<{ withdrawals: WithdrawalJson[] }> {
    return this.request("GET", `/l1/withdrawals${recipient === undefined ? "" : `?recipient=${addressHex(recipient)}`}`);
  }

  claimWithdrawal(from: bigint, batch: number, index: number): Promise<ReceiptJson<{ recipient: string; amount: string }>> {
    return this.request("POST", "/l1/withdrawals/claim", { from: addressHex(from), batch, index });
  }

  forcedWithdrawals(): Promise<{ deadlineSeconds: number; lastFinalBatch: number; requests: ForcedRequestJson[] }> {
    return this.request("GET", "/l1/forced-withdrawals");
  }

  requestForcedWithdrawal(from: bigint, withdraw: Withdraw): Promise<ReceiptJson<{ requestId: number; deadline: number }>> {
    return this.request("POST", "/l1/forced-withdrawals", { from: addressHex(from), withdraw: operationToJson(withdraw) });
  }

  exitMode(): Promise<{ active: boolean; activatedAt?: number; requestId?: number; batchNumber?: number; root?: string; claimsOpen?: boolean }> {
    return this.request("GET", "/l1/exit-mode");
  }

  activateExitMode(from: bigint, requestId: number): Promise<ReceiptJson<{ batchNumber: number; root: string }>> {
    return this.request("POST", "/l1/exit-mode", { from: addressHex(from), requestId });
  }

  claimExit(from: bigint, claim: ExitClaim): Promise<ReceiptJson<{ amount: string }>> {
    return this.request("POST", "/l1/exit-claims", { from: addressHex(from), ...exitClaimToJson(claim) });
  }

  refundDeposit(from: bigint, queueIndex: number): Promise<ReceiptJson<{ amount: string }>> {
    return this.request("POST", "/l1/deposit-refunds", { from: addressHex(from), queueIndex });
  }

  /** A served request's bond (or a pending one's, in exit mode), paid to its recipient once. */
  releaseBond(from: bigint, requestId: number): Promise<ReceiptJson<{ amount: string }>> {
    return this.request("POST", "/l1/bond-releases", { from: addressHex(from), requestId });
  }

  async rollupData(): Promise<RollupDataJson> {
    const data = await this.request<RollupDataJson>("GET", "/l1/rollup");
    // The layout decides what the wallet signs and how reconstruction hashes: only a known one is used.
    if (!COMMITMENTS.includes(data.layout?.commitment)) throw new NodeClientError("BAD_RESPONSE", `the node's rollup layout names no known commitment (${COMMITMENTS.join(", ")})`);
    return data;
  }
}

/** The L1's rollup data as reconstruction takes it, up to batch `upTo` (default: all). */
export function rollupDataFromJson(j: RollupDataJson, upTo?: number): L1RollupData {
  const batches = j.batches.filter((b) => upTo === undefined || b.number <= upTo);
  const last = batches[batches.length - 1];
  return {
    rollupId: j.rollupId,
    layout: j.layout,
    genesisRoot: BigInt(j.genesisRoot),
    currentRoot: last === undefined ? BigInt(j.genesisRoot) : BigInt(last.newRoot),
    batches: batches.map((b) => ({
      number: b.number,
      newRoot: BigInt(b.newRoot),
      records: hexToBytes(b.records),
      withdrawalRecipients: b.withdrawalRecipients.map((r) => BigInt(r)),
    })),
    depositQueue: j.depositQueue.map((d) => ({ publicKey: publicKeyFromJson(d.publicKey), amount: BigInt(d.amount) })),
  };
}

export function accountOf(j: AccountJson | null): Account | undefined {
  return j === null ? undefined : accountFromJson(j);
}

/** The body of `res` as text, refusing (NodeClientError RESPONSE_TOO_LARGE) past `max` bytes. */
async function readBounded(res: Response, max: number): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  const tooLarge = () => new NodeClientError("RESPONSE_TOO_LARGE", `the node's answer is larger than ${max} bytes`);
  if (declared > max) {
    await res.body?.cancel();
    throw tooLarge();
  }
  if (res.body === null) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
