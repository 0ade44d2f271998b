import type { DemoReport } from "../demo/demo.ts";
import { renderSvg, type ChartSpec } from "./charts.ts";
import { COST_MODES } from "../demo/cost-model.ts";
import { SCALING_HEADER, scalingNotes, scalingRows } from "../demo/scaling.ts";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** The files the demo report writer makes, by extension: HTML with charts, or the tables as Markdown. */
export const DEMO_REPORT_EXTENSIONS = [".html", ".md"] as const;
export type DemoReportExtension = (typeof DEMO_REPORT_EXTENSIONS)[number];

/** The report in the format its extension names (one of DEMO_REPORT_EXTENSIONS, checked before the run). */
export async function renderDemoReport(r: DemoReport, extension: DemoReportExtension, command: string): Promise<string> {
  return extension === ".md" ? renderDemoMarkdown(r, command) : await renderDemoHtml(r);
}

/** A self-contained HTML report of a demo run: inline SVG charts and tables, nothing loaded from the network. */
export async function renderDemoHtml(r: DemoReport): Promise<string> {
  const timeline = r.runs.flatMap((run) =>
    run.batches.map((b) => ({
      batch: `${run.mode} · batch ${b.number}`,
      mode: run.mode,
      submittedHours: b.submittedAt / 3600,
      finalHours: (b.finalAt ?? b.submittedAt) / 3600,
      secondsToFinal: Math.max(1, (b.finalAt ?? b.submittedAt) - b.cutAt),
    })),
  );
  const charts: { title: string; note: string; spec: ChartSpec }[] = [];
  if (timeline.length > 0) {
    charts.push({
      title: "Finality timeline",
      note: "Each bar runs from the block that included the batch (zk: accepted with its proof; optimistic: proposed with a bond) to the moment its root became final. L1 time, simulated 12 s slots.",
      spec: {
        $schema: SCHEMA,
        width: 640,
        height: { step: 16 },
        data: { values: timeline },
        layer: [
          { mark: { type: "rule", strokeWidth: 3 }, encoding: { y: { field: "batch", type: "nominal", sort: null, title: null }, x: { field: "submittedHours", type: "quantitative", title: "L1 time (hours)" }, x2: { field: "finalHours" }, color: { field: "mode", type: "nominal" } } },
          { mark: { type: "point", filled: true }, encoding: { y: { field: "batch", type: "nominal", sort: null }, x: { field: "finalHours", type: "quantitative" }, color: { field: "mode", type: "nominal" } } },
        ],
      },
    });
    charts.push({
      title: "Time from cut to finality, per batch (log scale)",
      note: "zk: the measured proving time plus inclusion; optimistic: the challenge window.",
      spec: {
        $schema: SCHEMA,
        width: 640,
        height: 240,
        data: { values: timeline },
        mark: "bar",
        encoding: {
          x: { field: "batch", type: "nominal", sort: null, title: null },
          // A bar's default base is 0, which a log scale cannot place (every bar drew 0 px tall): the bars
          // start at 1 s (secondsToFinal is at least 1).
          y: { field: "secondsToFinal", type: "quantitative", scale: { type: "log", domainMin: 1 }, title: "seconds (log scale)" },
          y2: { datum: 1 },
          color: { field: "mode", type: "nominal" },
        },
      },
    });
  }
  charts.push({
    title: "L1 gas per transfer by batch size",
    note: "Full batches of distinct transfers on the Solidity contracts in the in-process EVM: receipts' gasUsed (zk: ZkRollup.sol with the test-only accepting verifier plus the real Groth16 verifier's gas, measured on a proven batch in the same run).",
    spec: {
      $schema: SCHEMA,
      width: 640,
      height: 280,
      data: { values: r.costByBatchSize },
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "batchSize", type: "quantitative", scale: { type: "log", base: 2 }, title: "operations per batch" },
        y: { field: "gasPerTransfer", type: "quantitative", scale: { type: "log" }, title: "gas per transfer" },
        color: { field: "mode", type: "nominal" },
      },
    },
  });
  const svgs = await Promise.all(charts.map((c) => renderSvg(c.spec)));

  const runRows = summaryRows(r);
  const batchRows = perBatchRows(r);
  const scenarioRows = r.scenarios.map((s) => [
    s.mode,
    s.name,
    s.badRootAccepted ? "yes" : "no",
    s.badRootFinal ? "yes" : "no",
    s.theftPaid ? `yes (${s.stolen})` : "no",
    s.dispute === undefined ? "-" : `${s.dispute.outcome ?? "open"}: ${s.dispute.moves} moves, ${s.dispute.totalGas} gas, ${fmtSeconds(s.dispute.durationSeconds ?? NaN)}`,
    s.summary,
  ]);
  const m = r.machine;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>zk vs optimistic finality — zk-rollup lab</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}
