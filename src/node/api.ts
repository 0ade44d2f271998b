/**
 * The node's HTTP JSON API (node:http, 127.0.0.1 only). docs/node-api.md documents every route and code.
 *
 * Every request body is bounded (BODY_TOO_LARGE before it is read past the limit), must be JSON
 * (UNSUPPORTED_MEDIA_TYPE, MALFORMED_JSON) and must match its schema exactly (INVALID_REQUEST, naming
 * the field); only then does the node act. A refusal changes nothing. Rule violations come back with the
 * reference model's RollupError code (422); the /l1/ routes stand for an L1 RPC endpoint of the node's L1
 * (ZkRollup.sol in the in-process EVM) and answer with the mined receipt (a reverted transaction is still
 * mined: status "reverted", with the contract's custom error as its code; gasUsed is the receipt's).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { L1Error } from "../l1/errors.ts";
import { EvmError } from "../evm/errors.ts";
import { RollupError } from "../state/errors.ts";
import { accountSchema, addressHex, accountToJson, bytesToHex, indexSchema, operationSchema, publicKeySchema, publicKeyToJson, signatureSchema } from "./codec.ts";
import { HTTP_STATUS, NodeError, type NodeErrorCode } from "./errors.ts";
import { withdrawalsOf, type L1Receipt } from "./l1-host.ts";
import { listenLoopback } from "../web/http.ts";
import { serveNodeWeb } from "../web/node-web.ts";
import type { RollupNode } from "./node.ts";
import { array, decimal, fieldElement, integer, l1Address, object, parse, uint64, type Schema } from "./schema.ts";

export interface ApiOptions {
  /** 0: a free port. */
  readonly port: number;
  readonly maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
const MAX_FAUCET = 10n ** 30n;
const MAX_PATH = 64;

type Handler = (ctx: { node: RollupNode; params: string[]; query: URLSearchParams; body: () => Promise<unknown> }) => Promise<Reply>;
interface Reply {
  readonly status: number;
  readonly body: unknown;
}

interface Route {
  readonly method: "GET" | "POST";
  readonly pattern: RegExp;
  readonly handler: Handler;
}

const ok = (body: unknown, status = 200): Reply => ({ status, body });

// ---- request schemas ----

const pathSchema = array(fieldElement, MAX_PATH);
const faucetSchema = object({ address: l1Address, amount: decimal(MAX_FAUCET) });
const depositSchema = object({ from: l1Address, publicKey: publicKeySchema, amount: uint64 });
const claimSchema = object({ from: l1Address, batch: integer(1, 2 ** 31), index: integer(0, 2 ** 31) });
const forcedSchema = object({ from: l1Address, withdraw: operationSchema });
const exitModeSchema = object({ from: l1Address, requestId: integer(0, 2 ** 31) });
const exitClaimSchema = object({ from: l1Address, index: indexSchema, account: accountSchema, path: pathSchema, recipient: l1Address, signature: signatureSchema });
const refundSchema = object({ from: l1Address, queueIndex: integer(0, 2 ** 31) });
const bondSchema = object({ from: l1Address, requestId: integer(0, 2 ** 31) });

function param<T>(schema: Schema<T>, raw: string | null | undefined, name: string): T {
  return schema(raw ?? undefined, name);
}

const paramIndex: Schema<number> = (v, path) => {
  if (typeof v !== "string" || !/^[0-9]{1,10}$/.test(v)) throw new NodeError("INVALID_REQUEST", `${path}: must be a non-negative integer`);
  return indexSchema(Number(v), path);
};

// ---- routes ----

