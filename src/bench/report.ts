import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../artifacts/files.ts";
import { renderSvg, type ChartSpec } from "../report/charts.ts";
import { DEFAULT_TREE, treeLabel, type BenchEngine } from "./options.ts";
import type { BenchResults, ConfigResult } from "./results.ts";
import { stat, type Stat } from "./stats.ts";

export const RESULT_FILES = {
  json: "results.json",
  markdown: "summary.md",
  proveChart: "prove-time-vs-constraints.svg",
  throughputChart: "throughput-vs-batch-size.svg",
} as const;

/** Writes results.json, summary.md and the two SVG charts; returns their paths. */
export async function writeReport(results: BenchResults, outDir: string): Promise<{ json: string; markdown: string; charts: string[] }> {
  mkdirSync(outDir, { recursive: true });
  const json = join(outDir, RESULT_FILES.json);
  writeFileAtomic(json, `${JSON.stringify(results, null, 2)}\n`);
  const charts = [join(outDir, RESULT_FILES.proveChart), join(outDir, RESULT_FILES.throughputChart)];
  writeFileAtomic(charts[0] as string, await renderSvg(proveChart(results)));
  writeFileAtomic(charts[1] as string, await renderSvg(throughputChart(results)));
  const markdown = join(outDir, RESULT_FILES.markdown);
  writeFileAtomic(markdown, summaryMarkdown(results));
  return { json, markdown, charts };
}

const n0 = (x: number) => Math.round(x).toLocaleString("en-US");
const sec = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
/** "median (min–max)", or just the value for one sample. */
export function fmtStat(s: Stat | null, f: (x: number) => string = sec): string {
  if (s === null) return "–";
  return s.n === 1 || s.min === s.max ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}
const mbF = (b: number) => n0(b / 1e6);
const pct = (x: number) => `${(100 * x).toFixed(1)}`;
const ms = (x: number) => (x * 1000).toFixed(0);

export const TABLE_HEADER = [
  "batch",
  "tree",
  "commitment",
  "protocol",
  "witness",
  "prover",
  "constraints",
  "PLONK gates",
  "domain",
  "keys: setup s",
  "witness s",
  "prove s",
  "verify ms",
  "proof B json/calldata",
  "peak RSS MB",
  "tx/s warm",
  "tx/s pipelined",
  "CLI s",
  "CLI tx/s",
  "× CLI",
  "witness %",
  "L1 verifyProof gas",
  "L1 gas/batch",
  "L1 gas/transfer",
];

export function tableHeader(_results: BenchResults): string[] {
  return TABLE_HEADER;
}

/** The L1 columns: the verifier's call, a batch and a transfer, all measured on the run's EVM. */
function l1Cells(c: ConfigResult, short: boolean): string[] {
  const g = c.l1Gas;
  if (g === undefined) return ["–", "–", "–"];
  if (g.status === "n/a") return ["n/a (Groth16 only)", "–", "–"];
  const s = g.summary;
  const gas = (x: Stat) => (short ? n0(x.median) : fmtStat(x, n0));
  return [g.verifierCallGas === null ? "–" : n0(g.verifierCallGas), gas(s.gasPerBatch), gas(s.gasPerTransfer)];
}

