/**
 * A wallet's key file: the EdDSA (Baby Jubjub) private key that signs L2 operations, its public key, and
 * the L1 address the wallet uses on the node's L1 (the node sends its transactions from that address,
 * impersonated on the in-process EVM: the address is derived from the public key so that each wallet has
 * its own). Written 0600, never overwritten
 * unless asked, never anything but a regular file; a failed write leaves no copy of the key behind.
 */
import { linkSync, mkdirSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { tempPathFor } from "../artifacts/files.ts";
import { newPrivateKey, publicKeyOf, type PublicKey } from "../crypto/eddsa.ts";
import { isFieldElement } from "../crypto/field.ts";
import { CodedError } from "../errors.ts";
import { InputFileError, readInputJson } from "../io/input-file.ts";
import { labelAddress, type L1Address } from "../l1/address.ts";
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

/** A key file is a few hundred bytes: anything larger is not one. */
export const MAX_KEY_FILE_BYTES = 64 * 1024;

export type KeyFileErrorCode = "NOT_FOUND" | "EXISTS" | "NOT_A_FILE" | "NOT_A_WALLET" | "BAD_KEY" | "UNWRITABLE";

export class KeyFileError extends CodedError<KeyFileErrorCode> {
  override readonly name = "KeyFileError";
}

export function walletFromPrivateKey(privateKey: Uint8Array): WalletKey {
  const publicKey = publicKeyOf(privateKey);
  return { privateKey, publicKey, l1Address: labelAddress(`zkr wallet ${publicKey.x}:${publicKey.y}`) };
}

/**
 * Writes a new key file at `path`: refused if `path` exists (unless `force`) or is anything but a
 * regular file (a directory, a device, a FIFO: even with `force`), before any key is written. The key
 * goes to a temp file beside it (created exclusively, 0600), then takes its place; on any failure the
 * temp file is removed.
 */
export function createKeyFile(path: string, opts: { force?: boolean; privateKey?: Uint8Array } = {}): WalletKey {
  const existing = statOrUndefined(path);
  if (existing !== undefined && !existing.isFile()) throw new KeyFileError("NOT_A_FILE", `${path} exists and is not a regular file`);
  if (existing !== undefined && opts.force !== true) throw new KeyFileError("EXISTS", `${path} exists (use --force to replace it)`);
  const key = walletFromPrivateKey(opts.privateKey ?? newPrivateKey());
  const json: KeyFileJson = {
    version: 1,
    warning: "This file holds a private key. Anyone who reads it can spend this account.",
    privateKey: Buffer.from(key.privateKey).toString("hex"),
    publicKey: { x: key.publicKey.x.toString(), y: key.publicKey.y.toString() },
    l1Address: addressHex(key.l1Address),
  };
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (e) {
    throw new KeyFileError("UNWRITABLE", `cannot make the folder of ${path} (${(e as NodeJS.ErrnoException).code ?? "error"})`, { cause: e });
  }
  const tmp = tempPathFor(path);
  let written = false;
  try {
    // "wx": never through a file or link already there.
    writeFileSync(tmp, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    written = true;
    // Without --force, link (fails if the path appeared meanwhile) rather than rename over it.
    if (opts.force === true) renameSync(tmp, path);
    else {
      linkSync(tmp, path);
      unlinkSync(tmp);
    }
    written = false;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST" && written) throw new KeyFileError("EXISTS", `${path} exists (use --force to replace it)`, { cause: e });
    throw new KeyFileError("UNWRITABLE", `cannot write ${path} (${code ?? "error"})`, { cause: e });
  } finally {
    if (written) removeQuietly(tmp);
  }
  return key;
}

export function readKeyFile(path: string): WalletKey {
  let json: Partial<KeyFileJson>;
  try {
    const raw = readInputJson(path, "wallet file", MAX_KEY_FILE_BYTES);
    if (typeof raw !== "object" || raw === null) throw new KeyFileError("NOT_A_WALLET", `${path} is not a wallet file`);
    json = raw as Partial<KeyFileJson>;
  } catch (err) {
    if (err instanceof KeyFileError) throw err;
    if (err instanceof InputFileError && err.code === "NOT_FOUND") {
      throw new KeyFileError("NOT_FOUND", `no wallet at ${path} (zkr wallet create makes one)`, { cause: err });
    }
    if (err instanceof InputFileError && err.code === "NOT_A_FILE") throw new KeyFileError("NOT_A_FILE", err.message, { cause: err });
    throw new KeyFileError("NOT_A_WALLET", `${path} is not a wallet file`, { cause: err });
  }
  if (json.version !== 1 || typeof json.privateKey !== "string" || !/^[0-9a-f]{64}$/.test(json.privateKey)) {
    throw new KeyFileError("NOT_A_WALLET", `${path} is not a version 1 wallet file`);
  }
  const key = walletFromPrivateKey(new Uint8Array(Buffer.from(json.privateKey, "hex")));
  const pk: unknown = json.publicKey;
  if (pk !== undefined && (typeof pk !== "object" || pk === null || json.publicKey?.x !== key.publicKey.x.toString() || json.publicKey.y !== key.publicKey.y.toString())) {
    throw new KeyFileError("BAD_KEY", `${path}: the public key does not belong to the private key`);
  }
  if (!isFieldElement(key.publicKey.x)) throw new KeyFileError("BAD_KEY", `${path}: bad key`);
  return key;
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new KeyFileError("UNWRITABLE", `cannot inspect ${path} (${(e as NodeJS.ErrnoException).code ?? "error"})`, { cause: e });
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
