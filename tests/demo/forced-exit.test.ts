/**
 * The forced exit in both modes, as `zkr demo` runs it on the Solidity contracts in the in-process EVM: a
 * censoring sequencer, the deadline, exit mode, every user out once — and what it costs in L1 time: zk the
 * deadline plus one block, optimistic the deadline plus a challenge window (asserted on the run's L1 clock).
 */
import { afterAll, describe, expect, it } from "vitest";
import { runForcedExit, type ForcedExitOutcome } from "../../src/demo/forced-exit-run.ts";
import { Prover } from "../../src/prover/prover.ts";
import { testArtifacts, testInstance } from "../helpers/fixtures.ts";

const DEADLINE = 600;
const WINDOW = 3_600;
const SLOT = 12;
const { circuit, keys } = testArtifacts();
const prover = new Prover({ zkey: keys.zkey, wasm: circuit.wasm });
const runs = new Map<string, ForcedExitOutcome>();

afterAll(() => prover.close());

async function run(mode: "zk" | "optimistic"): Promise<ForcedExitOutcome> {
  const done = runs.get(mode);
  if (done !== undefined) return done;
  const r = await runForcedExit({ mode, instance: testInstance, deadlineSeconds: DEADLINE, windowSeconds: WINDOW, zk: { prover, keys } });
  runs.set(mode, r);
  return r;
}

const step = (r: ForcedExitOutcome, what: string) => r.steps.find((s) => s.what === what);

describe.each(["zk", "optimistic"] as const)("forced exit under a censoring sequencer (%s mode)", (mode) => {
  it("deadline → exit mode → every user out once; refused before it opens, twice, or with a wrong proof", async () => {
    const r = await run(mode);
    expect(step(r, "bob claims an exit before exit mode")).toMatchObject({ status: "reverted", revertReason: "NOT_EXIT_MODE" });
    expect(step(r, "exit mode activated at the deadline")).toMatchObject({ status: "reverted", revertReason: "DEADLINE_NOT_PASSED" });
    if (mode === "zk") expect(step(r, "exit mode activated after the deadline")?.status).toBe("success");
    else {
      // The censor's batch at the deadline is not final yet: it might still prove the request stale.
      expect(step(r, "exit mode activated after the deadline")).toMatchObject({ status: "reverted", revertReason: "NOT_FINAL" });
      expect(step(r, "exit mode activated once the batches of the deadline are final")?.status).toBe("success");
    }
    expect(step(r, "bob claims an exit before exit mode")).toMatchObject({ status: "reverted", revertReason: "NOT_EXIT_MODE" });
    expect(step(r, "bob claims his exit")?.status).toBe("success");
    expect(step(r, "the sequencer posts another batch")).toMatchObject({ status: "reverted", revertReason: "EXIT_MODE" });
    expect(step(r, "bob claims again")).toMatchObject({ status: "reverted", revertReason: "ALREADY_CLAIMED" });
    expect(step(r, "alice sends her proven claim with 1 more than her balance")).toMatchObject({ status: "reverted", revertReason: "INVALID_PROOF" });
    // Bob's forced withdrawal never happened: he exits with his deposit plus Alice's transfer.
    expect(r.paid).toEqual([
      { user: "bob", amount: "4100", how: "exit claim" },
      { user: "alice", amount: "4900", how: "exit claim" },
      { user: "carol", amount: "3000", how: "deposit refund" },
    ]);
    expect(r.bridgeLeft).toBe("0");
  }, 120_000);
});

describe("what the forced exit costs in L1 time", () => {
  it("zk: the deadline plus one block; optimistic: the deadline plus the challenge window", async () => {
    const zk = await run("zk");
    const opt = await run("optimistic");
    for (const r of [zk, opt]) {
      expect(r.deadline).toBe(r.requestedAt + DEADLINE);
      expect(r.lastBatchAt).toBe(r.deadline);
      // Claims open in the activation block itself: the exit root is final then.
      expect(r.claimsOpenAt).toBe(r.activatedAt);
      expect(r.fundsAt).toBe(r.activatedAt);
    }
    expect(zk.activatedAt).toBe(zk.deadline + SLOT);
    expect(zk.secondsToFunds).toBe(DEADLINE + SLOT);
    // optimistic: exit mode once the censor's batch at the deadline is final, a window later.
    expect(opt.activatedAt).toBe(opt.lastBatchAt + WINDOW);
    expect(opt.secondsToFunds).toBe(DEADLINE + WINDOW);
    console.log(
      `forced exit (deadline ${DEADLINE} s, window ${WINDOW} s): zk ${zk.secondsToFunds} s, optimistic ${opt.secondsToFunds} s from request to funds; ` +
        `gas zk ${JSON.stringify(zk.gas)}, optimistic ${JSON.stringify(opt.gas)}`,
    );
  }, 300_000);
});
