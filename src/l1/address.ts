import { keccak_256 } from "@noble/hashes/sha3.js";

/** An L1 address: a 160-bit integer. */
export type L1Address = bigint;
export const MAX_L1_ADDRESS: L1Address = (1n << 160n) - 1n;

/** A deterministic address for a name (low 160 bits of keccak256(label)); handy for test accounts. */
export function labelAddress(label: string): L1Address {
  const digest = keccak_256(new TextEncoder().encode(label));
  let v = 0n;
  for (const b of digest.subarray(12)) v = (v << 8n) | BigInt(b);
  return v;
}

export function isL1Address(value: bigint): boolean {
  return value >= 0n && value <= MAX_L1_ADDRESS;
}
