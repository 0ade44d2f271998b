import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runDemo, type DemoReport } from "../../src/demo/demo.ts";
import { renderDemoHtml, renderDemoMarkdown } from "../../src/report/demo-report.ts";
import { verifyBatchFolder } from "../../src/verify/verify-batch.ts";
import { shutdownProver } from "../../src/prover/prove.ts";
import { testInstance } from "../helpers/fixtures.ts";

let report: DemoReport;

describe("zk vs optimistic demo end to end (test instance, 1 h window)", () => {
  afterAll(shutdownProver);

  it("runs both modes on the same traffic and every scenario", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "zkr-demo-"));
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
      costSizes: [1, 4],
      log: () => {},
    });
    const [zk, opt] = report.runs;
    expect(zk?.mode).toBe("zk");
    expect(opt?.mode).toBe("optimistic");
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
  });

  it("malicious sequencer: never accepted in zk; rolled back with a watcher; final and paid without one", () => {
    const by = (mode: string, text: string) => report.scenarios.find((s) => s.mode === mode && s.name.includes(text));
    expect(by("zk", "steals")).toMatchObject({ badRootAccepted: false, theftPaid: false });
    expect(by("optimistic", "watcher on")).toMatchObject({ badRootAccepted: true, badRootFinal: false, theftPaid: false, dispute: { outcome: "challengerWon" } });
    expect(by("optimistic", "watcher off")).toMatchObject({ badRootFinal: true, theftPaid: true });
    expect(by("optimistic", "dishonest challenger")).toMatchObject({ dispute: { outcome: "proposerWon" } });
  });

  it("a censoring sequencer: the forced exit in both modes, optimistic a window later", () => {
    const [zk, opt] = report.forcedExits;
    expect([zk?.mode, opt?.mode]).toEqual(["zk", "optimistic"]);
    expect(zk!.secondsToFunds).toBe(report.config.forcedDeadlineSeconds + 12);
    expect(opt!.secondsToFunds).toBeGreaterThanOrEqual(report.config.forcedDeadlineSeconds + 3600);
    expect([zk!.bridgeLeft, opt!.bridgeLeft]).toEqual(["0", "0"]);
  });

  it("cost by batch size falls with the batch size for both modes", () => {
    const per = (mode: string, n: number) => report.costByBatchSize.find((c) => c.mode === mode && c.batchSize === n)?.gasPerTransfer ?? NaN;
    expect(per("zk", 4)).toBeLessThan(per("zk", 1));
    expect(per("optimistic", 4)).toBeLessThan(per("optimistic", 1));
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
