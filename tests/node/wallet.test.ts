/**
 * The whole flow by hand, through `zkr wallet` against a node started here: create keys, faucet,
 * deposit, transfer, withdraw, watch until final, claim on L1.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonObject } from "snarkjs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { walletCommand } from "../../src/cli/commands/wallet.ts";
import { CliError } from "../../src/cli/errors.ts";
import { startNode, type RunningNode } from "../../src/node/run.ts";
import { ROLLUP_ID, testArtifacts, testInstance } from "../helpers/fixtures.ts";

const { circuit, keys } = testArtifacts();
const dir = mkdtempSync(join(tmpdir(), "zkr-wallet-"));
let node: RunningNode;

beforeAll(async () => {
  node = await startNode({
    dataDir: join(dir, "node"),
    port: 0,
    instance: testInstance,
    keys: { zkey: keys.zkey, wasm: circuit.wasm, vkey: JSON.parse(readFileSync(keys.vkey, "utf8")) as JsonObject, insecure: true },
    genesis: { rollupId: ROLLUP_ID, finalitySlots: 1 },
    slotMs: 100,
    maxWaitSeconds: 0,
  });
});

afterAll(async () => {
  await node.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `zkr wallet ...` and returns what it printed. */
async function zkrWallet(...argv: string[]): Promise<string> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")));
  try {
    expect(await walletCommand([...argv, "--node", node.api.url])).toBe(0);
  } finally {
    spy.mockRestore();
  }
  return lines.join("\n");
}

describe("zkr wallet against a running node", () => {
  const alice = join(dir, "alice.json");
  const bob = join(dir, "bob.json");

  it("creates a key file (0600) and refuses to overwrite it", async () => {
    expect(await zkrWallet("create", "--wallet", alice)).toMatch(/wallet written/);
    await zkrWallet("create", "--wallet", bob);
    expect(statSync(alice).mode & 0o777).toBe(0o600);
    await expect(walletCommand(["create", "--wallet", alice])).rejects.toBeInstanceOf(CliError);
  });

  it("deposits, transfers, withdraws, watches until final and claims on L1", async () => {
    await zkrWallet("faucet", "5000", "--wallet", alice);
    await zkrWallet("faucet", "5000", "--wallet", bob);
    expect(await zkrWallet("deposit", "1000", "--wait", "--wallet", alice)).toMatch(/L2 account \d+ credited/);
    await zkrWallet("deposit", "500", "--wait", "--wallet", bob);
    const bobShow = JSON.parse(await zkrWallet("show", "--json", "--wallet", bob)) as { index: number };

    const sent = await zkrWallet("transfer", String(bobShow.index), "100", "--wait", "--wallet", alice);
    expect(sent).toMatch(/accepted: [0-9a-f]{16}/);
    expect(sent).toMatch(/: final \(batch \d+\)/);

    const out = await zkrWallet("withdraw", "50", "--wait", "--wallet", bob);
    const id = /accepted: ([0-9a-f]{16})/.exec(out)?.[1] ?? "";
    expect(out).toMatch(/: final/);
    expect(await zkrWallet("status", id, "--wallet", bob)).toMatch(new RegExp(`${id}: final \\(batch \\d+\\)  \\[L1 admitted t=\\d+ s, cut t=\\d+ s, proven t=\\d+ s, accepted t=\\d+ s, final t=\\d+ s\\]`));
    expect(await zkrWallet("claim", "--wallet", bob)).toMatch(/paid 50/);
    expect(await zkrWallet("claim", "--wallet", bob)).toMatch(/nothing to claim/);

    const a = JSON.parse(await zkrWallet("show", "--json", "--wallet", alice)) as { l1Balance: string; final: { balance: string; nonce: string } };
    const b = JSON.parse(await zkrWallet("show", "--json", "--wallet", bob)) as { l1Balance: string; final: { balance: string; nonce: string } };
    expect(a).toMatchObject({ l1Balance: "4000", final: { balance: "900", nonce: "1" } });
    expect(b).toMatchObject({ l1Balance: "4550", final: { balance: "550", nonce: "1" } });
  }, 120_000);

  it("reports a refusal as a one-line error", async () => {
    await expect(walletCommand(["transfer", "15", "1", "--wallet", alice, "--node", node.api.url])).rejects.toThrow(/UNKNOWN_ACCOUNT/);
    await expect(walletCommand(["show", "--wallet", join(dir, "nobody.json"), "--node", node.api.url])).rejects.toThrow(/no wallet/);
  });
});
