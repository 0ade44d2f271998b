import type { Protocol } from "../artifacts/setup.ts";
import type { CircuitInstance } from "../circuit/instances.ts";
import type { ProverEngine } from "../prover/prove.ts";
import { DEFAULT_TREE, treeLabel, type BenchEngine, type WitnessGenerator } from "./options.ts";
import type { ConfigResult, Headline, Scaling } from "./results.ts";
import { leastSquares, type LinearFit } from "./stats.ts";

/** circom2 is a WASM build (≤ 4 GiB): design.md compiled 685k constraints (2.5 GB) and ran out of memory at 1.37M. */
const CIRCOM_WASM_KNOWN_OK = 685_000;
const CIRCOM_WASM_KNOWN_OOM = 1_370_000;

/**
 * How time and memory grow: least squares of median prove time and peak RSS against constraints per
 * protocol and engine (ok configurations of the run's first witness generator), constraints against batch size on the default
 * tree, the largest batch proven, and predictions for the next batch sizes with whether they fit here.
 */
export function scalingOf(configs: readonly ConfigResult[], instances: readonly CircuitInstance[], memoryBytes: number, witness: WitnessGenerator = "wasm"): Scaling {
  const ok = configs.filter((c) => c.status === "ok" && c.config.witness === witness && c.summary !== undefined && c.circuit !== undefined);
  const groups = new Map<string, { protocol: Protocol; engine: BenchEngine; items: ConfigResult[] }>();
  for (const c of ok) {
    const k = `${c.config.protocol}/${c.config.engine}`;
    const g = groups.get(k) ?? { protocol: c.config.protocol, engine: c.config.engine, items: [] };
    g.items.push(c);
    groups.set(k, g);
  }
  const proveFits: Scaling["proveSecondsPerConstraint"] = [];
  const rssFits: Scaling["peakRssBytesPerConstraint"] = [];
  for (const g of groups.values()) {
    const pf = leastSquares(g.items.flatMap((c) => (c.summary?.proveSeconds == null ? [] : [[c.circuit?.constraints ?? 0, c.summary.proveSeconds.median] as const])));
    if (pf !== null) proveFits.push({ protocol: g.protocol, engine: g.engine, fit: pf });
    const rf = leastSquares(g.items.flatMap((c) => (c.summary?.peakRssBytes == null ? [] : [[c.circuit?.constraints ?? 0, c.summary.peakRssBytes.median] as const])));
    if (rf !== null) rssFits.push({ protocol: g.protocol, engine: g.engine, fit: rf });
  }

  const defaultTree = treeLabel(DEFAULT_TREE);
  const sizes = new Map<number, number>();
  for (const c of configs) if (c.circuit !== undefined && c.config.tree === defaultTree) sizes.set(c.config.batchSize, c.circuit.constraints);
  const constraintsPerTransfer = leastSquares([...sizes.entries()]);

  const largest = new Map<Protocol, { protocol: Protocol; batchSize: number; peakRssBytes: number | null }>();
  for (const c of ok) {
    const cur = largest.get(c.config.protocol);
    if (cur === undefined || c.config.batchSize > cur.batchSize) {
      largest.set(c.config.protocol, { protocol: c.config.protocol, batchSize: c.config.batchSize, peakRssBytes: c.summary?.peakRssBytes?.max ?? null });
    }
  }

  const predictions: Scaling["predictions"] = [];
  const g16 = largest.get("groth16");
  const pick = (fits: { protocol: Protocol; engine: BenchEngine; fit: LinearFit }[]) =>
    fits.filter((f) => f.protocol === "groth16").sort((a, b) => ENGINE_RANK[b.engine] - ENGINE_RANK[a.engine])[0]?.fit;
  const proveFit = pick(proveFits);
  const rssFit = pick(rssFits);
  if (g16 !== undefined && constraintsPerTransfer !== null && proveFit !== undefined && rssFit !== undefined) {
    for (let n = g16.batchSize * 2; n <= Math.max(128, g16.batchSize * 4); n *= 2) {
      const constraints = Math.round(constraintsPerTransfer.intercept + constraintsPerTransfer.slope * n);
      const peakRssBytes = rssFit.intercept + rssFit.slope * constraints;
      const fitsMemory = peakRssBytes < 0.85 * memoryBytes;
      const listed = instances.some((i) => i.ops === n) ? "" : "not in circuits/instances.json; ";
      const compile =
        constraints <= CIRCOM_WASM_KNOWN_OK
          ? "compiles within circom2's 4 GiB (a 685k-constraint circuit did)"
          : constraints >= CIRCOM_WASM_KNOWN_OOM
            ? "circom2 (WASM, ≤ 4 GiB) ran out of memory on a 1.37M-constraint circuit: compile with native circom"
            : "between the largest circuit circom2 (WASM, ≤ 4 GiB) compiled here (685k) and one it could not (1.37M): compile may fail";
      predictions.push({
        batchSize: n,
        constraints,
        peakRssBytes,
        proveSeconds: proveFit.intercept + proveFit.slope * constraints,
        fitsMemory,
        note: `${listed}proving ${fitsMemory ? "fits" : "does not fit"} in memory (predicted ${(peakRssBytes / 2 ** 30).toFixed(1)} GiB); ${compile}`,
      });
    }
  }
  return { proveSecondsPerConstraint: proveFits, peakRssBytesPerConstraint: rssFits, constraintsPerTransfer, largestBatchProven: [...largest.values()], predictions };
}

