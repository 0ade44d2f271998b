/**
 * The simulated L1's gas schedule. Every gas figure the L1 reports is computed from these constants plus
 * the Poseidon gas measured by running circomlibjs's Poseidon contract in @ethereumjs/evm
 * (poseidon-contract.ts). Nothing here is measured on a deployed rollup contract.
 */
import { CHUNK_BYTES } from "../tx/layout.ts";

export { poseidonGas, runPoseidonContract, POSEIDON_CONTRACT_MAX_INPUTS } from "./poseidon-contract.ts";

/** What every receipt says about where its gas figures come from. */
export const GAS_PROVENANCE =
  "computed from the EIP gas schedule in src/l1/gas.ts (Yellow Paper, EIP-2028, EIP-1108, EIP-2929) " +
  "plus Poseidon gas measured by running circomlibjs's Poseidon contract in @ethereumjs/evm";

/** Intrinsic gas of every transaction (Yellow Paper G_transaction). */
export const TX_BASE_GAS = 21_000;
/** A plain ETH transfer between accounts: just the intrinsic gas (Yellow Paper). */
export const ETH_TRANSFER_GAS = 21_000;
/** Calldata, per zero byte (EIP-2028). */
export const CALLDATA_ZERO_BYTE_GAS = 4;
/** Calldata, per non-zero byte (EIP-2028, down from 68). */
export const CALLDATA_NONZERO_BYTE_GAS = 16;
/** BN254 pairing check precompile 0x08: base (EIP-1108). */
export const BN254_PAIRING_BASE_GAS = 45_000;
/** BN254 pairing check precompile 0x08: per pair (EIP-1108). */
export const BN254_PAIRING_PER_PAIR_GAS = 34_000;
/** BN254 scalar multiplication precompile 0x07 (EIP-1108). */
export const BN254_ECMUL_GAS = 6_000;
/** BN254 point addition precompile 0x06 (EIP-1108). */
export const BN254_ECADD_GAS = 150;
/** SSTORE of a slot that was zero: 20,000 (SSTORE_SET) + 2,100 cold slot access (EIP-2929). */
export const SSTORE_NEW_SLOT_GAS = 22_100;
/** SSTORE of a slot that was non-zero: 2,900 (SSTORE_RESET − cold) + 2,100 cold slot access (EIP-2929). */
export const SSTORE_EXISTING_SLOT_GAS = 5_000;
/** SSTORE of a non-zero slot already read in the transaction (warm): SSTORE_RESET − COLD_SLOAD (EIP-2929). */
export const SSTORE_EXISTING_WARM_GAS = 2_900;
/** SLOAD of a slot not yet touched in the transaction (EIP-2929 COLD_SLOAD_COST). */
export const SLOAD_COLD_GAS = 2_100;
/** A CALL that sends value (Yellow Paper G_callvalue). */
export const CALL_VALUE_GAS = 9_000;
/** First access to an account in a transaction (EIP-2929 COLD_ACCOUNT_ACCESS_COST). */
export const COLD_ACCOUNT_ACCESS_GAS = 2_600;
/** Any later access to it (EIP-2929 WARM_STORAGE_READ_COST). */
export const WARM_ACCESS_GAS = 100;
/** The 2,300 gas stipend a value CALL hands the callee; an EOA recipient returns it unused. */
export const CALL_STIPEND_GAS = 2_300;
/** A value CALL to an account that does not exist yet (empty, EIP-161): Yellow Paper G_newaccount. */
export const NEW_ACCOUNT_GAS = 25_000;
/** LOGn: 375 + 375 per topic + 8 per data byte (Yellow Paper G_log, G_logtopic, G_logdata). */
export const LOG_BASE_GAS = 375;
export const LOG_TOPIC_GAS = 375;
export const LOG_DATA_BYTE_GAS = 8;

/** The schedule as a table, for reports. */
export const GAS_SCHEDULE: readonly { readonly name: string; readonly gas: number; readonly source: string }[] = [
  { name: "transaction base", gas: TX_BASE_GAS, source: "Yellow Paper G_transaction" },
  { name: "plain ETH transfer", gas: ETH_TRANSFER_GAS, source: "Yellow Paper (intrinsic gas only)" },
  { name: "calldata zero byte", gas: CALLDATA_ZERO_BYTE_GAS, source: "EIP-2028" },
  { name: "calldata non-zero byte", gas: CALLDATA_NONZERO_BYTE_GAS, source: "EIP-2028" },
  { name: "BN254 pairing base", gas: BN254_PAIRING_BASE_GAS, source: "EIP-1108" },
  { name: "BN254 pairing per pair", gas: BN254_PAIRING_PER_PAIR_GAS, source: "EIP-1108" },
  { name: "BN254 ECMUL", gas: BN254_ECMUL_GAS, source: "EIP-1108" },
  { name: "BN254 ECADD", gas: BN254_ECADD_GAS, source: "EIP-1108" },
  { name: "SSTORE new slot (cold)", gas: SSTORE_NEW_SLOT_GAS, source: "EIP-2200 + EIP-2929" },
  { name: "SSTORE existing slot (cold)", gas: SSTORE_EXISTING_SLOT_GAS, source: "EIP-2200 + EIP-2929" },
  { name: "SSTORE existing slot (warm)", gas: SSTORE_EXISTING_WARM_GAS, source: "EIP-2200 + EIP-2929" },
  { name: "SLOAD cold", gas: SLOAD_COLD_GAS, source: "EIP-2929" },
  { name: "CALL with value", gas: CALL_VALUE_GAS, source: "Yellow Paper G_callvalue" },
  { name: "cold account access", gas: COLD_ACCOUNT_ACCESS_GAS, source: "EIP-2929" },
  { name: "LOG base", gas: LOG_BASE_GAS, source: "Yellow Paper G_log" },
  { name: "LOG per topic", gas: LOG_TOPIC_GAS, source: "Yellow Paper G_logtopic" },
  { name: "LOG per data byte", gas: LOG_DATA_BYTE_GAS, source: "Yellow Paper G_logdata" },
];

