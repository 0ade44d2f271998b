// A warm Groth16 prover over snarkjs's own primitives (ffjavascript's bn128 wasm and worker threads).
//
// It computes exactly what `snarkjs groth16 prove` computes from the same .zkey, and its proofs are
// checked with `snarkjs groth16 verify`; what differs is what is kept between proofs and how work is
// spread over the cores:
//   - the zkey is read and parsed once (header points, coefficients, base points);
//   - the QAP evaluations A·w, B·w (and C = A∘B) are built by the curve's wasm (qap_buildABC) on all
//     worker threads, each over its own pre-partitioned rows, instead of a JavaScript loop on one thread
//     (the largest single-threaded step of snarkjs's prover: ~25 % of a proof on --O2 circuits, whose
//     constraints carry ~20 coefficients each);
//   - base points at infinity are dropped once (≈ 40 % of the B bases here), and zero witness values
//     per proof, before each multi-exponentiation;
//   - the three FFT pipelines and the five multi-exponentiations are queued together, so the worker
//     threads never wait for the main thread between steps;
//   - optionally (msm: "native") the five multi-exponentiations run in native code (native/msm.c, 64-bit
//     limbs on all cores) instead of ffjavascript's wasm: they are ~85 % of a proof; and so does the QAP
//     step (native/fft.c: A·w, B·w, C, the six FFTs with twiddles precomputed once per zkey, and A·B − C,
//     on all cores), whose results are byte-equal to ffjavascript's (tests/prover/native-fft.test.ts).
// Randomisation (r, s) is fresh for every proof, as in snarkjs.

import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { buildBn128, type BnCurve, type PointBuffer, type WorkerCommand } from "ffjavascript";
import { binSection, dataView, parseBinFile } from "../artifacts/binfile.ts";
import { loadNativeMsm, type NativeAddon, type NativeFftDomain } from "./native-msm.ts";

const N8 = 32;
const G1_AFFINE = 64;
const G2_AFFINE = 128;
/** A coefficient entry of zkey section 4: m (0 = A, 1 = B), row, wire, coefficient (32 bytes). */
const COEF_BYTES = 12 + N8;

export interface Groth16Proof {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol: "groth16";
  curve: "bn128";
}

/** Where one proof's time went (seconds). */
export interface ProveBreakdown {
  /** A·w, B·w, C = A∘B on the domain (qap_buildABC, or native/fft.c). */
  abc: number;
  /** 3 inverse FFTs, 3 coset FFTs and the join into H's scalars. */
  fft: number;
  /** The five multi-exponentiations (A, B1, B2 in G2, C, H) and the final combination. */
  msm: number;
  /**
   * Each multi-exponentiation: with the native addon they run one after another (each on all cores), so
   * these are their own times and add up to about msm; with the wasm they run together on the curve's
   * workers, so these are the times from the common start until each one finished.
   */
  msms?: { a: number; b1: number; b2: number; c: number; h: number };
  /** Which code did the QAP step (A·w, B·w, C and the FFTs). */
  qapEngine?: "native" | "wasm";
}

/** How the warm prover computes: the multi-exponentiations, and the QAP step (defaults to the MSM's choice). */
export interface WarmProverOptions {
  readonly msm?: "wasm" | "native";
  readonly qap?: "wasm" | "native";
}

interface Msm {
  readonly group: "G1" | "G2";
  /** Base points with the points at infinity removed. */
  readonly bases: Uint8Array;
  /** Witness index of each kept base. */
  readonly wires: Uint32Array;
}

interface AbcPart {
  readonly coefs: Uint8Array;
  readonly count: number;
  readonly firstRow: number;
  readonly rows: number;
}

export class WarmGroth16Prover {
  private constructor(
    private readonly curve: BnCurve,
    readonly nVars: number,
    readonly nPublic: number,
    readonly domainSize: number,
    private readonly points: { alpha1: PointBuffer; beta1: PointBuffer; beta2: PointBuffer; delta1: PointBuffer; delta2: PointBuffer },
    private readonly abcParts: readonly AbcPart[],
    private readonly msmA: Msm,
    private readonly msmB1: Msm,
    private readonly msmB2: Msm,
    private readonly msmC: Msm,
    private readonly basesH: Uint8Array,
    private readonly native: NativeAddon | undefined,
    private readonly nativeQap: { readonly addon: NativeAddon; readonly domain: NativeFftDomain } | undefined,
  ) {}

  /** Which code computes the QAP step (H's scalars). */
  get qapEngine(): "native" | "wasm" {
    return this.nativeQap === undefined ? "wasm" : "native";
  }

