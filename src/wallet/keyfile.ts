/**
 * A wallet's key file: the EdDSA (Baby Jubjub) private key that signs L2 operations, its public key, and
 * the L1 address the wallet uses on the simulated L1 (which does not authenticate senders: the address
 * is derived from the public key only so that each wallet has its own). Written 0600, never overwritten
 * unless asked.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { newPrivateKey, publicKeyOf, type PublicKey } from "../crypto/eddsa.ts";
import { isFieldElement } from "../crypto/field.ts";
import { labelAddress, type L1Address } from "../l1/chain.ts";
import { addressHex } from "../node/codec.ts";

export interface WalletKey {
  readonly privateKey: Uint8Array;
  readonly publicKey: PublicKey;
  readonly l1Address: L1Address;
}

interface KeyFileJson {
  version: 1;
  warning: string;
  privateKey: string;
  publicKey: { x: string; y: string };
  l1Address: string;
}

export class KeyFileError extends Error {
  override readonly name = "KeyFileError";
}

export function walletFromPrivateKey(privateKey: Uint8Array): WalletKey {
  const publicKey = publicKeyOf(privateKey);
  return { privateKey, publicKey, l1Address: labelAddress(`zkr wallet ${publicKey.x}:${publicKey.y}`) };
}

export function createKeyFile(path: string, opts: { force?: boolean; privateKey?: Uint8Array } = {}): WalletKey {
  if (existsSync(path) && opts.force !== true) throw new KeyFileError(`${path} exists (use --force to replace it)`);
  const key = walletFromPrivateKey(opts.privateKey ?? newPrivateKey());
  const json: KeyFileJson = {
    version: 1,
    warning: "This file holds a private key. Anyone who reads it can spend this account.",
    privateKey: Buffer.from(key.privateKey).toString("hex"),
    publicKey: { x: key.publicKey.x.toString(), y: key.publicKey.y.toString() },
    l1Address: addressHex(key.l1Address),
  };
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
  return key;
}

export function readKeyFile(path: string): WalletKey {
  let json: Partial<KeyFileJson>;
  try {
    json = JSON.parse(readFileSync(path, "utf8")) as Partial<KeyFileJson>;
  } catch (err) {
    throw new KeyFileError(existsSync(path) ? `${path} is not a wallet file` : `no wallet at ${path} (zkr wallet create makes one)`, { cause: err });
  }
  if (json.version !== 1 || typeof json.privateKey !== "string" || !/^[0-9a-f]{64}$/.test(json.privateKey)) {
    throw new KeyFileError(`${path} is not a version 1 wallet file`);
  }
  const key = walletFromPrivateKey(new Uint8Array(Buffer.from(json.privateKey, "hex")));
  if (json.publicKey !== undefined && (json.publicKey.x !== key.publicKey.x.toString() || json.publicKey.y !== key.publicKey.y.toString())) {
    throw new KeyFileError(`${path}: the public key does not belong to the private key`);
  }
  if (!isFieldElement(key.publicKey.x)) throw new KeyFileError(`${path}: bad key`);
  return key;
}
