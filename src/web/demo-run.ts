/**
 * One run of a demo scenario for the page: both lanes (zk and optimistic) computed at once by the demo's
 * own drivers (src/demo), each on its own fresh L1 from the same genesis time, their results turned into
 * timelines (demo-timeline.ts). The page plays the timelines back on one L1 clock; `state` is what it
 * receives, `onChange` says when it changed.
 */
import { setupInstance, type SetupArtifacts } from "../artifacts/setup.ts";
import type { CircuitInstance } from "../circuit/instances.ts";
import { costByBatchSize } from "../demo/cost-model.ts";
import { runForcedExit } from "../demo/forced-exit-run.ts";
import { runMode, type ModeRun } from "../demo/mode-run.ts";
import { scalingNotes, scalingRows, scalingTable, SCALING_HEADER } from "../demo/scaling.ts";
import { dishonestChallenger, maliciousOptimistic, maliciousZk } from "../demo/scenarios.ts";
import { makeWorkload } from "../demo/workload.ts";
import { fmtSeconds } from "../report/demo-report.ts";
import { cppWitnessOption } from "../circuit/witness-cpp.ts";
import { Prover } from "../prover/prover.ts";
import { disputeMove, forcedExitEvents, modeRunBatches, modeRunEvents, moveEvent, scenarioEvents, type BatchRow, type DisputeMoveRow, type Lane, type TimelineEvent } from "./demo-timeline.ts";

export const SCENARIOS = {
  honest: "honest sequencer: the same traffic in both modes",
  "malicious-watcher-on": "malicious sequencer steals a deposit (watcher on)",
  "malicious-watcher-off": "malicious sequencer steals a deposit (watcher off)",
  "dishonest-challenger": "dishonest challenger disputes an honest batch",
  censoring: "censoring sequencer ignores a forced withdrawal",
} as const;
export type ScenarioName = keyof typeof SCENARIOS;

export function isScenario(s: unknown): s is ScenarioName {
  return typeof s === "string" && Object.hasOwn(SCENARIOS, s);
}

export interface DemoWebConfig {
  readonly instance: CircuitInstance;
  /** The optimistic challenge window (L1 seconds). */
  readonly windowSeconds: number;
  /** The forced-withdrawal deadline (L1 seconds). */
  readonly deadlineSeconds: number;
  readonly users: number;
  readonly transfers: number;
  readonly seed: number;
  /** Honest scenario: also measure L1 cost at the instance's batch size for the scaling table. */
  readonly scaling: boolean;
  readonly log: (message: string) => void;
}

export interface LaneState {
  readonly status: "waiting" | "computing" | "done" | "failed" | "not applicable";
  /** The outcome in one sentence, once known (or why the lane does not apply, or its error). */
  readonly summary: string | null;
}

export interface RunState {
  readonly id: number;
  readonly scenario: ScenarioName;
  readonly title: string;
  readonly instance: string;
  readonly batchSize: number;
  readonly windowSeconds: number;
  readonly deadlineSeconds: number;
  status: "running" | "done" | "failed";
  error: string | null;
  readonly lanes: Record<Lane, LaneState>;
  readonly events: TimelineEvent[];
  readonly batches: BatchRow[];
  readonly moves: DisputeMoveRow[];
  scaling: { header: string[]; rows: string[][]; notes: string[] } | null;
  /** The latest line the drivers logged (what is being computed now). */
  progress: string | null;
}

type LaneResult = { readonly events: TimelineEvent[]; readonly batches?: BatchRow[]; readonly summary: string };

export class DemoRun {
  readonly state: RunState;

  constructor(
    id: number,
    scenario: ScenarioName,
    private readonly config: DemoWebConfig,
    private readonly onChange: () => void,
  ) {
    this.state = {
      id,
      scenario,
      title: SCENARIOS[scenario],
      instance: config.instance.name,
      batchSize: config.instance.ops,
      windowSeconds: config.windowSeconds,
      deadlineSeconds: config.deadlineSeconds,
      status: "running",
      error: null,
      lanes: { zk: { status: "waiting", summary: null }, optimistic: { status: "waiting", summary: null } },
      events: [],
      batches: [],
      moves: [],
      scaling: null,
      progress: null,
    };
  }

