// Parallel fixed-base scalar multiplication on BN254 (G1 and G2 generators).
//
// Every point of a development setup is k*G for a known scalar k, so instead
// of double-and-add (~254 doublings + ~127 additions, ~200 us in G1) we use a
// comb table T[j][d] = d * 2^(w*j) * G (0 < d < 2^w, built once, shared by the
// workers) and get k*G as ceil(254/w) additions, one per w-bit digit of k.
// The additions are affine and batched over thousands of scalars so that they
// share one field inversion (Montgomery's trick): ~10 us per G1 point and
// ~35 us per G2 point per core with w = 15.
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

/** Relative cost of one G2 vs. one G1 multiplication (measured ~35 us vs ~10 us). */
export const G2_WORK_FACTOR = 3.4;
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
// Some wasm helpers (batchToAffine/batchInverse) take scratch above u32[0]:
// keep it past our allocations, with room for batches of n elements.
function setFree(n, n8) { ensure(heap + (2 * n + 2) * n8 + 4096); u32[0] = heap; }

function tableOf(g, w) {
  if (!tables[g] || tables[g].w !== w) {
    const nW = Math.ceil(${SCALAR_BITS} / w), E = (1 << w) - 1;
    tables[g] = { w, nW, E, pTable: alloc(nW * E * GROUPS[g].n8 * 2) };
  }
  return tables[g];
}

// Scratch for batchAdd, sized for batches of up to n additions.
function scratch(n8, n) {
  return {
    pDx: alloc(n * n8), pPref: alloc(n * n8), pInv: alloc(n8), pTi: alloc(n8),
    pLam: alloc(n8), pX3: alloc(n8), pT: alloc(n8), pJ: alloc(n8 * 3),
  };
}

// R_i = P_i + Q_i (i < m) for affine points at ps[i], qs[i], written to rs[i]
// (rs[i] may be ps[i]; Q_i must not be zero). All slopes' denominators
// share one field inversion (Montgomery's trick): ~6 multiplications per
// addition instead of ~11 for a Jacobian mixed addition. Returns false when
// some R_i is the point at infinity (only possible via Q = -P).
function batchAdd(G, S, m, ps, qs, rs) {
  const n8 = G.n8, F = G.f;
  const fSub = ex[F + "_sub"], fMul = ex[F + "_mul"], fSq = ex[F + "_square"], fCopy = ex[F + "_copy"];
  const { pDx, pPref, pInv, pTi, pLam, pX3, pT, pJ } = S;
  for (let i = 0; i < m; i++) {
    const dx = pDx + i * n8;
    fSub(qs[i], ps[i], dx);
    if (i === 0) fCopy(dx, pPref);
    else fMul(pPref + (i - 1) * n8, dx, pPref + i * n8);
  }
  if (ex[F + "_isZero"](pPref + (m - 1) * n8)) {
    // Some xQ == xP (Q = +-P): exact Jacobian formulas for this batch (rare).
    let allNonZero = true;
    for (let i = 0; i < m; i++) {
      ex[G.p + "_toJacobian"](ps[i], pJ);
      ex[G.p + "_addMixed"](pJ, qs[i], pJ);
      ex[G.p + "_toAffine"](pJ, rs[i]);
      if (ex[G.p + "_isZeroAffine"](rs[i])) allNonZero = false;
    }
    return allNonZero;
  }
  ex[F + "_inverse"](pPref + (m - 1) * n8, pInv);
  for (let i = m - 1; i >= 0; i--) {
    const p = ps[i], q = qs[i], r = rs[i];
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
    fSub(pT, p + n8, r + n8);
    fCopy(pX3, r);
  }
  return true;
}

// Builds the table windows j = part, part + parts, ... (window j holds
// d * B for d = 1..E, B = 2^(w*j) * G) and publishes them in the shared buffer.
// Entries [2^k, 2^(k+1)) are one batch: T[2^k + i] = T[2^k] + T[i].
function buildWindows(g, w, part, parts, sab) {
  const G = GROUPS[g], sA = G.n8 * 2;
  const { nW, E, pTable } = tableOf(g, w);
  const mark = heap;
  const half = (E + 1) >>> 1;
  const S = scratch(G.n8, half);
  setFree(half, G.n8);
  const ps = new Int32Array(half), qs = new Int32Array(half), rs = new Int32Array(half);
  const shared = new Uint8Array(sab);
  for (let j = part; j < nW; j += parts) {
    const T = pTable + (j * E - 1) * sA; // T + d*sA is entry d
    ex[G.p + "_copy"](G.pGen, S.pJ);
    for (let k = 0; k < w * j; k++) ex[G.p + "_double"](S.pJ, S.pJ);
    ex[G.p + "_toAffine"](S.pJ, T + sA);
    for (let pow = 1; pow < half; pow <<= 1) {
      // T[2 pow] = 2 T[pow], then T[2 pow + i] = T[2 pow] + T[i] for 0 < i < 2 pow.
      ex[G.p + "_doubleAffine"](T + pow * sA, S.pJ);
      ex[G.p + "_toAffine"](S.pJ, T + 2 * pow * sA);
      const m = Math.min(2 * pow - 1, E - 2 * pow);
      for (let i = 0; i < m; i++) {
        ps[i] = T + (i + 1) * sA;
        qs[i] = T + 2 * pow * sA;
        rs[i] = T + (2 * pow + i + 1) * sA;
      }
      if (m > 0) batchAdd(G, S, m, ps, qs, rs);
    }
    const pWin = T + sA;
    shared.set(u8.subarray(pWin, pWin + E * sA), j * E * sA);
  }
  heap = mark;
  u32[0] = heap;
}

