// Interrupted builds leave nothing forever: temp names are unique (pid + random), the next run removes
// the temps of processes that are gone (or too old), and circom ends when the zkr process that
// started it is killed with SIGKILL.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanStaleTemps, tempPathFor, writeFileAtomic } from "../../src/artifacts/files.ts";
import { setupInstance } from "../../src/artifacts/setup.ts";
import { REPO_ROOT } from "../../src/paths.ts";
import { shutdownProver } from "../../src/prover/prove.ts";
import { testArtifacts, testInstance } from "../helpers/fixtures.ts";
import { until } from "../node/helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "zkr-temps-"));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await shutdownProver();
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", ""]);
  if (r.pid === undefined) throw new Error("no pid");
  return r.pid;
}

function tempFolder(path: string): string {
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, "part"), "x");
  return path;
}

describe("temp names", () => {
  it("are unique per call and carry the pid; writeFileAtomic leaves none", () => {
    const target = join(dir, "a.json");
    const names = new Set(Array.from({ length: 100 }, () => tempPathFor(target)));
    expect(names.size).toBe(100);
    for (const n of names) expect(n).toContain(`.zkr-${process.pid}-`);
    writeFileAtomic(target, "1");
    writeFileAtomic(target, "2");
    expect(readFileSync(target, "utf8")).toBe("2");
    expect(readdirSync(dir)).toEqual(["a.json"]);
  });

  it("cleanStaleTemps removes a dead process's temps and old ones, keeps a live process's and other files", () => {
    const sub = join(dir, "clean");
    const dead = deadPid();
    const gone = [
      tempFolder(join(sub, `circuit-aaaaaaaaaaaa.tmp-${dead}`)), // the older layout
      join(sub, `groth16-dev.zkey.${dead}.tmp.tmp`),
      join(sub, `x.json.zkr-${dead}-0a1b2c3d4e5f.tmp`),
      join(sub, "old.ptau.tmp"),
    ];
    const kept = [tempFolder(join(sub, `circuit-bbbbbbbbbbbb.zkr-${process.pid}-0a1b2c3d4e5f.tmp`)), join(sub, "fresh.ptau.tmp"), join(sub, "compile.json")];
    for (const f of [...gone, ...kept]) if (!existsSync(f)) writeFileSync(f, "x");
    const twoDaysAgo = new Date(Date.now() - 48 * 3600 * 1000);
    utimesSync(join(sub, "old.ptau.tmp"), twoDaysAgo, twoDaysAgo);

    expect(cleanStaleTemps(sub).sort()).toEqual([...gone].sort());
    for (const f of kept) expect(existsSync(f), f).toBe(true);
  });
});

describe("zkr setup", () => {
  it("removes the temps an interrupted setup left, on its next run (cached keys too)", async () => {
    const { circuit } = testArtifacts();
    const instanceDir = dirname(circuit.dir);
    const dead = deadPid();
    const stale = [
      tempFolder(join(instanceDir, `circuit-000000000000.tmp-${dead}`)),
      tempFolder(join(instanceDir, `circuit-000000000000.zkr-${dead}-0a1b2c3d4e5f.tmp`)),
      tempFolder(join(instanceDir, "keys", `000000000000-groth16-dev.zkr-${dead}-0a1b2c3d4e5f.tmp`)),
    ];
    const legacyZkey = join(circuit.dir, `groth16-dev.zkey.${dead}.tmp.tmp`);
    writeFileSync(legacyZkey, "x");
    const live = tempFolder(join(instanceDir, `circuit-000000000000.zkr-${process.pid}-0a1b2c3d4e5f.tmp`));
    try {
      const s = await setupInstance(testInstance);
      expect(s.cached).toBe(true);
      for (const f of [...stale, legacyZkey]) expect(existsSync(f), f).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      rmSync(live, { recursive: true, force: true });
    }
  });

  it("kill -9 of zkr during a compile ends circom too", async () => {
    const build = join(dir, "build");
    // A fresh build folder: the circuit is compiled.
    const cli = spawn(process.execPath, [resolve(REPO_ROOT, "bin", "zkr.js"), "setup", testInstance.name], {
      cwd: REPO_ROOT,
      env: { ...process.env, ZKR_BUILD_DIR: build },
      stdio: ["ignore", "pipe", "ignore"],
    });
    const cliPid = cli.pid ?? -1;
    // circom's first progress line; then it is silent for seconds (constraint generation): killed there,
    // it has no output to fail on, only the guard can end it.
    await new Promise<void>((done) => {
      cli.stdout?.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("template instances")) done();
      });
    });
    const circom = childrenOf(cliPid).find((pid) => cmdline(pid).includes("circom2")) ?? -1;
    expect(circom).toBeGreaterThan(0);
    const exited = new Promise((r) => cli.once("exit", r));
    process.kill(cliPid, "SIGKILL");
    await exited;
    await until(async () => !running(circom), 2_000, "circom ended", 50);
  });
});

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat?.ppid === pid) out.push(Number(entry));
  }
  return out;
}

function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

/** Alive: exists and is not a zombie waiting for a parent that will never reap it. */
function running(pid: number): boolean {
  const s = procStat(pid);
  return s !== undefined && s.state !== "Z" && s.state !== "X";
}
