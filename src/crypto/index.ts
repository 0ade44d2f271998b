export { FIELD_MODULUS, isFieldElement, toField } from "./field.ts";
export { poseidon, hashChain } from "./poseidon.ts";
export { newPrivateKey, packSignature, privateKeyFromLabel, publicKeyOf, sign, unpackSignature, verify } from "./eddsa.ts";
export type { PublicKey, Signature, Message } from "./eddsa.ts";
