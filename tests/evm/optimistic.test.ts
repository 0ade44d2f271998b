/**
 * contracts/OptimisticRollup.sol on anvil, side by side with the simulated OptimisticRollupContract: the
 * same parties (src/optimistic/, behind OptimisticL1) play the same traffic on both, every transaction
 * must succeed or revert with the same code on both, and the simulated L1's gas figures must be within
 * 10 % of the gas anvil measures. The scenarios and their checks are src/evm/optimistic-scenarios.ts, the
 * code `npm run evm:gas` reports from; a failed check throws EvmError L1_MISMATCH (the L1s disagree) or
 * SCENARIO_FAILED. If anvil cannot start, beforeAll throws and every test here fails with the reason (they
 * are never skipped).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPTIMISTIC_ROLLUP_ABI } from "../../src/evm/anvil-optimistic-l1.ts";
import { requireContract } from "../../src/evm/compile.ts";
import { OPTIMISTIC_GAS_TOLERANCE, gasByMethod } from "../../src/evm/optimistic-gas-compare.ts";
import {
  OptimisticL1Pair,
  honestScenario,
  mintDisputeScenario,
  poseidon8Scenario,
  rejectionsScenario,
  type OptimisticScenario,
  type OptimisticTxRow,
} from "../../src/evm/optimistic-scenarios.ts";
import { runMode } from "../../src/demo/mode-run.ts";
import { makeWorkload } from "../../src/demo/workload.ts";
import { testInstance } from "../helpers/fixtures.ts";

const GAS_TOLERANCE = OPTIMISTIC_GAS_TOLERANCE;

const started: OptimisticL1Pair[] = [];
/** Every transaction the scenarios sent to both L1s. */
const gasRows: OptimisticTxRow[] = [];

async function pairFor(scenario: OptimisticScenario): Promise<OptimisticL1Pair> {
  // anvil first: if it cannot start, fail at once with its reason.
  const p = await OptimisticL1Pair.start(scenario.pair);
  started.push(p);
  return p;
}

afterAll(async () => {
  for (const p of started) await p.stop();
});

/**
 * Plays `scenario` on `p` (it checks every transaction's status and revert code on both L1s, and its own
 * outcome), then: every successful transaction's simulated gas within 10 % of anvil's gasUsed.
 */
async function play(scenario: OptimisticScenario, p: OptimisticL1Pair): Promise<OptimisticTxRow[]> {
  await p.run(scenario);
  gasRows.push(...p.transactions);
  for (const r of p.transactions) {
    if (r.status === "success") expect(Math.abs(r.error), `${r.scenario} ${r.method}: simulated ${r.simulated}, anvil ${r.anvil}`).toBeLessThan(GAS_TOLERANCE);
  }
  return p.transactions;
}

const methods = (rows: readonly OptimisticTxRow[], status: OptimisticTxRow["status"] = "success") => rows.filter((r) => r.status === status).map((r) => r.method);

describe("OptimisticRollup.sol on anvil, beside the simulated contract (test tree, development bonds)", () => {
  let p: OptimisticL1Pair;
  beforeAll(async () => {
    p = await pairFor(honestScenario);
  });

  it("compiles with solc-js; the ABI the client uses is the contract's; Poseidon(8) fits EIP-170", () => {
    const anvil = p.anvil.evm;
    const compiled = requireContract(anvil.compiled, "OptimisticRollup");
    const names = new Set(compiled.abi.map((item) => ("name" in item ? `${item.type}:${item.name}` : item.type)));
    for (const item of OPTIMISTIC_ROLLUP_ABI) expect(names.has(`${item.type}:${item.name}`)).toBe(true);
    expect(compiled.deployedBytes).toBeLessThan(24_576);
    expect(anvil.deployment.hardfork).toBe("prague");
    expect(anvil.deployment.gas.poseidon8).toBeGreaterThan(anvil.deployment.gas.poseidon6);
  });

  it("honest batches: proposed, final after the window, withdrawal paid once, bonds back", async () => {
    const rows = await play(honestScenario, p);
    expect(methods(rows)).toEqual(["deposit", "deposit", "deposit", "proposeBatch", "proposeBatch", "claimWithdrawal", "finalize", "finalize"]);
    expect(rows.filter((r) => r.status === "reverted").map((r) => r.revertReason)).toEqual(["NOT_FINAL", "NOT_FINAL", "WINDOW_CLOSED", "ALREADY_CLAIMED", "ALREADY_FINALIZED"]);
  });
});

describe("a full dispute on anvil: bad batch challenged, bisected, proven wrong in one step, slashed, rolled back", () => {
  let p: OptimisticL1Pair;
  beforeAll(async () => {
    p = await pairFor(mintDisputeScenario);
  });

  it("the watcher wins against a minting proposer; both L1s agree move by move", async () => {
    const rows = await play(mintDisputeScenario, p);
    expect(methods(rows).filter((m) => m !== "deposit" && m !== "proposeBatch").sort()).toEqual(["challenge", "proveStep", "respond", "respond", "respond", "revealRoot", "revealRoot", "revealRoot"]);
    expect(rows.filter((r) => r.status === "reverted").map((r) => r.revertReason)).toEqual(["NOT_FINAL", "NOT_FINAL", "NOT_CHALLENGEABLE"]);
  });
});

