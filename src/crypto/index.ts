export { FIELD_MODULUS, isFieldElement, toField } from "./field.ts";
export { poseidon, hashChain } from "./poseidon.ts";
export { newPrivateKey, privateKeyFromLabel, publicKeyOf, sign, verify } from "./eddsa.ts";
export type { PublicKey, Signature, Message } from "./eddsa.ts";
