import { closeSync, mkdirSync, openSync, realpathSync, statfsSync, statSync, unlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { tempPathFor } from "../artifacts/files.ts";
import { NodeError } from "./errors.ts";

/** Pseudo file systems a data directory can never live on (LevelDB would fail or hang there). */
const PSEUDO_ROOTS = ["/proc", "/sys", "/dev"];
/** Real (tmpfs) folders under those roots. */
const ALLOWED_UNDER_PSEUDO = ["/dev/shm"];
/** statfs magic numbers of procfs and sysfs. */
const PSEUDO_FS_TYPES = new Set([0x9fa0, 0x62656572]);

/**
 * Makes sure `dir` is a directory this process can write, creating it if needed, before a node
 * starts in it. Refused with NodeError BAD_DATA_DIR (one line, exit 2 from the CLI): a path on /proc,
 * /sys or /dev, an existing file (or a file where a parent folder should be), a directory that cannot
 * be created or written (EACCES, EROFS). Writing is tried for real (a probe file), so a read-only mount
 * is caught too, not only permission bits.
 */
export function prepareDataDir(path: string): string {
  const dir = resolve(path);
  const refuse = (why: string, cause?: unknown): never => {
    throw new NodeError("BAD_DATA_DIR", `data directory ${dir} ${why}`, cause === undefined ? undefined : { cause });
  };
  const real = realOfNearestExisting(dir);
  const under = (root: string) => real === root || real.startsWith(`${root}/`);
  if ((PSEUDO_ROOTS.some(under) && !ALLOWED_UNDER_PSEUDO.some(under)) || onPseudoFs(real)) {
    refuse("is on a pseudo file system (/proc, /sys, /dev)");
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    refuse(`cannot be created (${errCode(err)})`, err);
  }
  if (!statSync(dir).isDirectory()) refuse("is not a directory");
  const probe = tempPathFor(join(dir, ".write-probe"));
  try {
    closeSync(openSync(probe, "wx"));
    unlinkSync(probe);
  } catch (err) {
    refuse(`cannot be written (${errCode(err)})`, err);
  }
  return dir;
}

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}

/** The real path of `dir`, or of its nearest existing ancestor (symbolic links resolved). */
function realOfNearestExisting(dir: string): string {
  for (let p = dir; ; p = dirname(p)) {
    try {
      const real = realpathSync(p);
      return p === dir ? real : join(real, dir.slice(p.length));
    } catch {
      if (dirname(p) === p) return dir;
    }
  }
}

function onPseudoFs(path: string): boolean {
  for (let p = path; ; p = dirname(p)) {
    try {
      return PSEUDO_FS_TYPES.has(Number(statfsSync(p).type));
    } catch {
      if (dirname(p) === p) return false;
    }
  }
}
