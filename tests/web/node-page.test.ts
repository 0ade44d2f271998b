/**
 * The node's page in Chromium, on the test instance: a transfer submitted to the node shows up live
 * and moves through its statuses to "final"; its batch's proof downloads as snarkjs's proof.json; an
 * account's Merkle proof is shown against the final root; the page's files cannot be left.
 */
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { labelAddress } from "../../src/l1/address.ts";
import { NodeClient } from "../../src/node/client.ts";
import type { RunningNode } from "../../src/node/run.ts";
import { newUser, transfer } from "../helpers/fixtures.ts";
import { TestNodes, until } from "../node/helpers.ts";
import { launchChromium, screenshot, watchErrors } from "./browser.ts";

const nodes = new TestNodes("zkr-web-node-");
let node: RunningNode;
let client: NodeClient;
let browser: Browser;

beforeAll(async () => {
  // The L1 moves a 12 s slot every 150 ms of wall time; a batch is final one slot after acceptance.
  node = await nodes.start({ slotMs: 150 });
  client = new NodeClient(node.api.url);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await nodes.stopAll();
});

function status(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    httpRequest(`${node.api.url}${path}`, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on("error", reject)
      .end();
  });
}

describe("the node's page", () => {
  it("shows a submitted transfer move to final, live", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const errors = watchErrors(page);
    await page.goto(`${node.api.url}/`);
    await expect.poll(() => page.locator("#connection").textContent(), { timeout: 10_000 }).toBe("live");

    const [alice, bob] = [newUser(), newUser()];
    for (const [i, u] of [alice, bob].entries()) {
      const l1 = labelAddress(`web user ${i}`);
      await client.faucet(l1, 10_000n);
      await client.deposit(l1, u.publicKey, 1_000n);
    }
    await until(async () => (await client.findAccounts(bob.publicKey)).length === 1, 30_000, "deposits");
    const [ia] = await client.findAccounts(alice.publicKey);
    const [ib] = await client.findAccounts(bob.publicKey);
    const { id } = await client.submit(transfer(alice, ia ?? -1, ib ?? -1, 250n, 0n));

    // The page learns of it from the event stream (no reload) and follows it to final.
    const row = page.locator(`#ops tr[data-op="${id}"]`);
    const seen = new Set<string>();
    await expect
      .poll(
        async () => {
          const s = (await row.locator(".status").textContent({ timeout: 1000 }).catch(() => null)) ?? "absent";
          seen.add(s);
          return s;
        },
        { timeout: 60_000, interval: 50 },
      )
      .toBe("final");
    // It was shown before it was final (pending, in batch, proven or accepted), then final, with no reload.
    expect([...seen].filter((x) => ["pending", "in batch", "proven", "accepted"].includes(x)).length).toBeGreaterThan(0);
    // Its L1 times, each in seconds: admitted, cut, proven, accepted, final.
    const cells = await row.locator("td").allTextContents();
    for (const t of cells.slice(5)) expect(t).toMatch(/^[0-9,]+ s/);
    const batch = Number(cells[4]);
    expect(batch).toBeGreaterThanOrEqual(1);
    await expect.poll(() => page.locator(`#batches tr[data-batch="${batch}"] .status`).textContent(), { timeout: 10_000 }).toBe("final");

    // The batch's proof as snarkjs writes it, downloaded from the page's link.
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator(`#batches tr[data-batch="${batch}"] a`, { hasText: "proof.json" }).click()]);
    const proof = JSON.parse(await new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      download.createReadStream().then((s) => s.on("data", (c: Buffer) => chunks.push(c)).on("end", () => resolve(Buffer.concat(chunks).toString("utf8"))).on("error", reject), reject);
    })) as Record<string, unknown>;
    expect(Object.keys(proof).sort()).toEqual(["curve", "pi_a", "pi_b", "pi_c", "protocol"]);
    expect(proof["protocol"]).toBe("groth16");

    // Bob's account and its Merkle proof against the final root.
    await expect.poll(() => page.locator("#accounts").textContent(), { timeout: 10_000 }).toContain("1,250 wei");
    await page.fill("#account-index", String(ib));
    await page.press("#account-index", "Enter");
    await expect.poll(() => page.locator("#proof").textContent(), { timeout: 10_000 }).toMatch(new RegExp(`Merkle proof of account ${ib} against the root of final batch [0-9]+`));
    expect(await page.locator("#proof").textContent()).toContain(`"balance": "1250"`);
    await screenshot(page, "node-page.png");
    expect(errors).toEqual([]);
  });

  it("serves its own files only; the JSON API answers everything else", async () => {
    expect(await status("/assets/node.js")).toBe(200);
    expect(await status("/assets/..%2F..%2F..%2Fpackage.json")).toBe(404);
    expect(await status("/assets/%2e%2e/%2e%2e/package.json")).toBe(404);
    expect(await status("/batches/999/proof.json")).toBe(404);
    expect(await status("/health")).toBe(200);
  });
});
