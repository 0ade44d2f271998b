import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg, totalmem } from "node:os";
import { join } from "node:path";
import type { JsonObject } from "snarkjs";
import { compileCircuit, compiledCircuit } from "../artifacts/compile.ts";
import { groth16Power } from "../artifacts/ptau.ts";
import { existingSetup, setupInstance, type SetupArtifacts } from "../artifacts/setup.ts";
import type { CircuitInstance } from "../circuit/instances.ts";
import { calculateWitnessBin } from "../circuit/witness.ts";
import { BUILD_DIR } from "../paths.ts";
import { verifyProof, type ProvedBatch, type ProverEngine } from "../prover/prove.ts";
import { Prover } from "../prover/prover.ts";
import { machineInfo } from "../report/machine.ts";
import type { EvmSession } from "../evm/client.ts";
import type { BatchInputs } from "../state/batch.ts";
import { coldCliFullProve } from "./baseline.ts";
import { loadNativeMsm, NativeMsmError } from "../prover/native-msm.ts";
import { buildCppWitness, cppToolchain, cppWitness, cppWitnessBuilt, inputsJson, type CppWitnessGenerator } from "../circuit/witness-cpp.ts";
import { compileSeconds, estimate, type Estimate } from "./feasibility.ts";
import { L1SubmissionError, NOT_GROTH16_REASON, startBenchL1, submitToL1, type ProvenBatch } from "./l1-gas.ts";
import { pairedEngine, resolveWitness, treeLabel, type BenchEngine, type BenchOptions } from "./options.ts";
import { findRapidsnark, runRapidsnark } from "./rapidsnark.ts";
import { plonkSizing, type PlonkSizing } from "./plonk-gates.ts";
import { proofCalldataBytes, proofJsonBytes } from "./proof-size.ts";
import { writeReport } from "./report.ts";
import type { BaselineSample, BenchResults, ConfigKey, ConfigResult, Pipelined, RapidsnarkSample, Sample, Summary } from "./results.ts";
import { scalingOf, headlineOf } from "./scaling.ts";
import { stat } from "./stats.ts";
import { TransferWorkload, type WorkloadBatch } from "./workload.ts";

export interface BenchIo {
  /** Progress lines (the terminal table is printed from them while the run goes). */
  readonly log: (message: string) => void;
}

export interface BenchRun {
  readonly results: BenchResults;
  readonly files: { readonly json: string; readonly markdown: string; readonly charts: string[] };
}

/** The batch circuit has one public input (inputHash). */

const load1 = () => Number((loadavg()[0] ?? 0).toFixed(2));

/**
 * The sweep: every instance × protocol × witness generator × engine, each checked against this machine
 * and the time budget first (skipped with the reason if it cannot fit), then: keys (cached or made),
 * one warm-up proof (not counted), `reps` timed proofs in a warm prover process, `reps` pipelined
 * proofs, and `reps` cold runs of the stock snarkjs CLI on the same circuit and keys. Every proof is
 * verified against the verification key; a configuration where one fails is reported failed, untimed.
 * One EVM serves the run (in-process, or anvil with l1 "anvil"; stopped at the end, also on failure) and each Groth16
 * configuration's proven batches are then submitted to its own ZkRollup.sol there (l1-gas.ts).
 * Writes results.json, summary.md and the SVG charts to opts.outDir.
 */
export async function runBench(opts: BenchOptions, io: BenchIo, command = "zkr bench"): Promise<BenchRun> {
  const started = performance.now();
  const l1 = opts.l1 ?? "simulated";
  // Started first: an environment without the EVM fails before minutes of proving, not after.
  const evm = await startBenchL1(l1);
  try {
    return await sweep(opts, io, command, started, evm);
  } finally {
    await evm.close();
  }
}