  /**
   * Reads and prepares a Groth16 .zkey (snarkjs layout). Uses the shared bn128 curve and its worker threads;
   * with msm "native" the multi-exponentiations use the compiled addon (built on first use; throws
   * NATIVE_MSM_UNAVAILABLE with the reason when this machine cannot build it).
   */
  static async load(zkeyPath: string, options: WarmProverOptions = {}): Promise<WarmGroth16Prover> {
    const qap = options.qap ?? qapFromEnv() ?? options.msm ?? "wasm";
    const addon = options.msm === "native" || qap === "native" ? loadNativeMsm((m) => process.stderr.write(`${m}\n`)) : undefined;
    const native = options.msm === "native" ? addon : undefined;
    const bytes = await readFile(zkeyPath);
    const zkey = parseBinFile(bytes, "zkey", zkeyPath);
    if (dataView(binSection(zkey, 1)).getUint32(0, true) !== 1) throw new Error(`${zkeyPath} is not a Groth16 zkey`);

    const h = binSection(zkey, 2);
    const hv = dataView(h);
    const n8q = hv.getUint32(0, true);
    const n8r = hv.getUint32(4 + n8q, true);
    if (n8q !== 32 || n8r !== N8) throw new Error(`${zkeyPath}: not a bn128 zkey`);
    let p = 8 + n8q + n8r;
    const nVars = hv.getUint32(p, true);
    const nPublic = hv.getUint32(p + 4, true);
    const domainSize = hv.getUint32(p + 8, true);
    p += 12;
    const curve = await buildBn128();
    const g1 = () => {
      const pt = curve.G1.fromRprLEM(h, p);
      p += G1_AFFINE;
      return pt;
    };
    const g2 = () => {
      const pt = curve.G2.fromRprLEM(h, p);
      p += G2_AFFINE;
      return pt;
    };
    const alpha1 = g1();
    const beta1 = g1();
    const beta2 = g2();
    g2(); // gamma2: verification only
    const delta1 = g1();
    const delta2 = g2();

    let nativeQap: { addon: NativeAddon; domain: NativeFftDomain } | undefined;
    let abcParts: AbcPart[] = [];
    if (qap === "native" && addon !== undefined) {
      // Twiddles, coset factors and the coefficients split per thread: once per zkey.
      const power = Math.log2(domainSize);
      const domain = addon.fftDomain(power, curve.Fr.w[power] as Uint8Array, cosetGenerator(curve, power), availableParallelism());
      addon.qapCoefficients(domain, binSection(zkey, 4), nVars);
      nativeQap = { addon, domain };
    } else {
      abcParts = partitionCoefficients(binSection(zkey, 4), domainSize, 2 * curve.tm.concurrency);
    }
    return new WarmGroth16Prover(
      curve,
      nVars,
      nPublic,
      domainSize,
      { alpha1, beta1, beta2, delta1, delta2 },
      abcParts,
      withoutInfinity("G1", binSection(zkey, 5), G1_AFFINE, 0),
      withoutInfinity("G1", binSection(zkey, 6), G1_AFFINE, 0),
      withoutInfinity("G2", binSection(zkey, 7), G2_AFFINE, 0),
      withoutInfinity("G1", binSection(zkey, 8), G1_AFFINE, nPublic + 1),
      // A copy that owns its memory: a view into the whole file would be cloned whole into every worker task.
      new Uint8Array(binSection(zkey, 9)),
      native,
      nativeQap,
    );
  }

