import { describe, expect, it } from "vitest";
import { estimate } from "../../src/bench/feasibility.ts";
import { BenchInputError, resolveInstances, resolveWitness } from "../../src/bench/options.ts";
import { plonkSizing } from "../../src/bench/plonk-gates.ts";
import { proofCalldataBytes } from "../../src/bench/proof-size.ts";
import { leastSquares, stat } from "../../src/bench/stats.ts";
import { benchCommand } from "../../src/cli/commands/bench.ts";
import { CliError } from "../../src/cli/errors.ts";
import { r1csBytes, tempFile } from "../helpers/binfile.ts";

describe("PLONK gate count from an r1cs (snarkjs's reduction)", () => {
  it("counts public rows, products with reduced linear combinations, sums, constant sides and cancellations", () => {
    const r1cs = r1csBytes(
      [
        // (w1 + w2 + w3) * (w4) = w5 : 1 gate + 2 additions for A
        [[[1, 1n], [2, 1n], [3, 1n]], [[4, 1n]], [[5, 1n]]],
        // 0 * x = w1 + w2 + w3 + w4 + w5 : a sum of 5 wires: 1 gate + 2 additions
        [[], [[1, 1n]], [[1, 1n], [2, 1n], [3, 1n], [4, 1n], [5, 1n]]],
        // 3 * (w1 + w2) = w3 : constant A: sum of 3 wires, 1 gate
        [[[0, 3n]], [[1, 1n], [2, 1n]], [[3, 1n]]],
        // 2 * (w1 + w2 + w3 + w4) = 2*w3 + 2*w4 + w5 : w3, w4 cancel: w1, w2, w5 remain: 1 gate
        [[[0, 2n]], [[1, 1n], [2, 1n], [3, 1n], [4, 1n]], [[3, 2n], [4, 2n], [5, 1n]]],
      ],
      6,
    );
    const s = plonkSizing(tempFile("t.r1cs", r1cs));
    expect(s.constraints).toBe(4);
    // 1 public input row + (1 + 2) + (1 + 2) + 1 + 1
    expect(s.gates).toBe(1 + 3 + 3 + 1 + 1);
    expect(s.plonkPower).toBe(4);
    expect(s.fflonkPtauPower).toBe(Math.ceil(Math.log2(9 * 2 ** s.fflonkPower + 18)));
  });
});

describe("bench helpers", () => {
  it("stat gives median, min and max", () => {
    expect(stat([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(stat([4, 1, 2, 3])).toEqual({ median: 2.5, min: 1, max: 4, n: 4 });
    expect(stat([])).toBeNull();
  });

  it("least squares recovers a line", () => {
    const fit = leastSquares([
      [1, 5],
      [2, 7],
      [4, 11],
    ]);
    expect(fit?.slope).toBeCloseTo(2);
    expect(fit?.intercept).toBeCloseTo(3);
    expect(fit?.r2).toBeCloseTo(1);
    expect(leastSquares([[1, 1]])).toBeNull();
  });

  it("Groth16 calldata is 8 words; PLONK counts commitments and evaluations", () => {
    expect(proofCalldataBytes("groth16", {})).toBe(256);
    expect(proofCalldataBytes("plonk", { A: ["1", "2", "1"], B: ["1", "2", "1"], eval_a: "5", protocol: "plonk", curve: "bn128" })).toBe(5 * 32);
  });

  it("the default instances are n1, n4, n8, n16 on the default tree and n4 on the other trees", () => {
    const names = resolveInstances(["default"]).map((i) => i.name);
    expect(names).toEqual(expect.arrayContaining(["batch_n1_d6_a4x2-8x4", "batch_n4_d6_a4x2-8x4", "batch_n8_d6_a4x2-8x4", "batch_n16_d6_a4x2-8x4", "batch_n4_d8_a4", "batch_n4_d16_a2"]));
    expect(names).not.toContain("batch_n2_d2_a4");
    expect(resolveInstances(["n16"]).map((i) => i.ops)).toEqual([16]);
    expect(() => resolveInstances(["n3"])).toThrow(BenchInputError);
    expect(() => resolveInstances(["nope"])).toThrow(BenchInputError);
  });

  it("FFLONK beyond the largest development ptau is skipped whatever the budget", () => {
    const e = estimate({
      protocol: "fflonk",
      engine: "snarkjs",
      constraints: 15_000,
      sizing: { constraints: 15_000, coefficients: 0, gates: 300_000, plonkPower: 19, fflonkPower: 19, fflonkPtauPower: 23 },
      compiled: true,
      keysCached: false,
      ptauCached: false,
      cppBuild: false,
      reps: 1,
      pipeline: false,
      baseline: false,
      maxSeconds: 1e9,
    });
    expect(e.skip).toMatch(/ptau of 2\^23/);
  });

  it("a configuration over the memory of the machine is skipped", () => {
    const e = estimate({ protocol: "groth16", engine: "warm", constraints: 1e7, compiled: true, keysCached: true, ptauCached: true, cppBuild: false, reps: 1, pipeline: false, baseline: false, maxSeconds: 1e9, memoryBytes: 8 * 2 ** 30 });
    expect(e.skip).toMatch(/memory/);
  });
});

describe("zkr bench options", () => {
  it("--witness auto is the C++ generator where its toolchain is present, else wasm with the packages to install", () => {
    const ok = { ok: true, missing: [], install: [] };
    const missing = { ok: false, missing: ["nasm", "gmp.h"], install: ["nasm", "libgmp-dev"] };
    expect(resolveWitness(["auto"], ok)).toEqual({ generators: ["cpp"], note: expect.stringMatching(/^witness: C\+\+ generator \(auto/) });
    expect(resolveWitness(["auto"], missing)).toEqual({ generators: ["wasm"], note: "witness: wasm (auto: the C++ generator needs nasm, gmp.h; apt-get install nasm libgmp-dev)" });
    expect(resolveWitness(["auto", "wasm"], missing).generators).toEqual(["wasm"]);
    expect(resolveWitness(["wasm", "cpp"], missing)).toEqual({ generators: ["wasm", "cpp"] });
  });

  it.each([
    [["--reps", "0"], /--reps/],
    [["--protocols", "groth17"], /unknown protocol/],
    [["--witness", "java"], /unknown witness generator/],
    [["--engine", "gpu"], /unknown prover engine/],
    [["--instances", "n3"], /batch size 3/],
    [["--max-minutes", "x"], /--max-minutes/],
    [["--frobnicate"], /unknown option/],
    [["--baseline", "--no-baseline"], /contradict/],
    [["extra"], /unexpected argument/],
    [["--l1", "mainnet"], /--l1/],
  ])("%j is a usage error", async (argv, message) => {
    await expect(benchCommand(argv)).rejects.toThrow(CliError);
    await expect(benchCommand(argv)).rejects.toThrow(message);
  });
});