async function sweep(opts: BenchOptions, io: BenchIo, command: string, started: number, evm: EvmSession): Promise<BenchRun> {
  const loadStart = load1();
  rapidsnarkFailures.clear();
  mkdirSync(opts.outDir, { recursive: true });
  const machine = machineInfo();
  io.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, snarkjs ${machine.snarkjs}; load average ${loadStart}`);
  io.log(`L1: ${evm.backend.description} (hardfork ${evm.backend.hardfork}); proven batches are submitted to ZkRollup.sol after each configuration's timing`);

  // rapidsnark, when asked for: the binary (or why none), run beside the first of our engines.
  const rapidsnark = opts.engines.includes("rapidsnark") ? findRapidsnark(opts.rapidsnark) : undefined;
  const paired = pairedEngine(opts.engines);
  if (rapidsnark !== undefined) io.log(`rapidsnark: ${"path" in rapidsnark ? `${rapidsnark.path}, timed on the same zkey and witness file as each ${paired ?? "?"} repetition, right after it` : rapidsnark.missing}`);
  // rapidsnark last: its runs are made while its paired engine's configuration is timed.
  const groth16Engines: BenchEngine[] = [...opts.engines.filter((e) => e !== "rapidsnark"), ...opts.engines.filter((e) => e === "rapidsnark")];

  // auto: circom's C++ witness generator where its toolchain is present (built on demand, cached), else wasm.
  const toolchain = cppToolchain();
  const notes: string[] = [];
  const { generators: witnesses, note: witnessLine } = resolveWitness(opts.witness, toolchain);
  if (witnessLine !== undefined) {
    notes.push(witnessLine.replace(/^witness/, "Witness generator"));
    io.log(witnessLine);
  }

  const keys: ConfigKey[] = [];
  for (const instance of opts.instances) {
    for (const protocol of opts.protocols) {
      for (const witness of witnesses) {
        for (const engine of protocol === "groth16" ? groth16Engines : (["snarkjs"] as const)) {
          keys.push({ instance: instance.name, batchSize: instance.ops, tree: treeLabel(instance.arities), commitment: instance.layout.commitment, accounts: instance.accounts, protocol, witness, engine });
        }
      }
    }
  }
  const configurations: ConfigResult[] = [];
  if (witnesses.includes("cpp") && !toolchain.ok) {
    notes.push(`C++ witness generator: skipped, missing ${toolchain.missing.join(", ")} (apt-get install ${toolchain.install.join(" ")}).`);
  }
  // A baseline is per circuit and keys, not per witness generator or engine: time it once.
  const baselineDone = new Set<string>();

  for (const [i, key] of keys.entries()) {
    const instance = opts.instances.find((x) => x.name === key.instance) as CircuitInstance;
    const id = `${key.instance}/${key.protocol}/${key.witness}/${key.engine}`;
    const tag = `[${i + 1}/${keys.length}] n${key.batchSize} ${key.tree} ${key.protocol} ${key.witness}${key.protocol === "groth16" ? ` ${key.engine}` : ""}`;
    const result: ConfigResult = { id, config: key, status: "ok", samples: [] };
    configurations.push(result);
    if (key.engine === "rapidsnark") {
      rapidsnarkConfig(result, rapidsnark, paired, configurations, (m) => io.log(`${tag}: ${m}`));
      if (result.status === "ok") {
        result.summary = summarize(result, []);
        io.log(`${tag}: ${summaryLine(result)}`);
      }
      continue;
    }
    const wantBaseline = opts.baseline && key.protocol === "groth16" && !baselineDone.has(`${key.instance}/${key.protocol}`);
    const withRapidsnark = key.protocol === "groth16" && key.engine === paired && rapidsnark !== undefined && "path" in rapidsnark ? rapidsnark.path : undefined;
    try {
      await runConfig({ instance, key, result, opts, tag, io, toolchain, wantBaseline, l1: evm, rapidsnark: withRapidsnark });
      if (result.baseline !== undefined) baselineDone.add(`${key.instance}/${key.protocol}`);
    } catch (err) {
      result.status = "failed";
      result.reason = err instanceof Error ? (err.message.split("\n")[0] ?? err.message) : String(err);
      io.log(`${tag}: FAILED: ${result.reason}`);
    }
    // A failed configuration is not timed: its samples stay in results.json, but it gets no summary.
    if (result.status === "ok") {
      result.summary = summarize(result, baselineOf(configurations, key));
      io.log(`${tag}: ${summaryLine(result)}`);
    }
  }
  // Configurations sharing a circuit and keys share its baseline (timed once, with the first of them).
  for (const r of configurations) if (r.status === "ok") r.summary = summarize(r, baselineOf(configurations, r.config));

  if (configurations.some((c) => c.setup?.insecure === true)) {
    notes.push("Keys are development keys (known toxic waste, INSECURE): the proving work is the same as with ceremony keys; never use them for value.");
  }
  notes.push(`Timings share this machine with other processes: the 1-minute load average is stored with every sample (run: ${loadStart} at start).`);
  const scaling = scalingOf(configurations, opts.instances, totalmem(), witnesses[0]);
  const results: BenchResults = {
    schema: "zkr-bench/1",
    createdAt: new Date().toISOString(),
    command,
    machine,
    loadAverage: { start: loadStart, end: load1() },
    durationSeconds: (performance.now() - started) / 1000,
    options: {
      instances: opts.instances.map((x) => x.name),
      protocols: [...opts.protocols],
      witness: witnesses,
      engines: [...groth16Engines],
      rapidsnark: rapidsnark !== undefined && "path" in rapidsnark ? rapidsnark.path : null,
      reps: opts.reps,
      baseline: opts.baseline,
      pipeline: opts.pipeline,
      maxConfigSeconds: opts.maxConfigSeconds,
      seed: opts.seed,
      l1: evm.kind === "anvil" ? "anvil" : "simulated",
    },
    configurations,
    scaling,
    headline: headlineOf(configurations, witnesses[0]),
    notes,
  };
  const files = await writeReport(results, opts.outDir);
  return { results, files };
}

