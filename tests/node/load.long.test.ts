/**
 * The load test, light: a node in its own process, a few clients, a fixed number of transfers. No timing
 * assertions — only that everything sent was accepted and that admissions went on while a proof ran.
 */
import { describe, expect, it } from "vitest";
import { formatLoadReport, runLoad } from "../../src/node/load.ts";
import { testInstance } from "../helpers/fixtures.ts";

describe("node under a bounded load", () => {
  it("admits every transfer, also while a proof is running", async () => {
    const report = await runLoad({ instance: testInstance, clients: 4, requestsPerClient: 5, startDuringProof: true });
    console.log(formatLoadReport(report));
    expect(report.sent).toBe(20);
    expect(report.accepted).toBe(20);
    expect(report.refused).toEqual({});
    expect(report.proofsDuringLoad).toBeGreaterThan(0);
    expect(report.admittedDuringProof).toBeGreaterThan(0);
    expect(report.latencyMs.p50).toBeLessThanOrEqual(report.latencyMs.p99);
  }, 180_000);
});