td:first-child,th:first-child,td.l{text-align:left}h2{margin-top:2em}.note{color:#555;font-size:13px}</style></head><body>
<h1>zk vs optimistic finality</h1>
<p>Instance <b>${esc(r.config.instance)}</b> (${r.config.accounts} accounts, ${r.config.batchSize} operations per batch); ${r.config.users} users, ${r.config.transfers} transfers, seed ${r.config.seed};
challenge window ${fmtSeconds(r.config.windowSeconds)}; watcher ${r.config.watcher ? "on" : "off"}; the Solidity contracts ${r.config.l1 === "anvil" ? "on anvil" : "in the in-process EVM"} (gas: receipts' gasUsed).
${r.keys === undefined ? "" : `Keys: ${esc(r.keys.ceremony)}${r.keys.insecure ? " (<b>INSECURE development setup</b>)" : ""}.`}</p>
<p class="note">Machine: ${esc(m.cpu)}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${esc(m.node)}, snarkjs ${esc(m.snarkjs)}, circom2 ${esc(m.circom2)}, load average ${m.loadAverage.join("/")}.<br>
Measured: ${esc(r.provenance.measured)}.<br>Computed: ${esc(r.provenance.computed)}.</p>
<h2>Same traffic, both modes</h2>
${table(SUMMARY_HEADER, runRows)}
<p class="note">A plain L1 transfer costs ${(r.costByBatchSize.find((c) => c.mode === "plain L1 transfer")?.gasPerTransfer ?? 21_000).toLocaleString("en-US")} gas (measured).</p>
${charts.map((c, i) => `<h2>${esc(c.title)}</h2><p class="note">${esc(c.note)}</p>${svgs[i] ?? ""}`).join("\n")}
<h2>Per batch</h2>
${table(PER_BATCH_HEADER, batchRows)}
${r.scaling.rows.length === 0 ? "" : `<h2>Scaling: plain L1 vs the rollups at batches of ${r.scaling.batchSize} transfers</h2>
${table(SCALING_HEADER, scalingRows(r.scaling))}
<ul class="note">${scalingNotes(r.scaling).map((l) => `<li>${esc(l)}</li>`).join("")}</ul>`}
<h2>Scenarios</h2>
${table(["mode", "scenario", "bad root accepted", "bad root final", "theft paid", "dispute", "outcome"], scenarioRows)}
${r.scenarios.map((s) => `<h3>${esc(s.mode)}: ${esc(s.name)}</h3><ul>${s.events.map((e) => `<li>t=${fmtSeconds(e.at)}: ${esc(e.what)}</li>`).join("")}</ul>`).join("\n")}
${
  r.forcedExits.length === 0
    ? ""
    : `<h2>Censoring sequencer: the forced exit</h2>
<p class="note">Bob forces a withdrawal on L1; the sequencer keeps posting batches without it up to the deadline; anyone then activates exit mode and every user takes their balance out of the exit root with a Merkle proof, once. L1 times in simulated seconds.</p>
${table(FORCED_EXIT_HEADER, forcedExitRows(r))}
${table(forcedExitGasHeader(r), forcedExitGasRows(r))}
${r.forcedExits.map((f) => `<h3>${esc(f.mode)}: ${esc(f.summary)}</h3><ul>${f.steps.map((st) => `<li>t=${st.at}: ${esc(st.what)}: ${st.status === "success" ? "ok" : `reverted ${esc(st.revertReason ?? "")}`}, ${st.gasUsed} gas</li>`).join("")}</ul>`).join("\n")}`
}
</body></html>
`;
}

export const FORCED_EXIT_HEADER = ["mode", "deadline", "window", "requested (s)", "exit mode (s)", "claims open (s)", "funds in hand (s)", "request → funds", "bridge left"];

/** One row per mode: the forced exit's L1 times (the CLI table and both reports share it). */
export function forcedExitRows(r: DemoReport): string[][] {
  return r.forcedExits.map((f) => [
    f.mode,
    fmtSeconds(f.deadlineSeconds),
    f.windowSeconds === undefined ? "-" : fmtSeconds(f.windowSeconds),
    String(f.requestedAt),
    String(f.activatedAt),
    String(f.claimsOpenAt),
    String(f.fundsAt),
    `${f.secondsToFunds} s (${fmtSeconds(f.secondsToFunds)})`,
    f.bridgeLeft,
  ]);
}

export function forcedExitGasHeader(r: DemoReport): string[] {
  return ["L1 gas", ...r.forcedExits.map((f) => f.mode)];
}

/** One row per step of the forced exit, one column per mode. */
export function forcedExitGasRows(r: DemoReport): string[][] {
  const steps = [
    ["forced withdrawal request", "request"],
    ["censoring sequencer's batch", "censoredBatch"],
    ["exit-mode activation", "activation"],
    ["exit claim", "exitClaim"],
    ["deposit refund", "refund"],
  ] as const;
  return steps.map(([label, key]) => [label, ...r.forcedExits.map((f) => String(f.gas[key]))]);
}

export const PER_BATCH_HEADER = ["mode", "batch", "T/D/W", "cut (s)", "proof s (measured)", "included (s)", "final (s)", "gas", "gas/op", "calldata B"];
export const SUMMARY_HEADER = ["mode", "batches", "L2 ops", "mean cut → final", "withdrawal asked → paid", "L1 gas", "gas/op", "bytes posted"];

/** One row per batch per mode (the CLI table and the HTML report share it). */
export function perBatchRows(r: DemoReport): string[][] {
  return r.runs.flatMap((run) =>
    run.batches.map((b) => {
      const ops = b.counts.transfers + b.counts.deposits + b.counts.withdrawals;
      return [
        run.mode,
        String(b.number),
        `${b.counts.transfers}/${b.counts.deposits}/${b.counts.withdrawals}`,
        String(b.cutAt),
        b.proveSeconds === undefined ? "-" : b.proveSeconds.toFixed(1),
        String(b.submittedAt),
        b.finalAt === undefined ? "never" : String(b.finalAt),
        String(b.gas),
        String(Math.round(b.gas / Math.max(1, ops))),
        String(b.calldataBytes),
      ];
    }),
  );
}

/** One row per mode: finality, withdrawal latency, gas and bytes. */
export function summaryRows(r: DemoReport): string[][] {
  return r.runs.map((run) => [
    run.mode,
    String(run.batches.length),
    String(run.totals.operations),
    fmtSeconds(avg(run.batches.map((b) => (b.finalAt ?? NaN) - b.cutAt))),
    run.withdrawal === undefined ? "-" : fmtSeconds(run.withdrawal.paidAt - run.withdrawal.requestedAt),
    String(run.totals.gas),
    String(run.totals.gasPerOperation),
    String(run.totals.bytesPosted),
  ]);
}

/** The same report as Markdown (tables only), for README and notes; says how it was made. */
export function renderDemoMarkdown(r: DemoReport, command: string): string {
  const md = (header: string[], rows: string[][]) =>
    [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((row) => `| ${row.join(" | ")} |`)].join("\n");
  const m = r.machine;
  const sizes = [...new Set(r.costByBatchSize.map((c) => c.batchSize))];
  return [
    `# zk vs optimistic (measured by \`${command}\`)`,
    "",
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, snarkjs ${m.snarkjs}, load average ${m.loadAverage.join("/")}. Instance ${r.config.instance} (${r.config.batchSize} operations per batch), ${r.config.users} users, ${r.config.transfers} transfers, seed ${r.config.seed}, challenge window ${fmtSeconds(r.config.windowSeconds)}${r.keys?.insecure === true ? ", development (INSECURE) keys" : ""}, the Solidity contracts ${r.config.l1 === "anvil" ? "on anvil" : "in the in-process EVM"} (gas: receipts' gasUsed).`,
    "",
    md(SUMMARY_HEADER, summaryRows(r)),
    "",
    md(PER_BATCH_HEADER, perBatchRows(r)),
    "",
    md(
      ["mode", "scenario", "bad root accepted", "final", "theft paid", "dispute"],
      r.scenarios.map((s) => [s.mode, s.name, s.badRootAccepted ? "yes" : "no", s.badRootFinal ? "yes" : "no", s.theftPaid ? "yes" : "no", s.dispute === undefined ? "-" : `${s.dispute.outcome ?? "open"}: ${s.dispute.moves} moves, ${s.dispute.totalGas} gas, ${fmtSeconds(s.dispute.durationSeconds ?? NaN)}`]),
    ),
    "",
    ...(r.forcedExits.length === 0
      ? []
      : [
          `Censoring sequencer: a forced withdrawal it ignores, deadline ${fmtSeconds(r.config.forcedDeadlineSeconds)} (L1 times in simulated seconds):`,
          "",
          md(FORCED_EXIT_HEADER, forcedExitRows(r)),
          "",
          md(forcedExitGasHeader(r), forcedExitGasRows(r)),
          "",
        ]),
    "L1 gas per transfer (gas of the batch transaction / transfers in it), full batches of distinct transfers, by batch size (transfers):",
    "",
    md(["mode", ...sizes.map(String)], COST_MODES.filter((mode) => r.costByBatchSize.some((c) => c.mode === mode)).map((mode) => [mode, ...sizes.map((n) => { const c = r.costByBatchSize.find((x) => x.mode === mode && x.batchSize === n); return c === undefined ? "-" : `${c.gasPerTransfer}${c.source === "measured" ? "" : " *"}`; })])),
    "",
    ...(r.verifierGas === undefined ? [] : [`\* contract measured with an accepting verifier + real verifier gas measured: ZkRollup.sol with contracts/AcceptingVerifier.sol (test only) plus ${r.verifierGas.gas} gas, what the real Groth16 verifier added to a proven batch of ${r.verifierGas.batchSize} in this run.`, ""]),
    ...(r.scaling.rows.length === 0
      ? []
      : [`Scaling: plain L1 vs the rollups at batches of ${r.scaling.batchSize} transfers:`, "", md(SCALING_HEADER, scalingRows(r.scaling)), "", ...scalingNotes(r.scaling).map((l) => `- ${l}`), ""]),
    `Measured: ${r.provenance.measured}. Computed: ${r.provenance.computed}.`,
    "",
  ].join("\n");
}

function table(header: string[], rows: string[][]): string {
  return `<table><tr>${header.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>${rows.map((row) => `<tr>${row.map((c, i) => `<td${i > 0 && /[a-z]{4}/i.test(c) ? ' class="l"' : ""}>${esc(c)}</td>`).join("")}</tr>`).join("")}</table>`;
}

export function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return "-";
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 2 * 3600) return `${(s / 60).toFixed(1)} min`;
  if (s < 2 * 86400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(2)} d`;
}

function avg(xs: number[]): number {
  const ok = xs.filter(Number.isFinite);
  return ok.length === 0 ? NaN : ok.reduce((a, b) => a + b, 0) / ok.length;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
