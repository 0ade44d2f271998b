import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { L1SubmissionError, submitToL1, startBenchL1 } from "../../src/bench/l1-gas.ts";
import { tableHeader, tableRows } from "../../src/bench/report.ts";
import type { BenchResults, ConfigResult, L1Gas } from "../../src/bench/results.ts";
import { runBench, type BenchRun } from "../../src/bench/runner.ts";
import { TransferWorkload } from "../../src/bench/workload.ts";
import type { EvmSession } from "../../src/evm/client.ts";
import { EvmError } from "../../src/evm/errors.ts";
import { BUILD_DIR, REPO_ROOT } from "../../src/paths.ts";
import { shutdownProver } from "../../src/prover/prove.ts";
import { testArtifacts, testInstance } from "../helpers/fixtures.ts";

const made: string[] = [];
const out = () => {
  const dir = join(BUILD_DIR, "tmp");
  const d = mkdtempSync(join(existsSync(dir) ? dir : BUILD_DIR, "bench-anvil-test-"));
  made.push(d);
  return d;
};
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});
afterAll(shutdownProver);

/** anvil processes that are children of this test process (the run must leave none). */
function anvilChildren(): string[] {
  const ps = spawnSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" });
  return ps.stdout.split("\n").filter((l) => /\banvil\b/.test(l));
}

const options = (outDir: string) => ({
  instances: [testInstance],
  protocols: ["groth16"] as const,
  witness: ["wasm"] as const,
  engines: ["warm"] as const,
  reps: 1,
  baseline: false,
  // The pipelined stream adds a third proven batch: two counted submissions after the first.
  pipeline: true,
  maxConfigSeconds: 600,
  outDir,
  seed: 4,
  l1: "anvil" as const,
});

