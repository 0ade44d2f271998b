/**
 * contracts/OptimisticRollup.sol on anvil, side by side with the simulated OptimisticRollupContract: the
 * same parties (src/optimistic/, behind OptimisticL1) play the same traffic on both, every transaction
 * must succeed or revert with the same code on both, and the simulated L1's gas figures must be within
 * 10 % of the gas anvil measures, for reverted transactions too (a revert's gas depends on where it stops:
 * the simulated one-step proof makes its checks in the contract's order). The one exception is a receipt
 * anvil set to the EIP-7623 calldata floor, which the simulated L1 does not apply (see play). The scenarios and their checks are src/evm/optimistic-scenarios.ts, the
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
 * outcome), then: every transaction's simulated gas within 10 % of anvil's gasUsed, reverted ones included.
 *
 * Except where anvil's gasUsed is the EIP-7623 calldata floor (Prague: at least 21,000 + 10 per calldata
 * token, whatever the execution costs). The simulated L1 charges base + calldata + execution and has no
 * floor, so a transaction that does little work for long calldata (a one-step proof rejected BAD_BATCH_DATA
 * after three SLOADs and a keccak, its witnesses still in the calldata) shows its execution cost, below the
 * floor: both contracts stop at the same check, the difference is the floor alone. Those must show less
 * than the floor, and the rejections test pins which transactions they are.
 */
async function play(scenario: OptimisticScenario, p: OptimisticL1Pair): Promise<OptimisticTxRow[]> {
  await p.run(scenario);
  gasRows.push(...p.transactions);
  for (const r of p.transactions) {
    const what = `${r.scenario} ${r.method} (${r.status}${r.revertReason === null ? "" : ` ${r.revertReason}`}): simulated ${r.simulated}, anvil ${r.anvil}`;
    if (r.anvilAtFloor) expect(r.simulated, `${what}, at the calldata floor`).toBeLessThan(r.calldataFloor);
    else expect(Math.abs(r.error), what).toBeLessThan(GAS_TOLERANCE);
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
    // the one transaction anvil charged the calldata floor (see play): the proof with the wrong data
    expect(rows.filter((r) => r.anvilAtFloor).map((r) => [r.method, r.revertReason])).toEqual([["proveStep", "BAD_BATCH_DATA"]]);
  });
});

describe("a one-step proof through Poseidon(8) levels (tree [4, 8]) on anvil", () => {
  it("a dishonest challenger loses to the proposer's one-step of a deposit; gas within 10 %", async () => {
    const rows = await play(poseidon8Scenario, await pairFor(poseidon8Scenario));
    expect(methods(rows)).toEqual(["deposit", "proposeBatch", "challenge", "proveStep"]);
  });
});

describe("gas: simulated schedule vs anvil, per method", () => {
  it("every transaction, successful or reverted, was within 10 % but the one at anvil's calldata floor (table printed)", () => {
    expect(gasRows.filter((r) => r.status === "success").length).toBeGreaterThan(10);
    expect(gasRows.filter((r) => r.status === "reverted").length).toBeGreaterThan(10);
    const byMethod = gasByMethod(gasRows);
    for (const r of gasRows) {
      const status = r.status === "success" ? "success" : `${r.revertReason ?? "?"}`;
      console.log(`[gas] ${r.scenario.padEnd(24)} ${r.method.padEnd(16)} ${status.padEnd(20)} simulated ${String(r.simulated).padStart(9)}  anvil ${String(r.anvil).padStart(9)}  ${(r.error * 100).toFixed(1)} %${r.anvilAtFloor ? " (anvil at the calldata floor)" : ""}`);
    }
    console.log(
      "[gas by method]",
      JSON.stringify(byMethod.map((m) => ({ method: m.method, status: m.status, n: m.count, simulatedMean: m.simulatedMean, anvilMean: m.anvilMean, atFloor: m.atFloor, worstError: Number(m.worstError.toFixed(3)) }))),
    );
    const methodsOf = (status: OptimisticTxRow["status"]) => new Set(byMethod.filter((m) => m.status === status).map((m) => m.method));
    expect(methodsOf("success")).toEqual(new Set(["deposit", "proposeBatch", "claimWithdrawal", "finalize", "challenge", "respond", "revealRoot", "proveStep"]));
    expect(methodsOf("reverted")).toEqual(new Set(["claimWithdrawal", "finalize", "challenge", "revealRoot", "respond", "proveStep", "timeout"]));
    for (const m of byMethod) expect(m.worstError, `${m.method} (${m.status})`).toBeLessThan(GAS_TOLERANCE);
    expect(gasRows.filter((r) => r.anvilAtFloor).map((r) => [r.scenario, r.method, r.revertReason])).toEqual([["rejections", "proveStep", "BAD_BATCH_DATA"]]);
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
