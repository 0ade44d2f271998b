/**
 * Small HTTP helpers the web pages and the node API share (node:http only): answers with security headers,
 * a bounded JSON request body, listening on loopback.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Same-origin only. Vega compiles its expressions with Function (hence 'unsafe-eval') and sets inline
 * styles on the SVG it draws (hence 'unsafe-inline' for styles); nothing is loaded from elsewhere.
 */
const CSP = "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

export function send(res: ServerResponse, status: number, body: string | Buffer, type: string, headers: Readonly<Record<string, string>> = {}, headOnly = false): void {
  if (res.headersSent) return;
  res.writeHead(status, {
    "content-type": type,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "content-security-policy": CSP,
    "referrer-policy": "no-referrer",
    ...headers,
  });
  res.end(headOnly ? undefined : body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  send(res, status, JSON.stringify(body, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)), "application/json; charset=utf-8", headers);
}

export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

/** A refusal with an HTTP status and a stable code. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a JSON body of at most `max` bytes (HttpError 413/415/400 otherwise). */
export async function readJson(req: IncomingMessage, max: number): Promise<unknown> {
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json") throw new HttpError(415, "UNSUPPORTED_MEDIA_TYPE", "request bodies must be application/json");
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > max) throw new HttpError(413, "BODY_TOO_LARGE", `body of ${declared} bytes exceeds ${max}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > max) throw new HttpError(413, "BODY_TOO_LARGE", `body exceeds ${max} bytes`);
    chunks.push(buf);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  } catch {
    throw new HttpError(400, "MALFORMED_JSON", "the body is not valid JSON");
  }
}

/** Listens on 127.0.0.1 (never another interface) at `port` (0: any free one); resolves to the port. */
export async function listenLoopback(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
