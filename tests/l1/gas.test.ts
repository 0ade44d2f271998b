import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FIELD_MODULUS, poseidon } from "../../src/crypto/index.ts";
import {
  GAS_SCHEDULE,
  L1Error,
  calldataCost,
  decodeSubmitBatch,
  encodeSubmitBatch,
  groth16VerifyGas,
  hashChainCalls,
  inputHashElements,
  logGas,
  pairingGas,
  poseidonGas,
  runPoseidonContract,
} from "../../src/l1/index.ts";

const field = fc.bigInt({ min: 0n, max: FIELD_MODULUS - 1n });

describe("gas schedule", () => {
  it("holds the EIP figures", () => {
    const byName = Object.fromEntries(GAS_SCHEDULE.map((e) => [e.name, e.gas]));
    expect(byName).toMatchObject({
      "transaction base": 21_000,
      "calldata zero byte": 4,
      "calldata non-zero byte": 16,
      "BN254 ECMUL": 6_000,
      "BN254 ECADD": 150,
      "SSTORE new slot (cold)": 22_100,
      "SSTORE existing slot (cold)": 5_000,
    });
    expect(pairingGas(4)).toBe(45_000 + 4 * 34_000);
    expect(groth16VerifyGas(1)).toBe(181_000 + 6_000 + 150);
    expect(groth16VerifyGas(2)).toBe(181_000 + 2 * 6_150);
    expect(logGas(2, 64)).toBe(375 + 2 * 375 + 8 * 64);
  });

  it("counts calldata bytes by EIP-2028", () => {
    expect(calldataCost(Uint8Array.from([0, 0, 1, 2, 0, 255]))).toEqual({ bytes: 6, zeroBytes: 3, nonZeroBytes: 3, gas: 60 });
    expect(calldataCost(new Uint8Array(0)).gas).toBe(0);
  });

  it("counts the input hash's width-6 Poseidon calls as src/crypto hashChain makes them", () => {
    expect(inputHashElements(12)).toBe(5);
    expect(inputHashElements(31)).toBe(5);
    expect(inputHashElements(32)).toBe(6);
    expect([5, 6, 7, 11, 12, 16].map(hashChainCalls)).toEqual([1, 1, 2, 2, 3, 3]);
  });

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
    const zero = 30 + 8 * 31 + 31 + 1 + 31 + 18;
    expect(calldataCost(input)).toEqual({ bytes: 388, zeroBytes: zero, nonZeroBytes: 388 - zero, gas: zero * 4 + (388 - zero) * 16 });
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

describe("Poseidon on L1 (circomlibjs's contract in @ethereumjs/evm)", () => {
  it.each([3, 6])("Poseidon(%i): the contract's output equals src/crypto poseidon", async (n) => {
    await fc.assert(
      fc.asyncProperty(fc.array(field, { minLength: n, maxLength: n }), async (inputs) => {
        const { output } = await runPoseidonContract(inputs);
        expect(output).toBe(poseidon(inputs));
      }),
      { numRuns: 10 },
    );
  });

  it("its gas does not depend on the inputs and is cached per n", async () => {
    const gas3 = await poseidonGas(3);
    const gas6 = await poseidonGas(6);
    expect(gas3).toBeGreaterThan(20_000);
    expect(gas6).toBeGreaterThan(gas3);
    expect((await runPoseidonContract([FIELD_MODULUS - 1n, 0n, 12345n])).gas).toBe(gas3);
    expect(await poseidonGas(3)).toBe(gas3);
  });

  it("measures Poseidon(7) and (8) with the generated contract (circomlibjs's stops at 6), refuses larger", async () => {
    expect(await poseidonGas(7)).toBeGreaterThan(await poseidonGas(6));
    expect(await poseidonGas(8)).toBeGreaterThan(await poseidonGas(7));
    await expect(poseidonGas(9)).rejects.toBeInstanceOf(L1Error);
    await expect(runPoseidonContract([])).rejects.toMatchObject({ code: "POSEIDON_CONTRACT" });
  });
});