describe("rejections on anvil carry the simulated L1's codes", () => {
  let p: OptimisticL1Pair;
  beforeAll(async () => {
    p = await pairFor(rejectionsScenario);
  });

  it("wrong mover, bad Merkle proofs, bad or aliased witnesses, deadlines", async () => {
    const rows = await play(rejectionsScenario, p);
    expect(rows.filter((r) => r.status === "reverted").map((r) => r.revertReason)).toEqual([
      "NO_SUCH_BATCH",
      "INSUFFICIENT_BOND",
      "NOT_YOUR_TURN",
      "NOT_YOUR_TURN",
      "NOT_YOUR_TURN",
      "DEADLINE_NOT_PASSED",
      "NO_SUCH_DISPUTE",
      "BAD_MERKLE_PROOF",
      "BAD_MERKLE_PROOF",
      "BAD_MERKLE_PROOF",
      "BAD_WITNESS",
      "BAD_WITNESS",
      "BAD_WITNESS",
      "BAD_WITNESS",
      "BAD_BATCH_DATA",
      "DISPUTE_OVER",
      "NOT_CHALLENGEABLE",
    ]);
    // the honest one-step of the forged transfer is the only proveStep that goes through
    expect(rows.filter((r) => r.method === "proveStep").map((r) => r.revertReason)).toEqual(["NOT_YOUR_TURN", "BAD_WITNESS", "BAD_WITNESS", "BAD_WITNESS", "BAD_WITNESS", "BAD_BATCH_DATA", null]);
  });
});

describe("a one-step proof through Poseidon(8) levels (tree [4, 8]) on anvil", () => {
  it("a dishonest challenger loses to the proposer's one-step of a deposit; gas within 10 %", async () => {
    const rows = await play(poseidon8Scenario, await pairFor(poseidon8Scenario));
    expect(methods(rows)).toEqual(["deposit", "proposeBatch", "challenge", "proveStep"]);
  });
});

describe("gas: simulated schedule vs anvil, per method", () => {
  it("every successful transaction was within 10 % (table printed)", () => {
    const compared = gasRows.filter((r) => r.status === "success");
    expect(compared.length).toBeGreaterThan(10);
    const byMethod = gasByMethod(compared);
    for (const r of compared) console.log(`[gas] ${r.scenario.padEnd(24)} ${r.method.padEnd(16)} simulated ${String(r.simulated).padStart(9)}  anvil ${String(r.anvil).padStart(9)}  ${(r.error * 100).toFixed(1)} %`);
    console.log("[gas by method]", JSON.stringify(byMethod.map((m) => ({ method: m.method, n: m.count, simulatedMean: m.simulatedMean, anvilMean: m.anvilMean, worstError: Number(m.worstError.toFixed(3)) }))));
    expect(new Set(byMethod.map((m) => m.method))).toEqual(new Set(["deposit", "proposeBatch", "claimWithdrawal", "finalize", "challenge", "respond", "revealRoot", "proveStep"]));
    for (const m of byMethod) expect(m.worstError, m.method).toBeLessThan(GAS_TOLERANCE);
  });
});

describe("zkr demo --l1 anvil: the honest optimistic run on anvil", () => {
  it("runs the same traffic as on the simulated L1: same batches, finality times and withdrawal; gas within 10 %", async () => {
    const workload = makeWorkload(3, 3, 6, 2);
    const run = (l1: "simulated" | "anvil") =>
      runMode({ mode: "optimistic", instance: testInstance, workload, windowSeconds: 3_600, watcher: true, log: () => {}, l1 });
    const sim = await run("simulated");
    const evm = await run("anvil");
    expect([sim.l1, evm.l1]).toEqual(["simulated", "anvil"]);
    expect(evm.batches.map((b) => [b.number, b.counts, b.submittedAt, b.finalAt, b.calldataBytes])).toEqual(
      sim.batches.map((b) => [b.number, b.counts, b.submittedAt, b.finalAt, b.calldataBytes]),
    );
    expect(evm.withdrawal).toMatchObject({ batch: sim.withdrawal?.batch, finalAt: sim.withdrawal?.finalAt, paidAt: sim.withdrawal?.paidAt, amount: sim.withdrawal?.amount });
    expect(evm.batches.length).toBeGreaterThan(1);
    sim.batches.forEach((b, i) => {
      const measured = evm.batches[i]?.gas ?? 0;
      expect(Math.abs(b.gas - measured) / measured).toBeLessThan(GAS_TOLERANCE);
    });
  });
});
