import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runDemo, type DemoReport } from "../../src/demo/demo.ts";
import { makeWorkload } from "../../src/demo/workload.ts";
import { renderDemoHtml, renderDemoMarkdown } from "../../src/report/demo-report.ts";
import { verifyBatchFolder } from "../../src/verify/verify-batch.ts";
import { shutdownProver } from "../../src/prover/prove.ts";
import { testInstance } from "../helpers/fixtures.ts";

let report: DemoReport;
let victimDeposit: bigint;

describe("zk vs optimistic demo end to end (test instance, 1 h window)", () => {
  afterAll(shutdownProver);

  it("runs both modes on the same traffic and every scenario", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "zkr-demo-"));
    victimDeposit = makeWorkload(5, 2, 3, testInstance.ops).users[0]!.deposit;
    report = await runDemo({
      instance: testInstance,
      modes: ["zk", "optimistic"],
      users: 2,
      transfers: 3,
      seed: 5,
      windowSeconds: 3600,
      watcher: true,
      maliciousOnly: false,
      outDir,
      costSizes: [2, 4],
      log: () => {},
    });
    const [zk, opt] = report.runs;
    expect(zk?.mode).toBe("zk");
    expect(opt?.mode).toBe("optimistic");
    // The default L1: the Solidity contracts in the in-process EVM.
    expect([report.config.l1, zk?.l1, opt?.l1]).toEqual(["simulated", "simulated", "simulated"]);
    // The same traffic: the same batches cut at the same L1 times with the same contents.
    expect(opt?.batches.map((b) => [b.cutAt, b.counts])).toEqual(zk?.batches.map((b) => [b.cutAt, b.counts]));
    for (const run of [zk!, opt!]) {
      expect(run.withdrawal).toBeDefined();
      expect(run.withdrawal!.paidAt).toBeGreaterThanOrEqual(run.withdrawal!.finalAt);
      for (const b of run.batches) expect(b.finalAt).toBeDefined();
    }
    // zk: final at acceptance, after the measured proving time; optimistic: only once the window closed.
    for (const b of zk!.batches) {
      expect(b.finalAt).toBe(b.submittedAt);
      expect(b.submittedAt).toBeGreaterThanOrEqual(b.cutAt + (b.proveSeconds ?? 0));
      expect((await verifyBatchFolder(b.folder!)).valid).toBe(true);
    }
    for (const b of opt!.batches) expect(b.finalAt).toBeGreaterThanOrEqual(b.submittedAt + 3600);
    expect(zk!.reconstructedRootMatches).toBe(true);
    // Receipts' gas: each zk batch ran the real Groth16 verifier, which an optimistic proposal does not.
    const verifierGas = report.verifierGas?.gas ?? NaN;
    zk!.batches.forEach((b, i) => {
      expect(b.gas).toBeGreaterThan(verifierGas);
      expect(opt!.batches[i]!.gas).toBeLessThan(b.gas - verifierGas);
    });
  });

  it("malicious sequencer: reverted by ZkRollup.sol's verifier; rolled back with a watcher; final and paid without one", () => {
    const by = (mode: string, text: string) => report.scenarios.find((s) => s.mode === mode && s.name.includes(text));
    // zk: the theft batch with a reused and with a forged proof, both reverted by the contract with its code.
    expect(by("zk", "steals")).toMatchObject({ badRootAccepted: false, theftPaid: false });
    expect(by("zk", "steals")?.rejected.map((r) => r.code)).toEqual(["INVALID_PROOF", "INVALID_PROOF"]);
    // Watcher on: challenged, the one-step proof wins, the batch is rolled back; the thief's claim reverts.
    const on = by("optimistic", "watcher on");
    expect(on).toMatchObject({ badRootAccepted: true, badRootFinal: false, theftPaid: false, stolen: "0", dispute: { outcome: "challengerWon" } });
    expect(on?.events.some((e) => e.what.includes("rolled back"))).toBe(true);
    expect(on?.rejected.map((r) => r.code)).toEqual(["NOT_FINAL"]);
    const kinds = on?.dispute?.gasPerMove.map((m) => m.kind) ?? [];
    expect([kinds[0], kinds.at(-1), kinds.length]).toEqual(["challenge", "oneStep", on?.dispute?.moves]);
    // Watcher off: the window closes, the bad root is final and the victim's whole deposit is paid to the thief.
    expect(by("optimistic", "watcher off")).toMatchObject({ badRootFinal: true, theftPaid: true, stolen: victimDeposit.toString(), dispute: undefined, rejected: [] });
    expect(by("optimistic", "dishonest challenger")).toMatchObject({ dispute: { outcome: "proposerWon" }, bondSlashed: (5n * 10n ** 17n).toString() });
  });

  it("a censoring sequencer: the forced exit in both modes, optimistic a window later", () => {
    const [zk, opt] = report.forcedExits;
    expect([zk?.mode, opt?.mode]).toEqual(["zk", "optimistic"]);
    expect(zk!.secondsToFunds).toBe(report.config.forcedDeadlineSeconds + 12);
    expect(opt!.secondsToFunds).toBeGreaterThanOrEqual(report.config.forcedDeadlineSeconds + 3600);
    expect([zk!.bridgeLeft, opt!.bridgeLeft]).toEqual(["0", "0"]);
  });

  it("scaling table: every cell measured in this run or computed with its formula; the L1 bound follows the gas", () => {
    const t = report.scaling;
    expect(t.rows.map((r) => r.system)).toEqual(["plain L1 transfer", "zk rollup, Poseidon chain commitment", "zk rollup, SHA-256 commitment", "optimistic rollup"]);
    const [plain, zkPoseidon, zkSha, opt] = t.rows;
    for (const r of t.rows) {
      expect(r.gasPerTransfer.source).toBe("measured");
      expect(r.l1BoundTransfersPerSecond).toMatchObject({ source: "computed", value: t.blockGasLimit / (r.gasPerTransfer.value ?? NaN) / t.blockSeconds });
      expect(r.l1BoundTransfersPerSecond.how).toContain(`${t.blockSeconds} s per block`);
    }
    expect(plain!.gasPerTransfer.value).toBe(21_000);
    // Proven here: the instance's own commitment; the other has no prover figure, with the reason.
    expect(zkPoseidon!.proverBoundTransfersPerSecond.source).toBe("measured");
    expect(zkPoseidon!.proverBoundTransfersPerSecond.value).toBeGreaterThan(0);
    expect(zkSha!.proverBoundTransfersPerSecond).toMatchObject({ source: "n/a", value: null });
    expect(zkSha!.gasPerTransfer.value).toBeLessThan(zkPoseidon!.gasPerTransfer.value!);
    // Finality: zk at acceptance (minutes of proving at most), optimistic at the end of its window.
    expect(zkPoseidon!.finalitySeconds.source).toBe("measured");
    expect(opt!.finalitySeconds.value).toBeGreaterThanOrEqual(report.config.windowSeconds);
    expect(opt!.proverBoundTransfersPerSecond.source).toBe("n/a");
  });

  it("cost by batch size: measured on the EVM, zk with an accepting verifier plus the real verifier's measured gas", () => {
    const point = (mode: string, n: number) => report.costByBatchSize.find((c) => c.mode === mode && c.batchSize === n);
    const per = (mode: string, n: number) => point(mode, n)?.gasPerTransfer ?? NaN;
    expect(per("zk (poseidon)", 4)).toBeLessThan(per("zk (poseidon)", 2));
    // SHA-256 of the posted bytes is one precompile call where the Poseidon chain calls a contract.
    for (const n of [2, 4]) expect(per("zk (sha256)", n)).toBeLessThan(per("zk (poseidon)", n));
    expect(per("optimistic", 4)).toBeLessThan(per("optimistic", 2));
    expect(per("plain L1 transfer", 2)).toBe(21_000);
    for (const n of [2, 4]) {
      expect(point("zk (sha256)", n)?.source).toBe("contract measured with an accepting verifier + real verifier gas measured");
      expect(point("optimistic", n)?.source).toBe("measured");
    }
    // A Groth16 check with one public input (4 pairings, 1 ECMUL) measured at the test instance's size.
    expect(report.verifierGas?.batchSize).toBe(testInstance.ops);
    expect(report.verifierGas?.gas).toBeGreaterThan(150_000);
    expect(report.verifierGas?.gas).toBeLessThan(260_000);
    // The composed figure agrees with a real proven batch of 2 transfers from the honest run (calldata differs by a few bytes).
    const realTransfers = report.runs[0]!.batches.find((b) => b.counts.transfers === testInstance.ops)!;
    expect(Math.abs(point("zk (poseidon)", testInstance.ops)!.batchGas - realTransfers.gas)).toBeLessThan(realTransfers.gas * 0.01);
  });

  it("the HTML report is self-contained with charts", async () => {
    const html = await renderDemoHtml(report);
    expect(html.match(/<svg/g)?.length).toBe(3);
    expect(html).not.toMatch(/<script|<link|src="http/);
    const md = renderDemoMarkdown(report, "zkr demo");
    expect(md).toMatch(/^# zk vs optimistic \(measured by `zkr demo`\)/);
    expect(md).toMatch(/\| zk \| \d+ \|/);
    expect(md).toMatch(/\| optimistic \| 24\.0 h \| 60\.0 min \|/);
    expect(html).toContain("Censoring sequencer: the forced exit");
  });
});
