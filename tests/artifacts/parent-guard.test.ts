/**
 * The parent guard preloaded into every child process zkr starts: one watchdog thread, not one per
 * thread (Node runs preloads in worker threads too; a watchdog that started another in its own thread
 * grew without end: 86 threads and 718 MB after 3 s, and a node took 3x as long to start).
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { guardedChild } from "../../src/artifacts/child-process.ts";

describe("parent guard", () => {
  it("adds one watchdog thread to a child, also one that starts worker threads", () => {
    const script = `
      const { Worker } = require("node:worker_threads");
      const workers = [1, 2].map(() => new Worker("setTimeout(() => {}, 1500)", { eval: true }));
      setTimeout(() => {
        console.log(require("node:fs").readdirSync("/proc/self/task").length);
        process.exit(0);
      }, 1000);`;
    const count = (execArgv: string[], env: NodeJS.ProcessEnv) =>
      Number(spawnSync(process.execPath, [...execArgv, "-e", script], { env, encoding: "utf8" }).stdout.trim());
    const guard = guardedChild();
    const bare = count([], process.env);
    const guarded = count(guard.execArgv, guard.env);
    expect(bare).toBeGreaterThan(2);
    expect(guarded - bare).toBeGreaterThanOrEqual(0);
    expect(guarded - bare).toBeLessThanOrEqual(2);
  });
});
