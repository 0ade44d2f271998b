// Parallel fixed-base scalar multiplication on BN254 (G1 and G2 generators).
//
// Every point of a development setup is k*G for a known scalar k, so instead
// of double-and-add (~254 doublings + ~127 additions) we precompute, per
// worker, the comb table T[j][d] = d * 2^(w*j) * G (d < 2^w) and get k*G as
// ceil(254/w) mixed Jacobian+affine additions, one per w-bit digit of k.
// The curve arithmetic is ffjavascript's own wasm (wasmcurves), instantiated
// once per worker thread, so results are bit-identical to what snarkjs writes:
// affine points, coordinates in Montgomery form, little endian ("LEM"), and
// the point at infinity as all-zero bytes.

import { Worker } from "node:worker_threads";
import os from "node:os";
import { buildBn128, type BnCurve } from "ffjavascript";

export type Group = "G1" | "G2";

/** Bytes of one affine LEM point. */
export const POINT_SIZE: Record<Group, number> = { G1: 64, G2: 128 };

/** Relative cost of one G2 addition vs. one G1 addition (measured). */
export const G2_WORK_FACTOR = 3;
const SCALAR_BITS = 254;

// Runs inside each worker (CommonJS, eval'd). Kept dependency-free: it only
// needs the wasm bytes and the generator offsets from the main thread.
const WORKER_SOURCE = String.raw`
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const memory = new WebAssembly.Memory({ initial: 64 });
const ex = new WebAssembly.Instance(new WebAssembly.Module(workerData.code), { env: { memory } }).exports;
let u8 = new Uint8Array(memory.buffer);
let u32 = new Uint32Array(memory.buffer);
// u32[0] is the wasm module's own free-memory pointer (used for scratch by batchToAffine).
let heap = (u32[0] + 63) & ~63;
const GROUPS = [
  { p: "g1m", f: "f1m", n8: 32, pGen: workerData.pG1gen },
  { p: "g2m", f: "f2m", n8: 64, pGen: workerData.pG2gen },
];
const tables = [null, null];

function ensure(end) {
  const have = memory.buffer.byteLength;
  if (end > have) {
    memory.grow(Math.ceil((end - have) / 65536));
    u8 = new Uint8Array(memory.buffer);
    u32 = new Uint32Array(memory.buffer);
  }
}
function alloc(bytes) {
  const p = heap;
  heap = (heap + bytes + 63) & ~63;
  ensure(heap);
  return p;
}
// batchToAffine(n) takes n*n8 bytes of scratch above u32[0], and its batchInverse (n+1)*n8 more.
function setFree(n, n8) { ensure(heap + (2 * n + 2) * n8 + 4096); u32[0] = heap; }

function buildTable(g, w) {
  const G = GROUPS[g], sA = G.n8 * 2, sJ = G.n8 * 3;
  const nW = Math.ceil(${SCALAR_BITS} / w), E = (1 << w) - 1;
  const addMixed = ex[G.p + "_addMixed"];
  const pTable = alloc(nW * E * sA);
  const mark = heap;
  const pBase = alloc(sA), pNext = alloc(sJ), pTmp = alloc(E * sJ);
  setFree(E, G.n8);
  ex[G.p + "_toAffine"](G.pGen, pBase);
  for (let j = 0; j < nW; j++) {
    // pTmp[d-1] = d * base, base = 2^(w*j) * G
    ex[G.p + "_toJacobian"](pBase, pTmp);
    for (let d = 1; d < E; d++) addMixed(pTmp + (d - 1) * sJ, pBase, pTmp + d * sJ);
    addMixed(pTmp + (E - 1) * sJ, pBase, pNext);
    ex[G.p + "_batchToAffine"](pTmp, E, pTable + j * E * sA);
    ex[G.p + "_toAffine"](pNext, pBase);
  }
  heap = mark;
  u32[0] = heap;
  tables[g] = { w, nW, E, pTable };
}

// Affine accumulators updated with batched affine additions: per window,
// all the slopes' denominators (xQ - xP) of a batch share one field inversion
// (Montgomery's trick), ~2x cheaper than Jacobian mixed additions.
function run(g, scalars) {
  const G = GROUPS[g], n8 = G.n8, sA = n8 * 2;
  const { w, nW, E, pTable } = tables[g];
  const F = G.f;
  const fSub = ex[F + "_sub"], fMul = ex[F + "_mul"], fSq = ex[F + "_square"];
  const fCopy = ex[F + "_copy"], fInv = ex[F + "_inverse"], fIsZero = ex[F + "_isZero"];
  const copyAffine = ex[G.p + "_copyAffine"];
  const n = scalars.byteLength >>> 5;
  const words = new Uint32Array(scalars.buffer, scalars.byteOffset, n * 8);
  const out = new Uint8Array(n * sA);
  const B = Math.min(n, 4096);
  const mark = heap;
  const pAcc = alloc(B * sA), pDx = alloc(B * n8), pPref = alloc(B * n8);
  const pInv = alloc(n8), pTi = alloc(n8), pLam = alloc(n8), pX3 = alloc(n8), pT = alloc(n8);
  const pJ = alloc(n8 * 3);
  setFree(B, n8);
  const act = new Int32Array(B), qs = new Int32Array(B), isZero = new Uint8Array(B);
  const mask = E;

  // Rare case (some xQ == xP, i.e. Q = +-P): redo the window with exact Jacobian formulas.
  function fallback(m) {
    for (let i = 0; i < m; i++) {
      const p = pAcc + act[i] * sA;
      ex[G.p + "_toJacobian"](p, pJ);
      ex[G.p + "_addMixed"](pJ, qs[i], pJ);
      ex[G.p + "_toAffine"](pJ, p);
      if (ex[G.p + "_isZeroAffine"](p)) isZero[act[i]] = 1;
    }
  }

  for (let b0 = 0; b0 < n; b0 += B) {
    const nb = Math.min(B, n - b0);
    u8.fill(0, pAcc, pAcc + nb * sA);
    isZero.fill(1);
    for (let j = 0; j < nW; j++) {
      const bit = j * w, wi = bit >>> 5, sh = bit & 31;
      const spill = sh + w > 32 && wi < 7;
      const tBase = pTable + (j * E - 1) * sA;
      let m = 0;
      for (let k = 0; k < nb; k++) {
        const o = (b0 + k) * 8 + wi;
        let d = words[o] >>> sh;
        if (spill) d |= words[o + 1] << (32 - sh);
        d &= mask;
        if (d === 0) continue;
        const q = tBase + d * sA, p = pAcc + k * sA;
        if (isZero[k]) {
          copyAffine(q, p);
          isZero[k] = 0;
          continue;
        }
        act[m] = k;
        qs[m] = q;
        const dx = pDx + m * n8;
        fSub(q, p, dx);
        if (m === 0) fCopy(dx, pPref);
        else fMul(pPref + (m - 1) * n8, dx, pPref + m * n8);
        m++;
      }
      if (m === 0) continue;
      if (fIsZero(pPref + (m - 1) * n8)) {
        fallback(m);
        continue;
      }
      fInv(pPref + (m - 1) * n8, pInv);
      for (let i = m - 1; i >= 0; i--) {
        const p = pAcc + act[i] * sA, q = qs[i];
        let invDx = pInv;
        if (i > 0) {
          fMul(pInv, pPref + (i - 1) * n8, pTi);
          fMul(pInv, pDx + i * n8, pInv);
          invDx = pTi;
        }
        // lambda = (yQ - yP)/(xQ - xP); x3 = lambda^2 - xP - xQ; y3 = lambda (xP - x3) - yP
        fSub(q + n8, p + n8, pLam);
        fMul(pLam, invDx, pLam);
        fSq(pLam, pX3);
        fSub(pX3, p, pX3);
        fSub(pX3, q, pX3);
        fSub(p, pX3, pT);
        fMul(pT, pLam, pT);
        fSub(pT, p + n8, p + n8);
        fCopy(pX3, p);
      }
    }
    out.set(u8.subarray(pAcc, pAcc + nb * sA), b0 * sA);
  }
  heap = mark;
  u32[0] = heap;
  return out;
}

parentPort.on("message", (msg) => {
  try {
    let tableMs = 0;
    if (!tables[msg.g] || tables[msg.g].w !== msg.w) {
      const t = performance.now();
      buildTable(msg.g, msg.w);
      tableMs = performance.now() - t;
    }
    const t = performance.now();
    const out = run(msg.g, msg.scalars);
    parentPort.postMessage({ id: msg.id, out, ms: performance.now() - t, tableMs }, [out.buffer]);
  } catch (e) {
    parentPort.postMessage({ id: msg.id, error: String((e && e.stack) || e) });
  }
});
`;

