// Minimal ambient types for the untyped iden3 packages we call.
// Only the members actually used in this repo are declared.

declare module "ffjavascript" {
  /** A point buffer: Jacobian (3 coords) or affine (2 coords), Montgomery LE. */
  export type PointBuffer = Uint8Array;

  export class ChaCha {
    constructor(seed?: number[]);
  }

  export interface WasmCurveGroup {
    /** Generator, Jacobian. */
    readonly g: PointBuffer;
    timesScalar(p: PointBuffer, s: bigint | Uint8Array): PointBuffer;
    toAffine(p: PointBuffer): PointBuffer;
    eq(a: PointBuffer, b: PointBuffer): boolean;
    fromRng(rng: ChaCha): PointBuffer;
    toRprUncompressed(buff: Uint8Array, offset: number, p: PointBuffer): void;
    toRprLEM(buff: Uint8Array, offset: number, p: PointBuffer): void;
    toObject(p: PointBuffer): bigint[] | bigint[][];
    /** Affine LEM points -> uncompressed / compressed big-endian encodings. */
    batchLEMtoU(points: Uint8Array): Promise<Uint8Array>;
    batchLEMtoC(points: Uint8Array): Promise<Uint8Array>;
  }

  export interface WasmThreadManager {
    /** Compiled wasm bytes (only kept for single-threaded curves). */
    readonly code: Uint8Array;
    readonly pG1gen: number;
    readonly pG2gen: number;
  }

  export interface WasmField {
    readonly w: Uint8Array[];
    toObject(a: Uint8Array): bigint;
  }

  export interface BnCurve {
    readonly name: string;
    readonly G1: WasmCurveGroup;
    readonly G2: WasmCurveGroup;
    readonly Fr: WasmField;
    readonly tm: WasmThreadManager;
    terminate(): Promise<void>;
  }

  export function buildBn128(singleThread?: boolean): Promise<BnCurve>;
}

declare module "snarkjs" {
  export type SignalValue = string | number | bigint | SignalValue[];
  export type CircuitInput = Record<string, SignalValue>;
  /** Proofs and verification keys are plain JSON objects. */
  export type JsonObject = Record<string, unknown>;
  export interface Logger {
    debug(msg: string): void;
    info(msg: string): void;
    warn(msg: string): void;
    error(msg: string): void;
  }
  export interface ProofResult {
    proof: JsonObject;
    publicSignals: string[];
  }

  /** fastfile's in-memory file, accepted wherever snarkjs takes a file name. */
  export interface MemFile {
    type: "mem";
    data: Uint8Array;
  }

  interface ProofSystem {
    prove(zkeyFile: string | MemFile, witnessFile: string | MemFile, logger?: Logger): Promise<ProofResult>;
    fullProve(input: CircuitInput, wasmFile: string, zkeyFile: string, logger?: Logger): Promise<ProofResult>;
    verify(vk: JsonObject, publicSignals: string[], proof: JsonObject, logger?: Logger): Promise<boolean>;
  }

  export const groth16: ProofSystem;
  export const plonk: ProofSystem & {
    setup(r1csFile: string, ptauFile: string, zkeyFile: string, logger?: Logger): Promise<unknown>;
  };
  export const fflonk: ProofSystem & {
    setup(r1csFile: string, ptauFile: string, zkeyFile: string, logger?: Logger): Promise<unknown>;
  };
  export const zKey: {
    newZKey(r1csFile: string, ptauFile: string, zkeyFile: string, logger?: Logger): Promise<unknown>;
    exportVerificationKey(zkeyFile: string, logger?: Logger): Promise<JsonObject>;
    verifyFromR1cs(r1csFile: string, ptauFile: string, zkeyFile: string, logger?: Logger): Promise<boolean>;
    contribute(oldZkey: string, newZkey: string, name: string, entropy: string, logger?: Logger): Promise<Uint8Array>;
  };
  export const powersOfTau: {
    newAccumulator(curve: unknown, power: number, ptauFile: string, logger?: Logger): Promise<Uint8Array>;
    preparePhase2(oldPtauFile: string, newPtauFile: string, logger?: Logger): Promise<void>;
  };
  export const curves: {
    getCurveFromName(name: string, options?: { singleThread?: boolean }): Promise<{ terminate(): Promise<void> }>;
  };
}
