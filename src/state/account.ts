import type { PublicKey } from "../crypto/eddsa.ts";
import { toField } from "../crypto/field.ts";
import { poseidon } from "../crypto/poseidon.ts";

export interface Account {
  readonly publicKey: PublicKey;
  readonly balance: bigint;
  readonly nonce: bigint;
}

/** leaf = Poseidon(Ax, Ay, balance, nonce); an empty leaf is 0. */
export function leafHash(account: Account): bigint {
  return poseidon([account.publicKey.x, account.publicKey.y, toField(account.balance), account.nonce]);
}
