/**
 * `zkr node --data DIR` with a DIR that cannot work: one line on stderr and exit code 2, at once,
 * before keys are made or anything starts (no hang on /proc, no raw EEXIST / EACCES with exit 1).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { JsonObject } from "snarkjs";
import { afterAll, describe, expect, it } from "vitest";
import { prepareDataDir } from "../../src/node/data-dir.ts";
import { NodeError } from "../../src/node/errors.ts";
import { META_KEY } from "../../src/node/node.ts";
import { startNode } from "../../src/node/run.ts";
import { NodeStore } from "../../src/node/store.ts";
import { REPO_ROOT } from "../../src/paths.ts";
import { thrownCode } from "../helpers/errors.ts";
import { testArtifacts, testInstance } from "../helpers/fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "zkr-data-dir-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** As root, permission bits do not stop writes: run as nobody then. */
const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

function zkrNode(data: string, user: object = {}) {
  const r = spawnSync(process.execPath, [resolve(REPO_ROOT, "bin", "zkr.js"), "node", "--data", data, "--instance", testInstance.name, "--port", "0"], {
    encoding: "utf8",
    cwd: REPO_ROOT,
    timeout: 60_000,
    ...user,
  });
  return { code: r.status, lines: r.stderr.trim().split("\n") };
}

describe("zkr node --data", () => {
  const file = join(dir, "a-file");
  writeFileSync(file, "");
  const readOnly = join(dir, "read-only");
  mkdirSync(readOnly);
  chmodSync(dir, 0o755);
  chmodSync(readOnly, 0o555);

  it("a file (EEXIST), /proc (a hang), a read-only folder (EACCES): exit 2 and one line", () => {
    for (const [data, user] of [[file, {}], ["/proc/zkr", {}], [readOnly, asUser]] as const) {
      const r = zkrNode(data, user);
      expect(r.code, data).toBe(2);
      expect(r.lines, data).toHaveLength(1);
    }
  });

  it("the check itself: BAD_DATA_DIR, and a new folder is created", () => {
    expect(thrownCode(NodeError, () => prepareDataDir(file))).toBe("BAD_DATA_DIR");
    expect(thrownCode(NodeError, () => prepareDataDir(join(file, "sub")))).toBe("BAD_DATA_DIR");
    expect(thrownCode(NodeError, () => prepareDataDir("/proc/self/zkr"))).toBe("BAD_DATA_DIR");
    expect(thrownCode(NodeError, () => prepareDataDir("/sys/zkr"))).toBe("BAD_DATA_DIR");
    expect(thrownCode(NodeError, () => prepareDataDir(join(dir, "new", "nested")))).toBeUndefined();
  });

  it("a data directory of the TypeScript L1 (metadata version 1: a log this L1 cannot replay) is refused", async () => {
    const old = join(dir, "old");
    const store = await NodeStore.open(old);
    await store.write([{ type: "put", key: META_KEY, value: { version: 1, instance: testInstance.name } }]);
    await store.close();
    const { circuit, keys } = testArtifacts();
    const vkey = JSON.parse(readFileSync(keys.vkey, "utf8")) as JsonObject;
    const started = startNode({ dataDir: old, port: 0, instance: testInstance, keys: { zkey: keys.zkey, wasm: circuit.wasm, vkey, insecure: true }, slotMs: 0 });
    await expect(started).rejects.toMatchObject({ code: "CONFIG_MISMATCH" });
  });
});
