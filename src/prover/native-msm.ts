// The prover's native addon (native/addon.c: the multi-scalar multiplication of msm.c, the FFTs and QAP
// step of fft.c), compiled on demand with the machine's C compiler into build/native/ and loaded as a
// Node-API addon. Nothing is downloaded: the C source is in the repository, the compiler and Node's
// headers are the machine's (node-gyp uses the same headers).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { dirname, join, resolve } from "node:path";
import { contentHash, tempPathFor } from "../artifacts/files.ts";
import { CodedError } from "../errors.ts";
import { BUILD_DIR } from "../paths.ts";

const NATIVE_DIR = resolve(import.meta.dirname, "native");
/** The one translation unit; it includes the other .c and .h files of native/ (all of them are hashed). */
const SOURCE = join(NATIVE_DIR, "addon.c");
// -march=native: the addon is built on the machine that runs it (the CPU model is in the cache key).
const FLAGS = ["-O3", "-march=native", "-shared", "-fPIC", "-std=gnu11"];

export class NativeMsmError extends CodedError<"NATIVE_MSM_UNAVAILABLE" | "NATIVE_MSM_FAILED"> {}

/** An FFT domain of the addon (twiddles, coset factors and, once set, a zkey's A/B coefficients). */
export type NativeFftDomain = { readonly __nativeFftDomain: unique symbol };

/** FFT modes of NativeAddon.fft. */
export const FFT_MODE = { forward: 0, inverse: 1, coset: 2 } as const;

/**
 * The addon (see native/addon.c). Field elements are 32-byte little-endian, Montgomery form (R = 2^256) as
 * ffjavascript's Fr buffers, except the witness and H's scalars, which are standard form.
 */
export interface NativeAddon {
  /** Σ scalar_i · base_i in G1 (group 1) or G2 (group 2), in ffjavascript's byte layout (see native/msm.c). */
  msm(group: 1 | 2, bases: Uint8Array, scalars: Uint8Array, threads: number): Uint8Array;
  /** A domain of 2^power points: omega its primitive root, shift the coset generator (ffjavascript's Fr.w[power] and H's coset). */
  fftDomain(power: number, omega: Uint8Array, shift: Uint8Array, threads: number): NativeFftDomain;
  /** Sets the A/B coefficients (zkey section 4, count included) the QAP step reads. */
  qapCoefficients(domain: NativeFftDomain, section4: Uint8Array, nVars: number): void;
  /** FFT (mode 0), inverse FFT (1) or coset evaluation (2: inverse FFT, times shift^i, FFT), natural order. */
  fft(domain: NativeFftDomain, values: Uint8Array, mode: 0 | 1 | 2, threads: number): Uint8Array;
  /**
   * H's scalars (standard form): A·w, B·w, C = A∘B, each to the coset, then A·B − C. With times (2
   * entries), the seconds of A·w, B·w, C and of the rest (the FFTs and A·B − C) are written into it.
   */
  qap(domain: NativeFftDomain, witness: Uint8Array, times?: Float64Array): Uint8Array;
  /**
   * The field code elementwise (for tests): field 0 is Fq (the curve's base field), 1 is Fr; op 0 a + b,
   * 1 a − b, 2 a·b, 3 1/a (b ignored). Inputs and output are Montgomery form, 32 bytes an element.
   */
  fieldOp(field: 0 | 1, op: 0 | 1 | 2 | 3, a: Uint8Array, b: Uint8Array): Uint8Array;
  /** The Montgomery multiplication this build uses: mulx/adcx/adox or portable C. */
  readonly mul: "adx" | "portable";
}

/** The addon's former name (when it held the MSM only). */
export type NativeMsm = NativeAddon;

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

const loaded = new Map<string, NativeAddon>();

/** The CPU's feature flags (Linux), so that a -march=native build is never reused on a CPU without them. */
function cpuFlags(): string {
  try {
    return /^flags\s*:(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim() ?? "";
  } catch {
    return "";
  }
}

/**
 * Builds (once per source, compiler, Node ABI and CPU; cached in build/native/) and loads the addon.
 * Throws NATIVE_MSM_UNAVAILABLE with the reason when this machine cannot build it. With portable, the
 * build keeps the portable C Montgomery multiplication even where mulx/adcx/adox exist (tests compare both).
 */
export function loadNativeMsm(log: (m: string) => void = () => {}, options: { readonly portable?: boolean } = {}): NativeAddon {
  const variant = options.portable === true ? "portable" : "native";
  const cached = loaded.get(variant);
  if (cached !== undefined) return cached;
  const tc = nativeMsmToolchain();
  if ("missing" in tc) throw new NativeMsmError("NATIVE_MSM_UNAVAILABLE", `native MSM unavailable: ${tc.missing}`);
  const flags = options.portable === true ? [...FLAGS, "-DZKR_PORTABLE"] : FLAGS;
  const sources = readdirSync(NATIVE_DIR).filter((f) => f.endsWith(".c") || f.endsWith(".h")).map((f) => join(NATIVE_DIR, f));
  const key = contentHash(NATIVE_DIR, sources, [tc.version, ...flags, process.versions.modules, process.arch, cpus()[0]?.model ?? "?", cpuFlags()]).slice(0, 12);
  const addon = join(BUILD_DIR, "native", `addon-${key}`, "prover.node");
  if (!existsSync(addon)) {
    log(`native prover addon: compiling ${SOURCE} with ${tc.version}${options.portable === true ? " (portable multiplication)" : ""} ...`);
    mkdirSync(dirname(addon), { recursive: true });
    const tmp = tempPathFor(addon);
    try {
      execFileSync(tc.compiler, [...flags, `-I${tc.include}`, "-o", tmp, SOURCE, "-lpthread"], { stdio: ["ignore", "ignore", "pipe"] });
    } catch (err) {
      rmSync(tmp, { force: true });
      const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim().split("\n")[0] ?? String(err);
      throw new NativeMsmError("NATIVE_MSM_UNAVAILABLE", `native MSM did not compile: ${stderr}`, { cause: err });
    }
    // Rename into place, so an interrupted build never looks finished.
    renameSync(tmp, addon);
  }
  const mod = createRequire(import.meta.url)(addon) as NativeAddon;
  loaded.set(variant, mod);
  return mod;
}
