import {
  BenchInputError,
  defaultOutDir,
  notRunLines,
  parseEngines,
  parseL1,
  parseProtocols,
  parseWitnessGenerators,
  resolveInstances,
  runBench,
  tableHeader,
  tableRows,
  type BenchOptions,
} from "../../bench/index.ts";
import { checkOutputDir } from "../../io/output-path.ts";
import { intFlag, noPositionals, parseArgs, stringFlag } from "../args.ts";
import { CliError } from "../errors.ts";
import { printTable } from "./circuits.ts";

export const BENCH_HELP = `zkr bench [--instances LIST] [--protocols LIST] [--witness LIST] [--engine LIST] [--rapidsnark PATH] [--reps N]
          [--baseline | --no-baseline] [--no-pipeline] [--max-minutes M] [--seed S] [--l1 simulated|anvil]
          [--out DIR] [--json] [--quick]
  Proof-generation benchmark: for each circuit instance x protocol x witness generator, one warm-up
  proof (not counted), then N timed proofs in a warm prover process, each followed by a cold run of
  the stock snarkjs CLI (groth16 fullprove, one process a proof) on the same circuit and keys as the
  baseline (interleaved: both see the same machine load), then N pipelined proofs (the next witness
  computed while the current proof runs). Inputs are full batches of valid signed transfers,
  different every repetition; every proof is verified against the verification key.
  Reports constraints (PLONK gates), domain, setup time and key kind, witness/prove/verify times,
  proof size (JSON and calldata), prover peak RSS, proven transfers/s, L1 verification gas, the
  ratio to the baseline, a per-constraint cost fit and the largest batch that fits in memory.
  A configuration that cannot fit this machine or the time budget is skipped with the reason.
  Writes DIR/results.json (machine, options, every raw sample), DIR/summary.md and SVG charts.
    --instances LIST  instance names, nK (batch size K on the 65,536-account 4x2-8x4 tree), default,
                      bench or all (default: default = n1,n4,n8,n16 plus n4 on every other tree)
    --protocols LIST  groth16,plonk,fflonk (default: all three; PLONK/FFLONK on --O2 circuits are
                      sized from the r1cs first and skipped with the reason when they cannot fit)
    --witness LIST    wasm, cpp and/or auto (default: auto = cpp where its toolchain is present, else wasm
                      with a line saying which and why); cpp is circom's C++ generator, built on first use
                      per circuit (minutes for a large one; cached) and needs g++, make, nasm, libgmp-dev,
                      nlohmann-json3-dev
    --engine LIST     Groth16 prover in the warm process: native (the warm prover with its QAP step,
                      FFTs and multi-exponentiations in C, compiled on first use with the machine's cc into
                      build/native/; skipped with the reason if it cannot be built; ZKR_QAP=wasm keeps the
                      QAP step and FFTs in wasm), warm (zkey kept in memory, QAP on all cores, ffjavascript's
                      wasm), snarkjs (snarkjs.groth16.prove) and/or rapidsnark (below)
                      (default: native,warm; the first of ours listed is the one compared with the baselines)
    --rapidsnark PATH a rapidsnark prover binary you have (default: $ZKR_RAPIDSNARK; implies --engine
                      ...,rapidsnark): it proves each repetition's witness file with the same zkey right after
                      our first engine proved that witness, so the report has the ratio of the two prove
                      times (paired), with CPU seconds beside. Its time is the whole CLI process, which reads
                      the zkey every proof. Without a usable binary the rapidsnark engine is skipped with the
                      reason. This repository never builds or ships rapidsnark.
    --reps N          timed repetitions per configuration, 1-50 (default: 3)
    --no-baseline     skip the stock snarkjs CLI baseline;  --no-pipeline  skip the pipelined run
    --max-minutes M   skip configurations estimated to take longer than M minutes, 1-1440 (default: 10)
    --seed S          workload seed, 0-2^31 (default: 1)
    --l1 L1           where every batch a Groth16 configuration proved is submitted, in order, as a real
                      transaction to its own ZkRollup.sol + verifier, after its timing: simulated
                      (default: the Solidity contracts in the in-process EVM, EDR) or anvil (a local
                      anvil node, started and stopped by the run). Reports the receipts' gasUsed per
                      batch and per transfer and the verifier's call gas. A rejected batch fails the
                      configuration. PLONK/FFLONK: n/a (the contract takes Groth16 only).
    --out DIR         output folder, created if missing (default: build/bench/<timestamp>/)
    --json            print results.json to stdout (progress goes to stderr)
    --quick           smoke run: n1 and n4, 1 repetition, Groth16 only, wasm witness`;

