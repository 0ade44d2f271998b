import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { BatchInputs } from "../state/batch.ts";

interface WitnessCalculator {
  calculateWitness(input: Record<string, unknown>, sanityCheck: boolean): Promise<bigint[]>;
  calculateWTNSBin(input: Record<string, unknown>, sanityCheck: boolean): Promise<Uint8Array>;
}

const require = createRequire(import.meta.url);
const calculators = new Map<string, Promise<WitnessCalculator>>();

/** circom's generated witness calculator for a compiled circuit, loaded once per wasm file. */
export function witnessCalculator(wasmPath: string): Promise<WitnessCalculator> {
  let calc = calculators.get(wasmPath);
  if (calc === undefined) {
    const builder = require(join(dirname(wasmPath), "witness_calculator.js")) as (
      code: Buffer,
      options?: object,
    ) => Promise<WitnessCalculator>;
    calc = builder(readFileSync(wasmPath));
    calculators.set(wasmPath, calc);
  }
  return calc;
}

/**
 * Computes the full witness. The circuit's assertions run here too, so an input that breaks a rule
 * throws ("Assert Failed" from circom's runtime) before any proof is attempted.
 */
export async function calculateWitness(wasmPath: string, inputs: BatchInputs): Promise<bigint[]> {
  const calc = await witnessCalculator(wasmPath);
  return calc.calculateWitness(inputs as unknown as Record<string, unknown>, true);
}

/** The same witness in snarkjs's .wtns binary format. */
export async function calculateWitnessBin(wasmPath: string, inputs: BatchInputs): Promise<Uint8Array> {
  const calc = await witnessCalculator(wasmPath);
  return calc.calculateWTNSBin(inputs as unknown as Record<string, unknown>, true);
}

/** Witness index of every named signal, from circom's .sym file ("main.op[0].rootOut" -> 123). */
export function readSymbols(symPath: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of readFileSync(symPath, "utf8").split("\n")) {
    const [, witnessIdx, , name] = line.split(",");
    if (name !== undefined && witnessIdx !== undefined && Number(witnessIdx) >= 0) out.set(name, Number(witnessIdx));
  }
  return out;
}
