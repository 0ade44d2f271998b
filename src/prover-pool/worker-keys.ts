/**
 * A worker's proving keys, found by content hash: a job names its instance and the sha256 of its .zkey;
 * the worker looks among the key versions it has for that instance (build/<instance>/keys/<version>/,
 * src/artifacts/setup.ts) for one whose manifest names that hash, and checks the file's real hash once
 * before it trusts it. No match: the worker does not hold those keys and refuses the job.
 */
import { readdirSync, statSync } from "node:fs";
import { fileSha256 } from "../artifacts/files.ts";
import { keysDir, keyVersion } from "../artifacts/setup.ts";
import { findInstance, type CircuitInstance } from "../circuit/instances.ts";

export interface WorkerKeys {
  readonly instance: CircuitInstance;
  readonly version: string;
  readonly zkey: string;
  readonly wasm: string;
  readonly zkeySha256: string;
}

/** Verified hashes by zkey path, size and mtime: a replaced file is hashed again. */
const verified = new Map<string, string>();

export function findWorkerKeys(instanceName: string, zkeySha256: string): WorkerKeys | undefined {
  let instance: CircuitInstance;
  try {
    instance = findInstance(instanceName);
  } catch {
    return undefined;
  }
  let names: string[];
  try {
    names = readdirSync(keysDir(instance.name));
  } catch {
    return undefined;
  }
  for (const name of names) {
    const kv = keyVersion(instance.name, name);
    if (kv === undefined || kv.manifest.zkeySha256 !== zkeySha256 || kv.manifest.protocol !== "groth16") continue;
    const st = statSync(kv.zkey);
    const id = `${kv.zkey}:${st.size}:${st.mtimeMs}`;
    let real = verified.get(id);
    if (real === undefined) {
      real = fileSha256(kv.zkey);
      verified.set(id, real);
    }
    if (real !== zkeySha256) continue; // the manifest says so, the file does not: not these keys
    return { instance, version: kv.version, zkey: kv.zkey, wasm: kv.wasm, zkeySha256 };
  }
  return undefined;
}
