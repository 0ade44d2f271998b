// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import "./ByteOrder.sol";

/// EdDSA-Poseidon signature checks on Baby Jubjub, the EVM twin of src/crypto/eddsa.ts (circomlibjs):
/// `unpackPoint` decodes a signature's packed R8 exactly as circomlibjs's unpackPoint, `verify` makes the
/// checks of eddsa.ts's verify: S < l, A and R8 on the curve, 8·A not of x = 0, S·B8 = R8 + 8·h·A.
/// The hash h = Poseidon(R8x, R8y, Ax, Ay, M0, M1) is the caller's (a Poseidon(6) contract call).
///
/// Deployed on its own and called with STATICCALL (like the Poseidon contracts), so the simulated L1 can
/// run the same bytecode in an in-process EVM and charge the gas it measures (src/l1/eddsa-contract.ts).
///
/// Both functions take the signature bytes as calldata words read big-endian: circomlibjs packs them
/// little-endian, so they are byte-reversed here.
contract BabyJubjubEdDSA {
    /// The BN254 scalar field: Baby Jubjub's base field.
    uint256 internal constant P = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// Twisted Edwards a·x² + y² = 1 + d·x²·y².
    uint256 internal constant A = 168700;
    uint256 internal constant D = 168696;
    /// Order of the prime subgroup (circomlibjs's subOrder).
    uint256 internal constant L = 2736030358979909402780800718157159386076813972158567259200215660948447373041;
    uint256 internal constant B8X = 5299619240641551281634865583518297030282874472190772894086521144482721001553;
    uint256 internal constant B8Y = 16950150798460657717958625567821834550301663161624707787222815936182638968203;
    /// p − 1 = 2^28 · T (T odd); C = 5^T, 5 being the least quadratic non-residue (Tonelli–Shanks).
    uint256 internal constant T = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f;
    uint256 internal constant T_PLUS_1_HALF = 0x183227397098d014dc2822db40c0ac2e9419f4243cdcb848a1f0faca0;
    uint256 internal constant C = 19103219067921713944291392827692070036145651957329286315305642004821462161904;
    uint256 internal constant HALF = (P - 1) / 2;

    /// circomlibjs's unpackPoint: y = the low 255 bits (reduced mod p), x = the root of
    /// (1 − y²)/(a − d·y²) that is ≤ (p−1)/2, negated when the top bit is set. No point (ok = false) when
    /// that is not a non-zero square.
    function unpackPoint(uint256 packedWord) external view returns (bool ok, uint256 x, uint256 y) {
        uint256 v = ByteOrder.reverseBytes(packedWord);
        bool sign = v >> 255 == 1;
        y = (v & ((1 << 255) - 1)) % P;
        uint256 y2 = mulmod(y, y, P);
        uint256 den = addmod(A, P - mulmod(D, y2, P), P);
        if (den == 0) return (false, 0, 0);
        uint256 x2 = mulmod(addmod(1, P - y2, P), expmod(den, P - 2), P);
        if (expmod(x2, HALF) != 1) return (false, 0, 0);
        x = sqrt(x2);
        if (sign) x = P - x;
        ok = true;
    }

    /// eddsa.ts's verify: S (packed little-endian in `sWord`) < l, A and R8 on the curve, 8·A with x ≠ 0,
    /// and S·B8 = R8 + h·(8·A), checked as S·B8 + h·(−8·A) = R8 in projective coordinates.
    function verify(uint256 ax, uint256 ay, uint256 r8x, uint256 r8y, uint256 sWord, uint256 h) external pure returns (bool) {
        uint256 s = ByteOrder.reverseBytes(sWord);
        if (s >= L) return false;
        ax %= P;
        ay %= P;
        r8x %= P;
        r8y %= P;
        if (!onCurve(ax, ay) || !onCurve(r8x, r8y)) return false;
        bool ok;
        assembly {
            // Points are 3 words (X, Y, Z) in memory. Table: [acc][B8][−8A][B8 − 8A].
            let m := mload(0x40)
            let acc := m
            let q := add(m, 96)

            // 8·A
            mstore(q, ax)
            mstore(add(q, 32), ay)
            mstore(add(q, 64), 1)
            pointDouble(q)
            pointDouble(q)
            pointDouble(q)
            switch iszero(mload(q))
            case 1 {
                ok := 0
            }
            default {
                // −8A in slot 2, B8 in slot 1, B8 − 8A in slot 3
                let na := add(q, 96)
                mstore(na, sub(P, mload(q)))
                mstore(add(na, 32), mload(add(q, 32)))
                mstore(add(na, 64), mload(add(q, 64)))
                mstore(q, B8X)
                mstore(add(q, 32), B8Y)
                mstore(add(q, 64), 1)
                let both := add(q, 192)
                mstore(both, B8X)
                mstore(add(both, 32), B8Y)
                mstore(add(both, 64), 1)
                pointAdd(both, na)

                // Shamir's trick over the bits of S and h, from bit 253 down (h < p < 2^254).
                mstore(acc, 0)
                mstore(add(acc, 32), 1)
                mstore(add(acc, 64), 1)
                for { let i := 254 } i {} {
                    i := sub(i, 1)
                    pointDouble(acc)
                    let sel := or(and(shr(i, s), 1), shl(1, and(shr(i, h), 1)))
                    if sel { pointAdd(acc, add(m, mul(sel, 96))) }
                }
                let z := mload(add(acc, 64))
                ok := and(eq(mload(acc), mulmod(r8x, z, P)), eq(mload(add(acc, 32)), mulmod(r8y, z, P)))
            }

            // add-2008-bbjlp (complete on Baby Jubjub: a square, d not): p += o.
            function pointAdd(p, o) {
                let pp := 21888242871839275222246405745257275088548364400416034343698204186575808495617
                let a := mulmod(mload(add(p, 64)), mload(add(o, 64)), pp)
                let b := mulmod(a, a, pp)
                let c := mulmod(mload(p), mload(o), pp)
                let d := mulmod(mload(add(p, 32)), mload(add(o, 32)), pp)
                let e := mulmod(mulmod(168696, c, pp), d, pp)
                let f := addmod(b, sub(pp, e), pp)
                let g := addmod(b, e, pp)
                let xs := mulmod(addmod(mload(p), mload(add(p, 32)), pp), addmod(mload(o), mload(add(o, 32)), pp), pp)
                xs := addmod(xs, sub(pp, addmod(c, d, pp)), pp)
                mstore(p, mulmod(mulmod(a, f, pp), xs, pp))
                mstore(add(p, 32), mulmod(mulmod(a, g, pp), addmod(d, sub(pp, mulmod(168700, c, pp)), pp), pp))
                mstore(add(p, 64), mulmod(f, g, pp))
            }

            // dbl-2008-bbjlp: p = 2·p.
            function pointDouble(p) {
                let pp := 21888242871839275222246405745257275088548364400416034343698204186575808495617
                let x := mload(p)
                let y := mload(add(p, 32))
                let xy := addmod(x, y, pp)
                let b := mulmod(xy, xy, pp)
                let c := mulmod(x, x, pp)
                let d := mulmod(y, y, pp)
                let e := mulmod(168700, c, pp)
                let f := addmod(e, d, pp)
                let z := mload(add(p, 64))
                let h2 := mulmod(z, z, pp)
                let j := addmod(f, sub(pp, addmod(h2, h2, pp)), pp)
                mstore(p, mulmod(addmod(b, sub(pp, addmod(c, d, pp)), pp), j, pp))
                mstore(add(p, 32), mulmod(f, addmod(e, sub(pp, d), pp), pp))
                mstore(add(p, 64), mulmod(f, j, pp))
            }
        }
        return ok;
    }

    function onCurve(uint256 x, uint256 y) internal pure returns (bool) {
        uint256 x2 = mulmod(x, x, P);
        uint256 y2 = mulmod(y, y, P);
        return addmod(mulmod(A, x2, P), y2, P) == addmod(1, mulmod(D, mulmod(x2, y2, P), P), P);
    }

    /// Tonelli–Shanks for a non-zero square n, as ffjavascript's: returns the root ≤ (p−1)/2.
    function sqrt(uint256 n) internal view returns (uint256 r) {
        uint256 m = 28;
        uint256 c = C;
        uint256 t = expmod(n, T);
        r = expmod(n, T_PLUS_1_HALF);
        while (t != 1) {
            uint256 i = 0;
            uint256 sq = t;
            while (sq != 1) {
                sq = mulmod(sq, sq, P);
                ++i;
            }
            uint256 b = c;
            for (uint256 j = m - i - 1; j > 0; --j) b = mulmod(b, b, P);
            m = i;
            c = mulmod(b, b, P);
            t = mulmod(t, c, P);
            r = mulmod(r, b, P);
        }
        if (r > HALF) r = P - r;
    }

    /// base^e mod p with the MODEXP precompile (EIP-198, priced by EIP-2565).
    function expmod(uint256 base, uint256 e) internal view returns (uint256 out) {
        assembly {
            let m := mload(0x40)
            mstore(m, 32)
            mstore(add(m, 32), 32)
            mstore(add(m, 64), 32)
            mstore(add(m, 96), base)
            mstore(add(m, 128), e)
            mstore(add(m, 160), P)
            if iszero(staticcall(gas(), 0x05, m, 192, m, 32)) { revert(0, 0) }
            out := mload(m)
        }
    }

}
