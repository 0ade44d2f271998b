/**
 * The API's refusals: every 4xx code, for malformed, oversized and hostile input, and for operations
 * that break a rule — and none of them changes anything (mempool, L1 transactions, store writes).
 */
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labelAddress } from "../../src/l1/address.ts";
import { ApiError, NodeClient } from "../../src/node/client.ts";
import { operationToJson, publicKeyToJson } from "../../src/node/codec.ts";
import type { RunningNode } from "../../src/node/run.ts";
import { newUser, testInstance, transfer, withdraw } from "../helpers/fixtures.ts";
import { TestNodes, until } from "./helpers.ts";

const nodes = new TestNodes("zkr-api-");
const alice = newUser();
const bob = newUser();
let node: RunningNode;
let client: NodeClient;
let ia = 0;
let ib = 0;

beforeAll(async () => {
  node = await nodes.start({ maxBodyBytes: 4096 });
  client = new NodeClient(node.api.url);
  for (const [i, u] of [alice, bob].entries()) {
    const l1 = labelAddress(`api user ${i}`);
    await client.faucet(l1, 10_000n);
    await client.deposit(l1, u.publicKey, 1_000n);
  }
  await until(async () => (await client.findAccounts(bob.publicKey)).length === 1, 20_000, "deposits");
  ia = (await client.findAccounts(alice.publicKey))[0] ?? -1;
  ib = (await client.findAccounts(bob.publicKey))[0] ?? -1;
});

afterAll(async () => {
  await nodes.stopAll();
});

