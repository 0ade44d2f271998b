// The native multi-scalar multiplication (native/msm.c), compiled on demand with the machine's C
// compiler into build/native/ and loaded as a Node-API addon. Nothing is downloaded: the C source is in
// the repository, the compiler and Node's headers are the machine's (node-gyp uses the same headers).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { dirname, join, resolve } from "node:path";
import { contentHash } from "../artifacts/files.ts";
import { CodedError } from "../errors.ts";
import { BUILD_DIR } from "../paths.ts";

const SOURCE = resolve(import.meta.dirname, "native", "msm.c");
// -march=native: the addon is built on the machine that runs it (the CPU model is in the cache key).
const FLAGS = ["-O3", "-march=native", "-shared", "-fPIC", "-std=gnu11"];

export class NativeMsmError extends CodedError<"NATIVE_MSM_UNAVAILABLE" | "NATIVE_MSM_FAILED"> {}

/** Σ scalar_i · base_i in G1 (group 1) or G2 (group 2), in ffjavascript's byte layout (see native/msm.c). */
export interface NativeMsm {
  msm(group: 1 | 2, bases: Uint8Array, scalars: Uint8Array, threads: number): Uint8Array;
}

interface Toolchain {
  readonly compiler: string;
  readonly version: string;
  readonly include: string;
}

/** The C compiler (CC, else cc) and Node's own headers (node_api.h), or why the native MSM cannot be built here. */
export function nativeMsmToolchain(): Toolchain | { readonly missing: string } {
  const compiler = process.env["CC"] ?? "cc";
  let version: string;
  try {
    version = execFileSync(compiler, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split("\n")[0] ?? "";
  } catch {
    return { missing: `no C compiler (${compiler}); install gcc` };
  }
  const candidates = [
    process.env["npm_config_nodedir"],
    resolve(dirname(process.execPath), ".."), // a Node install prefix: <prefix>/include/node
    "/usr",
    "/usr/local",
  ].filter((d): d is string => d !== undefined && d !== "");
  const include = candidates.map((d) => join(d, "include", "node")).find((d) => existsSync(join(d, "node_api.h")));
  if (include === undefined) return { missing: "Node's headers (include/node/node_api.h) not found; set npm_config_nodedir" };
  return { compiler, version, include };
}

let loaded: NativeMsm | undefined;

/**
 * Builds (once per source, compiler, Node ABI and CPU; cached in build/native/) and loads the addon.
 * Throws NATIVE_MSM_UNAVAILABLE with the reason when this machine cannot build it.
 */
export function loadNativeMsm(log: (m: string) => void = () => {}): NativeMsm {
  if (loaded !== undefined) return loaded;
  const tc = nativeMsmToolchain();
  if ("missing" in tc) throw new NativeMsmError("NATIVE_MSM_UNAVAILABLE", `native MSM unavailable: ${tc.missing}`);
  const key = contentHash(dirname(SOURCE), [SOURCE], [tc.version, ...FLAGS, process.versions.modules, process.arch, cpus()[0]?.model ?? "?"]).slice(0, 12);
  const addon = join(BUILD_DIR, "native", `msm-${key}`, "msm.node");
  if (!existsSync(addon)) {
    log(`native MSM: compiling ${SOURCE} with ${tc.version} ...`);
    mkdirSync(dirname(addon), { recursive: true });
    const tmp = `${addon}.${process.pid}.build`;
    try {
      execFileSync(tc.compiler, [...FLAGS, `-I${tc.include}`, "-o", tmp, SOURCE, "-lpthread"], { stdio: ["ignore", "ignore", "pipe"] });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim().split("\n")[0] ?? String(err);
      throw new NativeMsmError("NATIVE_MSM_UNAVAILABLE", `native MSM did not compile: ${stderr}`, { cause: err });
    }
    // Rename into place, so an interrupted build never looks finished.
    renameSync(tmp, addon);
  }
  const mod = createRequire(import.meta.url)(addon) as NativeMsm;
  loaded = mod;
  return mod;
}
