import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkRollupId,
  decodeRecord,
  MAX_ROLLUP_ID,
  signedMessage,
  encodeRecord,
  MAX_BALANCE,
  packAmount,
  recordFields,
  recordLayout,
  unpackAmount,
  type Operation,
} from "../../src/tx/index.ts";

const layout65k = recordLayout([4, 4, 8, 8, 8, 8]);
const testLayout = layout65k;

describe("amounts", () => {
  it("round-trips every encodable amount (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 34n) - 1n }), fc.integer({ min: 0, max: 15 }), (m, e) => {
        const amount = m * 10n ** BigInt(e);
        fc.pre(amount <= MAX_BALANCE);
        expect(unpackAmount(packAmount(amount))).toBe(amount);
      }),
    );
  });

  it("rejects amounts with no exact encoding or outside 64 bits", () => {
    for (const bad of [-1n, MAX_BALANCE + 1n, (1n << 34n) + 1n, 123456789012345678n]) {
      expect(() => packAmount(bad)).toThrowError(expect.objectContaining({ code: "AMOUNT_OUT_OF_RANGE" }));
    }
  });
});

describe("posted records", () => {
  it("a transfer at 65,536 accounts is 9 bytes", () => {
    expect(layout65k).toEqual({ indexBits: 16, recordBytes: 9, commitment: "poseidon" });
    // The commitment changes how records are hashed, never their bytes.
    expect(recordLayout([4, 4, 8, 8, 8, 8], "sha256")).toEqual({ indexBits: 16, recordBytes: 9, commitment: "sha256" });
  });

  it("encode then decode gives the same fields (property)", () => {
    const index = fc.integer({ min: 0, max: 65535 });
    const amount = fc.bigInt({ min: 0n, max: (1n << 34n) - 1n }).chain((m) => fc.integer({ min: 0, max: 5 }).map((e) => m * 10n ** BigInt(e)));
    const sig = { r8x: 0n, r8y: 0n, s: 0n };
    const op: fc.Arbitrary<Operation> = fc.oneof(
      fc.constant({ kind: "noop" } as const),
      fc.record({ from: index, to: index, amount }).map((r) => ({ kind: "transfer" as const, ...r, nonce: 0n, signature: sig })),
      fc.record({ to: index, amount }).map((r) => ({ kind: "deposit" as const, ...r, publicKey: { x: 1n, y: 2n } })),
      fc.record({ from: index, amount }).map((r) => ({ kind: "withdraw" as const, ...r, recipient: 5n, nonce: 0n, signature: sig })),
    );
    fc.assert(
      fc.property(op, (o) => {
        const bytes = encodeRecord(o, layout65k);
        expect(bytes).toHaveLength(9);
        expect(decodeRecord(bytes, layout65k)).toEqual(recordFields(o));
      }),
    );
  });

  it("rejects a record of the wrong length or with bits above the kind", () => {
    // 8 accounts: 46 record bits in 6 bytes, so the top two bits are padding and must be zero.
    const layout = recordLayout([2, 2, 2]);
    expect(() => decodeRecord(new Uint8Array(5), layout)).toThrowError(expect.objectContaining({ code: "MALFORMED" }));
    expect(() => decodeRecord(new Uint8Array([0xff, 0, 0, 0, 0, 0]), layout)).toThrowError(expect.objectContaining({ code: "MALFORMED" }));
  });
});

describe("rollup ids are 32-bit (a wider id would alias another deployment's signed messages)", () => {
  it("the packing aliases (id, n) with (id + 2^32, n - 1), so the model refuses ids of 2^32 or more", () => {
    const op = { kind: "transfer", from: 0, to: 5, amount: 10n, nonce: 1n } as const;
    const m = signedMessage(op, testLayout, 7);
    // What the message of the replayed deployment would be, by the packing formula itself.
    const width = 1n << BigInt(testLayout.recordBytes * 8);
    const record = m[0] - width * (7n + (1n << 32n) * 1n);
    expect(record + width * ((7n + (1n << 32n)) + (1n << 32n) * 0n)).toBe(m[0]);
    for (const bad of [2 ** 32, 2 ** 32 + 7, -1, 1.5, Number.MAX_SAFE_INTEGER + 1]) {
      expect(() => signedMessage({ ...op, nonce: 0n }, testLayout, bad)).toThrow(expect.objectContaining({ code: "MALFORMED" }));
      expect(() => checkRollupId(bad)).toThrow(expect.objectContaining({ code: "MALFORMED" }));
    }
    expect(signedMessage(op, testLayout, MAX_ROLLUP_ID)[0]).toBeGreaterThan(0n);
  });
});