export interface CalldataCost {
  readonly bytes: number;
  readonly zeroBytes: number;
  readonly nonZeroBytes: number;
  readonly gas: number;
}

/** EIP-2028 calldata gas of the exact bytes sent. */
export function calldataCost(data: Uint8Array): CalldataCost {
  let zeroBytes = 0;
  for (const b of data) if (b === 0) zeroBytes++;
  const nonZeroBytes = data.length - zeroBytes;
  return {
    bytes: data.length,
    zeroBytes,
    nonZeroBytes,
    gas: zeroBytes * CALLDATA_ZERO_BYTE_GAS + nonZeroBytes * CALLDATA_NONZERO_BYTE_GAS,
  };
}

/** EIP-7623 (Prague): gas per calldata token of the floor, a token being a zero byte or a quarter of a non-zero byte. */
export const CALLDATA_FLOOR_TOKEN_GAS = 10;

/**
 * The EIP-7623 calldata floor of a transaction: 21,000 + 10 per token (zero bytes count 1, non-zero 4).
 * Since Prague a transaction pays at least this, whatever its execution cost. The simulated L1 does not
 * apply it (its figures are base + calldata + execution): the EVM comparisons use it to recognise a
 * receipt the floor set (src/evm/optimistic-scenarios.ts).
 */
export function calldataFloorGas(calldata: Pick<CalldataCost, "zeroBytes" | "nonZeroBytes">): number {
  return TX_BASE_GAS + CALLDATA_FLOOR_TOKEN_GAS * (calldata.zeroBytes + 4 * calldata.nonZeroBytes);
}

/** EIP-1108 pairing check of k pairs. */
export function pairingGas(pairs: number): number {
  return BN254_PAIRING_BASE_GAS + BN254_PAIRING_PER_PAIR_GAS * pairs;
}

/**
 * Precompile gas of snarkjs's Groth16 verifier: one 4-pair pairing check, and per public input one ECMUL
 * and one ECADD to fold it into vk_x. (The verifier's own opcodes are not counted.)
 */
export function groth16VerifyGas(publicInputs: number): number {
  return pairingGas(4) + publicInputs * (BN254_ECMUL_GAS + BN254_ECADD_GAS);
}

export function logGas(topics: number, dataBytes: number): number {
  return LOG_BASE_GAS + LOG_TOPIC_GAS * topics + LOG_DATA_BYTE_GAS * dataBytes;
}

/** Elements hashed for a batch's input hash: rollupId, oldRoot, newRoot, l1Acc and the 31-byte record chunks. */
export function inputHashElements(recordBytes: number): number {
  return 4 + Math.ceil(recordBytes / CHUNK_BYTES);
}

/** Width-6 Poseidon calls of src/crypto/poseidon.ts hashChain over `elements` elements: 1 + ceil((e − 6) / 5). */
export function hashChainCalls(elements: number): number {
  return 1 + Math.ceil(Math.max(0, elements - 6) / 5);
}

/** One line of a receipt's gas breakdown. */
export interface GasLine {
  readonly item: string;
  readonly gas: number;
  /** How it was computed, e.g. "3 × 22,100 (SSTORE new slot, EIP-2929)". */
  readonly detail: string;
}

/** Collects a transaction's gas charges by item, in the order a contract would incur them. */
export class GasMeter {
  private readonly items: GasLine[] = [];

  charge(item: string, gas: number, detail: string): void {
    if (!Number.isSafeInteger(gas) || gas < 0) throw new Error(`bad gas charge ${gas} for ${item}`);
    this.items.push({ item, gas, detail });
  }

  /** `count` units of `unitGas` each, described by `what`; nothing is charged for a count of 0. */
  chargeEach(item: string, count: number, unitGas: number, what: string): void {
    if (count > 0) this.charge(item, count * unitGas, `${count} × ${fmt(unitGas)} (${what})`);
  }

  get lines(): readonly GasLine[] {
    return this.items;
  }

  get total(): number {
    return this.items.reduce((sum, line) => sum + line.gas, 0);
  }
}

/** A receipt's lines summed per item, in order of first appearance (for a report). */
export function gasByItem(lines: readonly GasLine[]): { item: string; gas: number }[] {
  const out: { item: string; gas: number }[] = [];
  for (const line of lines) {
    const found = out.find((e) => e.item === line.item);
    if (found === undefined) out.push({ item: line.item, gas: line.gas });
    else found.gas += line.gas;
  }
  return out;
}

export function fmt(n: number): string {
  return n.toLocaleString("en-US");
}
