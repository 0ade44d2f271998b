/**
 * The EdDSA check of a one-step fraud proof on L1 has no precompile either, so, as for Poseidon
 * (poseidon-contract.ts), its gas is measured: contracts/BabyJubjubEdDSA.sol — the contract the Solidity
 * rollup calls — is compiled with solc-js (cached in build/evm/), deployed in an in-process
 * @ethereumjs/evm and called with the operation's own inputs. Its cost depends on the inputs (the bits of
 * S and h, the Tonelli–Shanks loop), so each call is run, not looked up. The STATICCALL overhead of the
 * caller is not included.
 */
import { createEVM, type EVM } from "@ethereumjs/evm";
import { Address, bytesToHex, hexToBytes } from "@ethereumjs/util";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeFunctionResult, encodeFunctionData, parseAbi } from "viem";
import { verify, type Message, type PublicKey, type Signature } from "../crypto/eddsa.ts";
import { poseidon } from "../crypto/poseidon.ts";
import { CONTRACTS_DIR, compileSources, requireContract } from "../evm/compile.ts";
import type { TxContext } from "./chain.ts";
import { L1Error } from "./errors.ts";
import { poseidonGas } from "./poseidon-contract.ts";

export const EDDSA_CONTRACT = "BabyJubjubEdDSA";
export const EDDSA_SOURCE = `${EDDSA_CONTRACT}.sol`;

export const EDDSA_ABI = parseAbi([
  "function unpackPoint(uint256 packedWord) view returns (bool ok, uint256 x, uint256 y)",
  "function verify(uint256 ax, uint256 ay, uint256 r8x, uint256 r8y, uint256 sWord, uint256 h) pure returns (bool)",
]);

const CALLER = new Address(hexToBytes(`0x${"22".repeat(20)}`));

let deployed: Promise<{ vm: EVM; to: Address }> | undefined;

/** Creation bytecode of the EdDSA contract (compiled once, cached by source hash). */
export function eddsaContractCode(): `0x${string}` {
  const source = readFileSync(join(CONTRACTS_DIR, EDDSA_SOURCE), "utf8");
  return requireContract(compileSources({ [EDDSA_SOURCE]: source }), EDDSA_CONTRACT).bytecode;
}

function contract(): Promise<{ vm: EVM; to: Address }> {
  deployed ??= (async () => {
    const vm = await createEVM();
    const result = await vm.runCall({ caller: CALLER, data: hexToBytes(eddsaContractCode()), gasLimit: 30_000_000n, skipBalance: true });
    const error = result.execResult.exceptionError;
    if (error !== undefined || result.createdAddress === undefined) {
      throw new L1Error("EDDSA_CONTRACT", `deploying ${EDDSA_CONTRACT} failed: ${error?.error ?? "no address"}`);
    }
    return { vm, to: result.createdAddress };
  })();
  return deployed;
}

let queue: Promise<unknown> = Promise.resolve();

async function call(data: `0x${string}`): Promise<{ returnValue: `0x${string}`; gas: number }> {
  const { vm, to } = await contract();
  // One call at a time on the shared EVM state. Precompiles are warm in every transaction (EIP-2929), as on
  // L1; a bare runCall does not warm them, and unpackPoint's MODEXP call would otherwise cost 2,500 more the
  // first time only (the journal keeps the address warm for later calls).
  const run = queue.then(() => {
    for (const address of vm.precompiles.keys()) vm.journal.addAlwaysWarmAddress(address);
    return vm.runCall({ caller: CALLER, to, data: hexToBytes(data), gasLimit: 10_000_000n, skipBalance: true });
  });
  queue = run.catch(() => undefined);
  const result = await run;
  const error = result.execResult.exceptionError;
  if (error !== undefined) throw new L1Error("EDDSA_CONTRACT", `${EDDSA_CONTRACT} call failed: ${error.error}`);
  return { returnValue: bytesToHex(result.execResult.returnValue), gas: Number(result.execResult.executionGasUsed) };
}

/** unpackPoint on the packed R8 word (the 32 signature bytes read big-endian): the point, and the measured gas. */
export async function runUnpackPoint(packedWord: bigint): Promise<{ point: { x: bigint; y: bigint } | undefined; gas: number }> {
  const r = await call(encodeFunctionData({ abi: EDDSA_ABI, functionName: "unpackPoint", args: [packedWord] }));
  const [ok, x, y] = decodeFunctionResult({ abi: EDDSA_ABI, functionName: "unpackPoint", data: r.returnValue });
  return { point: ok ? { x, y } : undefined, gas: r.gas };
}

/** verify(A, R8, S word, h): the verdict and the measured gas. */
export async function runVerify(args: {
  ax: bigint;
  ay: bigint;
  r8x: bigint;
  r8y: bigint;
  sWord: bigint;
  h: bigint;
}): Promise<{ valid: boolean; gas: number }> {
  const r = await call(
    encodeFunctionData({ abi: EDDSA_ABI, functionName: "verify", args: [args.ax, args.ay, args.r8x, args.r8y, args.sWord, args.h] }),
  );
  return { valid: decodeFunctionResult({ abi: EDDSA_ABI, functionName: "verify", data: r.returnValue }), gas: r.gas };
}

/** S as verify() takes it: the 32 little-endian bytes of S read as one big-endian word (how posted data carries it). */
export function sWordOf(s: bigint): bigint {
  let word = 0n;
  for (let i = 0; i < 32; i++) word = (word << 8n) | ((s >> BigInt(8 * i)) & 0xffn);
  return word;
}

/**
 * The signature check a contract makes: h = Poseidon(R8x, R8y, Ax, Ay, M0, M1), then
 * BabyJubjubEdDSA.verify, both run and charged to `tx` as measured; the contract's verdict must be the
 * reference's (src/crypto/eddsa.ts), or this throws. Returns the verdict.
 */
export async function chargeSignatureCheck(
  tx: TxContext,
  publicKey: PublicKey,
  message: Message,
  signature: Signature,
  sWord: bigint = sWordOf(signature.s),
): Promise<boolean> {
  const h = poseidon([signature.r8x, signature.r8y, publicKey.x, publicKey.y, message[0], message[1]]);
  tx.gas.charge("poseidon: signature hash", await poseidonGas(6), "h = Poseidon(R8x, R8y, Ax, Ay, M0, M1), Poseidon(6) measured");
  const checked = await runVerify({ ax: publicKey.x, ay: publicKey.y, r8x: signature.r8x, r8y: signature.r8y, sWord, h });
  if (checked.valid !== verify(publicKey, message, signature)) throw new Error("BabyJubjubEdDSA.verify disagrees with src/crypto/eddsa.ts");
  tx.gas.charge("eddsa: curve check", checked.gas, "BabyJubjubEdDSA.verify (S·B8 = R8 + 8·h·A), measured in @ethereumjs/evm");
  return checked.valid;
}