interface Job {
  id: number;
  g: 0 | 1;
  scalars: Uint8Array;
  work: number;
  resolve: (out: Uint8Array) => void;
  reject: (err: Error) => void;
}

interface WorkerReply {
  id: number;
  out?: Uint8Array;
  ms?: number;
  tableMs?: number;
  error?: string;
}

export interface FixedBaseStats {
  /** Worker busy time per group (ms, summed over workers). */
  busyMs: Record<Group, number>;
  /** Table precomputation time (ms, summed over workers). */
  tableMs: number;
  points: Record<Group, number>;
  threads: number;
  window: Record<Group, number>;
}

export interface FixedBaseOptions {
  /** Expected number of G1 / G2 multiplications (to size the comb window). */
  g1Points: number;
  g2Points: number;
  threads?: number;
  /** A single-threaded ffjavascript curve to take the wasm from (else one is built). */
  curve?: BnCurve;
  /** Called after each finished chunk with work done / queued, in G1-multiplication units. */
  onProgress?: (done: number, queued: number) => void;
}

/** Relative cost of one comb-table entry vs. one batched-affine addition. */
const TABLE_COST = 2.5;

/** Best comb window for m points per worker: minimise windows * (m + table cost). */
function pickWindow(m: number, maxW: number): number {
  let best = 4;
  let bestCost = Infinity;
  for (let w = 4; w <= maxW; w++) {
    const cost = Math.ceil(SCALAR_BITS / w) * (m + TABLE_COST * (1 << w));
    if (cost < bestCost) {
      bestCost = cost;
      best = w;
    }
  }
  return best;
}

