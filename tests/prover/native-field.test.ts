import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBn128, type BnCurve } from "ffjavascript";
import { loadNativeMsm, type NativeAddon } from "../../src/prover/native-msm.ts";
import { errorCode } from "../helpers/errors.ts";

// The native field code (src/prover/native/field.h, mont-adx.h) against ffjavascript's, byte for byte, in
// both builds (mulx/adcx/adox where the CPU has them, and portable C), on edge values and random ones.
let curve: BnCurve;
let native: NativeAddon;
let portable: NativeAddon;

const fromLe = (b: Uint8Array) => b.reduceRight((v, x) => (v << 8n) | BigInt(x), 0n);

/** Standard-form values that stress carries, borrows and the final conditional subtraction. */
function edgeValues(p: bigint): bigint[] {
  const half = (p - 1n) / 2n;
  const out = [0n, 1n, 2n, 3n, p - 1n, p - 2n, half, half + 1n, (1n << 64n) - 1n, 1n << 64n, (1n << 128n) - 1n, (1n << 192n) + 1n, 1n << 253n, p - (1n << 64n), p >> 1n, p - 12345n];
  for (let i = 0; i < 8; i++) out.push(fromLe(randomBytes(32)) % p);
  return out;
}

beforeAll(async () => {
  native = loadNativeMsm();
  portable = loadNativeMsm(() => {}, { portable: true });
  curve = await buildBn128();
});

afterAll(async () => {
  await curve.terminate();
});

describe("native field arithmetic (src/prover/native/field.h)", () => {
  for (const [name, index] of [["Fq", 0], ["Fr", 1]] as const) {
    it(`${name}: a + b, a − b, a·b and 1/a equal ffjavascript's for every pair of edge values, in both builds`, () => {
      const F = index === 0 ? curve.F1 : curve.Fr;
      const values = edgeValues(F.p).map((v) => F.e(v) as Uint8Array);
      const pairs = values.flatMap((a) => values.map((b) => [a, b] as const));
      const pack = (xs: readonly Uint8Array[]) => {
        const out = new Uint8Array(32 * xs.length);
        xs.forEach((x, i) => out.set(x, 32 * i));
        return out;
      };
      const a = pack(pairs.map(([x]) => x));
      const b = pack(pairs.map(([, y]) => y));
      const want = [
        pack(pairs.map(([x, y]) => F.add(x, y) as Uint8Array)),
        pack(pairs.map(([x, y]) => F.sub(x, y) as Uint8Array)),
        pack(pairs.map(([x, y]) => F.mul(x, y) as Uint8Array)),
        pack(pairs.map(([x]) => F.inv(x) as Uint8Array)),
      ];
      for (const addon of [native, portable])
        for (const op of [0, 1, 2, 3] as const) {
          const got = addon.fieldOp(index, op, a, b);
          expect(Buffer.from(got).equals(Buffer.from(want[op] as Uint8Array)), `${name} op ${op} (${addon.mul})`).toBe(true);
        }
    });
  }

  it("refuses a wrong field, operation or length with a coded error", () => {
    const x = new Uint8Array(32);
    expect(errorCode(() => native.fieldOp(2 as 0, 0, x, x))).toBe("NATIVE_MSM");
    expect(errorCode(() => native.fieldOp(0, 4 as 0, x, x))).toBe("NATIVE_MSM");
    expect(errorCode(() => native.fieldOp(0, 0, x, new Uint8Array(64)))).toBe("NATIVE_MSM");
  });
});
