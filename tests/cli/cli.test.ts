import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../src/paths.ts";
import { snarkjsCli } from "../../src/artifacts/snarkjs-cli.ts";

const ZKR = resolve(REPO_ROOT, "bin", "zkr.js");

function zkr(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [ZKR, ...args], { encoding: "utf8", cwd: REPO_ROOT });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Bad input: exit code 2 and exactly one line on stderr, no stack trace. */
function expectOneLineError(r: { code: number; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(2);
  const lines = r.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^zkr: /);
  expect(lines[0]).toMatch(pattern);
}

describe("zkr CLI", () => {
  it("circuits --json lists every instance with its parameters and artifact status", () => {
    const r = zkr("circuits", "--json");
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(rows.map((x) => x["role"])).toContain("bench");
    const test = rows.find((x) => x["name"] === "batch_n2_d2_a4");
    expect(test).toMatchObject({ batchSize: 2, depth: 2, arities: [4, 4], accounts: 16, constraints: 16998, constraintsPerOp: 8499 });
    expect(test?.["artifacts"]).toMatch(/groth16 \(dev, INSECURE\)/);
  });

  it("setup reuses cached keys and says they are insecure", () => {
    const r = zkr("setup", "batch_n2_d2_a4");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/keys cached/);
    expect(r.stdout).toMatch(/INSECURE/);
  });

  it("bad input is one line and exit code 2", () => {
    expectOneLineError(zkr("frobnicate"), /unknown command/);
    expectOneLineError(zkr("setup", "batch_n999"), /unknown instance/);
    expectOneLineError(zkr("setup", "--protocol", "snark"), /--protocol/);
    expectOneLineError(zkr("setup", "--bogus"), /unknown option --bogus/);
    expectOneLineError(zkr("setup", "batch_n2_d2_a4", "--ptau", "/nonexistent.ptau"), /not found/);
  });

  it("a corrupt or too small ptau is a one-line error, not a hang", () => {
    const dir = mkdtempSync(join(tmpdir(), "zkr-cli-"));
    const junk = join(dir, "junk.ptau");
    writeFileSync(junk, "ptau but not really");
    expectOneLineError(zkr("setup", "batch_n2_d2_a4", "--ptau", junk), /ptau|truncated|corrupt/);

    const raw = join(dir, "p4.ptau");
    const prepared = join(dir, "p4-prepared.ptau");
    expect(snarkjsCli(["powersoftau", "new", "bn128", "4", raw]).code).toBe(0);
    expectOneLineError(zkr("setup", "batch_n2_d2_a4", "--ptau", raw), /not prepared for phase 2/);
    expect(snarkjsCli(["powersoftau", "prepare", "phase2", raw, prepared]).code).toBe(0);
    expectOneLineError(zkr("setup", "batch_n2_d2_a4", "--ptau", prepared), /power 4; .* needs at least 15/);
  });
});
