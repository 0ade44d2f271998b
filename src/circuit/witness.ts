import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { BatchInputs } from "../state/batch.ts";
import type { ExitClaimInputs } from "./exit-claim.ts";
import { CircuitError } from "./errors.ts";

/** The input signals of a circuit this repo compiles. */
export type CircuitInputs = BatchInputs | ExitClaimInputs;

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
export async function calculateWitness(wasmPath: string, inputs: CircuitInputs): Promise<bigint[]> {
  const calc = await witnessCalculator(wasmPath);
  return withCircuitErrors(() => calc.calculateWitness(signalMap(inputs), true));
}

/** The same witness in snarkjs's .wtns binary format. */
export async function calculateWitnessBin(wasmPath: string, inputs: CircuitInputs): Promise<Uint8Array> {
  const calc = await witnessCalculator(wasmPath);
  return withCircuitErrors(() => calc.calculateWTNSBin(signalMap(inputs), true));
}

/** The circuit's input signals by name: the inputs' fields, as circom's calculator takes them. */
function signalMap(inputs: CircuitInputs): Record<string, unknown> {
  return { ...inputs };
}

async function withCircuitErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // circom's runtime reports a failed === or <== as "Assert Failed" with the template and line.
    if (message.includes("Assert Failed")) {
      const where = /Error in template (\S+) line: (\d+)/.exec(message);
      throw new CircuitError("CONSTRAINT_FAILED", `circuit rejects the batch${where ? ` (${where[1]} line ${where[2]})` : ""}`, { cause: err });
    }
    throw new CircuitError("BAD_INPUT", `witness calculation failed: ${message.split("\n")[0]}`, { cause: err });
  }
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
