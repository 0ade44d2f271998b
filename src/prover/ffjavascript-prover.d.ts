// The members of ffjavascript's bn128 curve that the warm Groth16 prover (groth16-warm.ts) and the native
// engine's tests use, merged into the minimal declarations of src/types/vendor.d.ts. Untyped JS in the
// package: only what is called.

declare module "ffjavascript" {
  export interface WasmCurveGroup {
    readonly zero: PointBuffer;
    /** The coordinate field (Fq for G1, Fq2 for G2). */
    readonly F: { readonly n8: number; readonly one: Uint8Array };
    add(a: PointBuffer, b: PointBuffer): PointBuffer;
    /** Scalar in Montgomery form (an Fr element of the curve's Fr). */
    timesFr(p: PointBuffer, s: Uint8Array): PointBuffer;
    /** An affine point stored little-endian Montgomery (as zkey files hold them), as a Jacobian point. */
    fromRprLEM(buff: Uint8Array, offset: number): PointBuffer;
    /** Σ scalars[i]·bases[i]; bases affine LEM, scalars 32-byte little-endian in standard form. */
    multiExpAffine(bases: Uint8Array, scalars: Uint8Array, logger?: unknown, text?: string): Promise<PointBuffer>;
  }

  export interface WasmField {
    readonly n8: number;
    /** 2-adicity of r: the largest power of two dividing r − 1. */
    readonly s: number;
    readonly shift: Uint8Array;
    readonly one: Uint8Array;
    /** The modulus. */
    readonly p: bigint;
    e(v: number | bigint): Uint8Array;
    random(): Uint8Array;
    neg(a: Uint8Array): Uint8Array;
    add(a: Uint8Array, b: Uint8Array): Uint8Array;
    sub(a: Uint8Array, b: Uint8Array): Uint8Array;
    mul(a: Uint8Array, b: Uint8Array): Uint8Array;
    inv(a: Uint8Array): Uint8Array;
    ifft(buff: Uint8Array): Promise<Uint8Array>;
    fft(buff: Uint8Array): Promise<Uint8Array>;
    /** out[i] = in[i] · first · inc^i */
    batchApplyKey(buff: Uint8Array, first: Uint8Array, inc: Uint8Array): Promise<Uint8Array>;
  }

  /** One command of a task run on a curve worker thread (ffjavascript's threadman protocol). */
  export type WorkerCommand =
    | { cmd: "ALLOCSET"; var: number; buff: Uint8Array }
    | { cmd: "ALLOC"; var: number; len: number }
    | { cmd: "CALL"; fnName: string; params: ({ var: number } | { val: number })[] }
    | { cmd: "GET"; out: number; var: number; len: number };

  export interface BnCurve {
    /** The base field Fq (G1's coordinates). */
    readonly F1: WasmField;
  }

  export interface WasmThreadManager {
    readonly concurrency: number;
    queueAction(task: WorkerCommand[]): Promise<Uint8Array[]>;
  }
}