  /** Computes both lanes; never throws (a failure is the run's status and error). */
  async run(): Promise<void> {
    const { config } = this;
    const { instance } = config;
    const scenario = this.state.scenario;
    const needsZk = scenario !== "dishonest-challenger";
    let prover: Prover | undefined;
    try {
      const keys = needsZk ? await setupInstance(instance, { log: (m) => this.progress(m) }) : undefined;
      prover = keys === undefined ? undefined : new Prover({ zkey: keys.zkey, wasm: keys.circuit.wasm, ...cppWitnessOption(keys.manifest, (m) => this.progress(m)) });
      const workload = makeWorkload(config.seed, config.users, config.transfers, instance.ops);
      const win = config.windowSeconds;
      const onSent = (party: string, tx: Parameters<typeof disputeMove>[2]) => {
        const m = disputeMove("optimistic", party, tx);
        if (m === undefined) return;
        this.state.moves.push(m);
        this.state.events.push(moveEvent(m));
        this.onChange();
      };
      const zk = (): { keys: SetupArtifacts; prover: Prover } => {
        if (keys === undefined || prover === undefined) throw new Error("zk lane without keys");
        return { keys, prover };
      };
      if (scenario === "honest") {
        const runs: ModeRun[] = [];
        const honest = async (mode: Lane): Promise<LaneResult> => {
          const run = await runMode({ mode, instance, workload, windowSeconds: win, watcher: true, log: (m) => this.progress(m), ...(mode === "zk" ? zk() : {}) });
          runs.push(run);
          const mean = run.batches.reduce((s, b) => s + ((b.finalAt ?? NaN) - b.cutAt), 0) / Math.max(1, run.batches.length);
          const w = run.withdrawal;
          return {
            events: modeRunEvents(run),
            batches: modeRunBatches(run),
            summary: `${run.batches.length} batches, mean cut → final ${fmtSeconds(mean)}; withdrawal asked → paid ${w === undefined ? "n/a" : fmtSeconds(w.paidAt - w.requestedAt)}; ${run.totals.gasPerOperation.toLocaleString("en-US")} L1 gas per operation`,
          };
        };
        await Promise.all([this.lane("zk", () => honest("zk")), this.lane("optimistic", () => honest("optimistic"))]);
        if (config.scaling && runs.length === 2) {
          this.progress("measuring L1 gas per transfer at the instance's batch size for the scaling table");
          const { keys: k, prover: p } = zk();
          const costs = await costByBatchSize({ arities: instance.arities, sizes: [instance.ops], zk: { keys: k, prover: p, capacity: instance.ops, commitment: instance.layout.commitment }, log: (m) => this.progress(m) });
          const table = scalingTable({ batchSize: instance.ops, costs: costs.points, runs, commitment: instance.layout.commitment });
          this.state.scaling = { header: [...SCALING_HEADER], rows: scalingRows(table), notes: scalingNotes(table) };
        }
      } else if (scenario === "malicious-watcher-on" || scenario === "malicious-watcher-off") {
        const watcherOn = scenario === "malicious-watcher-on";
        await Promise.all([
          this.lane("zk", async () => {
            const s = await maliciousZk(instance, workload, zk().keys, zk().prover);
            return { events: scenarioEvents(s), summary: s.summary };
          }),
          this.lane("optimistic", async () => {
            const s = await maliciousOptimistic(instance, workload, win, watcherOn, "simulated", onSent);
            return { events: scenarioEvents(s), summary: s.summary };
          }),
        ]);
      } else if (scenario === "dishonest-challenger") {
        this.setLane("zk", { status: "not applicable", summary: "zk mode has no challenge game: a batch is final once its proof verifies, so there is nothing to dispute" });
        await this.lane("optimistic", async () => {
          const s = await dishonestChallenger(instance, workload, win, "simulated", onSent);
          return { events: scenarioEvents(s), summary: s.summary };
        });
      } else {
        const exit = async (mode: Lane): Promise<LaneResult> => {
          const f = await runForcedExit({ mode, instance, deadlineSeconds: config.deadlineSeconds, windowSeconds: win, ...(mode === "zk" ? { zk: { prover: zk().prover, keys: { zkey: zk().keys.zkey, vkey: zk().keys.vkey } } } : {}) });
          return { events: forcedExitEvents(f), summary: f.summary };
        };
        await Promise.all([this.lane("zk", () => exit("zk")), this.lane("optimistic", () => exit("optimistic"))]);
      }
      const failed = Object.entries(this.state.lanes).find(([, l]) => l.status === "failed");
      this.state.status = failed === undefined ? "done" : "failed";
      if (failed !== undefined) this.state.error = `${failed[0]} lane: ${failed[1].summary ?? "failed"}`;
    } catch (err) {
      this.state.status = "failed";
      this.state.error = err instanceof Error ? err.message : String(err);
    } finally {
      await prover?.close().catch(() => undefined);
      this.state.progress = null;
      this.onChange();
    }
  }

  private async lane(lane: Lane, compute: () => Promise<LaneResult>): Promise<void> {
    this.setLane(lane, { status: "computing", summary: null });
    try {
      const r = await compute();
      // Streamed dispute moves are already in; the lane's own events join them.
      this.state.events.push(...r.events);
      this.state.events.sort((a, b) => a.at - b.at);
      this.state.batches.push(...(r.batches ?? []));
      this.state.batches.sort((a, b) => (a.lane === b.lane ? a.number - b.number : a.lane === "zk" ? -1 : 1));
      this.setLane(lane, { status: "done", summary: r.summary });
    } catch (err) {
      this.config.log(`web demo: ${lane} lane failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      this.setLane(lane, { status: "failed", summary: err instanceof Error ? err.message : String(err) });
    }
  }

  private setLane(lane: Lane, s: LaneState): void {
    this.state.lanes[lane] = s;
    this.onChange();
  }

  private progress(line: string): void {
    const t = line.trim();
    if (t === "") return;
    this.state.progress = t;
    this.onChange();
  }
}
