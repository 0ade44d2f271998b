// Prover pool load: proven batches per second with 1, 2, 4 `zkr prover` workers on this machine, the
// queue's per-job overhead, and a projection for W machines bounded by the L1's gas limit.
//   npx tsx scripts/prover-load.ts [--instance NAME] [--workers 1,2,4] [--jobs N] [--overhead-jobs N]
//                                  [--bench RESULTS.json] [--block-gas G] [--block-seconds S] [--out FILE.json]
// Starts its own redis-server (loopback, temp folder, append-only file fsynced on every write: the
// durability the pool's "nothing lost" needs) and its own workers, and stops them. Every job proves the
// same reference batch (keyCheckBatch): the proving work of a batch does not depend on its contents.
// Writes build/reports/prover-load.json and .md (the README's "Prover pool" section quotes the .md).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { loadavg } from "node:os";
import type { JsonObject } from "snarkjs";
import { keyCheckBatch } from "../src/artifacts/key-check.ts";
import { setupInstance } from "../src/artifacts/setup.ts";
import { fileSha256 } from "../src/artifacts/files.ts";
import { intOption, noPositionals, parseArgs, parseInteger, stringFlag } from "../src/cli/args.ts";
import { findInstance } from "../src/circuit/instances.ts";
import { BUILD_DIR, REPO_ROOT } from "../src/paths.ts";
import { killAll, spawnWorker, startRedis, type RedisServer, type WorkerProcess } from "../src/prover-pool/local-processes.ts";
import { PoolProver, type PoolProved } from "../src/prover-pool/pool-prover.ts";
import { parseRedisUrl } from "../src/prover-pool/redis-url.ts";
import { shutdownProver } from "../src/prover/prove.ts";
import { machineInfo } from "../src/report/machine.ts";

