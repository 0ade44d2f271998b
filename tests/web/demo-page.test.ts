/**
 * `zkr web` end to end in Chromium on the test instance: the malicious-sequencer scenario (watcher on)
 * run from the page shows the zk lane's rejection (INVALID_PROOF, no proof can be made) and the
 * optimistic lane's dispute and rollback, on the L1 clock, with every chart drawn.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { shutdownProver } from "../../src/prover/prove.ts";
import { startDemoServer, type RunningDemoServer } from "../../src/web/demo-server.ts";
import { testInstance } from "../helpers/fixtures.ts";
import { chartMarks, launchChromium, screenshot, SCREENSHOT_DIR, watchErrors } from "./browser.ts";

let server: RunningDemoServer;
let browser: Browser;

beforeAll(async () => {
  server = await startDemoServer({ port: 0, instance: testInstance, windowSeconds: 7 * 86400, deadlineSeconds: 86400, users: 2, transfers: 2, seed: 5, scaling: false, log: () => {} });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await shutdownProver();
});

describe("the demo page", () => {
  it("runs the malicious sequencer: rejected in zk mode, challenged and rolled back in optimistic mode", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors = watchErrors(page);
    await page.goto(`${server.url}/`);
    await page.selectOption("#scenario", "malicious-watcher-on");
    // Keyboard only: focus the Run button and press Enter.
    await page.focus("#run");
    await page.keyboard.press("Enter");
    // Both lanes computed (a failure shows its error here), then played back to the end.
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 60_000 }).toMatch(/· (computed|failed)/);
    expect(await page.locator("#status").textContent()).toMatch(/· computed$/);
    const zk = page.locator("#lane-zk");
    const opt = page.locator("#lane-optimistic");
    await expect.poll(() => zk.locator('.events li[data-kind="rejected"]').count(), { timeout: 10_000 }).toBe(3);
    await expect.poll(() => opt.locator('.events li[data-kind="rollback"]').count(), { timeout: 10_000 }).toBe(1);
    expect(await zk.locator(".events").textContent()).toContain("INVALID_PROOF");
    expect(await zk.locator(".events").textContent()).toContain("no proof can be made");
    expect(await zk.locator(".outcome").textContent()).toMatch(/never accepted/);
    // The dispute, move by move at its L1 time, then the rollback; the thief is not paid.
    const moves = await opt.locator('.events li[data-kind="dispute"]').allTextContents();
    expect(moves.some((m) => /watcher: challenge \([0-9,]+ gas\)/.test(m))).toBe(true);
    expect(moves.some((m) => /one-step proof/.test(m))).toBe(true);
    expect(await opt.locator(".outcome").textContent()).toMatch(/rolled back and nothing was paid/);
    expect(await page.locator("#clock").textContent()).toMatch(/end of the run/);

    // The charts of this run: the timeline of both lanes and the dispute moves' gas.
    await expect.poll(() => page.locator("#chart-moves svg.marks").count(), { timeout: 10_000 }).toBe(1);
    const charts = await chartMarks(page, ".charts");
    expect(charts.map((c) => c.title)).toEqual(["Events of both lanes on the L1 clock", "Dispute moves: L1 gas per move"]);
    for (const c of charts) {
      expect(c.drawn, c.title).toBeGreaterThan(0);
      expect(c.barsDrawn, c.title).toBe(c.bars);
    }
    // One bar per move transaction (the list also holds the scenario's own line on the challenge).
    expect(charts[1]?.bars).toBe(moves.filter((m) => /(sequencer|watcher): .* \([0-9,]+ gas\)$/.test(m)).length);
    await screenshot(page, "demo-page.png");
    // The README's picture: the visible part, small.
    await page.screenshot({ path: join(SCREENSHOT_DIR, "demo-page-small.png"), clip: { x: 0, y: 0, width: 1280, height: 820 } });
    expect(errors).toEqual([]);
  });

  it("pauses, steps event by event and speeds up from the keyboard", async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    // The finished run is shown again to a new page, its clock from 0.
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 10_000 }).toMatch(/computed/);
    await page.locator("body").press(" ");
    expect(await page.locator("#play").textContent()).toBe("Play");
    await page.locator("body").press("e");
    expect(await page.locator("#clock").textContent()).toMatch(/end of the run/);
    await page.locator("body").press("+");
    expect(await page.locator("#speed").inputValue()).toBe("21600");
  });
});