/** One row per configuration (ok ones; skipped and failed are listed with their reason elsewhere). */
export function tableRows(results: BenchResults, short = false): string[][] {
  return results.configurations
    .filter((c) => c.status === "ok")
    .map((c) => {
      const s = c.summary;
      const circuit = c.circuit;
      const keys = c.setup === undefined ? "–" : `${c.setup.ceremony === "development" ? "dev" : "ptau"}${c.setup.cached ? " cached" : ""}: ${sec(c.setup.seconds)}`;
      const fmt = (x: Stat | null, f?: (x: number) => string) => (short ? (x === null ? "–" : (f ?? sec)(x.median)) : fmtStat(x, f));
      return [
        String(c.config.batchSize),
        c.config.tree,
        c.config.commitment,
        c.config.protocol,
        c.config.witness,
        c.config.protocol === "groth16" ? c.config.engine : "snarkjs",
        circuit === undefined ? "–" : n0(circuit.constraints),
        circuit?.plonkGates === undefined ? "–" : n0(circuit.plonkGates),
        circuit === undefined ? "–" : `2^${circuit.domainPower}`,
        keys,
        fmt(s?.witnessSeconds ?? null),
        fmt(s?.proveSeconds ?? null),
        fmt(s?.verifySeconds ?? null, ms),
        s === undefined ? "–" : `${s.proofJsonBytes === null ? "–" : n0(s.proofJsonBytes.median)}/${s.proofCalldataBytes}`,
        fmt(s?.peakRssBytes ?? null, mbF),
        fmt(s?.transfersPerSecond ?? null),
        s?.pipelinedTransfersPerSecond == null ? "–" : sec(s.pipelinedTransfersPerSecond),
        fmt(s?.baselineSeconds ?? null),
        fmt(s?.baselineTransfersPerSecond ?? null),
        s?.speedupVsBaseline == null ? "–" : `${s.speedupVsBaseline.toFixed(2)}×${s.pairedSpeedup === null ? " (medians)" : ""}`,
        fmt(s?.witnessShare ?? null, pct),
        ...l1Cells(c, short),
      ];
    });
}

export function notRunLines(results: BenchResults): string[] {
  return results.configurations
    .filter((c) => c.status !== "ok")
    .map((c) => `- **${c.status}** n${c.config.batchSize} ${c.config.tree} ${c.config.protocol} ${c.config.witness}${c.config.protocol === "groth16" ? ` ${c.config.engine}` : ""}: ${c.reason ?? "?"}`);
}

