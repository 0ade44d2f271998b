import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { anvilBinary, rpc, startAnvil, withAnvil } from "../../src/evm/anvil.ts";
import { EvmError } from "../../src/evm/errors.ts";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("anvil from npm", () => {
  const saved = process.env["ZKR_ANVIL_BIN"];
  afterEach(() => {
    if (saved === undefined) delete process.env["ZKR_ANVIL_BIN"];
    else process.env["ZKR_ANVIL_BIN"] = saved;
  });

  it("is installed (npm ci installs @foundry-rs/anvil-linux-amd64): the EVM tests need it", () => {
    expect(anvilBinary()).toMatch(/anvil$/);
  });

  it("starts on 127.0.0.1 with a free port, answers JSON-RPC, and stops", async () => {
    const node = await startAnvil();
    expect(node.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(node.version).toMatch(/^anvil\//);
    expect(await rpc<string>(node.url, "eth_chainId", [])).toBe("0x7a69");
    expect(isAlive(node.pid)).toBe(true);
    await node.stop();
    expect(node.exited).toBe(true);
    expect(isAlive(node.pid)).toBe(false);
    await expect(rpc(node.url, "eth_chainId", [])).rejects.toThrow();
    await node.stop(); // twice is fine
  });

  it("withAnvil stops it even when the body throws", async () => {
    let pid = 0;
    await expect(
      withAnvil(async (node) => {
        pid = node.pid;
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(pid).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(false);
  });

  it("fails with a coded reason when the binary is missing or does not start", async () => {
    process.env["ZKR_ANVIL_BIN"] = "/nonexistent/anvil";
    await expect(startAnvil()).rejects.toMatchObject({ name: "EvmError", code: "ANVIL_NOT_INSTALLED" });

    const dir = mkdtempSync(join(tmpdir(), "zkr-anvil-"));
    const fake = join(dir, "anvil");
    writeFileSync(fake, "#!/bin/sh\necho 'no such hardfork' >&2\nexit 3\n");
    chmodSync(fake, 0o755);
    process.env["ZKR_ANVIL_BIN"] = fake;
    const failed = startAnvil().catch((e: unknown) => e);
    const error = await failed;
    expect(error).toBeInstanceOf(EvmError);
    expect(error).toMatchObject({ code: "ANVIL_START_FAILED" });
    expect((error as EvmError).message).toContain("no such hardfork");
  });
});
