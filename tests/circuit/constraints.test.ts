import { describe, expect, it } from "vitest";
import { countConstraints } from "../../src/artifacts/compile.ts";
import { testArtifacts } from "../helpers/fixtures.ts";

// Pinned counts: a change that adds constraints shows up here and must be deliberate (the parts of a slot
// are pinned in constraints.long.test.ts).
describe("constraint counts (circom --O2)", () => {
  it("test instance batch_n2_d2_a4", () => {
    expect(testArtifacts().circuit.constraints).toBe(16998);  // +32: the 32-bit range check on rollupId
  });

  it("one operation slot at 65,536 accounts (tree 4x2-8x4) is within the 15,000 goal", async () => {
    const n = await countConstraints(`include "operation.circom";\ncomponent main = Operation(6, [4, 4, 8, 8, 8, 8]);`);
    expect(n).toBe(14925);
    expect(n).toBeLessThanOrEqual(15000);
  });
});
