/**
 * Poseidon on L1 has no precompile, so its gas is measured: circomlibjs's generated Poseidon contract
 * (`poseidonContract.createCode(n)`, n ≤ 6) or this project's generator (src/evm/poseidon-gen.ts, n = 7, 8:
 * circomlibjs's runs out of stack there) is deployed in an in-process @ethereumjs/evm and `poseidon(uint256[n])`
 * is called; the execution gas of that call is the figure (the code has no data-dependent branches, so it
 * does not depend on the inputs). The caller's STATICCALL overhead and ABI encoding are not included.
 * Measurements are cached per n for the life of the process.
 */
import { createEVM, type EVM } from "@ethereumjs/evm";
import { Address, bytesToHex, hexToBytes } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { poseidonContract } from "circomlibjs";
import { isFieldElement } from "../crypto/field.ts";
import { poseidonCreationCode } from "../evm/poseidon-gen.ts";
import { L1Error } from "./errors.ts";

/** Largest n with a Poseidon(n) contract: circomlibjs's up to 6, src/evm/poseidon-gen.ts's for 7 and 8. */
export const POSEIDON_CONTRACT_MAX_INPUTS = 8;
/** circomlibjs's generator runs out of DUP depth (DUP16) above 6 inputs. */
export const CIRCOMLIBJS_POSEIDON_MAX_INPUTS = 6;

/** Creation bytecode of the Poseidon(n) contract: circomlibjs's where it can build one, else the generator's. */
export function poseidonContractCode(n: number): `0x${string}` {
  checkArity(n);
  return n <= CIRCOMLIBJS_POSEIDON_MAX_INPUTS ? (poseidonContract.createCode(n) as `0x${string}`) : poseidonCreationCode(n);
}

const CALLER = new Address(hexToBytes(`0x${"11".repeat(20)}`));
const CALL_GAS_LIMIT = 10_000_000n;
const DEPLOY_GAS_LIMIT = 30_000_000n;

let evmPromise: Promise<EVM> | undefined;
const deployed = new Map<number, Promise<Address>>();
const gasCache = new Map<number, Promise<number>>();

function evm(): Promise<EVM> {
  evmPromise ??= createEVM();
  return evmPromise;
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs EVM work one call at a time: concurrent creations from one caller would share a nonce (and an address). */
function serialized<T>(work: (vm: EVM) => Promise<T>): Promise<T> {
  const run = queue.then(async () => work(await evm()));
  queue = run.catch(() => undefined);
  return run;
}

function deploy(n: number): Promise<Address> {
  let found = deployed.get(n);
  if (found === undefined) {
    found = serialized(async (vm) => {
      const result = await vm.runCall({
        caller: CALLER,
        data: hexToBytes(poseidonContractCode(n)),
        gasLimit: DEPLOY_GAS_LIMIT,
        skipBalance: true,
      });
      const error = result.execResult.exceptionError;
      if (error !== undefined || result.createdAddress === undefined) {
        throw new L1Error("POSEIDON_CONTRACT", `deploying the Poseidon(${n}) contract failed: ${error?.error ?? "no address"}`);
      }
      return result.createdAddress;
    });
    deployed.set(n, found);
  }
  return found;
}

function checkArity(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > POSEIDON_CONTRACT_MAX_INPUTS) {
    throw new L1Error("POSEIDON_CONTRACT", `the Poseidon contract takes 1..${POSEIDON_CONTRACT_MAX_INPUTS} inputs, got ${n}`);
  }
}

/** Calls poseidon(uint256[n]) on the generated contract: its output and the call's execution gas. */
export async function runPoseidonContract(inputs: readonly bigint[]): Promise<{ output: bigint; gas: number }> {
  const n = inputs.length;
  checkArity(n);
  if (!inputs.every(isFieldElement)) throw new L1Error("POSEIDON_CONTRACT", "Poseidon inputs must be field elements");
  const to = await deploy(n);
  const data = new Uint8Array(4 + 32 * n);
  data.set(keccak_256(new TextEncoder().encode(`poseidon(uint256[${n}])`)).subarray(0, 4), 0);
  inputs.forEach((v, i) => data.set(hexToBytes(`0x${v.toString(16).padStart(64, "0")}`), 4 + 32 * i));
  const result = await serialized((vm) => vm.runCall({ caller: CALLER, to, data, gasLimit: CALL_GAS_LIMIT, skipBalance: true }));
  const error = result.execResult.exceptionError;
  if (error !== undefined) throw new L1Error("POSEIDON_CONTRACT", `poseidon(uint256[${n}]) failed: ${error.error}`);
  return { output: BigInt(bytesToHex(result.execResult.returnValue)), gas: Number(result.execResult.executionGasUsed) };
}

/** Measured execution gas of one Poseidon(n) call on L1 (cached per n). */
export async function poseidonGas(n: number): Promise<number> {
  checkArity(n);
  let found = gasCache.get(n);
  if (found === undefined) {
    found = runPoseidonContract(Array.from({ length: n }, (_, i) => BigInt(i + 1))).then((r) => r.gas);
    gasCache.set(n, found);
  }
  return found;
}

/** The hardfork the measuring EVM runs (for reports). */
export async function poseidonEvmHardfork(): Promise<string> {
  return (await evm()).common.hardfork();
}
