import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { CodedError } from "../errors.ts";

export type InputFileErrorCode = "NOT_FOUND" | "NOT_A_FILE" | "TOO_LARGE" | "UNREADABLE";

/** A file named by a user (CLI flag, batch folder, wallet) that cannot be read as input: exit 2. */
export class InputFileError extends CodedError<InputFileErrorCode> {
  override readonly name = "InputFileError";
}

/**
 * Reads a user-named input file: only a regular file, at most `maxBytes`. The file is opened with
 * O_NONBLOCK and checked with fstat on the open descriptor, so a FIFO, a device (/dev/zero,
 * /dev/urandom), a directory or a /proc entry is refused at once instead of hanging or exhausting memory.
 */
export function readInputFile(path: string, what: string, maxBytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new InputFileError("NOT_FOUND", `${what} ${path} does not exist`, { cause: e });
    throw new InputFileError("UNREADABLE", `${what} ${path} cannot be opened (${code ?? "error"})`, { cause: e });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new InputFileError("NOT_A_FILE", `${what} ${path} is not a regular file`);
    // /proc and /sys files report size 0 but are not real files of that size: refuse them too.
    if (path.startsWith("/proc/") || path.startsWith("/sys/")) {
      throw new InputFileError("NOT_A_FILE", `${what} ${path} is not a regular file`);
    }
    if (st.size > maxBytes) {
      throw new InputFileError("TOO_LARGE", `${what} ${path} is ${st.size} bytes, more than the ${maxBytes} allowed`);
    }
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return off === st.size ? buf : buf.subarray(0, off);
  } catch (e) {
    if (e instanceof InputFileError) throw e;
    throw new InputFileError("UNREADABLE", `${what} ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`, { cause: e });
  } finally {
    closeSync(fd);
  }
}

/** readInputFile, decoded as UTF-8 JSON; malformed JSON is an input error too. */
export function readInputJson(path: string, what: string, maxBytes: number): unknown {
  const text = readInputFile(path, what, maxBytes).toString("utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new InputFileError("UNREADABLE", `${what} ${path} is not valid JSON`, { cause: e });
  }
}
