// The members of ffjavascript's bn128 curve that the ptau point check (ptau-points.ts) uses, merged
// into the minimal declarations of src/types/vendor.d.ts.

declare module "ffjavascript" {
  export interface WasmCurveGroup {
    neg(p: PointBuffer): PointBuffer;
  }

  export interface BnCurve {
    /** Π e(g1[i], g2[i]) == 1 over the pairs given as (g1, g2, g1, g2, ...). */
    pairingEq(...points: PointBuffer[]): Promise<boolean>;
  }
}
