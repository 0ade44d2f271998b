import { join } from "node:path";
import { PROTOCOLS, type Protocol } from "../artifacts/setup.ts";
import { loadInstances, type CircuitInstance } from "../circuit/instances.ts";
import { BUILD_DIR } from "../paths.ts";
import { PROVER_ENGINES, type ProverEngine } from "../prover/prove.ts";

/** Our Groth16 engines (prove.ts), or a rapidsnark binary the user has, timed beside the first of ours (rapidsnark.ts). */
export type BenchEngine = ProverEngine | "rapidsnark";
export const BENCH_ENGINES: readonly BenchEngine[] = [...PROVER_ENGINES, "rapidsnark"];

export type WitnessGenerator = "wasm" | "cpp";
/** What --witness takes: a generator, or auto (C++ where its toolchain is present, else wasm; resolved by the runner). */
export type WitnessChoice = WitnessGenerator | "auto";
export const WITNESS_CHOICES: readonly WitnessChoice[] = ["wasm", "cpp", "auto"];

/** The EVM the proven batches go to (ZkRollup.sol either way, receipts' gasUsed): in-process ("simulated") or anvil. */
export type BenchL1 = "simulated" | "anvil";
export const BENCH_L1S: readonly BenchL1[] = ["simulated", "anvil"];

export interface BenchOptions {
  readonly instances: readonly CircuitInstance[];
  readonly protocols: readonly Protocol[];
  readonly witness: readonly WitnessChoice[];
  /**
   * Groth16 prover in the warm process: "native" / "warm" (groth16-warm.ts, MSM in C or wasm) and/or "snarkjs"
   * (snarkjs.groth16.prove); "rapidsnark": the binary `rapidsnark` names, run on the same zkey and witness file
   * as the first of our engines, interleaved with its repetitions (always listed last).
   */
  readonly engines: readonly BenchEngine[];
  /** The rapidsnark binary (--rapidsnark PATH, else $ZKR_RAPIDSNARK); without it the rapidsnark engine is skipped with the reason. */
  readonly rapidsnark?: string;
  /** Timed repetitions per configuration, after one warm-up proof that is not counted. */
  readonly reps: number;
  /** Also time the stock snarkjs CLI (one cold `groth16 fullprove` per proof) on the same circuit and keys. */
  readonly baseline: boolean;
  /** Also time a pipelined stream of `reps` batches (next witness computed while the current proof runs). */
  readonly pipeline: boolean;
  /** A configuration whose estimated time (setup + warm-up + repetitions) exceeds this is skipped, with the estimate. */
  readonly maxConfigSeconds: number;
  readonly outDir: string;
  /** Seed of the transfer workload (keys, receivers, amounts). */
  readonly seed: number;
  /**
   * Every Groth16 configuration's proven batches are submitted, in order, to its own ZkRollup.sol
   * deployment on one EVM for the run: in-process (default, "simulated") or a local anvil ("anvil").
   */
  readonly l1?: BenchL1;
}

/** The tree every batch size is measured on: 65,536 accounts as 4·4·8·8·8·8 (bottom-up 4x2-8x4). */
export const DEFAULT_TREE = [4, 4, 8, 8, 8, 8] as const;
/** Default batch sizes on the default tree (the 10-minute sweep); n32 is in `--instances all`. */
export const DEFAULT_BATCH_SIZES = [1, 4, 8, 16] as const;

export function defaultOutDir(now = new Date()): string {
  return join(BUILD_DIR, "bench", now.toISOString().replace(/[:.]/g, "-"));
}

export function treeLabel(arities: readonly number[]): string {
  const runs: [number, number][] = [];
  for (const a of arities) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[0] === a) last[1]++;
    else runs.push([a, 1]);
  }
  return runs.map(([a, k]) => `${a}x${k}`).join("-");
}

const sameTree = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
/** `default` and `nK` name the default tree with the Poseidon commitment; other commitments go by full name. */
const onDefaultTree = (i: CircuitInstance) => sameTree(i.arities, DEFAULT_TREE) && i.layout.commitment === "poseidon";

/**
 * The instances a selector names: a full instance name (batch_n16_d6_a4x2-8x4), `nK` (batch size K on the
 * default tree), `default` (n1, n4, n8, n16 on the default tree plus n4 on every other tree listed),
 * `bench` (every bench and demo instance) or `all` (every instance, the test one included).
 * Unknown names throw with the list of known ones.
 */
