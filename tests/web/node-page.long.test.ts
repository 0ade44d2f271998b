/**
 * The node's page under a censoring sequencer (long: its own node and batches): a forced withdrawal shows
 * as pending with its deadline, and once the deadline has passed and anyone activated exit mode, the page
 * says so, live.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { newPrivateKey } from "../../src/crypto/eddsa.ts";
import type { RunningNode } from "../../src/node/run.ts";
import { walletFromPrivateKey } from "../../src/wallet/keyfile.ts";
import { Wallet } from "../../src/wallet/wallet.ts";
import { TestNodes, until } from "../node/helpers.ts";
import { launchChromium, screenshot, watchErrors } from "./browser.ts";

const DEADLINE = 60;
const nodes = new TestNodes("zkr-web-exit-");
let node: RunningNode;
let browser: Browser;

beforeAll(async () => {
  node = await nodes.start({ genesis: { forcedDeadlineSeconds: DEADLINE }, censorForced: true });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await nodes.stopAll();
});

describe("the node's page, censoring sequencer", () => {
  it("shows the pending forced withdrawal, then exit mode", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const errors = watchErrors(page);
    await page.goto(`${node.api.url}/`);
    const [alice, bob] = [0, 1].map(() => new Wallet(walletFromPrivateKey(newPrivateKey()), node.api.url));
    for (const w of [alice!, bob!]) {
      await w.faucet(10_000n);
      await w.deposit(500n);
    }
    await until(async () => (await bob!.index()) !== undefined && (await alice!.index()) !== undefined, 30_000, "deposits");
    await until(async () => {
      const h = node.node.health();
      return h.batches.cut > 0 && h.batches.cut === h.batches.accepted && !h.prover.busy;
    }, 60_000, "the deposits accepted", 100);
    await node.node.tick();

    const req = await bob!.forceWithdraw(200n);
    const id = req.result!.requestId;
    const row = page.locator("#forced tbody tr").first();
    await expect.poll(() => row.locator("td").allTextContents(), { timeout: 10_000 }).toEqual([
      String(id),
      String(await bob!.index()),
      expect.stringMatching(/^0x[0-9a-f]{40}$/),
      "200 wei",
      expect.stringMatching(/^[0-9,]+ s/),
      expect.stringMatching(/^[0-9,]+ s/),
      "pending",
    ]);
    expect(await page.locator("#exit-mode").textContent()).toMatch(/^Exit mode: off\. A forced withdrawal must be included within 60 s of L1 time; this sequencer censors them/);

    for (let i = 0; i < DEADLINE / 12 + 1; i++) await node.node.tick();
    const activated = await alice!.activateExitMode(id);
    expect(activated.status).toBe("success");
    await expect.poll(() => page.locator("#exit-mode").textContent(), { timeout: 10_000 }).toMatch(new RegExp(`^Exit mode: ON since L1 t = [0-9,]+ s.*\\(request ${id}\\)`));
    await screenshot(page, "node-page-exit-mode.png");
    expect(errors).toEqual([]);
  });
});