export function summaryMarkdown(r: BenchResults): string {
  const m = r.machine;
  const out: string[] = [];
  out.push("# zkr bench: proof generation", "");
  out.push(`Command: \`${r.command}\`  `);
  out.push(`Finished: ${r.createdAt}, ${(r.durationSeconds / 60).toFixed(1)} min; load average (1 min) ${r.loadAverage.start} at start, ${r.loadAverage.end} at end  `);
  out.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, snarkjs ${m.snarkjs}, circom2 ${m.circom2}, circomlib ${m.circomlib}`, "");
  out.push(
    `Each configuration: one warm-up proof (not counted), then ${r.options.reps} timed proof(s) in a warm prover process, ` +
      `${r.options.baseline ? `each followed by a cold run of the stock \`snarkjs groth16 fullprove\` CLI on the same circuit and keys (the baseline, interleaved so both see the same machine load), ` : ""}` +
      `${r.options.pipeline ? `then ${r.options.reps} pipelined proof(s) (next witness computed while the current proof runs). ` : ""}` +
      "Every batch is a full batch of distinct valid signed transfers from the reference model; every proof was verified against the verification key. " +
      "Times are median (min–max) in seconds; tx/s = batch size / (witness + prove).",
    "",
  );
  out.push("## Results", "");
  out.push(mdTable(tableHeader(r), tableRows(r)), "");
  out.push(...l1Section(r));

  out.push("## Against the baseline", "");
  const h = r.headline;
  if (h === null) out.push("No baseline was measured in this run (--no-baseline, or no Groth16 configuration ran).", "");
  else {
    out.push(
      `At batch ${h.batchSize} (${h.instance}): **the ${ENGINE_LABEL[h.engine]} proves ${h.ratio.toFixed(2)}× the stock CLI's transfers per second** ` +
        `(goal ${h.goal}×: ${h.ratio >= h.goal ? "met" : "not met"})` +
        (h.ratioPaired === null ? "." : `: median of the per-repetition ratios ${fmtStat(h.ratioPaired, (x) => x.toFixed(2))}, each cold CLI run timed right after a warm proof so that both saw the same load.`) +
        ` Medians: CLI ${h.baselineTransfersPerSecond.toFixed(3)} transfers/s (one cold process a proof), warm ${h.warmTransfersPerSecond.toFixed(3)} transfers/s one proof at a time (${h.ratioOneAtATime.toFixed(2)}×)` +
        `${h.pipelinedTransfersPerSecond === null || h.ratioPipelined === null ? "" : `, warm pipelined ${h.pipelinedTransfersPerSecond.toFixed(3)} transfers/s (${h.ratioPipelined.toFixed(2)}×; a separate stream, not interleaved with the CLI runs)`}.` +
        (h.cpuRatio === null ? "" : ` In CPU time (all threads; much less sensitive to other load on the machine) the cold CLI spends ${h.cpuRatio.toFixed(2)}× what the warm prover spends a proof.`),
      "",
    );
    const withBase = r.configurations.filter((c) => c.status === "ok" && c.summary?.baselineSeconds != null);
    if (withBase.length > 0) {
      out.push(
        mdTable(
          ["batch", "tree", "prover", "warm wall s (witness + prove)", "CLI wall s", "× (paired, or medians)", "warm CPU s", "CLI CPU s", "CPU ×"],
          withBase.map((c) => {
            const s = c.summary as NonNullable<ConfigResult["summary"]>;
            const wall = stat(c.samples.map((x) => x.witnessSeconds + x.proveSeconds));
            return [
              String(c.config.batchSize),
              c.config.tree,
              c.config.engine,
              fmtStat(wall),
              fmtStat(s.baselineSeconds),
              s.pairedSpeedup !== null ? fmtStat(s.pairedSpeedup, (x) => x.toFixed(2)) : s.speedupVsBaseline === null ? "–" : `${s.speedupVsBaseline.toFixed(2)} (medians)`,
              fmtStat(s.cpuSeconds),
              fmtStat(s.baselineCpuSeconds),
              s.cpuRatio === null ? "–" : s.cpuRatio.toFixed(2),
            ];
          }),
        ),
        "",
        "Paired: each CLI run against the proof timed just before it, with the engine the baseline was interleaved with (the first in --engine). The other engines ran at another time and are compared by medians; their CPU × is the steadier figure.",
        "",
      );
    }
    if (h.witnessShare !== null) {
      out.push(`Witness generation is ${pct(h.witnessShare)} % of a proof's witness + prove time at batch ${h.batchSize} (goal ≤ 10 %: ${h.witnessShare <= 0.1 ? "met" : "not met"}); pipelined, it runs while the previous proof is computed.`, "");
    }
  }
  out.push(...rapidsnarkSection(r));
  const breakdown = r.configurations.filter((c) => c.status === "ok" && c.samples.some((s) => s.breakdown !== undefined));
  if (breakdown.length > 0) {
    out.push("Where a warm Groth16 proof's time goes (median of the repetitions, seconds):", "");
    out.push(
      mdTable(
        ["batch", "tree", "prover", "QAP code", "witness", "QAP (A·w, B·w, C)", "FFTs (+ A·B − C)", "MSMs + final sums", "MSM A", "MSM B1", "MSM B2 (G2)", "MSM C", "MSM H"],
        breakdown.map((c) => {
          const med = (f: (b: NonNullable<ConfigResult["samples"][number]["breakdown"]>) => number | undefined) => {
            const xs = c.samples.flatMap((s) => (s.breakdown === undefined ? [] : [f(s.breakdown)])).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
            return xs.length === 0 ? "–" : sec(xs[Math.floor(xs.length / 2)] ?? 0);
          };
          const witness = stat(c.samples.map((s) => s.witnessSeconds));
          const kind = c.samples.find((s) => s.breakdown?.qapEngine !== undefined)?.breakdown?.qapEngine ?? "wasm";
          return [
            String(c.config.batchSize),
            c.config.tree,
            c.config.engine,
            kind,
            witness === null ? "–" : sec(witness.median),
            med((b) => b.abc),
            med((b) => b.fft),
            med((b) => b.msm),
            med((b) => b.msms?.a),
            med((b) => b.msms?.b1),
            med((b) => b.msms?.b2),
            med((b) => b.msms?.c),
            med((b) => b.msms?.h),
          ];
        }),
      ),
      "",
      "With the native engine the five MSMs run one after another, each on all cores: their times add up. With the wasm MSM they run together on the curve's workers: each is its time from the common start to its end.",
      "",
    );
  }

  out.push("## Scaling", "");
  const sc = r.scaling;
  for (const f of sc.proveSecondsPerConstraint) {
    out.push(`- ${f.protocol} (${f.engine}) prove time ≈ ${sec(f.fit.intercept)} s + ${(f.fit.slope * 1e6).toFixed(1)} µs × constraints (least squares over ${f.fit.points} configurations, R² ${f.fit.r2.toFixed(3)})`);
  }
  for (const f of sc.peakRssBytesPerConstraint) {
    out.push(`- ${f.protocol} (${f.engine}) prover peak RSS ≈ ${mbF(f.fit.intercept)} MB + ${(f.fit.slope / 1e3).toFixed(2)} kB × constraints (R² ${f.fit.r2.toFixed(3)})`);
  }
  if (sc.constraintsPerTransfer !== null) {
    out.push(`- constraints ≈ ${n0(sc.constraintsPerTransfer.intercept)} + ${n0(sc.constraintsPerTransfer.slope)} × batch size on the ${treeLabel(DEFAULT_TREE)} tree`);
  }
  for (const l of sc.largestBatchProven) {
    out.push(`- largest batch proven here with ${l.protocol}: ${l.batchSize}${l.peakRssBytes === null ? "" : ` (prover peak RSS ${mbF(l.peakRssBytes)} MB)`}`);
  }
  for (const p of sc.predictions) {
    out.push(`- batch ${p.batchSize} (predicted): ${n0(p.constraints)} constraints, ≈ ${sec(p.proveSeconds)} s a proof; ${p.note}`);
  }
  if (sc.proveSecondsPerConstraint.length === 0) out.push("- fewer than two configurations per protocol ran: no fit.");
  out.push("");

  const notRun = notRunLines(r);
  if (notRun.length > 0) out.push("## Skipped and failed", "", ...notRun, "");
  if (r.notes.length > 0) out.push("## Notes", "", ...r.notes.map((n) => `- ${n}`), "");
  out.push("## Charts", "", `![proving time vs constraints](${RESULT_FILES.proveChart})`, "", `![throughput vs batch size](${RESULT_FILES.throughputChart})`, "");
  out.push(`Raw samples: \`${RESULT_FILES.json}\`.`, "");
  return out.join("\n");
}