interface ConfigContext {
  readonly instance: CircuitInstance;
  readonly key: ConfigKey;
  readonly result: ConfigResult;
  readonly opts: BenchOptions;
  readonly tag: string;
  readonly io: BenchIo;
  readonly toolchain: ReturnType<typeof cppToolchain>;
  readonly wantBaseline: boolean;
  /** The run's EVM: each Groth16 configuration's proven batches go to its own ZkRollup.sol there. */
  readonly l1: EvmSession;
  /** The rapidsnark binary to run on each repetition's witness file, right after our proof of it. */
  readonly rapidsnark: string | undefined;
}

async function runConfig(ctx: ConfigContext): Promise<void> {
  const { instance, key, result, opts, tag, io } = ctx;
  const sub = (m: string) => io.log(`${tag}: ${m}`);
  if (key.engine === "rapidsnark") throw new Error("rapidsnark is run beside one of our engines, not alone");
  const engine: ProverEngine = key.engine;

  if (key.witness === "cpp" && !ctx.toolchain.ok) {
    return skip(result, `C++ witness generator needs g++, make, nasm, libgmp-dev and nlohmann-json3-dev; missing here: ${ctx.toolchain.missing.join(", ")} (apt-get install ${ctx.toolchain.install.join(" ")})`, sub);
  }

  if (key.engine === "native") {
    // Built here once (cached in build/native/), so the prover process only loads it.
    try {
      loadNativeMsm(sub);
    } catch (err) {
      if (err instanceof NativeMsmError) return skip(result, err.message, sub);
      throw err;
    }
  }

  // Compile (cached by content hash): needed to know the size of anything.
  const before = compiledCircuit(instance);
  if (before === undefined) {
    const seconds = compileSeconds(instance.ops);
    if (seconds > opts.maxConfigSeconds) {
      return skip(result, `not compiled yet, and compiling alone is estimated at ${Math.round(seconds)} s, over the budget (zkr setup ${instance.name} builds it)`, sub);
    }
  }
  const t0 = performance.now();
  const circuit = before ?? (await compileCircuit(instance, { log: sub }));
  const compileTime = before === undefined ? (performance.now() - t0) / 1000 : circuit.compileSeconds;
  const sizing: PlonkSizing | undefined = key.protocol === "groth16" ? undefined : plonkSizing(circuit.r1cs);
  const domainPower =
    key.protocol === "groth16" ? groth16Power(circuit.constraints, 1) : key.protocol === "plonk" ? (sizing as PlonkSizing).plonkPower : (sizing as PlonkSizing).fflonkPower;
  result.circuit = {
    constraints: circuit.constraints,
    wires: circuit.wires,
    ...(sizing === undefined ? {} : { plonkGates: sizing.gates }),
    domainPower,
    domainSize: 2 ** domainPower,
    compileSeconds: compileTime,
    compileCached: before !== undefined,
  };

  // Does it fit (memory, ptau limits, the time budget)?
  const cachedKeys = existingSetup(circuit, key.protocol);
  const est: Estimate = estimate({
    ...estimateBase(ctx, circuit.constraints),
    ...(sizing === undefined ? {} : { sizing }),
    cppBuild: key.witness === "cpp" && !cppWitnessBuilt(circuit),
    compiled: true,
    keysCached: cachedKeys !== undefined,
    ptauCached: sizing !== undefined && ptauExists(key.protocol === "plonk" ? sizing.plonkPower : sizing.fflonkPtauPower),
  });
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  result.estimate = { seconds: finite(est.seconds), proveSeconds: finite(est.proveSeconds), peakRssBytes: finite(est.peakRssBytes) };
  if (est.skip !== undefined) return skip(result, est.skip, sub);

  // Keys.
  let keys: SetupArtifacts;
  let setupSeconds: number;
  if (cachedKeys !== undefined) {
    keys = cachedKeys;
    setupSeconds = cachedKeys.manifest.seconds;
    sub(`keys cached (${keys.manifest.ceremony}${keys.manifest.insecure ? ", INSECURE development keys" : ""}, made in ${setupSeconds.toFixed(1)} s)`);
  } else {
    mkdirSync(join(BUILD_DIR, "ptau"), { recursive: true });
    const t = performance.now();
    keys = await setupInstance(instance, { protocol: key.protocol, log: (m) => sub(m.trim()) });
    setupSeconds = (performance.now() - t) / 1000;
  }
  let cpp: CppWitnessGenerator | undefined;
  if (key.witness === "cpp") cpp = await buildCppWitness(instance, circuit, sub);
  result.setup = {
    seconds: setupSeconds,
    cached: cachedKeys !== undefined,
    ceremony: keys.manifest.ceremony,
    insecure: keys.manifest.insecure,
    ...(cpp === undefined ? {} : { cppBuildSeconds: cpp.buildSeconds }),
  };
  const vkey = JSON.parse(readFileSync(keys.vkey, "utf8")) as JsonObject;

  // Inputs: distinct full batches of signed transfers, made before any timing.
  const t = performance.now();
  const workload = new TransferWorkload(instance, opts.seed);
  const batchCount = 1 + opts.reps + (opts.pipeline ? opts.reps : 0) + (ctx.wantBaseline ? opts.reps : 0);
  const batches = Array.from({ length: batchCount }, () => workload.batch());
  sub(`${batchCount} batches of ${instance.ops} signed transfers made with the reference model in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  let next = 0;
  // Each batch's proof, by position: they are submitted to the L1 in the workload's order.
  const proven: (ProvenBatch | undefined)[] = [];
  const take = (source: ProvenBatch["source"]) => {
    const index = next++;
    const batch = batches[index] as WorkloadBatch;
    return { ...batch, keep: (proof: JsonObject) => void (proven[index] = { source, transfers: batch.transfers, records: batch.records, newRoot: batch.newRoot, proof }) };
  };
  const workDir = join(opts.outDir, "work", result.id.replace(/\//g, "_"));
  mkdirSync(workDir, { recursive: true });

  const verify = async (proved: { proof: JsonObject; publicSignals: string[] }, inputs: BatchInputs) => {
    const tv = performance.now();
    const ok = (await verifyProof(vkey, proved.publicSignals, proved.proof, key.protocol)) && proved.publicSignals[0] === inputs.inputHash.toString();
    return { ok, seconds: (performance.now() - tv) / 1000 };
  };
  const witnessFor = async (inputs: BatchInputs): Promise<{ wtns: Uint8Array; seconds: number }> => {
    if (cpp !== undefined) {
      const inputJson = join(workDir, "input.json");
      writeFileSync(inputJson, inputsJson(inputs));
      return cppWitness(cpp, inputJson, join(workDir, "witness.wtns"));
    }
    const tw = performance.now();
    const wtns = await calculateWitnessBin(circuit.wasm, inputs);
    return { wtns, seconds: (performance.now() - tw) / 1000 };
  };

  const wtnsPath = join(workDir, "witness-shared.wtns");
  let lastInputs: BatchInputs | undefined;
  // rapidsnark on the witness file of the proof just made (same zkey); a failure of the binary fails only the rapidsnark configuration.
  const rapidsnarkSamples: RapidsnarkSample[] = [];
  let rapidsnarkFailure: string | undefined;
  const rapidsnarkOne = async (s: Sample): Promise<void> => {
    if (ctx.rapidsnark === undefined || rapidsnarkFailure !== undefined || lastInputs === undefined) return;
    try {
      const run = await runRapidsnark({ binary: ctx.rapidsnark, zkey: keys.zkey, wtns: wtnsPath, workDir });
      const v = await verify(run, lastInputs);
      const sample: RapidsnarkSample = {
        rep: s.rep,
        transfers: s.transfers,
        witnessSeconds: s.witnessSeconds,
        wallSeconds: run.wallSeconds,
        cpuSeconds: run.cpuSeconds,
        peakRssBytes: run.peakRssBytes,
        verified: v.ok,
        verifySeconds: v.seconds,
        proofJsonBytes: run.proofJsonBytes,
        engineProveSeconds: s.proveSeconds,
        engineCpuSeconds: s.cpuSeconds,
        loadAverage: load1(),
      };
      sub(`${s.rep === 0 ? "rapidsnark warm-up (not counted)" : `rapidsnark rep ${s.rep}/${opts.reps}`} (same zkey and witness file, cold process): ${run.wallSeconds.toFixed(2)} s (CPU ${run.cpuSeconds?.toFixed(1) ?? "?"} s), RSS ${mb(run.peakRssBytes)}, ${v.ok ? "verified" : "NOT VERIFIED"}, ${engine} ${s.proveSeconds.toFixed(2)} s = ${(s.proveSeconds / run.wallSeconds).toFixed(2)}x rapidsnark's time, load ${sample.loadAverage}`);
      if (!v.ok) rapidsnarkFailure = `rapidsnark's proof of repetition ${s.rep} did not verify`;
      else if (s.rep > 0) rapidsnarkSamples.push(sample);
    } catch (err) {
      rapidsnarkFailure = err instanceof Error ? (err.message.split("\n")[0] ?? err.message) : String(err);
      sub(`rapidsnark FAILED: ${rapidsnarkFailure}`);
    }
    result.rapidsnark = { binary: ctx.rapidsnark, pairedWith: engine, samples: rapidsnarkSamples };
    if (rapidsnarkFailure !== undefined) rapidsnarkFailures.set(result.id, rapidsnarkFailure);
  };

  const prover = new Prover({ zkey: keys.zkey, wasm: circuit.wasm }, key.protocol, { engine });
  try {
    // One proof in the warm process: witness then proof (the wasm witness runs inside the prover process).
    const proveOne = async (rep: number): Promise<Sample> => {
      const { inputs, transfers, keep } = take(rep === 0 ? "warm-up" : "repetition");
      let proved: ProvedBatch;
      let witnessSeconds: number;
      if (cpp === undefined && ctx.rapidsnark === undefined) {
        proved = await prover.prove(inputs);
        witnessSeconds = proved.witnessSeconds;
      } else {
        // With rapidsnark, the witness is made here and written to a file: both provers get the same one.
        const w = await witnessFor(inputs);
        if (ctx.rapidsnark !== undefined) writeFileSync(wtnsPath, w.wtns);
        proved = await prover.proveWitness(w.wtns);
        witnessSeconds = w.seconds;
      }
      const v = await verify(proved, inputs);
      keep(proved.proof);
      lastInputs = inputs;
      return {
        rep,
        transfers,
        witnessSeconds,
        proveSeconds: proved.proveSeconds,
        verifySeconds: v.seconds,
        verified: v.ok,
        peakRssBytes: proved.peakRssBytes ?? null,
        cpuSeconds: proved.cpuSeconds ?? null,
        proofJsonBytes: proofJsonBytes(proved.proof),
        proofCalldataBytes: proofCalldataBytes(key.protocol, proved.proof),
        ...(proved.breakdown === undefined ? {} : { breakdown: proved.breakdown }),
        loadAverage: load1(),
      };
    };

    const warm = await proveOne(0);
    result.warmup = warm;
    sub(`warm-up (not counted): witness ${warm.witnessSeconds.toFixed(2)} s, prove ${warm.proveSeconds.toFixed(2)} s, ${warm.verified ? "verified" : "NOT VERIFIED"}`);
    if (!warm.verified) return fail(result, "the warm-up proof did not verify", sub);
    await rapidsnarkOne(warm);

    // The baseline: one cold process of the stock CLI per proof, on the same circuit and keys. Its
    // repetitions alternate with the warm ones (warm, cold, warm, cold, ...) so that both see the same
    // load from whatever else runs on this machine; the warm process idles meanwhile.
    const baseline: BaselineSample[] = [];
    const coldOne = async (rep: number): Promise<BaselineSample> => {
      const { inputs, transfers, keep } = take("baseline");
      const inputJson = join(workDir, "input.json");
      writeFileSync(inputJson, inputsJson(inputs));
      const cold = await coldCliFullProve({ protocol: key.protocol, inputJson, wasm: circuit.wasm, zkey: keys.zkey, workDir });
      const v = await verify(cold, inputs);
      keep(cold.proof);
      return { rep, transfers, wallSeconds: cold.wallSeconds, peakRssBytes: cold.peakRssBytes, cpuSeconds: cold.cpuSeconds, verified: v.ok, proofJsonBytes: cold.proofJsonBytes, loadAverage: load1() };
    };

    for (let rep = 1; rep <= opts.reps; rep++) {
      const s = await proveOne(rep);
      result.samples.push(s);
      sub(`rep ${rep}/${opts.reps}: witness ${s.witnessSeconds.toFixed(2)} s, prove ${s.proveSeconds.toFixed(2)} s (CPU ${s.cpuSeconds?.toFixed(1) ?? "?"} s), verify ${(s.verifySeconds * 1000).toFixed(0)} ms, ${s.verified ? "verified" : "NOT VERIFIED"}, RSS ${mb(s.peakRssBytes)}, load ${s.loadAverage}`);
      if (!s.verified) return fail(result, `proof of repetition ${rep} did not verify`, sub);
      await rapidsnarkOne(s);
      if (ctx.wantBaseline) {
        const b = await coldOne(rep);
        baseline.push(b);
        result.baseline = { samples: baseline };
        sub(`baseline rep ${rep}/${opts.reps} (snarkjs CLI ${key.protocol} fullprove, cold process): ${b.wallSeconds.toFixed(2)} s (CPU ${b.cpuSeconds?.toFixed(1) ?? "?"} s), RSS ${mb(b.peakRssBytes)}, ${b.verified ? "verified" : "NOT VERIFIED"}, load ${b.loadAverage}`);
        if (!b.verified) return fail(result, `baseline proof of repetition ${rep} did not verify`, sub);
      }
    }

    if (opts.pipeline) {
      // The next batch's witness is computed here while the prover process proves the current one.
      const items = Array.from({ length: opts.reps }, () => take("pipelined"));
      const completions: Pipelined["completions"] = [];
      // Warm this process's witness calculator (wasm compile, JIT) as the prover process was warmed: not timed.
      if (items[0] !== undefined) await witnessFor(items[0].inputs);
      const tp = performance.now();
      const inFlight: Promise<void>[] = [];
      for (const item of items) {
        const w = await witnessFor(item.inputs);
        inFlight.push(
          prover.proveWitness(w.wtns).then(async (proved) => {
            const atSeconds = (performance.now() - tp) / 1000;
            const v = await verify(proved, item.inputs);
            item.keep(proved.proof);
            completions.push({ atSeconds, witnessSeconds: w.seconds, proveSeconds: proved.proveSeconds, verified: v.ok });
          }),
        );
        // At most one proof queued behind the one running: wait for the one before this before the next witness.
        if (inFlight.length >= 2) await inFlight[inFlight.length - 2];
      }
      await Promise.all(inFlight);
      // Verification runs after each completion is stamped; the wall clock stops at the last proof.
      const wallSeconds = Math.max(...completions.map((c) => c.atSeconds));
      const transfers = items.reduce((n, b) => n + b.transfers, 0);
      result.pipelined = { proofs: items.length, transfers, wallSeconds, transfersPerSecond: transfers / wallSeconds, completions, loadAverage: load1() };
      sub(`pipelined: ${items.length} proofs in ${wallSeconds.toFixed(2)} s = ${(transfers / wallSeconds).toFixed(2)} transfers/s, ${completions.every((c) => c.verified) ? "all verified" : "NOT ALL VERIFIED"}`);
      if (!completions.every((c) => c.verified)) return fail(result, "a pipelined proof did not verify", sub);
    }
  } finally {
    await prover.close();
  }

  // Every proof verified (a failure returned above): now the L1, after the timing, so it cannot disturb it.
  if (key.protocol !== "groth16") {
    result.l1Gas = { status: "n/a", reason: NOT_GROTH16_REASON };
    return;
  }
  const all = proven.filter((p): p is ProvenBatch => p !== undefined);
  if (all.length !== batches.length) return fail(result, `only ${all.length} of ${batches.length} batches have a proof to submit`, sub);
  try {
    result.l1Gas = await submitToL1({ session: ctx.l1, instance, keys, genesisRoot: workload.genesisRoot, batches: all, log: sub });
  } catch (err) {
    if (!(err instanceof L1SubmissionError)) throw err;
    return fail(result, err.message, sub);
  }
  const g = result.l1Gas.summary;
  sub(
    `L1 (${result.l1Gas.evm.name}): ${all.length} batches accepted; ${n0(g.gasPerBatch.median)} gas a batch (first batch excluded), ${n0(g.gasPerTransfer.median)} a transfer` +
      (result.l1Gas.verifierCallGas === null ? "" : `; verifyProof ${n0(result.l1Gas.verifierCallGas)} gas`),
  );
}

