import { describe, expect, it } from "vitest";
import { newPrivateKey, publicKeyOf, sign, verify } from "../../src/crypto/index.ts";

describe("EdDSA-Poseidon with a two-element message", () => {
  const key = newPrivateKey();
  const pk = publicKeyOf(key);
  const sig = sign(key, [11n, 22n]);

  it("verifies its own signature", () => {
    expect(verify(pk, [11n, 22n], sig)).toBe(true);
  });

  it("rejects another message, another key, a changed S, and S >= the subgroup order", () => {
    expect(verify(pk, [11n, 23n], sig)).toBe(false);
    expect(verify(pk, [12n, 22n], sig)).toBe(false);
    expect(verify(publicKeyOf(newPrivateKey()), [11n, 22n], sig)).toBe(false);
    expect(verify(pk, [11n, 22n], { ...sig, s: sig.s + 1n })).toBe(false);
    const l = 2736030358979909402780800718157159386076813972158567259200215660948447373041n;
    expect(verify(pk, [11n, 22n], { ...sig, s: sig.s + l })).toBe(false);
  });

  it("is deterministic", () => {
    expect(sign(key, [11n, 22n])).toEqual(sig);
  });
});
