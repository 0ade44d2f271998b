/**
 * The optimistic rollup's gas: every transaction of the side-by-side scenarios (src/evm/optimistic-scenarios.ts)
 * with the simulated L1's figure beside anvil's receipt, and the same grouped by method. The scenarios check
 * that both L1s agree on every transaction's status and revert code; the gas tolerance is the test's to assert
 * (tests/evm/optimistic.test.ts) and this report's to show.
 *
 * The tolerance holds for reverted transactions too (the simulated one-step proof makes its checks in the
 * contract's order, so a revert stops where the contract stops), except a receipt that anvil set to the
 * EIP-7623 calldata floor: the simulated L1 does not apply the floor, so a transaction whose execution costs
 * less than its calldata floor is shown at its execution cost, below anvil's figure. Such transactions are
 * counted apart (`atFloor`) and left out of the worst error.
 */
import { EvmError } from "./errors.ts";
import { OPTIMISTIC_SCENARIOS, OPTIMISTIC_SCENARIO_SETTINGS, OptimisticL1Pair, type OptimisticScenario, type OptimisticTxRow } from "./optimistic-scenarios.ts";

/** The simulated L1's optimistic gas must be within this fraction of anvil's (asserted by the test). */
export const OPTIMISTIC_GAS_TOLERANCE = 0.1;

/** One method (and status: reverts are grouped apart) over every scenario. */
export interface OptimisticMethodGas {
  readonly method: string;
  readonly status: "success" | "reverted";
  readonly count: number;
  readonly simulatedMean: number;
  readonly anvilMean: number;
  /** Transactions anvil charged the EIP-7623 calldata floor (not applied by the simulated L1): not in the worst error. */
  readonly atFloor: number;
  /** Largest |simulated − anvil| / anvil over the other transactions (0 if there are none). */
  readonly worstError: number;
  /** The signed error of that transaction. */
  readonly worstSignedError: number;
}

export interface OptimisticGasComparison {
  readonly anvil: string;
  readonly hardfork: string;
  readonly solc: string;
  readonly settings: {
    readonly rollupId: number;
    readonly challengeWindowSeconds: number;
    readonly responseSeconds: number;
    readonly proposerBond: string;
    readonly challengerBond: string;
    readonly slashBurnFraction: number;
  };
  /** The scenarios run, with their trees and batch capacities. */
  readonly scenarios: readonly { readonly name: string; readonly arities: readonly number[]; readonly capacity: number }[];
  readonly tolerance: number;
  readonly transactions: readonly OptimisticTxRow[];
  readonly methods: readonly OptimisticMethodGas[];
}

/** Per method and status, in the order methods first appear (successes first). */
export function gasByMethod(rows: readonly OptimisticTxRow[]): OptimisticMethodGas[] {
  const by = new Map<string, { method: string; status: OptimisticTxRow["status"]; n: number; simulated: number; anvil: number; atFloor: number; worst: number; worstSigned: number }>();
  for (const r of rows) {
    const key = `${r.method} ${r.status}`;
    const g = by.get(key) ?? { method: r.method, status: r.status, n: 0, simulated: 0, anvil: 0, atFloor: 0, worst: 0, worstSigned: 0 };
    const worse = !r.anvilAtFloor && Math.abs(r.error) > g.worst;
    by.set(key, {
      ...g,
      n: g.n + 1,
      simulated: g.simulated + r.simulated,
      anvil: g.anvil + r.anvil,
      atFloor: g.atFloor + (r.anvilAtFloor ? 1 : 0),
      worst: worse ? Math.abs(r.error) : g.worst,
      worstSigned: worse ? r.error : g.worstSigned,
    });
  }
  const groups = [...by.values()].sort((a, b) => (a.status === b.status ? 0 : a.status === "success" ? -1 : 1));
  return groups.map((g) => ({
    method: g.method,
    status: g.status,
    count: g.n,
    simulatedMean: Math.round(g.simulated / g.n),
    anvilMean: Math.round(g.anvil / g.n),
    atFloor: g.atFloor,
    worstError: g.worst,
    worstSignedError: g.worstSigned,
  }));
}

/** Runs `scenario` on a fresh pair of L1s and returns its transactions; anvil is stopped however it ends. */
export async function runOptimisticScenario(scenario: OptimisticScenario, log?: (message: string) => void): Promise<{ rows: OptimisticTxRow[]; pair: OptimisticL1Pair }> {
  const pair = await OptimisticL1Pair.start({ ...scenario.pair, ...(log === undefined ? {} : { log }) });
  try {
    await pair.run(scenario);
    return { rows: pair.transactions, pair };
  } finally {
    await pair.stop();
  }
}

/** Every scenario on both L1s (a fresh anvil each), every transaction's gas on both, and the per-method summary. */
export async function compareOptimisticGas(opts: { readonly log?: (message: string) => void } = {}): Promise<OptimisticGasComparison> {
  const log = opts.log ?? (() => {});
  const transactions: OptimisticTxRow[] = [];
  const scenarios: OptimisticGasComparison["scenarios"][number][] = [];
  let deployment: { anvil: string; hardfork: string; solc: string } | undefined;
  for (const scenario of OPTIMISTIC_SCENARIOS) {
    const { rows, pair } = await runOptimisticScenario(scenario, log);
    const d = pair.anvil.evm.deployment;
    deployment ??= { anvil: d.evm, hardfork: d.hardfork, solc: d.solcVersion };
    scenarios.push({ name: scenario.name, arities: pair.simulated.l1.arities, capacity: pair.simulated.l1.capacity });
    transactions.push(...rows);
    const worst = (status: OptimisticTxRow["status"]) => {
      const errors = rows.filter((r) => r.status === status && !r.anvilAtFloor).map((r) => Math.abs(r.error));
      return errors.length === 0 ? "-" : `${(100 * Math.max(...errors)).toFixed(1)} %`;
    };
    const atFloor = rows.filter((r) => r.anvilAtFloor).length;
    log(
      `optimistic scenario "${scenario.name}": ${rows.length} transactions on both L1s, worst gas error ${worst("success")} (successful), ${worst("reverted")} (reverted)` +
        (atFloor === 0 ? "" : `; ${atFloor} at anvil's EIP-7623 calldata floor, left out`),
    );
  }
  if (deployment === undefined) throw new EvmError("BAD_CONFIG", "no optimistic scenarios to run");
  const s = OPTIMISTIC_SCENARIO_SETTINGS;
  return {
    ...deployment,
    settings: { ...s, proposerBond: s.proposerBond.toString(), challengerBond: s.challengerBond.toString() },
    scenarios,
    tolerance: OPTIMISTIC_GAS_TOLERANCE,
    transactions,
    methods: gasByMethod(transactions),
  };
}
