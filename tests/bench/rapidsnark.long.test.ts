import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findRapidsnark, RAPIDSNARK_ENV } from "../../src/bench/rapidsnark.ts";
import { parseEngines } from "../../src/bench/options.ts";
import { runBench } from "../../src/bench/runner.ts";
import { SNARKJS_CLI } from "../../src/artifacts/snarkjs-cli.ts";
import { BUILD_DIR } from "../../src/paths.ts";
import { shutdownProver } from "../../src/prover/prove.ts";
import { testInstance } from "../helpers/fixtures.ts";

// rapidsnark itself is never in this repository: a stand-in with its command line
// (`prover circuit.zkey witness.wtns proof.json public.json`) runs stock `snarkjs groth16 prove`, which
// takes the same four arguments, so the bench's plumbing (same witness file, interleaving, verification,
// ratios, report) is tested without it.
const made: string[] = [];
const dir = () => {
  const d = mkdtempSync(join(existsSync(join(BUILD_DIR, "tmp")) ? join(BUILD_DIR, "tmp") : BUILD_DIR, "rapidsnark-test-"));
  made.push(d);
  return d;
};
const script = (body: string) => {
  const path = join(dir(), "prover");
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
};
afterAll(async () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
  await shutdownProver();
});
const quiet = { log: () => {} };
const options = (rapidsnark: string | undefined) => ({
  instances: [testInstance],
  protocols: ["groth16" as const],
  witness: ["wasm" as const],
  engines: parseEngines(["native", "rapidsnark"]),
  ...(rapidsnark === undefined ? {} : { rapidsnark }),
  reps: 1,
  baseline: false,
  pipeline: false,
  maxConfigSeconds: 600,
  outDir: dir(),
  seed: 5,
});

describe("zkr bench --engine rapidsnark", () => {
  it("parses engines: rapidsnark last, alone means native beside it, unknown names refused", () => {
    expect(parseEngines(["rapidsnark", "warm"])).toEqual(["warm", "rapidsnark"]);
    expect(parseEngines(["rapidsnark"])).toEqual(["native", "rapidsnark"]);
    expect(parseEngines(["native", "native"])).toEqual(["native"]);
    expect(() => parseEngines(["rapid"])).toThrow(expect.objectContaining({ code: "BAD_BENCH_OPTION" }));
  });

  it("finds the binary from the flag, else the environment; a missing or non-executable one is a reason, not an error", () => {
    expect(findRapidsnark(undefined, {})).toMatchObject({ missing: expect.stringContaining(RAPIDSNARK_ENV) });
    const exe = script("exit 0");
    expect(findRapidsnark(undefined, { [RAPIDSNARK_ENV]: exe })).toEqual({ path: exe });
    expect(findRapidsnark(exe, { [RAPIDSNARK_ENV]: "/nonexistent" })).toEqual({ path: exe });
    expect(findRapidsnark("/nonexistent/prover", {})).toHaveProperty("missing");
    const notExe = join(dir(), "prover");
    writeFileSync(notExe, "");
    expect(findRapidsnark(notExe, {})).toHaveProperty("missing");
    expect(findRapidsnark(dir(), {})).toHaveProperty("missing");
  });

  it("times the binary on each repetition's witness file right after our engine, verifies its proofs and reports the paired ratio", async () => {
    const stand_in = script(`exec "${process.execPath}" "${SNARKJS_CLI}" groth16 prove "$@"`);
    const { results, files } = await runBench(options(stand_in), quiet);
    expect(results.options.engines).toEqual(["native", "rapidsnark"]);
    expect(results.options.rapidsnark).toBe(stand_in);
    const [ours, rs] = results.configurations;
    expect(ours?.config.engine).toBe("native");
    expect(ours?.status).toBe("ok");
    expect(rs?.config.engine).toBe("rapidsnark");
    expect(rs?.status).toBe("ok");
    // One timed repetition (the warm-up pair is not counted), on the witness our engine proved.
    expect(ours?.rapidsnark?.samples).toHaveLength(1);
    const pair = ours?.rapidsnark?.samples[0];
    expect(pair).toMatchObject({ rep: 1, verified: true, witnessSeconds: ours?.samples[0]?.witnessSeconds, engineProveSeconds: ours?.samples[0]?.proveSeconds });
    expect(pair?.wallSeconds).toBeGreaterThan(0);
    expect(rs?.samples[0]).toMatchObject({ rep: 1, verified: true, proveSeconds: pair?.wallSeconds, proofCalldataBytes: 256 });
    expect(ours?.summary?.vsRapidsnark?.median).toBeCloseTo((pair?.engineProveSeconds ?? 0) / (pair?.wallSeconds ?? 1), 10);
    expect(ours?.samples[0]?.breakdown).toMatchObject({ qapEngine: "native", msms: { a: expect.any(Number), h: expect.any(Number) } });
    const md = readFileSync(files.markdown, "utf8");
    expect(md).toContain("## Against rapidsnark");
    expect(md).toContain("MSM B2 (G2)");
  });

  it("without a binary the rapidsnark engine is skipped with the reason; a failing binary fails only that engine", async () => {
    // rapidsnark alone (no engine of ours to pair with, nothing proved): the reason is the missing binary first.
    const saved = process.env[RAPIDSNARK_ENV];
    delete process.env[RAPIDSNARK_ENV];
    try {
      const none = await runBench({ ...options(undefined), engines: ["rapidsnark"] }, quiet);
      expect(none.results.configurations).toHaveLength(1);
      expect(none.results.configurations[0]).toMatchObject({ status: "skipped", reason: expect.stringContaining(RAPIDSNARK_ENV) });
      expect(none.results.options.rapidsnark).toBeNull();
      const unpaired = await runBench({ ...options(script("exit 0")), engines: ["rapidsnark"] }, quiet);
      expect(unpaired.results.configurations[0]).toMatchObject({ status: "skipped", reason: expect.stringContaining("--engine") });
    } finally {
      if (saved !== undefined) process.env[RAPIDSNARK_ENV] = saved;
    }
    const broken = await runBench(options(script("echo 'cannot read the zkey' >&2; exit 3")), quiet);
    expect(broken.results.configurations.find((c) => c.config.engine === "native")?.status).toBe("ok");
    const failed = broken.results.configurations.find((c) => c.config.engine === "rapidsnark");
    expect(failed?.status).toBe("failed");
    expect(failed?.reason).toContain("cannot read the zkey");
  });
});