/** Our engine against a rapidsnark binary on the same zkey and the same witness files, repetition by repetition. */
function rapidsnarkSection(r: BenchResults): string[] {
  const mine = r.configurations.filter((c) => c.status === "ok" && c.config.engine !== "rapidsnark" && c.summary?.vsRapidsnark != null);
  const skipped = r.configurations.filter((c) => c.config.engine === "rapidsnark" && c.status !== "ok");
  if (mine.length === 0 && skipped.length === 0) return [];
  const out: string[] = ["## Against rapidsnark", ""];
  if (mine.length > 0) {
    out.push(
      `The rapidsnark binary${r.options.rapidsnark === null ? "" : ` \`${r.options.rapidsnark}\``} proved each repetition's witness file with the same zkey right after our engine proved the same witness (interleaved: both saw the same load). ` +
        "Its time is the whole CLI process, which reads and parses the zkey every proof; ours is the prove step of a warm process that keeps the zkey in memory. " +
        "The witness is made once for both and shown apart. Ratio = our prove time over rapidsnark's, per repetition (≤ 1: ours is as fast or faster); CPU seconds are all threads.",
      "",
      mdTable(
        ["batch", "tree", "witness gen", "ours", "witness s", "ours prove s", "rapidsnark s", "ours / rapidsnark (paired)", "ours CPU s", "rapidsnark CPU s", "CPU ours / rapidsnark", "peak RSS MB ours / rapidsnark"],
        mine.map((c) => {
          const s = c.summary as NonNullable<ConfigResult["summary"]>;
          const rs = c.rapidsnark?.samples ?? [];
          const ours = stat(rs.map((x) => x.engineProveSeconds));
          const oursCpu = stat(rs.flatMap((x) => (x.engineCpuSeconds === null ? [] : [x.engineCpuSeconds])));
          const rsRss = stat(rs.flatMap((x) => (x.peakRssBytes === null ? [] : [x.peakRssBytes])));
          return [
            String(c.config.batchSize),
            c.config.tree,
            c.config.witness,
            c.config.engine,
            fmtStat(stat(rs.map((x) => x.witnessSeconds))),
            fmtStat(ours),
            fmtStat(s.rapidsnarkSeconds ?? null),
            fmtStat(s.vsRapidsnark ?? null, (x) => x.toFixed(2)),
            fmtStat(oursCpu),
            fmtStat(s.rapidsnarkCpuSeconds ?? null),
            s.vsRapidsnarkCpu == null ? "–" : s.vsRapidsnarkCpu.toFixed(2),
            `${s.peakRssBytes === null ? "–" : mbF(s.peakRssBytes.median)} / ${rsRss === null ? "–" : mbF(rsRss.median)}`,
          ];
        }),
      ),
      "",
    );
  }
  for (const c of skipped) out.push(`- n${c.config.batchSize} ${c.config.tree} ${c.config.witness}: rapidsnark ${c.status}: ${c.reason ?? "?"}`);
  if (skipped.length > 0) out.push("");
  return out;
}