  /** Proves from a witness in snarkjs's .wtns binary format (what circom's calculateWTNSBin returns). */
  async prove(wtns: Uint8Array): Promise<{ proof: Groth16Proof; publicSignals: string[]; breakdown: ProveBreakdown }> {
    const { curve } = this;
    const { Fr, G1, G2 } = curve;
    const witness = witnessValues(wtns, this.nVars);

    const t0 = performance.now();
    const { scalars: hScalars, abcSeconds } = await this.quotientOf(witness);
    const t2 = performance.now();

    // The native MSMs are synchronous calls (each on all cores): run one after another, each timed alone.
    // The wasm ones run together on the curve's workers: each timed from the common start to its end.
    const jobs: (() => Promise<PointBuffer>)[] = [
      () => this.msm(this.msmA, witness),
      () => this.msm(this.msmB1, witness),
      () => this.msm(this.msmB2, witness),
      () => this.msm(this.msmC, witness),
      () => this.multiExp("G1", this.basesH, hScalars),
    ];
    type Timed = { point: PointBuffer; seconds: number };
    const timed = async (f: () => Promise<PointBuffer>): Promise<Timed> => {
      const ts = performance.now();
      const point = await f();
      return { point, seconds: (performance.now() - ts) / 1000 };
    };
    const results: Timed[] = [];
    if (this.native !== undefined) for (const f of jobs) results.push(await timed(f));
    else results.push(...(await Promise.all(jobs.map(timed))));
    const [pa, pb1, pb2, pc, ph] = results as [Timed, Timed, Timed, Timed, Timed];
    const r = Fr.random();
    const s = Fr.random();
    const { alpha1, beta1, beta2, delta1, delta2 } = this.points;
    const piA = G1.add(G1.add(pa.point, alpha1), G1.timesFr(delta1, r));
    const piB = G2.add(G2.add(pb2.point, beta2), G2.timesFr(delta2, s));
    const b1 = G1.add(G1.add(pb1.point, beta1), G1.timesFr(delta1, s));
    let piC = G1.add(pc.point, ph.point);
    piC = G1.add(piC, G1.timesFr(piA, s));
    piC = G1.add(piC, G1.timesFr(b1, r));
    piC = G1.add(piC, G1.timesFr(delta1, Fr.neg(Fr.mul(r, s))));
    const t3 = performance.now();

    const publicSignals: string[] = [];
    for (let i = 1; i <= this.nPublic; i++) publicSignals.push(leToBigint(witness.subarray(i * N8, (i + 1) * N8)).toString());
    const str = (v: unknown): string => String(v);
    const proof: Groth16Proof = {
      pi_a: (G1.toObject(G1.toAffine(piA)) as bigint[]).map(str),
      pi_b: (G2.toObject(G2.toAffine(piB)) as bigint[][]).map((xs) => xs.map(str)),
      pi_c: (G1.toObject(G1.toAffine(piC)) as bigint[]).map(str),
      protocol: "groth16",
      curve: "bn128",
    };
    const breakdown: ProveBreakdown = {
      abc: abcSeconds,
      fft: (t2 - t0) / 1000 - abcSeconds,
      msm: (t3 - t2) / 1000,
      msms: { a: pa.seconds, b1: pb1.seconds, b2: pb2.seconds, c: pc.seconds, h: ph.seconds },
      qapEngine: this.qapEngine,
    };
    return { proof, publicSignals, breakdown };
  }

  /**
   * H's scalars (standard form, one per domain point) from a .wtns witness: the quotient (A·B − C)/Z
   * evaluated on the odd coset, as snarkjs computes it. For tests: the same with either engine.
   */
  async quotient(wtns: Uint8Array, via: "native" | "wasm" = this.qapEngine): Promise<Uint8Array> {
    return (await this.quotientOf(witnessValues(wtns, this.nVars), via)).scalars;
  }

  private async quotientOf(witness: Uint8Array, via: "native" | "wasm" = this.qapEngine): Promise<{ scalars: Uint8Array; abcSeconds: number }> {
    if (via === "native") {
      if (this.nativeQap === undefined) throw new Error("this prover was loaded without the native QAP step");
      const times = new Float64Array(2);
      const scalars = this.nativeQap.addon.qap(this.nativeQap.domain, witness, times);
      return { scalars, abcSeconds: times[0] ?? 0 };
    }
    if (this.abcParts.length === 0) throw new Error("this prover was loaded with the native QAP step only");
    const { Fr } = this.curve;
    const t0 = performance.now();
    const [a, b, c] = await this.buildAbc(witness);
    const t1 = performance.now();
    // H's scalars: the A·B − C quotient evaluated on the odd coset (snarkjs's "Podd").
    const power = Math.log2(this.domainSize);
    const inc = cosetGenerator(this.curve, power);
    const toCoset = async (evals: Uint8Array) => Fr.fft(await Fr.batchApplyKey(await Fr.ifft(evals), Fr.e(1), inc));
    const [aOdd, bOdd, cOdd] = await Promise.all([toCoset(a), toCoset(b), toCoset(c)]);
    return { scalars: await this.joinAbc(aOdd, bOdd, cOdd), abcSeconds: (t1 - t0) / 1000 };
  }