const routes: Route[] = [
  { method: "GET", pattern: /^\/health$/, handler: async ({ node }) => ok(node.health()) },

  {
    method: "POST",
    pattern: /^\/operations$/,
    handler: async ({ node, body }) => {
      const op = parse(operationSchema, await body());
      const r = await node.submit(op);
      return ok(r, r.duplicate ? 200 : 202);
    },
  },
  {
    method: "GET",
    pattern: /^\/operations\/([0-9a-f]{16})$/,
    handler: async ({ node, params }) => {
      const view = node.operation(params[0] ?? "");
      if (view === undefined) throw new NodeError("UNKNOWN_OPERATION", `no operation ${params[0] ?? ""}`);
      return ok(view);
    },
  },
  {
    method: "GET",
    pattern: /^\/accounts$/,
    handler: async ({ node, query }) => {
      const pk = publicKeySchema({ x: query.get("x") ?? undefined, y: query.get("y") ?? undefined }, "query");
      return ok({ publicKey: publicKeyToJson(pk), indices: node.findAccounts(pk) });
    },
  },
  {
    method: "GET",
    pattern: /^\/accounts\/([^/]+)$/,
    handler: async ({ node, params }) => {
      const index = param(paramIndex, params[0], "index");
      const a = await node.account(index);
      return ok({
        index,
        finalBatch: a.finalBatch,
        root: a.root.toString(),
        arities: node.arities,
        account: a.account === undefined ? null : accountToJson(a.account),
        path: a.path.map(String),
        pending: a.pending === undefined ? null : accountToJson(a.pending),
      });
    },
  },
  {
    method: "GET",
    pattern: /^\/batches$/,
    handler: async ({ node, query }) => {
      const from = query.has("from") ? param(paramIndex, query.get("from"), "from") : 1;
      const limit = query.has("limit") ? param(paramIndex, query.get("limit"), "limit") : 100;
      const out = [];
      for (let n = Math.max(1, from); n <= node.batchCount && out.length < Math.min(limit, 1000); n++) {
        const b = node.batchView(n);
        if (b !== undefined) out.push({ number: b.number, status: b.status, counts: b.counts, operations: b.opIds, newRoot: b.newRoot, cutAt: b.cutAt, provedAt: b.provedAt ?? null, acceptedAt: b.accepted?.timestamp ?? null, finalAt: b.finalAt });
      }
      return ok({ count: node.batchCount, batches: out });
    },
  },
  {
    method: "GET",
    pattern: /^\/batches\/([^/]+)$/,
    handler: async ({ node, params }) => {
      const n = param(paramIndex, params[0], "batch");
      const b = node.batchView(n);
      if (b === undefined) throw new NodeError("UNKNOWN_BATCH", `no batch ${n}`);
      return ok(b);
    },
  },

  // ---- the L1 (ZkRollup.sol in the in-process EVM) ----
  {
    method: "GET",
    pattern: /^\/l1\/accounts\/(0x[0-9a-fA-F]{1,40})$/,
    handler: async ({ node, params }) => {
      const address = l1Address(params[0], "address");
      return ok({ address: addressHex(address), balance: (await node.l1.evm.balanceOf(address)).toString(), l1Time: node.l1.now });
    },
  },
  {
    method: "POST",
    pattern: /^\/l1\/faucet$/,
    handler: async ({ node, body }) => {
      const b = parse(faucetSchema, await body());
      if (!node.faucetEnabled) throw new NodeError("FAUCET_DISABLED", "this node runs without a faucet");
      await node.l1.fund(b.address, b.amount);
      return ok({ address: addressHex(b.address), balance: (await node.l1.evm.balanceOf(b.address)).toString() });
    },
  },
  {
    method: "POST",
    pattern: /^\/l1\/deposits$/,
    handler: async ({ node, body }) => {
      const b = parse(depositSchema, await body());
      requireNoExit(node);
      const r = await node.l1.deposit(b.from, b.publicKey, b.amount);
      node.kick();
      return ok(receiptJson(r, r.result === undefined ? null : { queueIndex: r.result.index, amount: r.result.amount.toString() }));
    },
  },
  {
    method: "GET",
    pattern: /^\/l1\/deposits$/,
    handler: async ({ node }) => {
      const { queueHead, depositQueue, exitMode } = node.l1.view;
      const deposits = [];
      for (const d of depositQueue) {
        deposits.push({
          queueIndex: d.index,
          sender: addressHex(d.sender),
          publicKey: publicKeyToJson(d.publicKey),
          amount: d.amount.toString(),
          timestamp: d.timestamp,
          consumed: d.index < queueHead,
          // Refunds exist only in exit mode.
          refunded: exitMode !== undefined && d.index >= queueHead && (await node.l1.evm.isRefunded(d.index)),
        });
      }
      return ok({ queueHead, deposits });
    },
  },
  {
    method: "GET",
    pattern: /^\/l1\/withdrawals$/,
    handler: async ({ node, query }) => {
      const recipient = query.has("recipient") ? param(l1Address, query.get("recipient"), "recipient") : undefined;
      const { batches, lastFinalBatch } = node.l1.view;
      const out = [];
      for (const b of batches) {
        for (const w of withdrawalsOf(b, node.l1.evm.layout)) {
          if (recipient !== undefined && w.recipient !== recipient) continue;
          const claimed = (await node.l1.evm.withdrawalAt(b.number, w.index)).paid;
          out.push({ batch: b.number, index: w.index, recipient: addressHex(w.recipient), amount: w.amount.toString(), final: b.number <= lastFinalBatch, claimed });
        }
      }
      return ok({ withdrawals: out });
    },
  },
  {
    method: "POST",
    pattern: /^\/l1\/withdrawals\/claim$/,
    handler: async ({ node, body }) => {
      const b = parse(claimSchema, await body());
      const r = await node.l1.claimWithdrawal(b.from, b.batch, b.index);
      return ok(receiptJson(r, r.result === undefined ? null : { recipient: addressHex(r.result.recipient), amount: r.result.amount.toString() }));
    },
  },
  {
    method: "GET",
    pattern: /^\/l1\/forced-withdrawals$/,
    handler: async ({ node }) =>
      ok({
        deadlineSeconds: node.meta.forcedDeadlineSeconds,
        lastFinalBatch: node.l1.view.lastFinalBatch,
        requests: node.l1.view.forcedRequests.map((r) => ({
          id: r.id,
          requester: addressHex(r.requester),
          from: r.withdraw.from,
          recipient: addressHex(r.withdraw.recipient),
          amount: r.withdraw.amount.toString(),
          nonce: r.withdraw.nonce.toString(),
          atBatch: r.atBatch,
          requestedAt: r.requestedAt,
          deadline: r.deadline,
          status: r.status,
          dismissReason: r.dismissReason ?? null,
          servedIn: r.servedIn ?? null,
          includedIn: r.includedIn ?? null,
        })),
      }),
  },
  {
    method: "POST",
    pattern: /^\/l1\/forced-withdrawals$/,
    handler: async ({ node, body }) => {
      const b = parse(forcedSchema, await body());
      if (b.withdraw.kind !== "withdraw") throw new NodeError("INVALID_REQUEST", "withdraw.kind: must be withdraw");
      const r = await node.l1.requestForcedWithdrawal(b.from, b.withdraw);
      node.kick();
      return ok(receiptJson(r, r.result === undefined ? null : { requestId: r.result.id, deadline: r.result.deadline }));
    },
  },
  {
    method: "GET",
    pattern: /^\/l1\/exit-mode$/,
    handler: async ({ node }) => {
      const e = node.l1.view.exitMode;
      return ok(e === undefined ? { active: false } : { active: true, activatedAt: e.activatedAt, requestId: e.requestId, batchNumber: e.batchNumber, root: e.root.toString(), claimsOpen: e.claimsOpen });
    },
  },
  {
    method: "POST",
    pattern: /^\/l1\/exit-mode$/,
    handler: async ({ node, body }) => {
      const b = parse(exitModeSchema, await body());
      const r = await node.l1.activateExitMode(b.from, b.requestId);
      return ok(receiptJson(r, r.result === undefined ? null : { batchNumber: r.result.batchNumber, root: r.result.root.toString() }));
    },
  },
  {
    method: "POST",
    pattern: /^\/l1\/exit-claims$/,
    handler: async ({ node, body }) => {
      const b = parse(exitClaimSchema, await body());
      const r = await node.l1.claimExit(b.from, { index: b.index, account: b.account, path: b.path, recipient: b.recipient, signature: b.signature });
      return ok(receiptJson(r, r.result === undefined ? null : { amount: r.result.toString() }));
    },
  },
  {
    method: "POST",
    pattern: /^\/l1\/deposit-refunds$/,
    handler: async ({ node, body }) => {
      const b = parse(refundSchema, await body());
      const r = await node.l1.refundDeposit(b.from, b.queueIndex);
      return ok(receiptJson(r, r.result === undefined ? null : { amount: r.result.toString() }));
    },
  },
  {
    method: "POST",
    pattern: /^\/l1\/bond-releases$/,
    handler: async ({ node, body }) => {
      const b = parse(bondSchema, await body());
      const r = await node.l1.releaseBond(b.from, b.requestId);
      return ok(receiptJson(r, r.result === undefined ? null : { amount: r.result.toString() }));
    },
  },
  {
    method: "GET",
    pattern: /^\/l1\/rollup$/,
    handler: async ({ node }) => {
      const evm = node.l1.evm;
      const { batches, currentRoot, depositQueue, lastFinalBatch } = node.l1.view;
      return ok({
        rollupId: evm.rollupId,
        layout: evm.layout,
        arities: node.arities,
        capacity: evm.capacity,
        genesisRoot: evm.genesisRoot.toString(),
        currentRoot: currentRoot.toString(),
        l1Time: node.l1.now,
        batches: batches.map((b) => ({
          number: b.number,
          oldRoot: b.oldRoot.toString(),
          newRoot: b.newRoot.toString(),
          records: bytesToHex(b.records),
          withdrawalRecipients: b.withdrawalRecipients.map(addressHex),
          block: b.blockNumber,
          timestamp: b.timestamp,
          final: b.number <= lastFinalBatch,
        })),
        depositQueue: depositQueue.map((d) => ({ queueIndex: d.index, publicKey: publicKeyToJson(d.publicKey), amount: d.amount.toString() })),
      });
    },
  },
];

