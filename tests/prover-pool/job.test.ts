/** What arrives from Redis is checked before use: URLs, job data, results (field elements below their modulus). */
import { describe, expect, it } from "vitest";
import { keyCheckBatch } from "../../src/artifacts/key-check.ts";
import { FIELD_MODULUS } from "../../src/crypto/field.ts";
import { PoolError } from "../../src/prover-pool/errors.ts";
import { BASE_FIELD_MODULUS, inputsFromJson, inputsToJson, parseJobData, parseJobResult } from "../../src/prover-pool/job.ts";
import { parseRedisUrl } from "../../src/prover-pool/redis-url.ts";
import { testInstance } from "../helpers/fixtures.ts";

const code = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err instanceof PoolError ? err.code : String(err);
  }
  return "none";
};

describe("redis URLs", () => {
  it("takes redis://HOST[:PORT][/DB] and refuses anything else", () => {
    expect(parseRedisUrl("redis://127.0.0.1:6380")).toMatchObject({ host: "127.0.0.1", port: 6380, db: 0 });
    expect(parseRedisUrl("redis://queue.internal")).toMatchObject({ host: "queue.internal", port: 6379, db: 0 });
    expect(parseRedisUrl("redis://[::1]:7000/3")).toMatchObject({ host: "::1", port: 7000, db: 3 });
    for (const bad of ["http://h:1", "h:6379", "redis://", "redis://h:0", "redis://h:70000", "redis://u:p@h:1", "redis://h:1/x", "redis://h:1?a=b", "rediss://h:1"]) {
      expect(code(() => parseRedisUrl(bad)), bad).toBe("BAD_QUEUE_URL");
    }
  });
});

describe("job data", () => {
  const built = keyCheckBatch(testInstance);
  const json = inputsToJson(built.inputs);
  const data = { format: 1, instance: testInstance.name, zkeySha256: "ab".repeat(32), rollup: "aa", batch: 3, inputs: json, rejectedBy: [] };

  it("round-trips the circuit inputs", () => {
    expect(inputsFromJson(parseJobData(data).inputs, testInstance.ops)).toEqual(built.inputs);
  });

  it("refuses out-of-range, malformed and mis-shaped inputs", () => {
    const withField = (k: string, v: unknown) => ({ ...json, [k]: v });
    expect(code(() => inputsFromJson(withField("oldRoot", FIELD_MODULUS.toString()), 2))).toBe("BAD_JOB");
    expect(code(() => inputsFromJson(withField("oldRoot", "0x10"), 2))).toBe("BAD_JOB");
    expect(code(() => inputsFromJson(withField("oldRoot", "-1"), 2))).toBe("BAD_JOB");
    expect(code(() => inputsFromJson(withField("kind", ["0"]), 2))).toBe("BAD_JOB");
    expect(code(() => inputsFromJson({ ...json, extra: "1" }, 2))).toBe("BAD_JOB");
    expect(code(() => inputsFromJson(json, 4))).toBe("BAD_JOB");
    for (const bad of [{ ...data, instance: "../../etc" }, { ...data, batch: 0 }, { ...data, zkeySha256: "x" }, { ...data, format: 2 }, { ...data, rejectedBy: [1] }, null, []]) {
      expect(code(() => parseJobData(bad))).toBe("BAD_JOB");
    }
  });
});

describe("results", () => {
  const proof = { pi_a: ["1", "2", "1"], pi_b: [["1", "2"], ["3", "4"], ["1", "0"]], pi_c: ["5", "6", "1"], protocol: "groth16", curve: "bn128" };
  const result = { proof, publicSignals: ["7"], worker: "w-1", witnessSeconds: 0.1, proveSeconds: 1, startedAtMs: 1, finishedAtMs: 2 };

  it("takes a well-formed result", () => {
    expect(parseJobResult(result).proof.pi_a).toEqual(["1", "2", "1"]);
  });

  it("refuses coordinates at or above the base field modulus, signals at or above the scalar field's, and other shapes", () => {
    const bads = [
      { ...result, proof: { ...proof, pi_a: [BASE_FIELD_MODULUS.toString(), "2", "1"] } },
      { ...result, proof: { ...proof, pi_b: [["1", "2"], ["3", "4"]] } },
      { ...result, proof: { ...proof, protocol: "plonk" } },
      { ...result, publicSignals: [FIELD_MODULUS.toString()] },
      { ...result, publicSignals: ["7", "8"] },
      { ...result, worker: "a b" },
      { ...result, proveSeconds: -1 },
      { ...result, proof: { ...proof, pi_c: ["1e3", "6", "1"] } },
      "x",
    ];
    for (const bad of bads) expect(code(() => parseJobResult(bad))).toBe("BAD_RESULT");
  });
});
