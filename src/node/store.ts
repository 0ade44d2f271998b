/**
 * The node's embedded store: LevelDB (classic-level, prebuilt binary inside the npm package). Every
 * write is an atomic LevelDB batch written with `sync: true` (the write-ahead log is fsynced before the
 * promise resolves), so an acknowledged write survives kill -9 and power loss alike.
 *
 * Writes are group-committed: writes requested while one is on disk are merged into the next batch, in
 * request order. A merged batch is still atomic, so what survives a crash is always a prefix of the
 * requested writes — never a later write without an earlier one.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ClassicLevel } from "classic-level";
import { NodeError } from "./errors.ts";

export type StoreOp = { readonly type: "put"; readonly key: string; readonly value: unknown } | { readonly type: "del"; readonly key: string };

interface QueuedWrite {
  readonly ops: readonly StoreOp[];
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

export class NodeStore {
  private readonly queue: QueuedWrite[] = [];
  private writing = false;
  private broken: unknown;
  /** Number of LevelDB batches written (each one fsync). */
  syncs = 0;

  private constructor(
    private readonly db: ClassicLevel<string, unknown>,
    readonly dir: string,
  ) {}

  static async open(dir: string): Promise<NodeStore> {
    mkdirSync(dir, { recursive: true });
    const db = new ClassicLevel<string, unknown>(join(dir, "db"), { valueEncoding: "json" });
    try {
      await db.open();
    } catch (err) {
      const locked = /lock/i.test(String((err as { cause?: unknown }).cause ?? "")) || (err as { code?: string }).code === "LEVEL_LOCKED";
      throw new NodeError(locked ? "DB_LOCKED" : "STORE_CORRUPT", `cannot open the store in ${dir}: ${String((err as Error).cause ?? err)}`, { cause: err });
    }
    return new NodeStore(db, dir);
  }

  async get<T>(key: string): Promise<T | undefined> {
    return (await this.db.get(key)) as T | undefined;
  }

  /** Every [key, value] whose key starts with `prefix`, in key order. */
  async entries<T>(prefix: string): Promise<[string, T][]> {
    const out: [string, T][] = [];
    for await (const [k, v] of this.db.iterator({ gte: prefix, lt: `${prefix}\uffff` })) out.push([k, v as T]);
    return out;
  }

  /** Queues an atomic write; resolves once it (and everything queued before it) is on disk. */
  write(ops: readonly StoreOp[]): Promise<void> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  /** Resolves when every queued write is on disk. */
  async flush(): Promise<void> {
    await this.write([]);
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      const group = this.queue.splice(0, this.queue.length);
      const ops = group.flatMap((w) => w.ops);
      try {
        if (ops.length > 0) {
          await this.db.batch(ops.map((o) => (o.type === "put" ? { type: "put", key: o.key, value: o.value } : { type: "del", key: o.key })), { sync: true });
          this.syncs++;
        }
        for (const w of group) w.resolve();
      } catch (err) {
        // A failed write leaves memory ahead of disk: refuse everything after it (the node halts).
        this.broken = err;
        for (const w of [...group, ...this.queue.splice(0)]) w.reject(err);
      }
    }
    this.writing = false;
  }

  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    await this.db.close();
  }
}

/** Zero-padded decimal so that key order is numeric order. */
export function seqKey(prefix: string, n: number): string {
  return `${prefix}${String(n).padStart(12, "0")}`;
}
