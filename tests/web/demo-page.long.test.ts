/**
 * `zkr web`'s honest scenario in Chromium on the test instance (long: both lanes' full traffic, then the
 * scaling table's L1 cost measurement): zk final at acceptance, optimistic a challenge window later, the
 * cut-to-finality chart on its log scale drawn, the scaling table shown with units.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { shutdownProver } from "../../src/prover/prove.ts";
import { startDemoServer, type RunningDemoServer } from "../../src/web/demo-server.ts";
import { testInstance } from "../helpers/fixtures.ts";
import { chartMarks, launchChromium, screenshot, watchErrors } from "./browser.ts";

let server: RunningDemoServer;
let browser: Browser;

beforeAll(async () => {
  server = await startDemoServer({ port: 0, instance: testInstance, windowSeconds: 7 * 86400, deadlineSeconds: 86400, users: 2, transfers: 2, seed: 5, scaling: true, log: () => {} });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await shutdownProver();
});

describe("the demo page, honest scenario", () => {
  it("runs the honest sequencer: zk final at acceptance, optimistic a challenge window later, every chart drawn", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors = watchErrors(page);
    await page.goto(`${server.url}/`);
    await page.selectOption("#scenario", "honest");
    await page.click("#run");
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 60_000 }).toMatch(/Run 1: .*· (computed|failed)/);
    expect(await page.locator("#status").textContent()).toMatch(/· computed$/);
    // Skip to the end of the week-long window (the clock would take 168 s of page time at 1 s = 1 h).
    await page.keyboard.press("e");
    await expect.poll(() => page.locator("#chart-finality svg.marks").count(), { timeout: 10_000 }).toBe(1);
    const rows = await page.locator("#batches tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")));
    const zk = rows.filter((r) => r[0] === "zk");
    const opt = rows.filter((r) => r[0] === "optimistic");
    expect(zk.length).toBeGreaterThan(0);
    expect(opt.length).toBe(zk.length);
    const seconds = (t: string | undefined) => Number((t ?? "").split(" s")[0]?.replace(/,/g, ""));
    for (const [i, r] of zk.entries()) {
      expect(r[5]).toBe(r[4]); // zk: final in the block that accepted it
      expect(seconds(opt[i]?.[5]) - seconds(opt[i]?.[4])).toBeGreaterThanOrEqual(7 * 86400); // optimistic: a window later
    }
    const charts = await chartMarks(page, ".charts");
    expect(charts.map((c) => c.title)).toEqual(["Events of both lanes on the L1 clock", "Time from cut to finality, per batch (log scale)"]);
    for (const c of charts) {
      expect(c.drawn, c.title).toBeGreaterThan(0);
      expect(c.barsDrawn, c.title).toBe(c.bars);
    }
    expect(charts[1]?.bars).toBe(rows.length);
    // The scaling table of this run: every system's row, numbers with their units.
    await expect.poll(() => page.locator("#scaling-section").isVisible(), { timeout: 30_000 }).toBe(true);
    const scaling = await page.locator("#scaling").textContent();
    for (const system of ["plain L1 transfer", "zk rollup", "optimistic rollup"]) expect(scaling).toContain(system);
    expect(await page.locator("#scaling-notes").textContent()).toContain("measured in this run");
    await screenshot(page, "demo-page-honest.png");
    expect(errors).toEqual([]);
  });


  it("runs the censoring sequencer: exit mode a block after the deadline in zk mode, a challenge window later in optimistic mode", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors = watchErrors(page);
    await page.goto(`${server.url}/`);
    await page.selectOption("#scenario", "censoring");
    await page.click("#run");
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 120_000 }).toMatch(/Run 2: .*· (computed|failed)/);
    expect(await page.locator("#status").textContent()).toMatch(/· computed$/);
    await page.keyboard.press("e");
    const zk = await page.locator("#lane-zk .events").textContent();
    const opt = await page.locator("#lane-optimistic .events").textContent();
    expect(zk).toContain("exit mode activated after the deadline");
    expect(opt).toContain("reverted (NOT_FINAL)");
    expect(opt).toContain("exit mode activated once the batches of the deadline are final");
    expect(await page.locator("#lane-optimistic .outcome").textContent()).toMatch(/challenge window/);
    expect(errors).toEqual([]);
  });

  it("runs the dishonest challenger: not applicable in zk mode; in optimistic mode it loses the dispute", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(`${server.url}/`);
    await page.selectOption("#scenario", "dishonest-challenger");
    await page.click("#run");
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 60_000 }).toMatch(/Run 3: .*· computed$/);
    await page.keyboard.press("e");
    expect(await page.locator("#lane-zk .lane-status").textContent()).toBe("not applicable");
    expect(await page.locator("#lane-optimistic .events").textContent()).toContain("dispute resolved: proposerWon");
    const charts = await chartMarks(page, ".charts");
    expect(charts.map((c) => c.title)).toEqual(["Events of both lanes on the L1 clock", "Dispute moves: L1 gas per move"]);
    for (const c of charts) expect(c.barsDrawn, c.title).toBe(c.bars);
  });
});