export async function benchCommand(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv, {
    valued: ["instances", "protocols", "witness", "engine", "rapidsnark", "reps", "max-minutes", "seed", "out", "l1"],
    boolean: ["baseline", "no-baseline", "no-pipeline", "json", "quick"],
  });
  noPositionals(args);
  if (args.flags.has("baseline") && args.flags.has("no-baseline")) throw new CliError("--baseline and --no-baseline contradict each other");
  const quick = args.flags.has("quick");
  const list = (name: string, fallback: string) => (stringFlag(args, name) ?? fallback).split(",").map((s) => s.trim()).filter((s) => s !== "");
  const rapidsnark = stringFlag(args, "rapidsnark");
  let options: BenchOptions;
  try {
    options = {
      instances: resolveInstances(list("instances", quick ? "n1,n4" : "default")),
      protocols: parseProtocols(list("protocols", quick ? "groth16" : "groth16,plonk,fflonk")),
      witness: parseWitnessGenerators(list("witness", quick ? "wasm" : "auto")),
      engines: parseEngines([...list("engine", "native,warm"), ...(rapidsnark === undefined ? [] : ["rapidsnark"])]),
      ...(rapidsnark === undefined ? {} : { rapidsnark }),
      reps: intFlag(args, "reps", 1, 50, quick ? 1 : 3),
      baseline: !args.flags.has("no-baseline"),
      pipeline: !args.flags.has("no-pipeline"),
      maxConfigSeconds: 60 * intFlag(args, "max-minutes", 1, 24 * 60, 10),
      seed: intFlag(args, "seed", 0, 2 ** 31, 1),
      l1: parseL1(stringFlag(args, "l1") ?? "simulated"),
      outDir: stringFlag(args, "out") ?? defaultOutDir(),
    };
  } catch (err) {
    if (err instanceof BenchInputError) throw new CliError(err.message);
    throw err;
  }
  if (options.instances.length === 0) throw new CliError("--instances selects no instance");
  // The run takes minutes: a folder it could not write to is refused now, not at the end.
  checkOutputDir(options.outDir, "--out");
  const json = args.flags.has("json");
  const log = (m: string) => (json ? console.error(m) : console.log(m));
  const { results, files } = await runBench(options, { log }, ["zkr bench", ...argv].join(" "));
  if (json) {
    console.log(JSON.stringify(results, null, 2));
  } else {
    console.log("");
    printTable(tableHeader(results), tableRows(results, true));
    for (const line of notRunLines(results)) console.log(line.replace(/\*\*/g, ""));
    for (const c of results.configurations) {
      if (c.l1Gas?.status === "n/a") console.log(`- n${c.config.batchSize} ${c.config.tree} ${c.config.protocol}: L1 gas n/a: ${c.l1Gas.reason}`);
    }
    if (results.headline !== null) {
      const h = results.headline;
      const pipelined = h.ratioPipelined === null ? "" : `, pipelined stream ${h.ratioPipelined.toFixed(2)}x`;
      const cpu = h.cpuRatio === null ? "" : `, CPU time ${h.cpuRatio.toFixed(2)}x`;
      console.log(`\nbatch ${h.batchSize}: the ${h.engine} prover proves ${h.ratio.toFixed(2)}x the stock snarkjs CLI's transfers/s (median of paired repetitions; goal 2x${pipelined}${cpu})${h.witnessShare === null ? "" : `; witness ${(100 * h.witnessShare).toFixed(1)} % of a proof (goal <= 10 %)`}`);
    }
    for (const c of results.configurations) {
      const v = c.summary?.vsRapidsnark;
      if (v == null || c.config.engine === "rapidsnark") continue;
      const cpu = c.summary?.vsRapidsnarkCpu == null ? "" : `, CPU time ${c.summary.vsRapidsnarkCpu.toFixed(2)}x`;
      console.log(`batch ${c.config.batchSize} (${c.config.witness} witness): the ${c.config.engine} prover's prove time is ${v.median.toFixed(2)}x rapidsnark's on the same zkey and witness (median of ${v.n} paired repetitions, ${v.min.toFixed(2)}-${v.max.toFixed(2)}${cpu}; <= 1: ours is as fast or faster)`);
    }
    console.log(`\nresults: ${files.json}\nsummary: ${files.markdown}\ncharts:  ${files.charts.join(", ")}`);
  }
  const failed = results.configurations.filter((c) => c.status === "failed").length;
  return failed > 0 ? 1 : 0;
}
