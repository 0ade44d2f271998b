import { accessSync, constants, statSync, type Stats } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import { CodedError } from "../errors.ts";

export type OutputPathErrorCode = "NO_PARENT" | "NOT_A_FILE" | "NOT_A_DIRECTORY" | "BAD_EXTENSION" | "UNWRITABLE";

/** An output path named by a user (CLI flag) that the command could not write to: exit 2, before any work. */
export class OutputPathError extends CodedError<OutputPathErrorCode> {
  override readonly name = "OutputPathError";
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    // ENOTDIR: a component of the path is a file.
    if (code === "ENOTDIR") throw new OutputPathError("NOT_A_DIRECTORY", `${path}: a parent of it is not a directory`, { cause: e });
    throw new OutputPathError("UNWRITABLE", `${path} cannot be inspected (${code ?? "error"})`, { cause: e });
  }
}

function requireWritable(path: string, what: string): void {
  try {
    accessSync(path, constants.W_OK);
  } catch (e) {
    throw new OutputPathError("UNWRITABLE", `${what}: ${path} is not writable`, { cause: e });
  }
}

/**
 * Checks, before any work, that a file can be written at `path`: its extension is one of
 * `extensions` (lower case, with the dot), its parent directory exists, and the path is not an
 * existing directory, device or FIFO. Returns the extension.
 */
export function checkOutputFile<E extends string>(path: string, what: string, extensions: readonly E[]): E {
  const ext = extensions.find((e) => extname(path).toLowerCase() === e);
  if (ext === undefined) throw new OutputPathError("BAD_EXTENSION", `${what}: ${path} must end in ${extensions.join(" or ")}`);
  const parent = dirname(resolve(path));
  const p = statOrUndefined(parent);
  if (p === undefined) throw new OutputPathError("NO_PARENT", `${what}: the directory ${parent} does not exist`);
  if (!p.isDirectory()) throw new OutputPathError("NOT_A_DIRECTORY", `${what}: ${parent} is not a directory`);
  const target = statOrUndefined(path);
  if (target !== undefined && !target.isFile()) throw new OutputPathError("NOT_A_FILE", `${what}: ${path} exists and is not a regular file`);
  requireWritable(target === undefined ? parent : path, what);
  return ext;
}

/**
 * Checks, before any work, that `path` can serve as an output directory: an existing directory, or
 * a path whose nearest existing ancestor is a directory (it will be created).
 */
export function checkOutputDir(path: string, what: string): void {
  let at = resolve(path);
  for (;;) {
    const st = statOrUndefined(at);
    if (st !== undefined) {
      if (!st.isDirectory()) {
        throw new OutputPathError("NOT_A_DIRECTORY", at === resolve(path) ? `${what}: ${path} exists and is not a directory` : `${what}: ${at} (in ${path}) is not a directory`);
      }
      requireWritable(at, what);
      return;
    }
    const up = dirname(at);
    if (up === at) throw new OutputPathError("NO_PARENT", `${what}: no directory above ${path} exists`);
    at = up;
  }
}
