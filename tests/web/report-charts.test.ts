/**
 * Every chart of the static demo report draws SVG marks with an area in real Chromium (the
 * cut-to-finality chart on a log scale drew bars 0 px tall before its bars started at 1 s).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import type { DemoReport } from "../../src/demo/demo.ts";
import type { ModeBatch, ModeRun } from "../../src/demo/mode-run.ts";
import { renderDemoHtml } from "../../src/report/demo-report.ts";
import { machineInfo } from "../../src/report/machine.ts";
import { chartMarks, launchChromium, screenshot, watchErrors } from "./browser.ts";

const WEEK = 7 * 86400;

function batch(number: number, cutAt: number, submittedAt: number, finalAt: number): ModeBatch {
  return { number, counts: { transfers: 1, deposits: 1, withdrawals: 0, noops: 0 }, cutAt, proveSeconds: 2, submittedAt, finalAt, gas: 300_000, calldataBytes: 900, folder: undefined } as ModeBatch;
}

function run(mode: "zk" | "optimistic", batches: ModeBatch[]): ModeRun {
  return {
    mode,
    l1: "simulated",
    slotSeconds: 12,
    windowSeconds: mode === "zk" ? undefined : WEEK,
    deposits: [],
    batches,
    withdrawal: undefined,
    totals: { operations: 4, transfers: 2, gas: 600_000, gasPerOperation: 150_000, bytesPosted: 1800 },
    reconstructedRootMatches: undefined,
    endedAt: WEEK + 100,
  };
}

/** A report shaped as runDemo makes it (figures of the order a test-instance run gives). */
const report: DemoReport = {
  config: { instance: "batch_n2_d2_a4", accounts: 16, batchSize: 2, users: 2, transfers: 3, seed: 5, windowSeconds: WEEK, forcedDeadlineSeconds: 86400, watcher: true, modes: ["zk", "optimistic"], l1: "simulated" },
  machine: machineInfo(),
  keys: undefined,
  runs: [run("zk", [batch(1, 12, 24, 24), batch(2, 48, 60, 60)]), run("optimistic", [batch(1, 12, 24, 24 + WEEK), batch(2, 48, 60, 60 + WEEK)])],
  scenarios: [],
  forcedExits: [],
  costByBatchSize: [
    { mode: "zk (poseidon)", batchSize: 2, batchGas: 560_000, gasPerTransfer: 280_000, calldataBytes: 600, source: "measured" },
    { mode: "zk (poseidon)", batchSize: 4, batchGas: 600_000, gasPerTransfer: 150_000, calldataBytes: 700, source: "measured" },
    { mode: "optimistic", batchSize: 2, batchGas: 180_000, gasPerTransfer: 90_000, calldataBytes: 900, source: "measured" },
    { mode: "optimistic", batchSize: 4, batchGas: 220_000, gasPerTransfer: 55_000, calldataBytes: 1500, source: "measured" },
  ] as DemoReport["costByBatchSize"],
  scaling: { batchSize: 2, blockGasLimit: 36_000_000, blockSeconds: 12, rows: [] },
  verifierGas: undefined,
  provenance: { measured: "fixture", computed: "fixture" },
};

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe("the static demo report in Chromium", () => {
  it("draws every chart with visible marks, the log-scale bars included", async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors = watchErrors(page);
    await page.setContent(await renderDemoHtml(report));
    const charts = await chartMarks(page, "body");
    expect(charts.map((c) => c.title)).toEqual(["Finality timeline", "Time from cut to finality, per batch (log scale)", "L1 gas per transfer by batch size"]);
    for (const c of charts) {
      expect(c.marks, c.title).toBeGreaterThan(0);
      expect(c.drawn, c.title).toBeGreaterThan(0);
      expect(c.barsDrawn, c.title).toBe(c.bars);
    }
    // The log-scale chart: one bar per batch, each with a height.
    expect(charts[1]).toMatchObject({ bars: 4, barsDrawn: 4 });
    await screenshot(page, "demo-report.png");
    expect(errors).toEqual([]);
  });
});
