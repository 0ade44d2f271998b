import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBench, type BenchRun } from "../../src/bench/runner.ts";
import type { BenchResults, ConfigResult } from "../../src/bench/results.ts";
import { BUILD_DIR } from "../../src/paths.ts";
import { shutdownProver } from "../../src/prover/prove.ts";
import { testInstance } from "../helpers/fixtures.ts";

const made: string[] = [];
const out = () => {
  const dir = join(BUILD_DIR, "tmp");
  const d = mkdtempSync(join(existsSync(dir) ? dir : BUILD_DIR, "bench-test-"));
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});
const quiet = { log: () => {} };

describe("zkr bench runner on the test instance (one repetition)", () => {
  let run: BenchRun;
  let written: BenchResults;
  let groth: ConfigResult;

  beforeAll(async () => {
    run = await runBench(
      {
        instances: [testInstance],
        protocols: ["groth16"],
        witness: ["wasm"],
        engines: ["native", "warm"],
        reps: 1,
        baseline: true,
        pipeline: true,
        maxConfigSeconds: 600,
        outDir: out(),
        seed: 3,
      },
      quiet,
      "zkr bench --instances batch_n2_d2_a4 --reps 1",
    );
    written = JSON.parse(readFileSync(run.files.json, "utf8")) as BenchResults;
    groth = written.configurations[0] as ConfigResult;
  });
  afterAll(shutdownProver);

  it("writes results.json with the machine, the options and the configuration", () => {
    expect(written.schema).toBe("zkr-bench/1");
    expect(written.command).toContain("zkr bench");
    for (const k of ["cpu", "cores", "memoryGiB", "node", "snarkjs", "circom2", "circomlib"] as const) expect(written.machine[k]).toBeTruthy();
    expect(typeof written.loadAverage.start).toBe("number");
    expect(written.options).toMatchObject({ instances: [testInstance.name], protocols: ["groth16"], witness: ["wasm"], reps: 1, baseline: true, pipeline: true });
    expect(written.configurations).toHaveLength(2);
    expect(groth.status).toBe("ok");
    expect(groth.config).toMatchObject({ instance: testInstance.name, batchSize: 2, tree: "4x2", accounts: 16, protocol: "groth16", witness: "wasm", engine: "native" });
    // The wasm-MSM warm prover runs too, every proof verified; the baseline is timed once, with the first engine.
    const wasm = written.configurations[1];
    expect(wasm?.config.engine).toBe("warm");
    expect(wasm?.status).toBe("ok");
    expect(wasm?.samples.every((s) => s.verified)).toBe(true);
  });

  it("records the circuit, the keys and every raw sample, each proof verified", () => {
    expect(groth.circuit?.constraints).toBeGreaterThan(0);
    expect(groth.circuit?.domainSize).toBe(2 ** (groth.circuit?.domainPower ?? -1));
    expect(groth.setup).toMatchObject({ ceremony: "development", insecure: true });
    expect(groth.warmup?.verified).toBe(true);
    expect(groth.samples).toHaveLength(1);
    const s = groth.samples[0];
    expect(s).toMatchObject({ rep: 1, transfers: 2, verified: true, proofCalldataBytes: 256 });
    for (const k of ["witnessSeconds", "proveSeconds", "verifySeconds", "proofJsonBytes", "loadAverage"] as const) expect(typeof s?.[k]).toBe("number");
    expect(s?.peakRssBytes).toBeGreaterThan(0);
    expect(s?.cpuSeconds).toBeGreaterThan(0);
    expect(s?.breakdown).toMatchObject({ abc: expect.any(Number), fft: expect.any(Number), msm: expect.any(Number) });
    expect(groth.pipelined?.completions).toHaveLength(1);
    expect(groth.pipelined?.completions.every((c) => c.verified)).toBe(true);
    expect(groth.baseline?.samples).toHaveLength(1);
    expect(groth.baseline?.samples[0]).toMatchObject({ rep: 1, transfers: 2, verified: true });
    expect(groth.baseline?.samples[0]?.peakRssBytes).toBeGreaterThan(0);
    expect(groth.baseline?.samples[0]?.cpuSeconds).toBeGreaterThan(0);
  });

  it("summarises every field as median/min/max", () => {
    const sum = groth.summary;
    expect(sum).toBeDefined();
    for (const k of ["witnessSeconds", "proveSeconds", "verifySeconds", "peakRssBytes", "transfersPerSecond", "witnessShare", "baselineSeconds", "baselinePeakRssBytes", "baselineTransfersPerSecond", "proofJsonBytes", "cpuSeconds", "baselineCpuSeconds", "pairedSpeedup"] as const) {
      expect(sum?.[k], k).toMatchObject({ median: expect.any(Number), min: expect.any(Number), max: expect.any(Number), n: expect.any(Number) });
    }
    expect(sum?.pipelinedTransfersPerSecond).toBeGreaterThan(0);
    expect(sum?.speedupVsBaseline).toBeGreaterThan(0);
    expect(sum?.cpuRatio).toBeGreaterThan(0);
    expect(sum?.proofCalldataBytes).toBe(256);
    // Every proven batch went to ZkRollup.sol in the in-process EVM (the default L1), receipts' gas.
    const l1 = groth.l1Gas;
    if (l1?.status !== "measured") throw new Error(`no L1 gas: ${JSON.stringify(l1)}`);
    expect(l1.evm.name).toMatch(/^EDR .* \(in-process\)$/);
    expect(l1.submissions.every((s) => s.gasUsed > 21_000)).toBe(true);
    expect(l1.verifierCallGas).toBeGreaterThan(0);
    expect(written.headline).toMatchObject({ instance: testInstance.name, batchSize: 2, engine: "native", goal: 2 });
    // The second engine shares the baseline but was not interleaved with it: compared by medians, never "paired".
    const wasm = written.configurations[1]?.summary;
    expect(wasm?.pairedSpeedup).toBeNull();
    expect(wasm?.speedupVsBaseline).toBeGreaterThan(0);
  });

  it("writes the Markdown summary and the SVG charts", () => {
    const md = readFileSync(run.files.markdown, "utf8");
    expect(md).toContain("## Results");
    expect(md).toContain("## Against the baseline");
    expect(md).toContain(testInstance.name);
    expect(md).toMatch(/Machine: .*cores/);
    expect(run.files.charts).toHaveLength(2);
    for (const chart of run.files.charts) expect(readFileSync(chart, "utf8")).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
  });
});

describe("configurations that cannot run here are skipped with the reason", () => {
  it("PLONK/FFLONK over the time budget and C++ witness without its toolchain or over budget", async () => {
    const { results } = await runBench(
      {
        instances: [testInstance],
        protocols: ["plonk", "fflonk"],
        witness: ["wasm", "cpp"],
        engines: ["warm"],
        reps: 1,
        baseline: false,
        pipeline: false,
        maxConfigSeconds: 1,
        outDir: out(),
        seed: 1,
      },
      quiet,
    );
    expect(results.configurations).toHaveLength(4);
    for (const c of results.configurations) {
      expect(c.status).toBe("skipped");
      expect(c.reason).toMatch(/budget|missing|ptau/);
      expect(c.samples).toHaveLength(0);
    }
    const plonk = results.configurations.find((c) => c.config.protocol === "plonk" && c.config.witness === "wasm");
    // Counted from the r1cs exactly as snarkjs's plonk setup counts them ("Plonk constraints: 221370" for this circuit since the 32-bit rollupId range check, 704f625).
    expect(plonk?.circuit?.plonkGates).toBe(221_370);
    expect(plonk?.circuit?.domainPower).toBe(18);
  });
});