export function resolveInstances(selectors: readonly string[], known: readonly CircuitInstance[] = loadInstances()): CircuitInstance[] {
  const out: CircuitInstance[] = [];
  const add = (i: CircuitInstance) => {
    if (!out.includes(i)) out.push(i);
  };
  for (const sel of selectors) {
    if (sel === "all") known.forEach(add);
    else if (sel === "bench") known.filter((i) => i.role !== "test").forEach(add);
    else if (sel === "default") {
      for (const n of DEFAULT_BATCH_SIZES) known.filter((i) => i.ops === n && onDefaultTree(i)).forEach(add);
      known.filter((i) => i.ops === 4 && !sameTree(i.arities, DEFAULT_TREE) && i.role !== "test").forEach(add);
    } else if (/^n[1-9][0-9]{0,5}$/.test(sel)) {
      const ops = Number(sel.slice(1));
      const found = known.find((i) => i.ops === ops && onDefaultTree(i));
      if (found === undefined) {
        const sizes = known.filter(onDefaultTree).map((i) => `n${i.ops}`);
        throw new BenchInputError(`no instance with batch size ${ops} on the default tree ${treeLabel(DEFAULT_TREE)} (have: ${sizes.join(", ")}; add it to circuits/instances.json)`);
      }
      add(found);
    } else {
      const found = known.find((i) => i.name === sel);
      if (found === undefined) throw new BenchInputError(`unknown instance "${sel}" (known: ${known.map((i) => i.name).join(", ")}; or nK, default, bench, all)`);
      add(found);
    }
  }
  return out.sort((a, b) => a.ops - b.ops || a.arities.length - b.arities.length);
}

export function parseProtocols(list: readonly string[]): Protocol[] {
  return list.map((p) => {
    const found = PROTOCOLS.find((x) => x === p);
    if (found === undefined) throw new BenchInputError(`unknown protocol "${p}" (groth16, plonk, fflonk)`);
    return found;
  });
}

/**
 * The engines named, each once, rapidsnark last (it is timed beside the first of ours); rapidsnark alone
 * means native and rapidsnark.
 */
export function parseEngines(list: readonly string[]): BenchEngine[] {
  const out: BenchEngine[] = [];
  for (const e of list) {
    const found = BENCH_ENGINES.find((x) => x === e);
    if (found === undefined) throw new BenchInputError(`unknown prover engine "${e}" (${BENCH_ENGINES.join(", ")})`);
    if (!out.includes(found)) out.push(found);
  }
  const ours = out.filter((e) => e !== "rapidsnark");
  if (out.includes("rapidsnark")) return [...(ours.length === 0 ? (["native"] as const) : ours), "rapidsnark"];
  return ours;
}

/** The first of our engines in the list (the one the baselines are interleaved with), if any. */
export function pairedEngine(engines: readonly BenchEngine[]): ProverEngine | undefined {
  return engines.find((e): e is ProverEngine => e !== "rapidsnark");
}

/**
 * The generators a run uses: auto becomes cpp where the C++ toolchain is present, else wasm (duplicates
 * dropped); with auto, a line saying which and why.
 */
export function resolveWitness(
  choices: readonly WitnessChoice[],
  toolchain: { readonly ok: boolean; readonly missing: readonly string[]; readonly install: readonly string[] },
): { generators: WitnessGenerator[]; note?: string } {
  const generators = [...new Set(choices.map((w): WitnessGenerator => (w === "auto" ? (toolchain.ok ? "cpp" : "wasm") : w)))];
  if (!choices.includes("auto")) return { generators };
  const note = toolchain.ok
    ? "witness: C++ generator (auto: its toolchain is present; built on first use for each circuit, then cached)"
    : `witness: wasm (auto: the C++ generator needs ${toolchain.missing.join(", ")}; apt-get install ${toolchain.install.join(" ")})`;
  return { generators, note };
}

export function parseWitnessGenerators(list: readonly string[]): WitnessChoice[] {
  return list.map((w) => {
    const found = WITNESS_CHOICES.find((x) => x === w);
    if (found === undefined) throw new BenchInputError(`unknown witness generator "${w}" (${WITNESS_CHOICES.join(", ")})`);
    return found;
  });
}

export function parseL1(value: string): BenchL1 {
  const found = BENCH_L1S.find((x) => x === value);
  if (found === undefined) throw new BenchInputError(`unknown --l1 "${value}" (simulated, anvil)`);
  return found;
}

/** A bad bench option (the CLI turns it into a one-line usage error). */
export class BenchInputError extends Error {
  override readonly name = "BenchInputError";
  readonly code = "BAD_BENCH_OPTION";
}