const args = parseArgs(process.argv.slice(2), {
  valued: ["instance", "workers", "jobs", "overhead-jobs", "bench", "block-gas", "block-seconds", "out"],
  boolean: [],
});
noPositionals(args);
const instance = findInstance(stringFlag(args, "instance") ?? "batch_n16_d6_a4x2-8x4");
const workerCounts = (stringFlag(args, "workers") ?? "1,2,4").split(",").map((w) => parseInteger(w, "--workers", 1, 16));
const jobs = intOption(args, "jobs", 1, 1000) ?? 8;
const overheadJobs = intOption(args, "overhead-jobs", 1, 1000) ?? 5;
const blockGas = intOption(args, "block-gas", 1, 10 ** 10) ?? 36_000_000;
const blockSeconds = intOption(args, "block-seconds", 1, 3600) ?? 12;
const benchFile = stringFlag(args, "bench") ?? join(BUILD_DIR, "bench", "n16-commitments-2", "results.json");
const out = stringFlag(args, "out") ?? join(BUILD_DIR, "reports", "prover-load.json");
const log = (m: string) => console.log(`[prover-load] ${m}`);

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};
const r = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * From a `zkr bench` results.json, for this instance: L1 gas per batch (median of the receipts' gasUsed)
 * and the median witness + prove seconds of one proof (the engine the pool's workers use), if it has them.
 */
function benchFigures(file: string): { gasPerBatch?: number; proofSeconds?: number; loadAverage?: unknown; source: string } | undefined {
  try {
    const res = JSON.parse(readFileSync(file, "utf8")) as {
      command: string;
      loadAverage?: unknown;
      configurations: {
        config: { instance: string; engine?: string };
        l1Gas?: { summary?: { gasPerBatch?: { median: number } } };
        summary?: { witnessSeconds?: { median: number }; proveSeconds?: { median: number } };
      }[];
    };
    const c = res.configurations.find((x) => x.config.instance === instance.name && (x.config.engine ?? "native") === "native");
    if (c === undefined) return undefined;
    const w = c.summary?.witnessSeconds?.median;
    const p = c.summary?.proveSeconds?.median;
    return {
      ...(c.l1Gas?.summary?.gasPerBatch?.median === undefined ? {} : { gasPerBatch: c.l1Gas.summary.gasPerBatch.median }),
      ...(w === undefined || p === undefined ? {} : { proofSeconds: w + p }),
      loadAverage: res.loadAverage,
      source: `${relative(REPO_ROOT, file)} (\`${res.command}\`)`,
    };
  } catch {
    return undefined;
  }
}

const keys = await setupInstance(instance, { log });
const vkey = JSON.parse(readFileSync(keys.vkey, "utf8")) as JsonObject;
const zkeySha256 = keys.manifest.zkeySha256 ?? fileSha256(keys.zkey);
const batch = keyCheckBatch(instance);
const loadStart = loadavg().map((l) => r(l, 2));

let redis: RedisServer | undefined;
const workers: WorkerProcess[] = [];
let pool: PoolProver | undefined;
const stopAll = async () => {
  await pool?.close();
  await killAll(workers);
  await redis?.dispose();
  await shutdownProver();
};
process.once("SIGINT", () => void stopAll().then(() => process.exit(130)));

interface Round {
  readonly workers: number;
  readonly jobs: number;
  readonly wallSeconds: number;
  readonly batchesPerSecond: number;
  readonly transfersPerSecond: number;
  readonly medianProveSeconds: number;
  readonly medianWitnessSeconds: number;
  readonly byWorker: Record<string, number>;
  readonly loadAverage: number[];
}

let nextBatch = 1;
const proveMany = (n: number): Promise<PoolProved[]> => {
  if (pool === undefined) throw new Error("no pool");
  const p = pool;
  return Promise.all(Array.from({ length: n }, () => p.prove(nextBatch++, batch.inputs)));
};

try {
  redis = await startRedis();
  log(`redis-server on ${redis.url} (append-only, fsync always)`);
  pool = await PoolProver.connect({ target: parseRedisUrl(redis.url), instance: instance.name, zkeySha256, vkey, rollup: Date.now().toString(16), log, pollMs: 1000 });
  const rounds: Round[] = [];
  let overhead: Record<string, unknown> | undefined;
  for (const w of workerCounts) {
    await killAll(workers.splice(0));
    const started = Array.from({ length: w }, (_, i) => spawnWorker(redis?.url ?? "", `w${w}-${i + 1}`));
    workers.push(...started);
    for (const s of started) if (!(await s.ready)) throw new Error(`worker ${s.id} did not start: ${s.output.slice(-3).join(" | ")}`);
    // Warm-up until every worker has proven once (keys loaded, prover process up): not measured.
    const warm = new Set<string>();
    while (warm.size < w) for (const p of await proveMany(w)) warm.add(p.worker);
    if (w === 1) {
      // Per-job overhead, one job at a time on an idle worker: all that is not witness + proof.
      const seq: PoolProved[] = [];
      for (let i = 0; i < overheadJobs; i++) seq.push(...(await proveMany(1)));
      const f = (g: (p: PoolProved) => number) => r(median(seq.map(g)), 1);
      const t = (p: PoolProved) => p.timeline;
      const proofMs = f((p) => (p.witnessSeconds + p.proveSeconds) * 1000);
      const totalMs = f((p) => t(p).verifiedAtMs - t(p).enqueuedAtMs - (p.witnessSeconds + p.proveSeconds) * 1000);
      overhead = {
        jobs: seq.length,
        medianProofMs: proofMs,
        pickupMs: f((p) => t(p).startedAtMs - t(p).enqueuedAtMs),
        inWorkerMs: f((p) => t(p).finishedAtMs - t(p).startedAtMs - (p.witnessSeconds + p.proveSeconds) * 1000),
        returnMs: f((p) => t(p).receivedAtMs - t(p).finishedAtMs),
        verifyMs: f((p) => t(p).verifiedAtMs - t(p).receivedAtMs),
        totalMs,
        shareOfProof: r(totalMs / proofMs, 4),
      };
      log(`overhead: ${JSON.stringify(overhead)}`);
    }
    const t0 = performance.now();
    const proved = await proveMany(jobs);
    const wallSeconds = (performance.now() - t0) / 1000;
    const byWorker: Record<string, number> = {};
    for (const p of proved) byWorker[p.worker] = (byWorker[p.worker] ?? 0) + 1;
    const round: Round = {
      workers: w,
      jobs,
      wallSeconds: r(wallSeconds),
      batchesPerSecond: r(jobs / wallSeconds, 4),
      transfersPerSecond: r((jobs * instance.ops) / wallSeconds, 3),
      medianProveSeconds: r(median(proved.map((p) => p.proveSeconds))),
      medianWitnessSeconds: r(median(proved.map((p) => p.witnessSeconds))),
      byWorker,
      loadAverage: loadavg().map((l) => r(l, 2)),
    };
    rounds.push(round);
    log(`${w} worker(s): ${jobs} batches in ${round.wallSeconds} s = ${round.batchesPerSecond} batches/s (${JSON.stringify(byWorker)})`);
  }

  // Projection: W machines like this one, one worker each, each at the 1-worker rate measured here.
  const one = rounds.find((x) => x.workers === 1) ?? rounds[0];
  if (one === undefined) throw new Error("no round");
  const bench = benchFigures(benchFile);
  const gas = bench?.gasPerBatch === undefined ? undefined : { gasPerBatch: bench.gasPerBatch, source: bench.source };
  // The same rate from the bench's own proof time (a quieter machine, if its load says so): one worker
  // proves back to back, so its rate is 1 / (witness + prove) plus the queue's overhead per job.
  const overheadSeconds = typeof overhead?.["totalMs"] === "number" ? overhead["totalMs"] / 1000 : 0;
  const r1Bench = bench?.proofSeconds === undefined ? undefined : 1 / (bench.proofSeconds + overheadSeconds);
  const verifyMs = typeof overhead?.["verifyMs"] === "number" ? overhead["verifyMs"] : undefined;
  const l1BatchesPerSecond = gas === undefined ? undefined : Math.floor(blockGas / gas.gasPerBatch) / blockSeconds;
  const nodeVerifyBound = verifyMs === undefined || verifyMs <= 0 ? undefined : 1000 / verifyMs;
  const project = (r1: number, W: number) => {
    const prover = W * r1;
    const rate = Math.min(prover, l1BatchesPerSecond ?? Infinity, nodeVerifyBound ?? Infinity);
    const boundBy = rate === prover ? "provers" : rate === l1BatchesPerSecond ? "L1 gas" : "node verification";
    return { batchesPerSecond: r(rate, 3), transfersPerSecond: r(rate * instance.ops, 1), boundBy };
  };
  const projection = [1, 2, 4, 8, 16, 32, 64, 128, 256].map((W) => ({
    machines: W,
    ...project(one.batchesPerSecond, W),
    ...(r1Bench === undefined ? {} : { withBenchProofTime: project(r1Bench, W) }),
  }));
  const saturation = l1BatchesPerSecond === undefined ? undefined : Math.ceil(l1BatchesPerSecond / one.batchesPerSecond);
  const saturationBench = l1BatchesPerSecond === undefined || r1Bench === undefined ? undefined : Math.ceil(l1BatchesPerSecond / r1Bench);
  const report = {
    command: `npx tsx scripts/prover-load.ts ${process.argv.slice(2).join(" ")}`.trim(),
    createdAt: new Date().toISOString(),
    machine: machineInfo(),
    loadAverage: { start: loadStart, end: loadavg().map((l) => r(l, 2)) },
    instance: instance.name,
    batchSize: instance.ops,
    keysInsecure: keys.manifest.insecure,
    redis: "redis-server (Debian) on loopback, appendonly yes, appendfsync always",
    rounds,
    overhead,
    projection: {
      formula: "batches/s(W) = min(W · r1, floor(G_block / g_batch) / T_block, 1 / t_verify); transfers/s = batches/s · B",
      r1: one.batchesPerSecond,
      r1FromBench: r1Bench === undefined ? null : r(r1Bench, 4),
      benchProofSeconds: bench?.proofSeconds === undefined ? null : r(bench.proofSeconds, 3),
      benchLoadAverage: bench?.loadAverage ?? null,
      overheadShareOfBenchProof: bench?.proofSeconds === undefined ? null : r(overheadSeconds / bench.proofSeconds, 4),
      blockGas,
      blockSeconds,
      gasPerBatch: gas?.gasPerBatch ?? null,
      gasSource: gas?.source ?? `none: no L1 gas for ${instance.name} in ${benchFile}`,
      l1BatchesPerSecond: l1BatchesPerSecond === undefined ? null : r(l1BatchesPerSecond, 3),
      nodeVerifyBatchesPerSecond: nodeVerifyBound === undefined ? null : r(nodeVerifyBound, 1),
      machinesToSaturateL1: saturation ?? null,
      machinesToSaturateL1FromBench: saturationBench ?? null,
      rows: projection,
    },
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  const md = markdown(report);
  writeFileSync(out.replace(/\.json$/, ".md"), md);
  console.log(md);
  log(`written ${out}`);
} finally {
  await stopAll();
}

interface Cell {
  batchesPerSecond: number;
  transfersPerSecond: number;
  boundBy: string;
}

function markdown(rep: {
  command: string;
  machine: ReturnType<typeof machineInfo>;
  loadAverage: { start: number[]; end: number[] };
  instance: string;
  batchSize: number;
  rounds: Round[];
  overhead: Record<string, unknown> | undefined;
  projection: {
    formula: string;
    r1: number;
    r1FromBench: number | null;
    benchProofSeconds: number | null;
    benchLoadAverage: unknown;
    overheadShareOfBenchProof: number | null;
    machinesToSaturateL1FromBench: number | null;
    blockGas: number;
    blockSeconds: number;
    gasPerBatch: number | null;
    gasSource: string;
    l1BatchesPerSecond: number | null;
    nodeVerifyBatchesPerSecond: number | null;
    machinesToSaturateL1: number | null;
    rows: ({ machines: number; withBenchProofTime?: { batchesPerSecond: number; transfersPerSecond: number; boundBy: string } } & Cell)[];
  };
}): string {
  const m = rep.machine;
  const o = rep.overhead ?? {};
  const p = rep.projection;
  const lines = [
    `#### Prover pool (\`${rep.command}\`)`,
    "",
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, snarkjs ${m.snarkjs}; load average ${rep.loadAverage.start.join("/")} at the start, ${rep.loadAverage.end.join("/")} at the end. Instance ${rep.instance} (batch ${rep.batchSize}), development keys; workers are \`zkr prover\` processes on this machine, Redis on loopback.`,
    "",
    "| workers | batches | wall s | proven batches/s | transfers/s | median prove s | median witness s | jobs per worker |",
    "|---:|---:|---:|---:|---:|---:|---:|---|",
    ...rep.rounds.map(
      (x) =>
        `| ${x.workers} | ${x.jobs} | ${x.wallSeconds} | ${x.batchesPerSecond} | ${x.transfersPerSecond} | ${x.medianProveSeconds} | ${x.medianWitnessSeconds} | ${Object.values(x.byWorker).join(", ")} |`,
    ),
    "",
    `This machine has ${m.cores} cores and one proof already uses all of them (the warm prover's MSMs and FFTs are multi-threaded), so more workers on it do not prove faster: they share the same cores. The rate that scales is one worker per machine.`,
    "",
    `Per-job overhead of the queue (one job at a time, ${String(o["jobs"] ?? "?")} jobs, medians): enqueue → worker starts ${String(o["pickupMs"])} ms, in the worker besides witness + proof ${String(o["inWorkerMs"])} ms, worker done → node has the result ${String(o["returnMs"])} ms, node verifies the proof ${String(o["verifyMs"])} ms; **in all ${String(o["totalMs"])} ms = ${r(Number(o["shareOfProof"]) * 100, 2)} % of the ${String(o["medianProofMs"])} ms witness + proof** (target ≤ 5 %)${p.overheadShareOfBenchProof === null ? "" : `; against the bench's batch-${rep.batchSize} proof of ${String(p.benchProofSeconds)} s (witness + prove, ${p.gasSource}, load ${JSON.stringify(p.benchLoadAverage)}) it is ${r(p.overheadShareOfBenchProof * 100, 2)} %`}.`,
    "",
    `Projection for W machines like this one, one worker each: \`${p.formula}\` with r1 = ${p.r1} batches/s (measured above, 1 worker), G_block = ${p.blockGas.toLocaleString("en-US")} gas, T_block = ${p.blockSeconds} s, g_batch = ${p.gasPerBatch === null ? "unknown" : p.gasPerBatch.toLocaleString("en-US")} gas (${p.gasSource}), t_verify = the node's verification time above, B = ${rep.batchSize}. L1 bound: ${p.l1BatchesPerSecond ?? "?"} batches/s; the L1 is full from ${p.machinesToSaturateL1 ?? "?"} machines on at r1${p.r1FromBench === null ? "" : `, from ${String(p.machinesToSaturateL1FromBench)} at the bench's rate r1' = 1 / (${String(p.benchProofSeconds)} s + the overhead above) = ${p.r1FromBench} batches/s`}.`,
    "",
    "| machines W | batches/s at r1 (this run) | transfers/s | bound by | batches/s at r1' (bench proof time) | transfers/s | bound by |",
    "|---:|---:|---:|---|---:|---:|---|",
    ...p.rows.map((x) => {
      const b = x.withBenchProofTime;
      return `| ${x.machines} | ${x.batchesPerSecond} | ${x.transfersPerSecond} | ${x.boundBy} | ${b?.batchesPerSecond ?? "–"} | ${b?.transfersPerSecond ?? "–"} | ${b?.boundBy ?? "–"} |`;
    }),
    "",
  ];
  return lines.join("\n");
}
