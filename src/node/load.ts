/**
 * A bounded load test on loopback: a node in its own process, a fixed number of clients each sending a
 * fixed number of pre-signed transfers one after another (closed loop), then it stops by itself.
 * Reports accepted operations per second, admission latency percentiles (one HTTP round trip: the
 * signature check by the reference rules plus the fsynced store write), and how many admissions
 * happened while a proof was running (the prover is a separate process: admission does not wait).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CircuitInstance } from "../circuit/instances.ts";
import { newPrivateKey, publicKeyOf } from "../crypto/eddsa.ts";
import { labelAddress } from "../l1/address.ts";
import { machineInfo } from "../report/machine.ts";
import { signTransfer, type Transfer } from "../tx/operation.ts";
import { ApiError, NodeClient } from "./client.ts";
import { freePort, spawnNode } from "./spawn.ts";

export interface LoadOptions {
  readonly instance: CircuitInstance;
  readonly clients: number;
  readonly requestsPerClient: number;
  /** Wall milliseconds per L1 slot of the node under test. */
  readonly slotMs?: number;
  /** Start sending once a proof is running (so admissions overlap it for sure). */
  readonly startDuringProof?: boolean;
  readonly log?: (m: string) => void;
}

export interface LoadReport {
  readonly instance: string;
  readonly clients: number;
  readonly requestsPerClient: number;
  readonly sent: number;
  readonly accepted: number;
  readonly refused: Record<string, number>;
  readonly seconds: number;
  readonly acceptedPerSecond: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly max: number; readonly mean: number };
  /** Admissions whose request overlapped a running proof, and the proofs that overlapped the load. */
  readonly admittedDuringProof: number;
  readonly proofsDuringLoad: number;
  readonly peakPending: number;
  readonly batchesCut: number;
  readonly machine: ReturnType<typeof machineInfo>;
}

interface Sample {
  readonly startMs: number;
  readonly endMs: number;
  readonly ok: boolean;
  readonly code?: string;
}

