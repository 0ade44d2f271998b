import { describe, expect, it } from "vitest";
import { decodeSubmitBatch, encodeSubmitBatch } from "../../src/l1/calldata.ts";
import { L1Error } from "../../src/l1/errors.ts";

describe("submitBatch calldata", () => {
  it("encodes a known submitBatch payload to the expected bytes", () => {
    const args = {
      records: Uint8Array.from({ length: 12 }, (_, i) => i), // one zero byte
      withdrawalRecipients: [0xbeefn], // 18 zero + 2 non-zero bytes
      newRoot: (1n << 255n) + 1n, // 0x80, 30 zeros, 0x01
      proof: { pi_a: ["1", "2", "1"], pi_b: [["3", "4"], ["5", "6"], ["1", "0"]], pi_c: ["7", "8", "1"], protocol: "groth16" },
    };
    const input = encodeSubmitBatch(args);
    // selector 8d121dfb (no zero byte) | root | 8 small words | length 12 | records | count 1 | recipient
    expect(Buffer.from(input.subarray(0, 4)).toString("hex")).toBe("8d121dfb");
    expect(input.length).toBe(4 + 32 + 256 + 32 + 12 + 32 + 20);
    expect(input.filter((b) => b === 0).length).toBe(30 + 8 * 31 + 31 + 1 + 31 + 18);
    const decoded = decodeSubmitBatch(input);
    expect(decoded.newRoot).toBe(args.newRoot);
    expect(decoded.records).toEqual(args.records);
    expect(decoded.withdrawalRecipients).toEqual([0xbeefn]);
    // Solidity verifier order: a.x, a.y, b.x1, b.x0, b.y1, b.y0, c.x, c.y
    expect(decoded.proofWords).toEqual([1n, 2n, 4n, 3n, 6n, 5n, 7n, 8n]);
  });

  it("refuses arguments that cannot be calldata before any transaction", () => {
    const proof = { pi_a: ["1", "2", "1"], pi_b: [["3", "4"], ["5", "6"], ["1", "0"]], pi_c: ["7", "8", "1"] };
    const base = { records: new Uint8Array(12), withdrawalRecipients: [], newRoot: 1n, proof };
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof L1Error ? e.code : "other";
      }
      return "none";
    };
    expect(code(() => encodeSubmitBatch({ ...base, withdrawalRecipients: [1n << 160n] }))).toBe("BAD_ARGUMENT");
    expect(code(() => encodeSubmitBatch({ ...base, proof: { ...proof, pi_a: ["x", "2", "1"] } }))).toBe("BAD_ARGUMENT");
    expect(code(() => encodeSubmitBatch({ ...base, newRoot: 1n << 256n }))).toBe("BAD_ARGUMENT");
  });
});