function l1Section(r: BenchResults): string[] {
  const out: string[] = ["## L1 gas", ""];
  const measured = r.configurations.flatMap((c) => (c.status === "ok" && c.l1Gas?.status === "measured" ? [{ c, g: c.l1Gas }] : []));
  const first = measured[0]?.g;
  out.push(
    "Every batch a Groth16 configuration proved (warm-up, repetitions, baseline and pipelined proofs, in the order the workload made them) " +
      "was submitted as a real transaction to a fresh deployment of contracts/ZkRollup.sol with that configuration's snarkjs-exported verifier" +
      (first === undefined ? "" : ` (${first.evm.name}, hardfork ${first.evm.hardfork}, solc ${first.evm.solc})`) +
      "; every submission was accepted. Gas is each receipt's gasUsed (no eth_estimateGas); verifyProof is the verifier's call frame inside the first batch transaction (call tracer). " +
      "Median (min–max) over every batch but the first, which also pays for a new storage slot (the batch count going from zero); all submissions, with their transaction hashes, are in results.json.",
    "",
  );
  if (measured.length > 0) {
    out.push(
      mdTable(
        ["batch", "tree", "commitment", "constraints / op", "witness", "prover", "batches submitted", "gas/batch", "gas/transfer", "verifyProof gas", "verifier deploy gas"],
        measured.map(({ c, g }) => [
          String(c.config.batchSize),
          c.config.tree,
          c.config.commitment,
          c.circuit === undefined ? "–" : n0(c.circuit.constraints / c.config.batchSize),
          c.config.witness,
          c.config.engine,
          `${g.submissions.length} (${g.summary.batches} counted)`,
          fmtStat(g.summary.gasPerBatch, n0),
          fmtStat(g.summary.gasPerTransfer, n0),
          g.verifierCallGas === null ? "–" : n0(g.verifierCallGas),
          n0(g.deploymentGas.verifier),
        ]),
      ),
      "",
    );
  }
  const na = r.configurations.filter((c) => c.status === "ok" && c.l1Gas?.status === "n/a");
  for (const c of na) if (c.l1Gas?.status === "n/a") out.push(`- n${c.config.batchSize} ${c.config.tree} ${c.config.protocol}: measured gas n/a: ${c.l1Gas.reason}.`);
  if (na.length > 0) out.push("");
  return out;
}