function requireNoExit(node: RollupNode): void {
  if (node.l1.view.exitMode !== undefined) throw new NodeError("EXIT_MODE", "the rollup is in exit mode: deposits are refused");
}

function receiptJson(r: L1Receipt<unknown>, result: unknown) {
  return {
    status: r.status,
    revertReason: r.revertReason,
    block: r.blockNumber,
    timestamp: r.timestamp,
    gasUsed: r.gasUsed,
    calldataBytes: r.calldata.bytes,
    result: r.status === "success" ? result : null,
  };
}

// ---- the server ----

export interface RunningApi {
  readonly server: Server;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export async function startApi(node: RollupNode, opts: ApiOptions): Promise<RunningApi> {
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const server = createServer({ requestTimeout: 15_000, headersTimeout: 10_000, keepAliveTimeout: 5_000, maxHeaderSize: 16 * 1024 }, (req, res) => {
    handle(node, req, res, maxBody).catch(() => res.destroy());
  });
  server.maxConnections = 1024;
  const port = await listenLoopback(server, opts.port);
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(node: RollupNode, req: IncomingMessage, res: ServerResponse, maxBody: number): Promise<void> {
  try {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname.length > 256) throw new NodeError("NOT_FOUND", "no such route");
    // The web page (src/web/node-web.ts): `/`, its assets, live events and proof downloads.
    if (await serveNodeWeb(node, url, req, res)) return;
    const matching = routes.filter((r) => r.pattern.test(url.pathname));
    if (matching.length === 0) throw new NodeError("NOT_FOUND", `no route ${url.pathname}`);
    const route = matching.find((r) => r.method === req.method);
    if (route === undefined) {
      res.setHeader("allow", [...new Set(matching.map((r) => r.method))].join(", "));
      throw new NodeError("METHOD_NOT_ALLOWED", `${req.method ?? "?"} is not allowed on ${url.pathname}`);
    }
    const params = (route.pattern.exec(url.pathname) ?? []).slice(1);
    const reply = await route.handler({ node, params, query: url.searchParams, body: () => readJsonBody(req, maxBody) });
    send(res, reply.status, reply.body);
  } catch (err) {
    const { status, code, message } = errorReply(err);
    if (status === 413) res.setHeader("connection", "close");
    send(res, status, { error: { code, message } });
    // Stop reading an oversized body: the answer is sent, then the connection goes.
    const socket = req.socket as typeof req.socket | null;
    if (status === 413 && socket !== null) res.once("finish", () => socket.destroy());
  }
}

function errorReply(err: unknown): { status: number; code: string; message: string } {
  if (err instanceof NodeError) return { status: HTTP_STATUS[err.code], code: err.code, message: err.message };
  if (err instanceof RollupError) return { status: 422, code: err.code, message: err.message };
  if (err instanceof L1Error) return { status: err.code === "BAD_ARGUMENT" ? 400 : 500, code: err.code, message: err.message };
  if (err instanceof EvmError) return { status: err.code === "BAD_ARGUMENT" ? 400 : 500, code: err.code, message: err.message };
  return { status: 500, code: "INTERNAL", message: err instanceof Error ? err.message : String(err) };
}

/** Reads at most `max` bytes of a JSON body; refuses other content types and anything larger. */
async function readJsonBody(req: IncomingMessage, max: number): Promise<unknown> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") throw new NodeError("UNSUPPORTED_MEDIA_TYPE", "request bodies must be application/json");
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > max) throw new NodeError("BODY_TOO_LARGE", `body of ${declared} bytes exceeds ${max}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > max) throw new NodeError("BODY_TOO_LARGE", `body exceeds ${max} bytes`);
    chunks.push(buf);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new NodeError("MALFORMED_JSON", "the body is not valid JSON");
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
  res.end(text);
}

export type { NodeErrorCode };
