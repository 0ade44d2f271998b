/**
 * Bad input to the pool's commands is one line and exit 2, never a stack trace; a node told to prove on
 * an unreachable Redis stops there: it never starts, and never proves in-process instead.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/node/spawn.ts";
import { spawnCli } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "zkr-pool-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("zkr prover / zkr node --provers: bad input", () => {
  it("exits 2 with one line for a bad URL or an unreachable Redis", async () => {
    const closed = await freePort();
    const runs = [
      { args: ["prover", "--queue", `redis://127.0.0.1:${closed}`], says: "cannot reach Redis" },
      { args: ["node", "--data", dir, "--port", "0", "--provers", `redis://127.0.0.1:${closed}`], says: "cannot reach Redis" },
    ];
    // The first through the CLI's router, the node through its one-command entry (faster to start). A bad
    // URL takes the same path to the same exit (parseRedisUrl's refusals: job.test.ts).
    const procs = runs.map((r, i) => (i === 0 ? spawnCli(r.args) : spawnCli(r.args.slice(1), r.args[0] === "node" ? "src/node/main.ts" : "src/prover-pool/main.ts")));
    for (const [i, p] of procs.entries()) {
      const { code } = await p.exited;
      const run = runs[i];
      expect(code, run?.args.join(" ")).toBe(2);
      expect(p.output, run?.args.join(" ")).toHaveLength(1);
      expect(p.output[0]).toContain(run?.says ?? "?");
      expect(p.output.join("\n")).not.toMatch(/listening|proven|\bat .*\.ts:\d+/);
    }
  });
});
