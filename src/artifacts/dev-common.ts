// Pieces shared by the development zkey and ptau writers.

import { ChaCha, type BnCurve, type PointBuffer } from "ffjavascript";
import type { FixedBaseStats } from "./dev-fixed-base.ts";

export interface DevSetupTimings {
  /** Reading/parsing the input. */
  readMs: number;
  /** Main-thread field arithmetic (Lagrange evaluations, linear combinations, packing). */
  scalarsMs: number;
  /** Comb-table precomputation, wall-clock equivalent (worker time / threads). */
  tablesMs: number;
  /** Fixed-base multiplications, wall-clock equivalent (worker time / threads). */
  g1MulMs: number;
  g2MulMs: number;
  /** Time spent in file writes (and read-backs for hashing). */
  writeMs: number;
  totalMs: number;
  threads: number;
  g1Points: number;
  g2Points: number;
}

export function makeTimings(
  stats: FixedBaseStats,
  parts: { readMs: number; scalarsMs: number; writeMs: number; totalMs: number },
): DevSetupTimings {
  return {
    ...parts,
    tablesMs: stats.tableMs / stats.threads,
    g1MulMs: stats.busyMs.G1 / stats.threads,
    g2MulMs: stats.busyMs.G2 / stats.threads,
    threads: stats.threads,
    g1Points: stats.points.G1,
    g2Points: stats.points.G2,
  };
}

/** Progress callback for FixedBaseEngine logging every 10% of `totalWork`. */
export function decileLogger(
  prefix: string,
  totalWork: number,
  log: (msg: string) => void,
): (done: number) => void {
  let last = 0;
  return (done) => {
    const decile = Math.floor((10 * done) / totalWork);
    if (decile > last) {
      last = decile;
      log(`${prefix}: curve points ${Math.min(100, decile * 10)}%`);
    }
  };
}

/** Accumulates the wall time of synchronous main-thread work. */
export class Stopwatch {
  ms = 0;
  time<T>(f: () => T): T {
    const t = performance.now();
    try {
      return f();
    } finally {
      this.ms += performance.now() - t;
    }
  }
}

/** snarkjs keypair.js hashToG2: ChaCha seeded with the first 8 big-endian u32 words of the hash. */
export function hashToG2(curve: BnCurve, hash: Uint8Array): PointBuffer {
  const view = new DataView(hash.buffer, hash.byteOffset, hash.byteLength);
  const seed = Array.from({ length: 8 }, (_, i) => view.getUint32(i * 4));
  return curve.G2.fromRng(new ChaCha(seed));
}

export function uncompressed(curve: BnCurve, group: "G1" | "G2", p: PointBuffer): Uint8Array {
  const buf = new Uint8Array(group === "G1" ? 64 : 128);
  curve[group].toRprUncompressed(buf, 0, p);
  return buf;
}

export function lem(curve: BnCurve, group: "G1" | "G2", p: PointBuffer): Uint8Array {
  const buf = new Uint8Array(group === "G1" ? 64 : 128);
  curve[group].toRprLEM(buf, 0, p);
  return buf;
}

/** Contribution parameter list with just a name (type 1), as snarkjs writes it. */
export function nameParams(name: string): Uint8Array {
  const bytes = new TextEncoder().encode(name).subarray(0, 64);
  return new Uint8Array([1, bytes.byteLength, ...bytes]);
}