// Cooperative table build: build our share, then wait (on a shared counter,
// without a round trip through the main thread) until every worker has
// published its share, and copy the whole table into our wasm memory.
function buildSharedTable(g, w, part, parts, sab, sync) {
  const state = new Int32Array(sync); // [0]: shares published, [1]: a builder failed
  try {
    buildWindows(g, w, part, parts, sab);
  } catch (e) {
    Atomics.store(state, 1, 1);
    Atomics.notify(state, 0);
    throw e;
  }
  Atomics.add(state, 0, 1);
  Atomics.notify(state, 0);
  for (let seen = Atomics.load(state, 0); seen < parts; seen = Atomics.load(state, 0)) {
    if (Atomics.load(state, 1)) throw new Error("another worker failed to build its table share");
    Atomics.wait(state, 0, seen, 1000);
  }
  const { pTable } = tableOf(g, w);
  u8.set(new Uint8Array(sab), pTable);
}

// Affine accumulators, one batched addition per window:
// acc_k += T[j][digit_j(k)] for all k of a batch whose digit is non-zero.
function run(g, scalars) {
  const G = GROUPS[g], n8 = G.n8, sA = n8 * 2;
  const { w, nW, E, pTable } = tables[g];
  const copyAffine = ex[G.p + "_copyAffine"];
  const n = scalars.byteLength >>> 5;
  const words = new Uint32Array(scalars.buffer, scalars.byteOffset, n * 8);
  const out = new Uint8Array(n * sA);
  const B = Math.min(n, 4096);
  const mark = heap;
  const pAcc = alloc(B * sA);
  const S = scratch(n8, B);
  setFree(B, n8);
  const ps = new Int32Array(B), qs = new Int32Array(B), isZero = new Uint8Array(B);
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
        d &= E;
        if (d === 0) continue;
        const q = tBase + d * sA, p = pAcc + k * sA;
        if (isZero[k]) {
          copyAffine(q, p);
          isZero[k] = 0;
        } else {
          ps[m] = p;
          qs[m] = q;
          m++;
        }
      }
      if (m > 0 && !batchAdd(G, S, m, ps, qs, ps)) {
        for (let i = 0; i < m; i++) if (ex[G.p + "_isZeroAffine"](ps[i])) isZero[(ps[i] - pAcc) / sA] = 1;
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
    const t = performance.now();
    if (msg.type === "mul") {
      const out = run(msg.g, msg.scalars);
      parentPort.postMessage({ id: msg.id, out, ms: performance.now() - t }, [out.buffer]);
    } else {
      buildSharedTable(msg.g, msg.w, msg.part, msg.parts, msg.sab, msg.sync);
      parentPort.postMessage({ id: msg.id, ms: performance.now() - t });
    }
  } catch (e) {
    parentPort.postMessage({ id: msg.id, error: String((e && e.stack) || e) });
  }
});
`;

interface Job {
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
  error?: string;
}

interface PendingCall {
  worker: Worker;
  resolve: (reply: WorkerReply) => void;
  reject: (err: Error) => void;
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

/** Relative cost of one comb-table entry vs. one addition of a multiplication. */
const TABLE_COST = 1.2;
/** Jobs posted ahead to each worker, so it never waits on a busy main thread. */
const PREFETCH = 2;

/**
 * Best comb window: minimise windows * (points per worker + table entries per
 * worker), the table being built cooperatively by all workers.
 */
function pickWindow(points: number, threads: number, maxW: number): number {
  let best = 4;
  let bestCost = Infinity;
  for (let w = 4; w <= maxW; w++) {
    const cost = Math.ceil(SCALAR_BITS / w) * ((points + TABLE_COST * (1 << w)) / threads);
    if (cost < bestCost) {
      bestCost = cost;
      best = w;
    }
  }
  return best;
}

export class FixedBaseEngine {
  private readonly workers: Worker[] = [];
  private readonly inflight = new Map<Worker, number>();
  private readonly calls = new Map<number, PendingCall>();
  private readonly queue: Job[] = [];
  private readonly tablePosted: [boolean, boolean] = [false, false];
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
      worker.on("message", (reply: WorkerReply) => this.onReply(reply));
      worker.on("error", (err: Error) => this.onWorkerError(worker, err));
      this.workers.push(worker);
      this.inflight.set(worker, 0);
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
      G1: pickWindow(opts.g1Points, threads, 16),
      G2: pickWindow(opts.g2Points, threads, 15),
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
    if (n === 0) return out;
    const chunk = group === "G1" ? 8192 : 2048;
    const slices: [number, Uint8Array][] = [];
    for (let start = 0; start < n; start += chunk) {
      slices.push([start, scalars.slice(start * 32, Math.min(n, start + chunk) * 32)]);
    }
    this.ensureTable(group);
    await Promise.all(
      slices.map(([start, slice]) => this.submit(group, slice).then((pts) => out.set(pts, start * size))),
    );
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new Error("FixedBaseEngine closed");
    for (const job of this.queue.splice(0)) job.reject(err);
    for (const call of this.calls.values()) call.reject(err);
    this.calls.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** Builds the comb table for `group` once: each worker computes a share of
   * the windows into a SharedArrayBuffer, then every worker loads all of it.
   * Mul jobs posted afterwards queue behind this message in each worker. */
  private ensureTable(group: Group): void {
    const g = group === "G1" ? 0 : 1;
    if (this.tablePosted[g]) return;
    this.tablePosted[g] = true;
    const w = this.windows[group];
    const sab = new SharedArrayBuffer(Math.ceil(SCALAR_BITS / w) * (2 ** w - 1) * POINT_SIZE[group]);
    const sync = new SharedArrayBuffer(8);
    const parts = this.workers.length;
    this.workers.forEach((worker, part) => {
      this.call(worker, { type: "table", g, w, part, parts, sab, sync }).then(
        (r) => {
          this.stats.tableMs += r.ms ?? 0;
        },
        () => undefined, // the queued mul jobs of this group fail and report it
      );
    });
  }

  private call(worker: Worker, msg: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    const id = this.nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      this.calls.set(id, { worker, resolve, reject });
      worker.postMessage({ ...msg, id }, transfer);
    });
  }

  private submit(group: Group, scalars: Uint8Array): Promise<Uint8Array> {
    const n = scalars.byteLength / 32;
    const work = group === "G1" ? n : n * G2_WORK_FACTOR;
    this.queuedWork += work;
    this.stats.points[group] += n;
    return new Promise<Uint8Array>((resolve, reject) => {
      this.queue.push({ g: group === "G1" ? 0 : 1, scalars, work, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const worker of this.workers) {
      while (!this.closed && this.queue.length > 0 && (this.inflight.get(worker) ?? 0) < PREFETCH) {
        const job = this.queue.shift() as Job;
        this.inflight.set(worker, (this.inflight.get(worker) ?? 0) + 1);
        const msg = { type: "mul", g: job.g, scalars: job.scalars };
        this.call(worker, msg, [job.scalars.buffer as ArrayBuffer]).then(
          (reply) => {
            this.inflight.set(worker, (this.inflight.get(worker) ?? 1) - 1);
            this.stats.busyMs[job.g === 0 ? "G1" : "G2"] += reply.ms ?? 0;
            this.doneWork += job.work;
            this.onProgress?.(this.doneWork, this.queuedWork);
            job.resolve(reply.out as Uint8Array);
            this.pump();
          },
          (err: Error) => {
            this.inflight.set(worker, (this.inflight.get(worker) ?? 1) - 1);
            job.reject(err);
            this.pump();
          },
        );
      }
    }
  }

  private onReply(reply: WorkerReply): void {
    const call = this.calls.get(reply.id);
    if (!call) return;
    this.calls.delete(reply.id);
    if (reply.error !== undefined) call.reject(new Error(`fixed-base worker failed: ${reply.error}`));
    else call.resolve(reply);
  }

  private onWorkerError(worker: Worker, err: Error): void {
    // A crashed worker is not reused; if none is left, fail whatever is queued.
    for (const [id, call] of this.calls) {
      if (call.worker === worker) {
        this.calls.delete(id);
        call.reject(err);
      }
    }
    const i = this.workers.indexOf(worker);
    if (i >= 0) this.workers.splice(i, 1);
    if (this.workers.length === 0) for (const job of this.queue.splice(0)) job.reject(err);
  }
}
