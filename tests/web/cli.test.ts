/**
 * `zkr web`: bad input (options, a port in use) is refused with exit code 2 in one line before anything
 * starts; through the real binary, the page is served on 127.0.0.1 until SIGTERM.
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { webCommand } from "../../src/cli/commands/web.ts";
import { exitCodeOf } from "../../src/cli/exit-code.ts";
import { REPO_ROOT } from "../../src/paths.ts";

const ZKR = resolve(REPO_ROOT, "bin", "zkr.js");

function zkr(args: string[], onLine?: (line: string, stop: () => void) => void): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [ZKR, "web", ...args], { cwd: REPO_ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      for (const line of d.toString().split("\n")) onLine?.(line, () => child.kill("SIGTERM"));
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

describe("zkr web", () => {
  it.each([[["--port", "abc"]], [["--scenario", "nope"]], [["--window", "5"]], [["--instance", "nope"]], [["extra"]], [["--users", "1"]], [["--transfers", "1e3"]]])("refuses %j with exit code 2", async (args) => {
    const err = await webCommand(args).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(exitCodeOf(err)).toBe(2);
    expect((err as Error).message).not.toContain("\n");
  });

  it("refuses a port in use with exit code 2", async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      const err = await webCommand(["--port", String(port), "--instance", "batch_n2_d2_a4"]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(exitCodeOf(err)).toBe(2);
      expect((err as Error).message).toBe(`port ${port} on 127.0.0.1 is in use (--port N, or 0 for a free one)`);
    } finally {
      busy.close();
    }
  });

  it("through the binary: serves the page on 127.0.0.1 and stops on SIGTERM", async () => {
    let page: Promise<number> | undefined;
    const served = await zkr(["--port", "0", "--instance", "batch_n2_d2_a4"], (line, stop) => {
      const url = /serving the demo on (http:\/\/127\.0\.0\.1:[0-9]+)\//.exec(line)?.[1];
      if (url !== undefined) page = fetch(`${url}/`).then((res) => res.status).finally(stop);
    });
    expect(await page).toBe(200);
    expect(served.code).toBe(0);
    expect(served.stdout).toContain("zkr web: stopping");
  });
});
