import { RollupError } from "../state/errors.ts";

/** Balances are 64-bit; posted amounts are mantissa · 10^exponent (34 + 4 bits). */
export const BALANCE_BITS = 64;
export const MAX_BALANCE = (1n << 64n) - 1n;
export const MANTISSA_BITS = 34;
export const EXPONENT_BITS = 4;
const MAX_MANTISSA = (1n << 34n) - 1n;
const MAX_EXPONENT = 15;

export interface PackedAmount {
  readonly mantissa: bigint;
  readonly exponent: number;
}

/** The encoding with the largest exponent (smallest mantissa); throws if none is exact. */
export function packAmount(amount: bigint): PackedAmount {
  if (amount < 0n || amount > MAX_BALANCE) {
    throw new RollupError("AMOUNT_OUT_OF_RANGE", `amount ${amount} is outside 0..2^64-1`);
  }
  let mantissa = amount;
  let exponent = 0;
  while (mantissa !== 0n && mantissa % 10n === 0n && exponent < MAX_EXPONENT) {
    mantissa /= 10n;
    exponent++;
  }
  if (mantissa > MAX_MANTISSA) {
    throw new RollupError(
      "AMOUNT_OUT_OF_RANGE",
      `amount ${amount} has no exact 38-bit encoding (mantissa < 2^34 times a power of ten up to 10^15)`,
    );
  }
  return { mantissa, exponent };
}

export function unpackAmount(packed: PackedAmount): bigint {
  return packed.mantissa * 10n ** BigInt(packed.exponent);
}
