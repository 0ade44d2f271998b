import { describe, expect, it } from "vitest";
import { countConstraints } from "../../src/artifacts/compile.ts";

// The parts of an operation slot, pinned (npm run test:long); the whole slot is pinned in constraints.test.ts.
describe("constraint counts of a slot's parts (circom --O2)", () => {
  it("leaf update (verify old + compute new) at 65,536 accounts", async () => {
    expect(await countConstraints(`include "lib/merkle.circom";\ncomponent main = LeafUpdate(6, [4, 4, 8, 8, 8, 8]);`)).toBe(4504);
  });

  it("EdDSA-Poseidon verifier with a two-element message: circomlib's + 33", async () => {
    const ours = await countConstraints(`include "lib/eddsa_poseidon.circom";\ncomponent main = EdDSAPoseidon2Verifier();`);
    const circomlib = await countConstraints(`include "circomlib/circuits/eddsaposeidon.circom";\ncomponent main = EdDSAPoseidonVerifier();`);
    expect([ours, circomlib]).toEqual([4250, 4217]);
  });
});