  /** A·w and B·w on the evaluation domain (Montgomery form) and C = A∘B, one task per row range. */
  private async buildAbc(witness: Uint8Array): Promise<[Uint8Array, Uint8Array, Uint8Array]> {
    const out = [0, 1, 2].map(() => new Uint8Array(this.domainSize * N8)) as [Uint8Array, Uint8Array, Uint8Array];
    await Promise.all(
      this.abcParts.map(async (part) => {
        const len = part.rows * N8;
        const task: WorkerCommand[] = [
          { cmd: "ALLOCSET", var: 0, buff: part.coefs },
          { cmd: "ALLOCSET", var: 1, buff: witness },
          { cmd: "ALLOC", var: 2, len },
          { cmd: "ALLOC", var: 3, len },
          { cmd: "ALLOC", var: 4, len },
          {
            cmd: "CALL",
            fnName: "qap_buildABC",
            params: [{ var: 0 }, { val: part.count }, { var: 1 }, { var: 2 }, { var: 3 }, { var: 4 }, { val: part.firstRow }, { val: part.rows }, { val: 0 }, { val: this.nVars }],
          },
          { cmd: "GET", out: 0, var: 2, len },
          { cmd: "GET", out: 1, var: 3, len },
          { cmd: "GET", out: 2, var: 4, len },
        ];
        const [ra, rb, rc] = await this.curve.tm.queueAction(task);
        if (ra === undefined || rb === undefined || rc === undefined) throw new Error("qap_buildABC returned no output");
        out[0].set(ra, part.firstRow * N8);
        out[1].set(rb, part.firstRow * N8);
        out[2].set(rc, part.firstRow * N8);
      }),
    );
    return out;
  }

  /** p[i] = a[i]·b[i] − c[i], out of Montgomery form (the H multi-exponentiation's scalars), on all threads. */
  private async joinAbc(a: Uint8Array, b: Uint8Array, c: Uint8Array): Promise<Uint8Array> {
    const n = this.domainSize;
    const chunk = Math.ceil(n / this.curve.tm.concurrency);
    const out = new Uint8Array(n * N8);
    const jobs: Promise<void>[] = [];
    for (let from = 0; from < n; from += chunk) {
      const k = Math.min(chunk, n - from);
      const slice = (x: Uint8Array) => x.subarray(from * N8, (from + k) * N8);
      jobs.push(
        this.curve.tm
          .queueAction([
            { cmd: "ALLOCSET", var: 0, buff: slice(a) },
            { cmd: "ALLOCSET", var: 1, buff: slice(b) },
            { cmd: "ALLOCSET", var: 2, buff: slice(c) },
            { cmd: "ALLOC", var: 3, len: k * N8 },
            { cmd: "CALL", fnName: "qap_joinABC", params: [{ var: 0 }, { var: 1 }, { var: 2 }, { val: k }, { var: 3 }] },
            { cmd: "CALL", fnName: "frm_batchFromMontgomery", params: [{ var: 3 }, { val: k }, { var: 3 }] },
            { cmd: "GET", out: 0, var: 3, len: k * N8 },
          ])
          .then(([r]) => {
            if (r === undefined) throw new Error("qap_joinABC returned no output");
            out.set(r, from * N8);
          }),
      );
    }
    await Promise.all(jobs);
    return out;
  }

  /** Σ w[wire]·base over the kept bases, skipping zero witness values. */
  private async msm(m: Msm, witness: Uint8Array): Promise<PointBuffer> {
    const size = m.group === "G1" ? G1_AFFINE : G2_AFFINE;
    const kept: number[] = [];
    for (let i = 0; i < m.wires.length; i++) if (!isZero(witness, (m.wires[i] as number) * N8, N8)) kept.push(i);
    if (kept.length === 0) return this.curve[m.group].zero;
    // Buffers of exactly their size: ffjavascript posts them to its workers, and a view would post its whole backing buffer.
    const bases = new Uint8Array(kept.length * size);
    const scalars = new Uint8Array(kept.length * N8);
    kept.forEach((i, k) => {
      const at = (m.wires[i] as number) * N8;
      scalars.set(witness.subarray(at, at + N8), k * N8);
      bases.set(m.bases.subarray(i * size, (i + 1) * size), k * size);
    });
    return this.multiExp(m.group, bases, scalars);
  }

  /** Σ scalar·base: ffjavascript's wasm on its worker threads, or the native addon on all cores (synchronous). */
  private async multiExp(group: "G1" | "G2", bases: Uint8Array, scalars: Uint8Array): Promise<PointBuffer> {
    const G = this.curve[group];
    if (this.native === undefined) return G.multiExpAffine(bases, scalars);
    const affine = this.native.msm(group === "G1" ? 1 : 2, bases, scalars, availableParallelism());
    if (affine.every((b) => b === 0)) return G.zero;
    // ffjavascript's projective layout: x, y, z (Montgomery form); an affine point has z = 1.
    const point = new Uint8Array(affine.length + G.F.n8);
    point.set(affine);
    point.set(G.F.one, affine.length);
    return point;
  }
}