export class FixedBaseEngine {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<Worker, Job>();
  private nextId = 0;
  private doneWork = 0;
  private queuedWork = 0;
  private closed = false;
  private readonly stats: FixedBaseStats;

  private constructor(
    code: Uint8Array,
    pG1gen: number,
    pG2gen: number,
    threads: number,
    private readonly windows: Record<Group, number>,
    private readonly onProgress: ((done: number, queued: number) => void) | undefined,
  ) {
    this.stats = {
      busyMs: { G1: 0, G2: 0 },
      tableMs: 0,
      points: { G1: 0, G2: 0 },
      threads,
      window: { ...windows },
    };
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { code, pG1gen, pG2gen } });
      worker.on("message", (reply: WorkerReply) => this.onReply(worker, reply));
      worker.on("error", (err: Error) => this.onWorkerError(worker, err));
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  static async create(opts: FixedBaseOptions): Promise<FixedBaseEngine> {
    const threads = Math.max(1, opts.threads ?? os.availableParallelism());
    // Only the wasm bytes and generator offsets are needed from ffjavascript.
    const curve = opts.curve ?? (await buildBn128(true));
    const code = curve.tm.code.slice();
    const { pG1gen, pG2gen } = curve.tm;
    if (!opts.curve) await curve.terminate();
    const windows: Record<Group, number> = {
      G1: pickWindow(Math.ceil(opts.g1Points / threads), 16),
      G2: pickWindow(Math.ceil(opts.g2Points / threads), 15),
    };
    return new FixedBaseEngine(code, pG1gen, pG2gen, threads, windows, opts.onProgress);
  }

  getStats(): FixedBaseStats {
    return {
      ...this.stats,
      busyMs: { ...this.stats.busyMs },
      points: { ...this.stats.points },
      window: { ...this.stats.window },
    };
  }

  /**
   * Multiplies the generator of `group` by each 32-byte little-endian scalar
   * (standard form, < r) in `scalars`; returns the affine LEM points in order.
   * Calls may overlap; all chunks share one FIFO over the worker pool.
   */
  async mul(group: Group, scalars: Uint8Array): Promise<Uint8Array> {
    if (this.closed) throw new Error("FixedBaseEngine is closed");
    const n = scalars.byteLength / 32;
    if (!Number.isInteger(n)) throw new Error("scalars must be 32-byte words");
    const size = POINT_SIZE[group];
    const out = new Uint8Array(n * size);
    const chunk = group === "G1" ? 8192 : 2048;
    const parts: Promise<void>[] = [];
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk);
      // Copy so the worker gets an aligned, transferable buffer of its own.
      const slice = scalars.slice(start * 32, end * 32);
      parts.push(this.submit(group, slice).then((pts) => out.set(pts, start * size)));
    }
    await Promise.all(parts);
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new Error("FixedBaseEngine closed");
    for (const job of this.queue.splice(0)) job.reject(err);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private submit(group: Group, scalars: Uint8Array): Promise<Uint8Array> {
    const n = scalars.byteLength / 32;
    const work = group === "G1" ? n : n * G2_WORK_FACTOR;
    this.queuedWork += work;
    this.stats.points[group] += n;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, g: group === "G1" ? 0 : 1, scalars, work, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop() as Worker;
      const job = this.queue.shift() as Job;
      this.running.set(worker, job);
      const w = job.g === 0 ? this.windows.G1 : this.windows.G2;
      const msg = { id: job.id, g: job.g, w, scalars: job.scalars };
      worker.postMessage(msg, [job.scalars.buffer as ArrayBuffer]);
    }
  }

  private onReply(worker: Worker, reply: WorkerReply): void {
    const job = this.running.get(worker);
    this.running.delete(worker);
    this.idle.push(worker);
    if (job) {
      if (reply.error !== undefined || !reply.out) {
        job.reject(new Error(`fixed-base worker failed: ${reply.error ?? "no output"}`));
      } else {
        this.stats.busyMs[job.g === 0 ? "G1" : "G2"] += reply.ms ?? 0;
        this.stats.tableMs += reply.tableMs ?? 0;
        this.doneWork += job.work;
        this.onProgress?.(this.doneWork, this.queuedWork);
        job.resolve(reply.out);
      }
    }
    if (!this.closed) this.pump();
  }

  private onWorkerError(worker: Worker, err: Error): void {
    this.running.get(worker)?.reject(err);
    this.running.delete(worker);
    // A crashed worker is not reused; if none is left, fail whatever is queued.
    for (const list of [this.workers, this.idle]) {
      const i = list.indexOf(worker);
      if (i >= 0) list.splice(i, 1);
    }
    if (this.workers.length === 0) for (const job of this.queue.splice(0)) job.reject(err);
  }
}