const n0 = (x: number) => Math.round(x).toLocaleString("en-US");

function estimateBase(ctx: ConfigContext, constraints: number) {
  return {
    protocol: ctx.key.protocol,
    engine: ctx.key.engine === "rapidsnark" ? ("native" as const) : ctx.key.engine,
    rapidsnark: ctx.rapidsnark !== undefined,
    constraints,
    compiled: true,
    keysCached: true,
    ptauCached: true,
    cppBuild: ctx.key.witness === "cpp",
    reps: ctx.opts.reps,
    pipeline: ctx.opts.pipeline,
    baseline: ctx.wantBaseline,
    maxSeconds: ctx.opts.maxConfigSeconds,
  };
}

function ptauExists(power: number): boolean {
  return existsSync(join(BUILD_DIR, "ptau", `dev-${power}.ptau`));
}

function skip(result: ConfigResult, reason: string, log: (m: string) => void): void {
  result.status = "skipped";
  result.reason = reason;
  log(`skipped: ${reason}`);
}

function fail(result: ConfigResult, reason: string, log: (m: string) => void): void {
  result.status = "failed";
  result.reason = reason;
  log(`FAILED: ${reason}`);
}

/** Why the rapidsnark runs beside a configuration (by id) stopped, when they did. */
const rapidsnarkFailures = new Map<string, string>();

