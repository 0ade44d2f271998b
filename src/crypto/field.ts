/** The BN254 scalar field: circuit signals and Poseidon inputs live here. */
export const FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

export function isFieldElement(value: bigint): boolean {
  return value >= 0n && value < FIELD_MODULUS;
}

/** Reduces any integer (a negative one too) into the field, as circuit inputs are. */
export function toField(value: bigint): bigint {
  const r = value % FIELD_MODULUS;
  return r < 0n ? r + FIELD_MODULUS : r;
}
