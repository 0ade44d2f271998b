/**
 * The prover pool's two faults that CI must show, against a real redis-server: a worker killed with
 * kill -9 mid-proof (its job is taken over by another worker once its lock expires: BullMQ's stalled-job
 * check), and a worker returning a tampered proof (rejected by the node's check, the worker named, the
 * job queued again and proven by another). Also: a job for keys no worker holds is refused, not proven.
 */
import { readFileSync } from "node:fs";
import type { JsonObject } from "snarkjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyCheckBatch } from "../../src/artifacts/key-check.ts";
import { BASE_FIELD_MODULUS } from "../../src/prover-pool/job.ts";
import { PoolProver } from "../../src/prover-pool/pool-prover.ts";
import { parseRedisUrl } from "../../src/prover-pool/redis-url.ts";
import { startProverWorker, type RunningProverWorker } from "../../src/prover-pool/worker.ts";
import { shutdownProver, verifyProof } from "../../src/prover/prove.ts";
import { labelAddress } from "../../src/l1/address.ts";
import { NodeClient } from "../../src/node/client.ts";
import { poolProvers } from "../../src/prover-pool/node-provers.ts";
import { newUser, testArtifacts, testInstance, transfer } from "../helpers/fixtures.ts";
import { TestNodes } from "../node/helpers.ts";
import { killAll, sleep, startRedis, until, spawnWorker, type RedisServer, type WorkerProcess } from "./helpers.ts";

const { keys } = testArtifacts();
const vkey = JSON.parse(readFileSync(keys.vkey, "utf8")) as JsonObject;
const zkeySha256 = keys.manifest.zkeySha256 ?? "";
const batch = keyCheckBatch(testInstance);
const STALL_MS = 1000;

let redis: RedisServer;
const procs: WorkerProcess[] = [];
const inProcess: RunningProverWorker[] = [];
const pools: PoolProver[] = [];
const nodes = new TestNodes("zkr-pool-node-");

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await nodes.stopAll();
  for (const p of pools) await p.close();
  for (const w of inProcess) await w.close().catch(() => undefined);
  await killAll(procs);
  await redis?.dispose();
  await shutdownProver();
});

async function pool(rollup: string, log: (m: string) => void = () => {}, sha = zkeySha256): Promise<PoolProver> {
  const p = await PoolProver.connect({ target: parseRedisUrl(redis.url), instance: testInstance.name, zkeySha256: sha, vkey, rollup, log, pollMs: 200 });
  pools.push(p);
  return p;
}

