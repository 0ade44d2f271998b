// The part of circomlibjs this project uses. Field elements are opaque (Montgomery form);
// convert with F.e / F.toObject at the edges.
declare module "circomlibjs" {
  export type FieldElement = Uint8Array;
  export type Point = [FieldElement, FieldElement];
  export interface Field {
    e(value: bigint | number | string): FieldElement;
    toObject(value: FieldElement): bigint;
    eq(a: FieldElement, b: FieldElement): boolean;
    toRprLE(buff: Uint8Array, offset: number, value: FieldElement): void;
  }
  export interface Poseidon {
    (inputs: ReadonlyArray<bigint | FieldElement>): FieldElement;
    F: Field;
  }
  export interface BabyJub {
    F: Field;
    Base8: Point;
    subOrder: bigint;
    order: bigint;
    addPoint(a: Point, b: Point): Point;
    mulPointEscalar(p: Point, e: bigint): Point;
    inSubgroup(p: Point): boolean;
    inCurve(p: Point): boolean;
    packPoint(p: Point): Uint8Array;
    unpackPoint(buff: Uint8Array): Point | null;
  }
  export interface Eddsa {
    babyJub: BabyJub;
    F: Field;
    poseidon: Poseidon;
    prv2pub(prv: Uint8Array): Point;
    pruneBuffer(buff: Uint8Array): Uint8Array;
  }
  export function buildPoseidon(): Promise<Poseidon>;
  export function buildEddsa(): Promise<Eddsa>;
  export function buildBabyjub(): Promise<BabyJub>;
  /** circomlibjs's Poseidon contract generator: deployment bytecode (0x-hex) of poseidon(uint256[n]). */
  export const poseidonContract: {
    createCode(nInputs: number): string;
  };
}