/** A raw request: status and parsed body (no client-side checks in the way). */
function raw(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = { "content-type": "application/json" }) {
  return new Promise<{ status: number; body: { error?: { code: string } } & Record<string, unknown> }>((resolve, reject) => {
    const req = httpRequest(`${node.api.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as never }));
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const post = (path: string, value: unknown) => raw("POST", path, JSON.stringify(value));

function snapshot() {
  const h = node.node.health();
  return { pending: h.mempool.pending, l1: node.node.l1.transactionCount, syncs: h.store.syncs, batches: h.batches.cut };
}

describe("API: a valid operation", () => {
  it("is accepted with an id, and a resubmission returns the same id", async () => {
    const op = transfer(alice, ia, ib, 10n, 0n);
    const first = await post("/operations", operationToJson(op));
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: "pending", duplicate: false });
    const again = await post("/operations", operationToJson(op));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body["id"], duplicate: true });
    const status = await client.operation(String(first.body["id"]));
    expect(["pending", "in_batch", "proven", "accepted", "final"]).toContain(status.status);
  });
});

describe("API: every refusal has a code and changes nothing", () => {
  beforeAll(async () => {
    // Let the pipeline settle (the L1 clock does not move here: nothing starts after this).
    await until(async () => {
      const h = await client.health();
      return h.mempool.pending === 0 && h.batches.cut === h.batches.accepted && !h.prover.busy;
    }, 60_000, "an idle pipeline");
  });

  const good = () => operationToJson(transfer(alice, ia, ib, 5n, 1n));
  const cases: [string, number, string, () => Promise<{ status: number; body: { error?: { code: string } } }>][] = [
    ["not JSON", 400, "MALFORMED_JSON", () => raw("POST", "/operations", "{not json")],
    ["truncated JSON", 400, "MALFORMED_JSON", () => raw("POST", "/operations", '{"kind":"transfer",')],
    ["an array", 400, "INVALID_REQUEST", () => post("/operations", [good()])],
    ["unknown kind", 400, "INVALID_REQUEST", () => post("/operations", { ...good(), kind: "mint" })],
    ["a missing field", 400, "INVALID_REQUEST", () => post("/operations", { ...good(), nonce: undefined })],
    ["an unknown field", 400, "INVALID_REQUEST", () => post("/operations", { ...good(), fee: "1" })],
    ["a __proto__ key", 400, "INVALID_REQUEST", () => raw("POST", "/operations", JSON.stringify(good()).replace("{", '{"__proto__":{"admin":true},'))],
    ["a numeric amount", 400, "INVALID_REQUEST", () => post("/operations", { ...good(), amount: 5 })],
    ["a negative amount", 400, "INVALID_REQUEST", () => post("/operations", { ...good(), amount: "-5" })],
    ["an amount above 2^64", 400, "INVALID_REQUEST", () => post("/operations", { ...good(), amount: "18446744073709551616" })],
    ["leading zeros", 400, "INVALID_REQUEST", () => post("/operations", { ...good(), amount: "05" })],
    ["a fractional index", 400, "INVALID_REQUEST", () => post("/operations", { ...good(), from: 0.5 })],
    ["a huge index", 400, "INVALID_REQUEST", () => post("/operations", { ...good(), to: 2 ** 53 })],
    ["a signature off the field", 400, "INVALID_REQUEST", () => post("/operations", { ...good(), signature: { r8x: "2".repeat(78), r8y: "1", s: "1" } })],
    ["a bad recipient", 400, "INVALID_REQUEST", () => post("/operations", { ...operationToJson(withdraw(alice, ia, 1n, 1n, 1n)), recipient: "0xZZ" })],
    ["deep nesting", 400, "INVALID_REQUEST", () => raw("POST", "/operations", `${"[".repeat(1500)}${"]".repeat(1500)}`)],
    ["a body over the limit", 413, "BODY_TOO_LARGE", () => raw("POST", "/operations", Buffer.alloc(8192, 32))],
    ["a chunked body over the limit", 413, "BODY_TOO_LARGE", () => raw("POST", "/operations", Buffer.alloc(8192, 32), { "content-type": "application/json", "transfer-encoding": "chunked" })],
    ["text/plain", 415, "UNSUPPORTED_MEDIA_TYPE", () => raw("POST", "/operations", JSON.stringify(good()), { "content-type": "text/plain" })],
    ["no content type", 415, "UNSUPPORTED_MEDIA_TYPE", () => raw("POST", "/operations", JSON.stringify(good()), {})],
    ["an unknown route", 404, "NOT_FOUND", () => raw("GET", "/admin")],
    ["a wrong method", 405, "METHOD_NOT_ALLOWED", () => raw("DELETE", "/operations")],
    ["GET on a POST route", 405, "METHOD_NOT_ALLOWED", () => raw("GET", "/l1/faucet")],
    ["an unknown operation", 404, "UNKNOWN_OPERATION", () => raw("GET", "/operations/0123456789abcdef")],
    ["an unknown batch", 404, "UNKNOWN_BATCH", () => raw("GET", "/batches/999")],
    ["an account outside the tree", 404, "UNKNOWN_ACCOUNT", () => raw("GET", `/accounts/${testInstance.accounts}`)],
    ["a non-numeric account", 400, "INVALID_REQUEST", () => raw("GET", "/accounts/abc")],
    ["a bad key query", 400, "INVALID_REQUEST", () => raw("GET", "/accounts?x=1")],
    ["a bad deposit", 400, "INVALID_REQUEST", () => post("/l1/deposits", { from: "0x01", publicKey: { x: "1", y: "2" }, amount: "x" })],
    ["a faucet over its cap", 400, "INVALID_REQUEST", () => post("/l1/faucet", { address: "0x01", amount: "1".repeat(40) })],
    // the EVM mines no transaction whose value its sender does not hold: refused before it is logged
    ["a deposit above the sender's L1 balance", 422, "L1_INSUFFICIENT_FUNDS", () => post("/l1/deposits", { from: "0x0123", publicKey: publicKeyToJson(alice.publicKey), amount: "5" })],
    // the reference rules (422, the RollupError code)
    ["a bad signature", 422, "BAD_SIGNATURE", () => post("/operations", { ...good(), amount: "6" })],
    ["a used nonce", 422, "BAD_NONCE", () => post("/operations", operationToJson(transfer(alice, ia, ib, 5n, 0n)))],
    ["a nonce gap", 422, "BAD_NONCE", () => post("/operations", operationToJson(transfer(alice, ia, ib, 5n, 7n)))],
    ["too little balance", 422, "INSUFFICIENT_BALANCE", () => post("/operations", operationToJson(transfer(bob, ib, ia, 5_000n, 0n)))],
    ["an empty receiver", 422, "UNKNOWN_ACCOUNT", () => post("/operations", operationToJson(transfer(bob, ib, 9, 1n, 0n)))],
    ["an unknown sender", 422, "UNKNOWN_ACCOUNT", () => post("/operations", operationToJson(transfer(bob, 11, ia, 1n, 0n)))],
    // 2^34 + 1 has no exact mantissa·10^e encoding (so it cannot even be signed: the signature is stale).
    ["an amount with no record encoding", 422, "AMOUNT_OUT_OF_RANGE", () => post("/operations", { ...operationToJson(transfer(bob, ib, ia, 1n, 0n)), amount: "17179869185" })],
  ];

  it.each(cases)("%s → %i %s", async (_name, status, code, send) => {
    const before = snapshot();
    const r = await send();
    expect(r.status).toBe(status);
    expect(r.body.error?.code).toBe(code);
    expect(snapshot()).toEqual(before);
  });
});

describe("API: refusals that depend on the node's settings", () => {
  it("MEMPOOL_FULL (503) above --max-pending, FAUCET_DISABLED (403) without a faucet", async () => {
    const small = await nodes.start({ maxPending: 1, faucet: false, maxWaitSeconds: 10 ** 6 });
    const c = new NodeClient(small.api.url);
    await expect(c.faucet(1n, 1n)).rejects.toMatchObject({ status: 403, code: "FAUCET_DISABLED" });
    // Fund one account through the L1 directly (no faucet on this node's API).
    const l1 = labelAddress("small");
    await small.node.l1.fund(l1, 1_000n);
    await c.deposit(l1, alice.publicKey, 500n);
    await until(async () => (await c.findAccounts(alice.publicKey)).length === 1, 20_000, "deposit");
    const i = (await c.findAccounts(alice.publicKey))[0] ?? -1;
    // One pending transfer: below the batch size and, with no L1 time passing, no time trigger either.
    const first = await c.submit(transfer(alice, i, i, 1n, 0n));
    expect(first.duplicate).toBe(false);
    const err = await c.submit(transfer(alice, i, i, 1n, 1n)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 503, code: "MEMPOOL_FULL" });
    expect(small.node.health().mempool.pending).toBe(1);
  });
});