describe("prover pool faults (real redis-server)", () => {
  it("rejects a tampered proof, names the worker, and has the job proven again by another worker", async () => {
    const logs: string[] = [];
    // A worker whose proofs are altered after proving: pi_a negated (still a curve point, no longer a proof).
    const tamperer = await startProverWorker({
      target: parseRedisUrl(redis.url),
      id: "tamperer",
      stallMs: STALL_MS,
      tamper: (r) => ({ ...r, proof: { ...r.proof, pi_a: [r.proof.pi_a[0], (BASE_FIELD_MODULUS - BigInt(r.proof.pi_a[1])).toString(), r.proof.pi_a[2]] } }),
    });
    inProcess.push(tamperer);
    const p = await pool("aa01", (m) => logs.push(m));
    const proving = p.prove(1, batch.inputs);
    await until(() => logs.some((l) => l.includes("REJECTED the proof of worker tamperer")), 60_000, "the rejection");
    expect(tamperer.proven()).toBeGreaterThanOrEqual(1);
    // The honest worker arrives; the tamperer leaves the job to it (the node put it on the job's rejectedBy).
    inProcess.push(await startProverWorker({ target: parseRedisUrl(redis.url), id: "honest", stallMs: STALL_MS }));
    const proved = await proving;
    expect(proved.worker).toBe("honest");
    expect(proved.rejected).toBe(1);
    expect(proved.publicSignals).toEqual([batch.inputHash.toString()]);
    expect(await verifyProof(vkey, proved.publicSignals, proved.proof)).toBe(true);
    for (const w of inProcess.splice(0)) await w.close();
  });

  it("hands the job of a worker killed with kill -9 mid-proof to another worker", async () => {
    const a = spawnWorker(redis.url, "worker-a", ["--stall-ms", String(STALL_MS)]);
    const b = spawnWorker(redis.url, "worker-b", ["--stall-ms", String(STALL_MS)]);
    procs.push(a, b);
    expect(await a.ready).toBe(true);
    expect(await b.ready).toBe(true);
    const p = await pool("aa02");
    const t0 = Date.now();
    const proving = p.prove(1, batch.inputs);
    // Whichever worker took the job is killed while it proves (its first proof also loads its keys: >1 s).
    let taker: WorkerProcess | undefined;
    await until(async () => {
      const job = await p.inspect(1);
      taker = [a, b].find((w) => w.id === job.worker);
      return taker !== undefined && job.state === "active";
    }, 30_000, "a worker to take the job");
    await sleep(300);
    expect(taker?.output.some((l) => l.includes("proved batch 1"))).toBe(false);
    taker?.child.kill("SIGKILL");
    expect((await taker?.exited)?.signal).toBe("SIGKILL");
    const survivor = taker === a ? b : a;
    const proved = await proving;
    expect(proved.worker).toBe(survivor.id);
    expect(await verifyProof(vkey, proved.publicSignals, proved.proof)).toBe(true);
    console.log(`kill -9 takeover: proof from ${proved.worker} ${((Date.now() - t0) / 1000).toFixed(1)} s after queueing (stall interval ${STALL_MS} ms)`);
  });

  it("refuses a job for keys this worker does not hold (it is left queued, not proven)", async () => {
    const survivor = procs.find((w) => w.child.exitCode === null && w.child.signalCode === null);
    expect(survivor).toBeDefined();
    const p = await pool("aa03", () => {}, "0".repeat(64));
    void p.prove(1, batch.inputs).catch(() => undefined);
    await until(() => survivor?.output.some((l) => l.includes("refused batch 1 of rollup aa03")) ?? false, 30_000, "the refusal");
    expect(["delayed", "waiting", "active"]).toContain((await p.inspect(1)).state);
    expect(survivor?.output.some((l) => l.includes("proved batch 1 of rollup aa03"))).toBe(false);
  });

  it("a node with --provers has every batch proven by a pool worker, verified, and accepted in order", async () => {
    const survivor = procs.find((w) => w.child.exitCode === null && w.child.signalCode === null);
    const logs: string[] = [];
    const running = await nodes.start({ provers: poolProvers(parseRedisUrl(redis.url), (m) => logs.push(m)), slotMs: 100, maxInFlight: 4 });
    const client = new NodeClient(running.api.url);
    const [alice, bob] = [newUser(), newUser()];
    for (const [i, u] of [alice, bob].entries()) {
      const l1 = labelAddress(`pool node user ${i}`);
      await client.faucet(l1, 10_000n);
      await client.deposit(l1, u.publicKey, 1_000n);
    }
    let ia = -1;
    let ib = -1;
    await until(async () => {
      ia = (await client.findAccounts(alice.publicKey))[0] ?? -1;
      ib = (await client.findAccounts(bob.publicKey))[0] ?? -1;
      return ia >= 0 && ib >= 0;
    }, 30_000, "the deposits");
    for (let n = 0n; n < 4n; n++) await client.submit(transfer(alice, ia, ib, 1n, n));
    await until(async () => {
      const h = await client.health();
      return h.mempool.pending === 0 && h.batches.cut === h.batches.accepted;
    }, 60_000, "every batch accepted", 100);
    const h = await client.health();
    expect(h.batches.cut).toBeGreaterThanOrEqual(3);
    for (let n = 1; n <= h.batches.cut; n++) {
      const b = await client.batch(n);
      expect((b.prove as { worker?: string } | undefined)?.worker).toBe(survivor?.id);
    }
    expect(logs.filter((l) => l.includes("REJECTED"))).toEqual([]);
  });
});
