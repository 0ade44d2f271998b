/**
 * The node's own web page, on the API's port: `/` (the page), `/assets/*` (its files), `/events` (a
 * server-sent snapshot of the node each time it changes) and the proofs as snarkjs files
 * (`/batches/N/proof.json`, `/batches/N/public.json`, `/verification_key.json`). The JSON API stays as it
 * is; any other path is left to it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { addressHex } from "../node/codec.ts";
import type { RollupNode } from "../node/node.ts";
import { webAssets } from "./assets.ts";
import { EventStream } from "./event-stream.ts";
import { send, sendError } from "./http.ts";
import { serveAsset } from "./static-files.ts";

/** Snapshots are sent at most this often (a burst of admissions is one update). */
const SNAPSHOT_MS = 150;
const MAX_BATCHES = 50;
const MAX_OPERATIONS = 100;
const MAX_ACCOUNTS = 64;

interface Feed {
  readonly stream: EventStream;
  timer: NodeJS.Timeout | undefined;
}
const feeds = new WeakMap<RollupNode, Feed>();

/** Serves the page's routes; false for any other request (the API answers it). */
export async function serveNodeWeb(node: RollupNode, url: URL, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  const head = req.method === "HEAD";
  const path = url.pathname;
  if (path === "/" || path.startsWith("/assets/")) {
    const dir = await assetsOrError(res);
    if (dir !== undefined) serveAsset(res, dir, path === "/" ? "node.html" : path.slice("/assets/".length), head);
    return true;
  }
  if (path === "/events" && !head) {
    feedOf(node).stream.open(req, res, { event: "snapshot", data: await nodeSnapshot(node) });
    return true;
  }
  if (path === "/verification_key.json") {
    attachment(res, "verification_key.json", node.meta.vkey);
    return true;
  }
  const m = /^\/batches\/([0-9]{1,9})\/(proof|public)\.json$/.exec(path);
  if (m !== null) {
    const n = Number(m[1]);
    const b = node.batchView(n);
    const body = m[2] === "proof" ? b?.proof : b?.publicSignals;
    if (body === undefined || body === null) sendError(res, 404, b === undefined ? "UNKNOWN_BATCH" : "NOT_PROVEN", `batch ${n} has no proof here`);
    else attachment(res, `batch-${String(n).padStart(4, "0")}-${m[2] ?? ""}.json`, body);
    return true;
  }
  return false;
}

async function assetsOrError(res: ServerResponse): Promise<string | undefined> {
  try {
    return await webAssets();
  } catch (err) {
    sendError(res, 503, "NO_WEB_ASSETS", err instanceof Error ? err.message : String(err));
    return undefined;
  }
}

function attachment(res: ServerResponse, name: string, body: unknown): void {
  send(res, 200, JSON.stringify(body, null, 1), "application/json; charset=utf-8", { "content-disposition": `attachment; filename="${name}"` });
}

function feedOf(node: RollupNode): Feed {
  let feed = feeds.get(node);
  if (feed === undefined) {
    const f: Feed = { stream: new EventStream(), timer: undefined };
    node.onChange(() => {
      if (f.timer !== undefined || f.stream.size === 0) return;
      f.timer = setTimeout(() => {
        f.timer = undefined;
        nodeSnapshot(node).then(
          (s) => f.stream.send("snapshot", s),
          () => undefined, // the node is stopping: its page gets no more updates
        );
      }, SNAPSHOT_MS);
      f.timer.unref();
    });
    feeds.set(node, f);
    feed = f;
  }
  return feed;
}

/** What the page shows, in one JSON object (L1 times in seconds since genesis). */
export async function nodeSnapshot(node: RollupNode) {
  const h = node.health();
  const view = node.l1.view;
  const batches = [];
  for (let n = node.batchCount; n >= 1 && batches.length < MAX_BATCHES; n--) {
    const b = node.batchView(n);
    if (b === undefined) continue;
    batches.push({
      number: b.number,
      status: b.status,
      counts: b.counts,
      operations: b.opIds.length,
      cutAt: b.cutAt,
      provedAt: b.provedAt ?? null,
      proveSeconds: b.prove === undefined ? null : b.prove.witnessSeconds + b.prove.proveSeconds,
      acceptedAt: b.accepted?.timestamp ?? null,
      gas: b.accepted?.gas ?? null,
      calldataBytes: b.accepted?.calldataBytes ?? null,
      finalAt: b.finalAt,
      proven: b.proof !== null,
    });
  }
  const exit = view.exitMode;
  const finalBatch = exit !== undefined ? exit.batchNumber : view.lastFinalBatch;
  const state = await node.finalState(finalBatch);
  const accounts = [...state.entries()]
    .sort(([i], [j]) => i - j)
    .slice(0, MAX_ACCOUNTS)
    .map(([index, a]) => ({ index, balance: a.balance.toString(), nonce: a.nonce.toString() }));
  return {
    instance: h.instance,
    capacity: h.capacity,
    rollupId: h.rollupId,
    insecureKeys: h.insecureKeys,
    ok: h.ok,
    halted: h.halted,
    l1: h.l1,
    mempool: h.mempool,
    prover: h.prover,
    counts: h.batches,
    batches,
    operations: node.recentOperations(MAX_OPERATIONS),
    forced: {
      deadlineSeconds: node.meta.forcedDeadlineSeconds,
      censoring: h.forced.censoring,
      requests: view.forcedRequests.map((r) => ({
        id: r.id,
        from: r.withdraw.from,
        recipient: addressHex(r.withdraw.recipient),
        amount: r.withdraw.amount.toString(),
        requestedAt: r.requestedAt,
        deadline: r.deadline,
        status: r.status,
      })),
    },
    exitMode: h.exitMode,
    accounts: { finalBatch, root: state.root.toString(), list: accounts },
  };
}

export type NodeSnapshot = Awaited<ReturnType<typeof nodeSnapshot>>;
