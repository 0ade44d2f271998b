import type { PublicKey } from "../crypto/eddsa.ts";
import { isFieldElement, toField } from "../crypto/field.ts";
import { poseidon } from "../crypto/poseidon.ts";
import { MAX_BALANCE } from "../tx/amount.ts";

export interface Account {
  readonly publicKey: PublicKey;
  readonly balance: bigint;
  readonly nonce: bigint;
}

/** leaf = Poseidon(Ax, Ay, balance, nonce); an empty leaf is 0. */
export function leafHash(account: Account): bigint {
  return poseidon([account.publicKey.x, account.publicKey.y, toField(account.balance), account.nonce]);
}

/**
 * An account as a valid state can hold it: key and nonce are field elements, the balance a 64-bit
 * number. Any account read from outside (calldata, files, HTTP) must pass this before it is hashed or
 * compared: the leaf hash reduces mod p, so balance + p would prove the same leaf as balance.
 */
export function isCanonicalAccount(account: Account): boolean {
  return (
    isFieldElement(account.publicKey.x) &&
    isFieldElement(account.publicKey.y) &&
    account.balance >= 0n &&
    account.balance <= MAX_BALANCE &&
    isFieldElement(account.nonce)
  );
}