/**
 * The rapidsnark configuration: the runs made beside its paired engine's repetitions (same instance,
 * protocol and witness generator), or skipped/failed with the reason.
 */
function rapidsnarkConfig(
  result: ConfigResult,
  binary: ReturnType<typeof findRapidsnark> | undefined,
  paired: ProverEngine | undefined,
  all: readonly ConfigResult[],
  log: (m: string) => void,
): void {
  if (binary === undefined || "missing" in binary) return skip(result, binary?.missing ?? "rapidsnark not requested", log);
  if (paired === undefined) return skip(result, "rapidsnark is timed beside one of our engines: list native (or warm) in --engine too", log);
  const k = result.config;
  const mine = all.find((c) => c.config.instance === k.instance && c.config.protocol === k.protocol && c.config.witness === k.witness && c.config.engine === paired);
  if (mine === undefined || mine.status !== "ok") {
    return skip(result, `its paired engine (${paired}) did not run here${mine?.reason === undefined ? "" : `: ${mine.reason}`}`, log);
  }
  const failure = rapidsnarkFailures.get(mine.id);
  if (failure !== undefined) return fail(result, failure, log);
  const runs = mine.rapidsnark;
  if (runs === undefined || runs.samples.length === 0) return fail(result, "no rapidsnark run was timed", log);
  if (mine.circuit !== undefined) result.circuit = mine.circuit;
  if (mine.setup !== undefined) result.setup = mine.setup;
  result.rapidsnark = runs;
  result.samples = runs.samples.map((r) => ({
    rep: r.rep,
    transfers: r.transfers,
    witnessSeconds: r.witnessSeconds,
    proveSeconds: r.wallSeconds,
    verifySeconds: r.verifySeconds,
    verified: r.verified,
    peakRssBytes: r.peakRssBytes,
    cpuSeconds: r.cpuSeconds,
    proofJsonBytes: r.proofJsonBytes,
    proofCalldataBytes: mine.samples[0]?.proofCalldataBytes ?? 0,
    loadAverage: r.loadAverage,
  }));
}