/**
 * ZKR_QAP=wasm (or native) chooses the QAP step's code when the caller did not: with the native engine,
 * wasm keeps ffjavascript's QAP and FFTs beside the native MSM (the engine as it was before native/fft.c),
 * for comparisons and as an escape hatch. Anything else is refused.
 */
function qapFromEnv(): "wasm" | "native" | undefined {
  const v = process.env["ZKR_QAP"];
  if (v === undefined || v === "") return undefined;
  if (v === "wasm" || v === "native") return v;
  throw new Error(`ZKR_QAP must be wasm or native, not "${v}"`);
}

/** The generator of H's coset for a domain of 2^power points: a 2^(power+1)-th root of unity (snarkjs's choice). */
function cosetGenerator(curve: BnCurve, power: number): Uint8Array {
  const { Fr } = curve;
  return power === Fr.s ? Fr.shift : (Fr.w[power + 1] as Uint8Array);
}

/** The witness values (32-byte little-endian, standard form) of a .wtns file. */
function witnessValues(wtns: Uint8Array, nVars: number): Uint8Array {
  const file = parseBinFile(wtns, "wtns", "witness");
  const header = dataView(binSection(file, 1));
  const n8 = header.getUint32(0, true);
  const nWitness = header.getUint32(4 + n8, true);
  if (n8 !== N8) throw new Error("witness is not over bn128's scalar field");
  if (nWitness !== nVars) throw new Error(`witness has ${nWitness} values; the circuit has ${nVars}`);
  return binSection(file, 2);
}

/** Kept base points (not at infinity) and their witness indices; `firstWire` is the wire of base 0. */
function withoutInfinity(group: "G1" | "G2", points: Uint8Array, size: number, firstWire: number): Msm {
  const n = points.length / size;
  const wires: number[] = [];
  for (let i = 0; i < n; i++) if (!isZero(points, i * size, size)) wires.push(firstWire + i);
  const bases = new Uint8Array(wires.length * size);
  wires.forEach((w, k) => bases.set(points.subarray((w - firstWire) * size, (w - firstWire + 1) * size), k * size));
  return { group, bases, wires: Uint32Array.from(wires) };
}

/**
 * Splits zkey section 4 (u32 count, then entries m | row | wire | coefficient) into `parts` row ranges
 * with about the same number of entries each; together the ranges cover the whole domain.
 */
function partitionCoefficients(section: Uint8Array, domainSize: number, parts: number): AbcPart[] {
  const v = dataView(section);
  const count = v.getUint32(0, true);
  const perRow = new Uint32Array(domainSize);
  for (let i = 0; i < count; i++) {
    const row = v.getUint32(4 + i * COEF_BYTES + 4, true);
    perRow[row] = (perRow[row] ?? 0) + 1;
  }
  // Row boundaries at equal shares of the entries.
  const bounds = [0];
  let acc = 0;
  for (let row = 0; row < domainSize && bounds.length < parts; row++) {
    acc += perRow[row] ?? 0;
    if (acc >= (count * bounds.length) / parts) bounds.push(row + 1);
  }
  if ((bounds[bounds.length - 1] ?? 0) < domainSize) bounds.push(domainSize);
  const partOf = new Uint8Array(domainSize);
  for (let k = 0; k + 1 < bounds.length; k++) partOf.fill(k, bounds[k], bounds[k + 1]);
  const sizes = new Array<number>(bounds.length - 1).fill(0);
  for (let row = 0; row < domainSize; row++) {
    const k = partOf[row] as number;
    sizes[k] = (sizes[k] as number) + (perRow[row] ?? 0);
  }
  const out = sizes.map((n, k) => ({ coefs: new Uint8Array(n * COEF_BYTES), count: n, firstRow: bounds[k] as number, rows: (bounds[k + 1] as number) - (bounds[k] as number) }));
  const fill = new Array<number>(out.length).fill(0);
  for (let i = 0; i < count; i++) {
    const at = 4 + i * COEF_BYTES;
    const k = partOf[v.getUint32(at + 4, true)] as number;
    const part = out[k] as AbcPart;
    part.coefs.set(section.subarray(at, at + COEF_BYTES), (fill[k] as number) * COEF_BYTES);
    fill[k] = (fill[k] as number) + 1;
  }
  return out.filter((p) => p.rows > 0);
}

function isZero(b: Uint8Array, at: number, len: number): boolean {
  for (let i = at; i < at + len; i++) if (b[i] !== 0) return false;
  return true;
}

function leToBigint(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] as number);
  return v;
}
