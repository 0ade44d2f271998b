/**
 * What the bytes of a transaction cost before any opcode runs (cited formulas, not a model of the
 * contracts: every gas figure of a transaction is its receipt's gasUsed). Used to split a receipt into
 * intrinsic and execution gas and to report bytes posted per transfer.
 */

/** Every transaction's intrinsic gas (Yellow Paper G_transaction); also a plain ETH transfer's whole cost. */
export const TX_BASE_GAS = 21_000;
/** Calldata, per zero byte (EIP-2028). */
export const CALLDATA_ZERO_BYTE_GAS = 4;
/** Calldata, per non-zero byte (EIP-2028, down from 68). */
export const CALLDATA_NONZERO_BYTE_GAS = 16;
/** EIP-7623 (Prague): gas per calldata token of the floor, a token being a zero byte or a quarter of a non-zero byte. */
export const CALLDATA_FLOOR_TOKEN_GAS = 10;

export interface CalldataCost {
  readonly bytes: number;
  readonly zeroBytes: number;
  readonly nonZeroBytes: number;
  /** EIP-2028 gas of these bytes. */
  readonly gas: number;
}

/** EIP-2028 calldata gas of the exact bytes sent. */
export function calldataCost(data: Uint8Array): CalldataCost {
  let zeroBytes = 0;
  for (const b of data) if (b === 0) zeroBytes++;
  const nonZeroBytes = data.length - zeroBytes;
  return { bytes: data.length, zeroBytes, nonZeroBytes, gas: zeroBytes * CALLDATA_ZERO_BYTE_GAS + nonZeroBytes * CALLDATA_NONZERO_BYTE_GAS };
}

/**
 * The EIP-7623 calldata floor of a transaction: 21,000 + 10 per token (zero bytes count 1, non-zero 4).
 * Since Prague a transaction pays at least this, whatever its execution cost.
 */
export function calldataFloorGas(calldata: Pick<CalldataCost, "zeroBytes" | "nonZeroBytes">): number {
  return TX_BASE_GAS + CALLDATA_FLOOR_TOKEN_GAS * (calldata.zeroBytes + 4 * calldata.nonZeroBytes);
}