/** Which engine a summary prefers when several ran: the native MSM, then the warm wasm prover, then snarkjs (rapidsnark is a reference, never ours). */
const ENGINE_RANK: Record<BenchEngine, number> = { native: 2, warm: 1, snarkjs: 0, rapidsnark: -1 };
const ours = (c: ConfigResult): c is ConfigResult & { config: { engine: ProverEngine } } => c.config.engine !== "rapidsnark";

/**
 * The headline: Groth16 with the wasm witness on the default tree, fastest engine run, at batch 16 (else the
 * largest batch with a baseline): warm throughput, one proof at a time and pipelined, over the stock CLI's.
 */
export function headlineOf(configs: readonly ConfigResult[], witness: WitnessGenerator = "wasm"): Headline | null {
  const defaultTree = treeLabel(DEFAULT_TREE);
  const candidates = configs.filter(ours).filter(
    (c) =>
      c.status === "ok" &&
      c.config.protocol === "groth16" &&
      c.config.witness === witness &&
      c.summary?.baselineTransfersPerSecond != null &&
      c.summary.transfersPerSecond !== null,
  );
  const preferred = (c: ConfigResult) => ENGINE_RANK[c.config.engine] + (c.config.tree === defaultTree ? 4 : 0);
  const at16 = candidates.filter((c) => c.config.batchSize === 16).sort((a, b) => preferred(b) - preferred(a))[0];
  const chosen = at16 ?? candidates.sort((a, b) => b.config.batchSize - a.config.batchSize || preferred(b) - preferred(a))[0];
  const s = chosen?.summary;
  if (chosen === undefined || s === undefined || s.baselineTransfersPerSecond === null || s.transfersPerSecond === null) return null;
  const ratioOneAtATime = s.transfersPerSecond.median / s.baselineTransfersPerSecond.median;
  const ratioPipelined = s.pipelinedTransfersPerSecond === null ? null : s.pipelinedTransfersPerSecond / s.baselineTransfersPerSecond.median;
  return {
    instance: chosen.config.instance,
    engine: chosen.config.engine,
    batchSize: chosen.config.batchSize,
    baselineTransfersPerSecond: s.baselineTransfersPerSecond.median,
    warmTransfersPerSecond: s.transfersPerSecond.median,
    pipelinedTransfersPerSecond: s.pipelinedTransfersPerSecond,
    ratio: s.pairedSpeedup?.median ?? ratioOneAtATime,
    ratioOneAtATime,
    ratioPipelined,
    ratioPaired: s.pairedSpeedup,
    cpuRatio: s.cpuRatio,
    goal: 2,
    witnessShare: s.witnessShare?.median ?? null,
  };
}
