import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeR1cs, firstViolatedConstraint, labelOfWire, parseR1cs, readR1cs } from "../../src/circuit/r1cs.ts";
import { binContainer, binFileErrorCode, R1CS_PRIME, r1csBytes, type Term } from "../helpers/binfile.ts";
import { testArtifacts } from "../helpers/fixtures.ts";

// w1 · w2 = w3 and 2·w1 + (p − 1)·w0 = w4 (as A = 1 on the constant wire).
const constraints: Term[][][] = [
  [[[1, 1n]], [[2, 1n]], [[3, 1n]]],
  [[[0, 1n]], [[1, 2n], [0, -1n]], [[4, 1n]]],
];
const bytes = r1csBytes(constraints, 5, [0, 1, 2, 3, 7]);

describe("r1cs files", () => {
  it("reads the header, the constraints as bigint linear combinations and the wire map", () => {
    const r1cs = parseR1cs(bytes);
    expect(r1cs).toMatchObject({ n8: 32, prime: R1CS_PRIME, nWires: 5, nOutputs: 0, nPubInputs: 1, nPrvInputs: 0, nLabels: 5, nConstraints: 2 });
    const system = decodeR1cs(r1cs);
    expect(system.constraints).toEqual([
      [[[1, 1n]], [[2, 1n]], [[3, 1n]]],
      [[[0, 1n]], [[1, 2n], [0, R1CS_PRIME - 1n]], [[4, 1n]]],
    ]);
    expect(firstViolatedConstraint(system, [1n, 3n, 4n, 12n, 5n])).toBe(-1);
    expect(firstViolatedConstraint(system, [1n, 3n, 4n, 12n, 6n])).toBe(1);
    expect(labelOfWire(r1cs, 4)).toBe(7);
  });

  it("rejects a corrupt header, constraints that do not fill their section and a wrong wire map", () => {
    const header = Uint8Array.from([32, 0, 0, 0]);
    expect(binFileErrorCode(() => parseR1cs(binContainer("r1cs", [[1, header], [2, new Uint8Array(0)]])))).toBe("CORRUPT");
    // One constraint more than the section holds.
    const more = Buffer.from(bytes);
    more.writeUInt32LE(3, 12 + 12 + 4 + 32 + 4 * 4 + 8);
    expect(binFileErrorCode(() => decodeR1cs(parseR1cs(more)))).toBe("CORRUPT");
    expect(binFileErrorCode(() => parseR1cs(r1csBytes(constraints, 5, [0, 1, 2])))).toBe("CORRUPT");
    expect(binFileErrorCode(() => labelOfWire(parseR1cs(r1csBytes(constraints, 5)), 1))).toBe("MISSING_SECTION");
    expect(binFileErrorCode(() => parseR1cs(bytes.subarray(0, bytes.length - 1)))).toBe("TRUNCATED");
  });

  it("agrees with circom on the test circuit: constraint count, and each wire's label in the .sym file", () => {
    const { circuit } = testArtifacts();
    const r1cs = readR1cs(circuit.r1cs);
    expect(r1cs.nConstraints).toBe(circuit.constraints);
    expect(decodeR1cs(r1cs).constraints.length).toBe(circuit.constraints);
    // .sym lines: label, wire (-1 when optimised away), component, name.
    const wires = new Map<number, number>();
    for (const line of readFileSync(circuit.sym, "utf8").split("\n")) {
      const [label, wire] = line.split(",").map(Number);
      if (label !== undefined && wire !== undefined && wire >= 0) wires.set(wire, label);
    }
    expect(wires.size).toBe(r1cs.nWires - 1);
    for (const [wire, label] of wires) expect(labelOfWire(r1cs, wire)).toBe(label);
  });
});
