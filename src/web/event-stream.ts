/**
 * Server-sent events to any number of pages: each `send` goes to every open stream. A comment line every
 * 15 s keeps idle connections from timing out; a stream ends when its page goes or `close` is called.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { sendError } from "./http.ts";

/** Open streams at most (a page holds one). */
const MAX_STREAMS = 64;
const HEARTBEAT_MS = 15_000;

export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private heartbeat: NodeJS.Timeout | undefined;

  get size(): number {
    return this.clients.size;
  }

  /** Opens a stream on `res` and sends it `first` (the current state) at once. */
  open(req: IncomingMessage, res: ServerResponse, first?: { readonly event: string; readonly data: unknown }): void {
    if (this.clients.size >= MAX_STREAMS) {
      sendError(res, 503, "TOO_MANY_STREAMS", `${MAX_STREAMS} pages are open already`);
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive", "x-content-type-options": "nosniff" });
    res.write("retry: 1000\n\n");
    if (first !== undefined) res.write(frame(first.event, first.data));
    this.clients.add(res);
    req.socket.setTimeout(0);
    const drop = () => this.clients.delete(res);
    req.once("close", drop);
    res.once("close", drop);
    if (this.heartbeat === undefined) {
      this.heartbeat = setInterval(() => this.each((c) => c.write(": keep-alive\n\n")), HEARTBEAT_MS);
      this.heartbeat.unref();
    }
  }

  send(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    const text = frame(event, data);
    this.each((c) => c.write(text));
  }

  close(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.each((c) => c.end());
    this.clients.clear();
  }

  private each(f: (c: ServerResponse) => void): void {
    for (const c of this.clients) {
      if (c.writableEnded || c.destroyed) this.clients.delete(c);
      else f(c);
    }
  }
}

function frame(event: string, data: unknown): string {
  const json = JSON.stringify(data, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  return `event: ${event}\ndata: ${json}\n\n`;
}
