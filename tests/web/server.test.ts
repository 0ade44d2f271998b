/**
 * The web servers' edges: files only from the asset folder (no traversal, no symlink out, no directory,
 * FIFO or oversized file), bounded and typed request bodies, loopback only.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoServer, type RunningDemoServer } from "../../src/web/demo-server.ts";
import { MAX_ASSET_BYTES, resolveAsset } from "../../src/web/static-files.ts";
import { testInstance } from "../helpers/fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "zkr-web-assets-"));
const outside = mkdtempSync(join(tmpdir(), "zkr-web-outside-"));
let server: RunningDemoServer;

beforeAll(async () => {
  mkdirSync(join(root, "vendor"));
  writeFileSync(join(root, "page.html"), "<p>ok</p>");
  writeFileSync(join(root, "vendor", "lib.js"), "export {}");
  writeFileSync(join(outside, "secret.js"), "secret");
  symlinkSync(join(outside, "secret.js"), join(root, "link.js"));
  symlinkSync(outside, join(root, "out"));
  mkdirSync(join(root, "dir.js"));
  execFileSync("mkfifo", [join(root, "fifo.js")]);
  writeFileSync(join(root, "big.js"), Buffer.alloc(MAX_ASSET_BYTES + 1));
  writeFileSync(join(root, "notes.txt"), "not served");
  server = await startDemoServer({ port: 0, instance: testInstance, windowSeconds: 3600, deadlineSeconds: 3600, users: 2, transfers: 0, seed: 1, scaling: false, log: () => {} });
});

afterAll(async () => {
  await server?.close();
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

/** A raw request: the path is sent exactly as given (no client-side normalisation). */
function raw(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; type: string; text: string }>((resolve, reject) => {
    const req = httpRequest(`${server.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
const code = (r: { text: string }) => (JSON.parse(r.text) as { error?: { code?: string } }).error?.code;

describe("resolveAsset: regular files inside the asset folder only", () => {
  it("serves a file and a file in a subfolder", () => {
    expect(resolveAsset(root, "page.html")).toMatchObject({ ok: true, type: "text/html; charset=utf-8" });
    expect(resolveAsset(root, "vendor/lib.js")).toMatchObject({ ok: true });
    expect(resolveAsset(root, "vendor%2Flib.js")).toMatchObject({ ok: true });
  });

  it.each([
    ["a parent segment", "../zkr-web-outside/secret.js"],
    ["an encoded parent segment", "..%2F..%2Fetc%2Fpasswd.js"],
    ["a parent segment inside", "vendor/../../secret.js"],
    ["a dot segment", "./page.html"],
    ["an empty segment", "vendor//lib.js"],
    ["an absolute path", "/etc/passwd.js"],
    ["a backslash", "vendor%5C..%5Cpage.html"],
    ["a NUL byte", "page.html%00.js"],
    ["a symlink to a file outside", "link.js"],
    ["a file through a symlinked folder", "out/secret.js"],
    ["a directory", "dir.js"],
    ["a FIFO", "fifo.js"],
    ["a file above the size limit", "big.js"],
    ["a type it does not serve", "notes.txt"],
    ["a missing file", "nothing.js"],
  ])("refuses %s", (_what, path) => {
    expect(resolveAsset(root, path).ok).toBe(false);
  });

  it("refuses a malformed escape with 400", () => {
    expect(resolveAsset(root, "%E0%A4%A.js")).toEqual({ ok: false, status: 400 });
  });
});

describe("zkr web's server", () => {
  it("listens on 127.0.0.1 only", () => {
    expect((server.server.address() as AddressInfo).address).toBe("127.0.0.1");
  });

  it("serves the page and its files, and nothing outside its asset folder", async () => {
    const page = await raw("GET", "/");
    expect([page.status, page.type]).toEqual([200, "text/html; charset=utf-8"]);
    expect(page.text).toContain('<script type="module" src="/assets/demo.js">');
    expect((await raw("GET", "/assets/vendor/vega.min.js")).status).toBe(200);
    for (const path of ["/assets/..%2F..%2F..%2Fpackage.json", "/assets/%2e%2e/%2e%2e/%2e%2e/package.json", "/assets/../../../package.json", "/assets/..%5C..%5Cpackage.json", "/assets/", "/assets/vendor"]) {
      const r = await raw("GET", path);
      expect(r.status, path).toBe(404);
      expect(r.text, path).not.toContain("zk-rollup-lab");
    }
  });

  it("refuses a bad run request with a code and starts nothing", async () => {
    const json = { "content-type": "application/json" };
    expect(code(await raw("POST", "/api/runs", JSON.stringify({ scenario: "honest", pad: "x".repeat(2000) }), json))).toBe("BODY_TOO_LARGE");
    expect(code(await raw("POST", "/api/runs", '{"scenario":"honest"}', { "content-type": "text/plain" }))).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(code(await raw("POST", "/api/runs", "{", json))).toBe("MALFORMED_JSON");
    expect(code(await raw("POST", "/api/runs", JSON.stringify({ scenario: "toString" }), json))).toBe("INVALID_REQUEST");
    expect(code(await raw("GET", "/api/runs"))).toBe("METHOD_NOT_ALLOWED");
    expect(code(await raw("DELETE", "/"))).toBe("METHOD_NOT_ALLOWED");
    expect(code(await raw("GET", "/admin"))).toBe("NOT_FOUND");
    const state = JSON.parse((await raw("GET", "/api/state")).text) as { state: unknown };
    expect(state.state).toBeNull();
  });
});
