/**
 * A node proving on the pool, end to end, as separate processes (node, two workers, redis-server):
 * batches proven in parallel and submitted in order; then Redis killed and restarted mid-flight (its
 * append-only file fsynced on every write: nothing acknowledged is lost); then the node killed with
 * kill -9 while jobs are out and restarted (it finds its jobs again by id). At the end every
 * acknowledged transfer is in exactly one batch, batches 1..n are all final on the L1 in order (none
 * skipped, none twice) and every one was proven by a pool worker.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { labelAddress } from "../../src/l1/address.ts";
import { NodeClient } from "../../src/node/client.ts";
import { freePort, spawnNode, type NodeProcess } from "../../src/node/spawn.ts";
import { ROLLUP_ID, newUser, testInstance, transfer } from "../helpers/fixtures.ts";
import { killAll, sleep, startRedis, until, spawnWorker, type RedisServer, type WorkerProcess } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "zkr-pool-node-"));
let redis: RedisServer | undefined;
const workers: WorkerProcess[] = [];
let node: NodeProcess | undefined;

afterAll(async () => {
  if (node !== undefined && node.child.exitCode === null && node.child.signalCode === null) {
    node.child.kill("SIGKILL");
    await node.exited;
  }
  await killAll(workers);
  await redis?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe("zkr node --provers (long)", () => {
  it("proves in parallel on workers and survives a Redis restart and a node kill -9 without losing or repeating a batch", async () => {
    redis = await startRedis();
    const url = redis.url;
    workers.push(spawnWorker(url, "w1", ["--stall-ms", "1000"]), spawnWorker(url, "w2", ["--stall-ms", "1000"]));
    const port = await freePort();
    const client = new NodeClient(`http://127.0.0.1:${port}`);
    const args = [
      "--data", dir, "--port", String(port), "--instance", testInstance.name, "--slot-ms", "200", "--max-wait", "0",
      "--finality-slots", "1", "--rollup-id", String(ROLLUP_ID), "--provers", url,
    ];
    const start = async () => {
      node = spawnNode(args);
      expect(await node.ready, node.output.join("\n")).toBeDefined();
      return node;
    };
    await start();
    for (const w of workers) expect(await w.ready).toBe(true);

    const alice = newUser();
    const bob = newUser();
    for (const [i, u] of [alice, bob].entries()) {
      const l1 = labelAddress(`pool user ${i}`);
      await client.faucet(l1, 1_000_000n);
      expect((await client.deposit(l1, u.publicKey, 1_000_000n)).status).toBe("success");
    }
    let from = -1;
    let to = -1;
    await until(async () => {
      from = (await client.findAccounts(alice.publicKey))[0] ?? -1;
      to = (await client.findAccounts(bob.publicKey))[0] ?? -1;
      return from >= 0 && to >= 0;
    }, 60_000, "the deposits' batch", 250);

    const acked: string[] = [];
    let nonce = 0n;
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) acked.push((await client.submit(transfer(alice, from, to, 1n, nonce++))).id);
    };
    const inFlight = async () => ((await client.health()) as { prover: { pool?: { proving: number[] } | null } }).prover.pool?.proving ?? [];

    // Several batches at once (2 transfers a batch), proven while Redis is killed and restarted.
    await send(8);
    await until(async () => (await inFlight()).length >= 2, 30_000, "two batches on the pool at once");
    await redis.stop("SIGKILL");
    await sleep(1500);
    await redis.restart();

    // More batches; the node is killed while they are out, and restarted.
    await send(8);
    await until(async () => (await inFlight()).length >= 1, 30_000, "a batch on the pool");
    node?.child.kill("SIGKILL");
    await node?.exited;
    await start();

    await until(async () => {
      const h = await client.health();
      return h.mempool.pending === 0 && h.batches.cut === h.batches.final;
    }, 180_000, "every batch final", 500);

    const h = await client.health();
    expect(h.halted).toBeNull();
    const seen = new Map<string, number>();
    for (let n = 1; n <= h.batches.cut; n++) {
      const b = await client.batch(n);
      expect(b.number).toBe(n);
      expect(b.status).toBe("final");
      expect((b.prove as { worker?: string } | undefined)?.worker).toMatch(/^w[12]$/);
      for (const id of b.opIds) seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    for (const id of acked) expect(seen.get(id), id).toBe(1);
    expect(seen.size).toBe(acked.length);
    // The L1 holds the same batches, in order, each once.
    const data = await client.rollupData();
    expect(data.batches.map((b) => b.number)).toEqual(Array.from({ length: h.batches.cut }, (_, i) => i + 1));
    for (const [i, b] of data.batches.entries()) expect(b.newRoot).toBe((await client.batch(i + 1)).newRoot);
    const proofsMade = workers.flatMap((w) => w.output).filter((l) => l.includes("[prover] proved batch")).length;
    console.log(`${h.batches.cut} batches final; ${proofsMade} proofs made by the workers; node log tail: ${node?.output.slice(-3).join(" | ")}`);
  });
});
