/**
 * A state file (verify --reexecute STATE.json) is input from outside: every word is range-checked before
 * it is hashed. The leaf hash reduces mod p, so a balance of b + p would hash to the same root as b.
 */
import { describe, expect, it } from "vitest";
import { FIELD_MODULUS } from "../../src/crypto/field.ts";
import { MerkleTree, stateFromJson, stateToJson } from "../../src/state/index.ts";
import { fundedState } from "../helpers/fixtures.ts";

function malformed(json: unknown): void {
  expect(() => stateFromJson(json)).toThrow(expect.objectContaining({ code: "MALFORMED" }));
}

describe("state files", () => {
  it("round-trip", () => {
    const { state } = fundedState();
    expect(stateFromJson(JSON.parse(JSON.stringify(stateToJson(state)))).root).toBe(state.root);
  });

  it("refuse a balance aliased by +p although it hashes to the same root", () => {
    const { state } = fundedState();
    const j = stateToJson(state);
    const first = j.accounts[0]!;
    malformed({ ...j, accounts: [{ ...first, balance: (BigInt(first.balance) + FIELD_MODULUS).toString() }, ...j.accounts.slice(1)] });
    malformed({ ...j, accounts: [{ ...first, nonce: FIELD_MODULUS.toString() }, ...j.accounts.slice(1)] });
  });

  it("refuse indices outside the tree or given twice, numbers that are not decimal strings, bad trees", () => {
    const { state } = fundedState();
    const j = stateToJson(state);
    const first = j.accounts[0]!;
    malformed({ ...j, accounts: [...j.accounts, first] });
    malformed({ ...j, accounts: [{ ...first, index: 16 }] });
    malformed({ ...j, accounts: [{ ...first, index: -1 }] });
    malformed({ ...j, accounts: [{ ...first, balance: "0x10" }] });
    malformed({ ...j, accounts: [{ ...first, balance: 16 }] });
    malformed({ ...j, root: "abc" });
    malformed({ ...j, arities: [] });
    malformed({ ...j, arities: [0, 4] });
    malformed({ ...j, arities: Array.from({ length: 33 }, () => 2) });
    malformed(null);
    malformed({ arities: [4, 4] });
    expect(() => new MerkleTree([])).toThrow(expect.objectContaining({ code: "MALFORMED" }));
  });
});
