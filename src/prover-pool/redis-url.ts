import { Redis } from "ioredis";
import { PoolError } from "./errors.ts";

export interface RedisTarget {
  readonly host: string;
  readonly port: number;
  readonly db: number;
  /** The URL as it is shown in logs and errors (normalised). */
  readonly url: string;
}

/** How long a first connection may take before Redis counts as unreachable. */
export const CONNECT_TIMEOUT_MS = 3000;

/**
 * redis://HOST[:PORT][/DB] (port 6379, db 0 by default). Anything else — another scheme, user or
 * password, a query, a path that is not a db number — is refused with BAD_QUEUE_URL: a typo must
 * not become a connection to some other server.
 */
export function parseRedisUrl(text: string): RedisTarget {
  const bad = (why: string): never => {
    throw new PoolError("BAD_QUEUE_URL", `"${text}" is not a Redis URL redis://HOST:PORT (${why})`);
  };
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return bad("unparsable");
  }
  if (u.protocol !== "redis:") bad(`scheme ${u.protocol.replace(/:$/, "")}`);
  if (u.username !== "" || u.password !== "") bad("credentials are not supported");
  if (u.search !== "" || u.hash !== "") bad("no query or fragment");
  if (u.hostname === "") bad("no host");
  const port = u.port === "" ? 6379 : Number(u.port);
  if (!Number.isSafeInteger(port) || port < 1 || port > 65535) bad("port out of range");
  const path = u.pathname === "/" ? "" : u.pathname;
  if (path !== "" && !/^\/(0|[1-9][0-9]?)$/.test(path)) bad("the path must be a db number 0..99");
  const db = path === "" ? 0 : Number(path.slice(1));
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  return { host, port, db, url: `redis://${u.hostname}:${port}${db === 0 ? "" : `/${db}`}` };
}

/**
 * A connection BullMQ can use (maxRetriesPerRequest null: commands wait through a Redis restart
 * instead of failing), connected and answering PING within `timeoutMs`, or REDIS_UNREACHABLE.
 * Later outages are reported through `onError` (once per outage) while ioredis reconnects.
 */
export async function connectRedis(
  target: RedisTarget,
  opts: { readonly timeoutMs?: number; readonly onError?: (message: string) => void } = {},
): Promise<Redis> {
  const timeoutMs = opts.timeoutMs ?? CONNECT_TIMEOUT_MS;
  let connected = false;
  let firstError: unknown;
  const redis = new Redis({
    host: target.host,
    port: target.port,
    db: target.db,
    lazyConnect: true,
    maxRetriesPerRequest: null,
    connectTimeout: timeoutMs,
    // No retry before the first connection (unreachable is an error at once); after it, reconnect
    // forever, at most a second apart, so that a restarted Redis is picked up again.
    retryStrategy: (times) => (connected ? Math.min(times * 100, 1000) : null),
  });
  let down = false;
  redis.on("error", (err: Error) => {
    firstError ??= err;
    if (down || !connected) return;
    down = true;
    opts.onError?.(`Redis at ${target.url}: ${oneLine(err)}; reconnecting`);
  });
  redis.on("ready", () => {
    if (down) opts.onError?.(`Redis at ${target.url}: connected again`);
    down = false;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    connected = true;
  } catch (err) {
    redis.disconnect();
    throw new PoolError("REDIS_UNREACHABLE", `cannot reach Redis at ${target.url}: ${oneLine(firstError ?? err)}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
  return redis;
}

function oneLine(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const msg = String(e.message ?? err).split("\n")[0] ?? "";
  return e.code !== undefined && !msg.includes(e.code) ? `${e.code} ${msg}` : msg;
}