export async function runLoad(opts: LoadOptions): Promise<LoadReport> {
  const log = opts.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), "zkr-load-"));
  const port = await freePort();
  const node = spawnNode([
    "--data", dir, "--port", String(port), "--instance", opts.instance.name, "--slot-ms", String(opts.slotMs ?? 250),
    "--max-wait", "24", "--finality-slots", "1", "--max-pending", "100000",
  ]);
  try {
    const url = await node.ready;
    if (url === undefined) throw new Error(`the node did not start: ${node.output.slice(-3).join(" | ")}`);
    const client = new NodeClient(url);
    const rollup = await client.rollupData();

    // Users (one sender per client), funded by deposits; accounts exist once their batch is cut.
    const users = Array.from({ length: opts.clients }, () => {
      const key = newPrivateKey();
      return { key, publicKey: publicKeyOf(key) };
    });
    for (const [i, u] of users.entries()) {
      const l1 = labelAddress(`load user ${i}`);
      await client.faucet(l1, 10n ** 12n);
      await client.deposit(l1, u.publicKey, 10n ** 9n);
    }
    const indices: number[] = [];
    for (const u of users) {
      for (let tries = 0; ; tries++) {
        const found = await client.findAccounts(u.publicKey);
        if (found[0] !== undefined) {
          indices.push(found[0]);
          break;
        }
        if (tries > 600) throw new Error("deposits were not batched");
        await sleep(100);
      }
    }
    log(`${users.length} accounts funded; signing ${opts.clients * opts.requestsPerClient} transfers ...`);
    const ops: Transfer[][] = users.map((u, c) =>
      Array.from({ length: opts.requestsPerClient }, (_, n) =>
        signTransfer(u.key, { kind: "transfer", from: indices[c]!, to: indices[(c + 1) % users.length]!, amount: 1n, nonce: BigInt(n) }, rollup.layout, rollup.rollupId),
      ),
    );

    if (opts.startDuringProof === true) {
      for (let i = 0; i < 600 && !(await client.health()).prover.busy; i++) await sleep(50);
    }
    let peakPending = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peakPending = Math.max(peakPending, (await client.health()).mempool.pending);
        await sleep(100);
      }
    })();

    log(`sending: ${opts.clients} clients × ${opts.requestsPerClient} transfers ...`);
    const samples: Sample[] = [];
    const t0 = performance.now();
    await Promise.all(
      ops.map(async (mine) => {
        for (const op of mine) {
          const startMs = Date.now();
          try {
            await client.submit(op);
            samples.push({ startMs, endMs: Date.now(), ok: true });
          } catch (err) {
            samples.push({ startMs, endMs: Date.now(), ok: false, code: err instanceof ApiError ? err.code : String(err) });
          }
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    sampling = false;
    await sampler;

    // Proof intervals come with the proofs: wait for the one running when the load ended to finish.
    const running = (await client.health()).prover.batch;
    if (running !== null) for (let i = 0; i < 600 && (await client.batch(running)).prove === undefined; i++) await sleep(100);
    const health = await client.health();
    const intervals: { startMs: number; endMs: number }[] = [];
    for (let n = 1; n <= health.batches.cut; n++) {
      const p = (await client.batch(n)).prove;
      if (p !== undefined) intervals.push({ startMs: p.wallStartMs, endMs: p.wallEndMs });
    }
    const loadStart = Math.min(...samples.map((s) => s.startMs));
    const loadEnd = Math.max(...samples.map((s) => s.endMs));
    const accepted = samples.filter((s) => s.ok);
    const latencies = accepted.map((s) => s.endMs - s.startMs).sort((a, b) => a - b);
    const refused: Record<string, number> = {};
    for (const s of samples) if (!s.ok) refused[s.code ?? "?"] = (refused[s.code ?? "?"] ?? 0) + 1;
    return {
      instance: opts.instance.name,
      clients: opts.clients,
      requestsPerClient: opts.requestsPerClient,
      sent: samples.length,
      accepted: accepted.length,
      refused,
      seconds,
      acceptedPerSecond: accepted.length / seconds,
      latencyMs: {
        p50: percentile(latencies, 0.5),
        p90: percentile(latencies, 0.9),
        p99: percentile(latencies, 0.99),
        max: latencies[latencies.length - 1] ?? 0,
        mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
      },
      admittedDuringProof: accepted.filter((s) => intervals.some((p) => s.startMs < p.endMs && s.endMs > p.startMs)).length,
      proofsDuringLoad: intervals.filter((p) => p.startMs < loadEnd && p.endMs > loadStart).length,
      peakPending,
      batchesCut: health.batches.cut,
      machine: machineInfo(),
    };
  } finally {
    if (node.child.exitCode === null && node.child.signalCode === null) {
      node.child.kill("SIGTERM");
      await Promise.race([node.exited, sleep(10_000)]);
      if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The report as a table (one row per figure). */
export function formatLoadReport(r: LoadReport): string {
  const rows: [string, string][] = [
    ["instance", r.instance],
    ["clients × transfers", `${r.clients} × ${r.requestsPerClient} = ${r.sent}`],
    ["accepted", `${r.accepted}${Object.keys(r.refused).length === 0 ? "" : `  (refused: ${JSON.stringify(r.refused)})`}`],
    ["duration", `${r.seconds.toFixed(2)} s`],
    ["accepted / s", r.acceptedPerSecond.toFixed(1)],
    ["admission latency p50", `${r.latencyMs.p50} ms`],
    ["admission latency p90", `${r.latencyMs.p90} ms`],
    ["admission latency p99", `${r.latencyMs.p99} ms`],
    ["admission latency max", `${r.latencyMs.max} ms`],
    ["admitted while a proof ran", `${r.admittedDuringProof} of ${r.accepted} (${r.proofsDuringLoad} proofs overlapped the load)`],
    ["peak pending", String(r.peakPending)],
    ["batches cut", String(r.batchesCut)],
    ["machine", `${r.machine.cpu}, ${r.machine.cores} cores, load ${r.machine.loadAverage.join("/")}`],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join("\n");
}