export function mdTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

const LEGEND = { orient: "bottom", direction: "vertical", labelLimit: 520 } as const;

const ENGINE_LABEL: Record<BenchEngine, string> = {
  native: "warm prover (native QAP and MSM)",
  warm: "warm prover (wasm MSM)",
  snarkjs: "snarkjs in a warm process",
  rapidsnark: "rapidsnark CLI (cold, reads the zkey every proof)",
};

function series(c: ConfigResult): string {
  const witness = c.config.witness === "cpp" ? " (C++ witness)" : "";
  if (c.config.protocol !== "groth16") return `${c.config.protocol} (snarkjs, warm process)${witness}`;
  return `groth16 ${ENGINE_LABEL[c.config.engine]}${witness}`;
}

function proveChart(r: BenchResults): ChartSpec {
  const values: { constraints: number; seconds: number; series: string; batch: number; tree: string }[] = [];
  for (const c of r.configurations) {
    if (c.status !== "ok" || c.circuit === undefined || c.summary === undefined) continue;
    if (c.summary.proveSeconds !== null) values.push({ constraints: c.circuit.constraints, seconds: c.summary.proveSeconds.median, series: `${series(c)}: prove step`, batch: c.config.batchSize, tree: c.config.tree });
    if (c.summary.baselineSeconds !== null && c.config.engine === r.options.engines[0] && c.config.witness === r.options.witness[0]) {
      values.push({ constraints: c.circuit.constraints, seconds: c.summary.baselineSeconds.median, series: `${c.config.protocol} snarkjs CLI (cold, whole fullprove)`, batch: c.config.batchSize, tree: c.config.tree });
    }
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: { text: "Proving time vs constraints", subtitle: `median of ${r.options.reps} rep(s); ${r.machine.cpu}, ${r.machine.cores} cores` },
    width: 520,
    height: 320,
    data: { values },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "constraints", type: "quantitative", title: "R1CS constraints (log)", scale: { type: "log" }, axis: { format: "~s" } },
      y: { field: "seconds", type: "quantitative", title: "seconds per proof (log)", scale: { type: "log" } },
      color: { field: "series", type: "nominal", title: null, legend: LEGEND },
      detail: { field: "tree", type: "nominal" },
      tooltip: [{ field: "batch" }, { field: "tree" }, { field: "seconds" }],
    },
  };
}

function throughputChart(r: BenchResults): ChartSpec {
  const defaultTree = treeLabel(DEFAULT_TREE);
  const values: { batch: number; tps: number; series: string }[] = [];
  for (const c of r.configurations) {
    if (c.status !== "ok" || c.summary === undefined || c.config.tree !== defaultTree) continue;
    const s = c.summary;
    if (s.transfersPerSecond !== null) values.push({ batch: c.config.batchSize, tps: s.transfersPerSecond.median, series: `${series(c)}, one proof at a time` });
    if (s.pipelinedTransfersPerSecond !== null) values.push({ batch: c.config.batchSize, tps: s.pipelinedTransfersPerSecond, series: `${series(c)}, pipelined` });
    if (s.baselineTransfersPerSecond !== null && c.config.engine === r.options.engines[0] && c.config.witness === r.options.witness[0]) {
      values.push({ batch: c.config.batchSize, tps: s.baselineTransfersPerSecond.median, series: `${c.config.protocol} snarkjs CLI (cold)` });
    }
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: { text: "Proven transfers per second vs batch size", subtitle: `full batches of signed transfers, ${defaultTree} tree (65,536 accounts)` },
    width: 520,
    height: 320,
    data: { values },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "batch", type: "quantitative", title: "batch size (transfers, log)", scale: { type: "log", base: 2 }, axis: { values: [1, 2, 4, 8, 16, 32, 64] } },
      y: { field: "tps", type: "quantitative", title: "proven transfers per second" },
      color: { field: "series", type: "nominal", title: null, legend: LEGEND },
    },
  };
}
