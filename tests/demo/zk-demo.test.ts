import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runZkDemo } from "../../src/demo/zk-demo.ts";
import { verifyBatchFolder } from "../../src/verify/verify-batch.ts";
import { shutdownProver } from "../../src/prover/prove.ts";
import { testInstance } from "../helpers/fixtures.ts";

describe("the zk demo end to end (test instance)", () => {
  it("deposits, transfers, proofs accepted on L1, a withdrawal paid, state rebuilt from L1 data", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "zkr-demo-"));
    const report = await runZkDemo({ instance: testInstance, users: 2, transfers: 3, seed: 5, outDir, log: () => {} });
    expect(report.batches.length).toBeGreaterThanOrEqual(3);
    expect(report.batches.reduce((n, b) => n + b.counts.deposits, 0)).toBe(2);
    expect(report.batches.reduce((n, b) => n + b.counts.transfers, 0)).toBe(3);
    expect(report.withdrawal).toBeDefined();
    expect(BigInt(report.withdrawal!.amount)).toBeGreaterThan(0n);
    expect(report.withdrawal!.paidAt).toBeGreaterThanOrEqual(report.withdrawal!.requestedAt);
    expect(report.reconstructedRootMatches).toBe(true);
    for (const b of report.batches) {
      expect(b.acceptedAt).toBeGreaterThanOrEqual(b.cutAt + b.proveSeconds);
      expect((await verifyBatchFolder(b.folder)).valid).toBe(true);
    }
    await shutdownProver();
  });
});