describe("zkr bench --l1 anvil on the test instance (one repetition)", () => {
  let run: BenchRun;
  let written: BenchResults;
  let groth: ConfigResult;
  let gas: Extract<L1Gas, { status: "measured" }>;

  beforeAll(async () => {
    run = await runBench(options(out()), { log: () => {} }, "zkr bench --l1 anvil");
    written = JSON.parse(readFileSync(run.files.json, "utf8")) as BenchResults;
    groth = written.configurations[0] as ConfigResult;
    if (groth.l1Gas?.status !== "measured") throw new Error(`no gas measured: ${groth.status} ${groth.reason ?? ""} ${JSON.stringify(groth.l1Gas)}`);
    gas = groth.l1Gas;
  });

  it("submits every proven batch, in the workload's order, and all are accepted", () => {
    expect(written.options.l1).toBe("anvil");
    expect(groth.status).toBe("ok");
    expect(gas.evm).toMatchObject({ name: expect.stringMatching(/^anvil\//), hardfork: "prague", solc: expect.stringMatching(/^0\.8\./) });
    expect(gas.deploymentGas.verifier).toBeGreaterThan(0);
    // The verifier's call is part of a batch transaction and costs at least its pairing check:
    // 45,000 + 34,000 × 4 pairs (EIP-1108).
    expect(gas.verifierCallGas).toBeGreaterThan(181_000);
    expect(gas.verifierCallGas).toBeLessThan(gas.submissions[0]!.executionGas);
    expect(gas.submissions.map((s) => [s.batch, s.source, s.counted])).toEqual([
      [1, "warm-up", false],
      [2, "repetition", true],
      [3, "pipelined", true],
    ]);
    for (const s of gas.submissions) {
      expect(s.transfers).toBe(testInstance.ops);
      expect(s.gasUsed).toBeGreaterThan(0);
      expect(s.executionGas).toBeGreaterThan(0);
      expect(s.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    }
  });

  it("summarises the counted batches per batch and per transfer", () => {
    const counted = gas.submissions.filter((s) => s.counted).map((s) => s.gasUsed);
    const g = gas.summary;
    expect(g.batches).toBe(2);
    expect(g.gasPerBatch).toEqual({ median: (counted[0]! + counted[1]!) / 2, min: Math.min(...counted), max: Math.max(...counted), n: 2 });
    expect(g.gasPerTransfer.median).toBeCloseTo(g.gasPerBatch.median / testInstance.ops, 6);
  });

  it("counts the first batch apart: it also pays batchCount's slot from zero", () => {
    // SSTORE 22,100 instead of 5,000; the rest differs only by calldata bytes (a zero byte costs 4, not 16).
    const [first, second] = gas.submissions;
    expect(Math.abs(first!.gasUsed - second!.gasUsed - 17_100)).toBeLessThan(1_000);
  });

  it("reports it in the markdown summary and the terminal table", () => {
    const md = readFileSync(run.files.markdown, "utf8");
    expect(md).toContain("## L1 gas");
    expect(md).toContain("anvil/");
    expect(md).toContain(gas.summary.gasPerBatch.median.toLocaleString("en-US", { maximumFractionDigits: 0 }));
    const header = tableHeader(written);
    const row = tableRows(written, true)[0]!;
    expect(row).toHaveLength(header.length);
    expect(row[header.indexOf("L1 gas/batch")]).toBe(Math.round(gas.summary.gasPerBatch.median).toLocaleString("en-US"));
    expect(row[header.indexOf("L1 verifyProof gas")]).toBe(Math.round(gas.verifierCallGas!).toLocaleString("en-US"));
  });

  it("stops anvil at the end", () => {
    expect(anvilChildren()).toEqual([]);
  });
});

describe.each(["simulated", "anvil"] as const)("--l1 %s: a batch the contract rejects fails the submission", (l1) => {
  let session: EvmSession;
  beforeAll(async () => {
    session = await startBenchL1(l1);
  });
  afterAll(async () => session.close());

  it("a proof that does not verify is a revert with the contract's code", async () => {
    const { keys } = testArtifacts();
    const workload = new TransferWorkload(testInstance, 1);
    const b = workload.batch();
    // Well-formed words (field elements) that are no proof: the verifier says false, the contract reverts.
    const proof = { pi_a: ["1", "2", "1"], pi_b: [["1", "2"], ["3", "4"], ["1", "0"]], pi_c: ["1", "2", "1"], protocol: "groth16", curve: "bn128" };
    const err = await submitToL1({
      session,
      instance: testInstance,
      keys,
      genesisRoot: workload.genesisRoot,
      batches: [{ source: "repetition", transfers: b.transfers, records: b.records, newRoot: b.newRoot, proof }],
      log: () => {},
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(L1SubmissionError);
    expect(err).toMatchObject({ code: "SUBMISSION_REVERTED", revertReason: "INVALID_PROOF" });
  });
});

describe("--l1 anvil when anvil cannot start", () => {
  const saved = process.env["ZKR_ANVIL_BIN"];
  afterEach(() => {
    if (saved === undefined) delete process.env["ZKR_ANVIL_BIN"];
    else process.env["ZKR_ANVIL_BIN"] = saved;
  });

  it("fails before any configuration runs, with the EVM error's code", async () => {
    process.env["ZKR_ANVIL_BIN"] = join(out(), "no-such-anvil");
    const dir = join(out(), "results");
    await expect(runBench(options(dir), { log: () => {} })).rejects.toMatchObject({ name: "EvmError", code: "ANVIL_NOT_INSTALLED" });
    expect(existsSync(dir)).toBe(false);

    const broken = join(out(), "anvil");
    writeFileSync(broken, "#!/bin/sh\necho 'error: no such hardfork' >&2\nexit 3\n");
    chmodSync(broken, 0o755);
    process.env["ZKR_ANVIL_BIN"] = broken;
    const err = await runBench(options(dir), { log: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EvmError);
    expect(err).toMatchObject({ code: "ANVIL_START_FAILED" });
  });

  it("zkr bench prints one line and exits non-zero", () => {
    const tsx = join(REPO_ROOT, "node_modules", ".bin", "tsx");
    const res = spawnSync(tsx, ["src/cli/main.ts", "bench", "--l1", "anvil", "--instances", testInstance.name, "--protocols", "groth16", "--reps", "1", "--out", join(out(), "cli")], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "ZKR_DEBUG")), ZKR_ANVIL_BIN: join(out(), "no-such-anvil") },
    });
    expect(res.status).toBe(1);
    const lines = res.stderr.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("npm warn"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^zkr: --l1 anvil: /);
    expect(res.stdout).toBe("");
  });
});