function baselineOf(all: readonly ConfigResult[], key: ConfigKey): BaselineSample[] {
  const owner = all.find((c) => c.config.instance === key.instance && c.config.protocol === key.protocol && c.baseline !== undefined && c.status !== "failed");
  return owner?.baseline?.samples ?? [];
}

function summarize(r: ConfigResult, base: readonly BaselineSample[]): Summary {
  const s = r.samples;
  const total = (x: Sample) => x.witnessSeconds + x.proveSeconds;
  const warmTps = stat(s.map((x) => x.transfers / total(x)));
  const baseTps = stat(base.map((b) => b.transfers / b.wallSeconds));
  const warmCpu = stat(s.flatMap((x) => (x.cpuSeconds === null ? [] : [x.cpuSeconds])));
  const baseCpu = stat(base.flatMap((b) => (b.cpuSeconds === null ? [] : [b.cpuSeconds])));
  // Paired: each baseline repetition against the warm repetition that ran just before it (same load) —
  // only where the baseline was interleaved with this configuration's proofs; another engine on the same
  // circuit shares that baseline and is compared by medians (and CPU time) instead.
  const paired = r.baseline === undefined ? [] : base.flatMap((b) => {
    const w = s.find((x) => x.rep === b.rep);
    return w === undefined ? [] : [b.wallSeconds / total(w)];
  });
  const pairedStat = stat(paired);
  const anyProof = r.warmup ?? r.samples[0];
  // Beside rapidsnark (on our engine's configuration only): per repetition, our prove time over its time on the same witness.
  const rs = r.config.engine !== "rapidsnark" ? r.rapidsnark?.samples ?? [] : [];
  const rsCpu = stat(rs.flatMap((x) => (x.cpuSeconds === null ? [] : [x.cpuSeconds])));
  const ourCpu = stat(rs.flatMap((x) => (x.engineCpuSeconds === null ? [] : [x.engineCpuSeconds])));
  const rapidsnark =
    rs.length === 0
      ? {}
      : {
          rapidsnarkSeconds: stat(rs.map((x) => x.wallSeconds)),
          rapidsnarkCpuSeconds: rsCpu,
          vsRapidsnark: stat(rs.map((x) => x.engineProveSeconds / x.wallSeconds)),
          vsRapidsnarkCpu: rsCpu !== null && ourCpu !== null ? ourCpu.median / rsCpu.median : null,
        };
  return {
    witnessSeconds: stat(s.map((x) => x.witnessSeconds)),
    proveSeconds: stat(s.map((x) => x.proveSeconds)),
    verifySeconds: stat(s.map((x) => x.verifySeconds)),
    peakRssBytes: stat(s.flatMap((x) => (x.peakRssBytes === null ? [] : [x.peakRssBytes]))),
    transfersPerSecond: warmTps,
    witnessShare: stat(s.map((x) => x.witnessSeconds / total(x))),
    pipelinedTransfersPerSecond: r.pipelined?.transfersPerSecond ?? null,
    cpuSeconds: warmCpu,
    baselineCpuSeconds: baseCpu,
    cpuRatio: warmCpu !== null && baseCpu !== null ? baseCpu.median / warmCpu.median : null,
    baselineSeconds: stat(base.map((b) => b.wallSeconds)),
    baselinePeakRssBytes: stat(base.flatMap((b) => (b.peakRssBytes === null ? [] : [b.peakRssBytes]))),
    baselineTransfersPerSecond: baseTps,
    speedupVsBaseline: pairedStat?.median ?? (warmTps !== null && baseTps !== null ? warmTps.median / baseTps.median : null),
    pairedSpeedup: pairedStat,
    proofJsonBytes: stat([...s.map((x) => x.proofJsonBytes), ...base.map((b) => b.proofJsonBytes)]),
    proofCalldataBytes: anyProof?.proofCalldataBytes ?? 0,
    ...rapidsnark,
  };
}

function summaryLine(r: ConfigResult): string {
  const s = r.summary;
  if (s === undefined) return "";
  const f = (x: { median: number } | null, d = 2) => (x === null ? "-" : x.median.toFixed(d));
  const parts = [
    `witness ${f(s.witnessSeconds)} s`,
    `prove ${f(s.proveSeconds)} s`,
    `${f(s.transfersPerSecond)} tx/s`,
  ];
  if (s.pipelinedTransfersPerSecond !== null) parts.push(`pipelined ${s.pipelinedTransfersPerSecond.toFixed(2)} tx/s`);
  if (s.baselineTransfersPerSecond !== null) parts.push(`baseline ${f(s.baselineTransfersPerSecond)} tx/s`);
  if (s.speedupVsBaseline !== null) parts.push(`${s.speedupVsBaseline.toFixed(2)}x baseline`);
  if (s.vsRapidsnark != null) parts.push(`prove time ${s.vsRapidsnark.median.toFixed(2)}x rapidsnark's (paired)`);
  return `done: ${parts.join(", ")}`;
}

const mb = (b: number | null) => (b === null ? "?" : `${Math.round(b / 1e6)} MB`);
