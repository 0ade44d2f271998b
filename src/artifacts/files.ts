import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  linkSync,
  copyFileSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative } from "node:path";

/**
 * A temp name beside `path`, unique per process and per call: `<path>.zkr-<pid>-<random>.tmp`.
 * The pid lets a later run tell a dead process's leftovers from a live one's (cleanStaleTemps);
 * the random part keeps two writers in one process (or a reused pid) apart.
 */
export function tempPathFor(path: string): string {
  return `${path}.zkr-${process.pid}-${randomBytes(6).toString("hex")}.tmp`;
}

/** Writes via a unique temp file and a rename, so a killed build never leaves a half-written file. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Moves every file of the folder `from` onto the same relative path under `to`, one rename per file:
 * each file under `to` is at every moment either its old or its new version, never missing (a reader
 * holding a path into `to` keeps working). Files only in `to` stay; `from` is removed.
 */
export function replaceTreeFiles(from: string, to: string): void {
  for (const entry of readdirSync(from)) {
    const src = join(from, entry);
    const dst = join(to, entry);
    if (lstatSync(src).isDirectory()) {
      mkdirSync(dst, { recursive: true });
      replaceTreeFiles(src, dst);
    } else {
      mkdirSync(to, { recursive: true });
      renameSync(src, dst);
    }
  }
  rmSync(from, { recursive: true, force: true });
}

/** A hard link if the file system allows one (immutable artifacts share their bytes), else a copy. */
export function linkOrCopy(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/** Whether a process with this id exists (EPERM: it exists but belongs to someone else). */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Temp names this code writes now (`.zkr-PID-RAND.tmp…`) and wrote before (`.tmp-PID`, `.PID.tmp…`). */
const TEMP_WITH_PID = [/\.zkr-(\d+)-[0-9a-f]+\.tmp/, /\.tmp-(\d+)$/, /\.(\d+)\.tmp(\.tmp|\.0)?$/];
/** Temp names without a pid (snarkjs-style `<file>.tmp`, an old `<zkey>.tmp.0`). */
const TEMP_WITHOUT_PID = /\.tmp(\.\d+)?$/;

/** Leftovers of a live process are kept this long at most (its pid may have been reused). */
export const STALE_TEMP_MS = 24 * 3600 * 1000;

/**
 * Removes the temp files and folders directly in `dir` that an interrupted run left: those named with
 * a pid that is no longer alive, and any temp older than `maxAgeMs`. Returns what it removed. Temps of
 * a live process (a concurrent setup) are left alone.
 */
export function cleanStaleTemps(dir: string, maxAgeMs = STALE_TEMP_MS): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  const now = Date.now();
  for (const entry of entries) {
    const withPid = TEMP_WITH_PID.map((re) => re.exec(entry)).find((m) => m !== null);
    if (withPid === undefined && !TEMP_WITHOUT_PID.test(entry)) continue;
    const path = join(dir, entry);
    let mtimeMs: number;
    try {
      mtimeMs = lstatSync(path).mtimeMs;
    } catch {
      continue;
    }
    const dead = withPid?.[1] !== undefined && !processAlive(Number(withPid[1]));
    if (dead || now - mtimeMs > maxAgeMs) {
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    }
  }
  return removed;
}

/** sha256 over the named files' relative paths and contents plus extra strings: the cache key of a build step. */
export function contentHash(root: string, files: readonly string[], extra: readonly string[]): string {
  const h = createHash("sha256");
  for (const f of [...files].sort()) {
    h.update(relative(root, f)).update("\0").update(readFileSync(f)).update("\0");
  }
  for (const e of extra) h.update(e).update("\0");
  return h.digest("hex");
}

export function filesUnder(dir: string, suffix: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p, suffix));
    else if (p.endsWith(suffix)) out.push(p);
  }
  return out;
}

/** sha256 of a file, read in chunks (a ptau or zkey can be larger than a Buffer may be). */
export function fileSha256(path: string): string {
  const fd = openSync(path, "r");
  try {
    return fdSha256(fd);
  } finally {
    closeSync(fd);
  }
}

/** sha256 of everything an open file holds, read from offset 0 in chunks. */
export function fdSha256(fd: number): string {
  const h = createHash("sha256");
  const buf = Buffer.alloc(1 << 22);
  let pos = 0;
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n === 0) break;
    h.update(buf.subarray(0, n));
    pos += n;
  }
  return h.digest("hex");
}
