// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// Whether an L2 public key can ever sign: a Baby Jubjub point (a·x² + y² = 1 + d·x²·y² mod p) whose
/// 8·A is not the identity (circuits/lib/eddsa_poseidon.circom rejects small-order keys). The bridges
/// refuse deposits to any other key: those funds could never be spent. src/crypto/eddsa.ts
/// isValidPublicKey is the client's copy of the question (the circuit is the rule).
library BabyJubjubKey {
    uint256 internal constant P = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 internal constant A = 168700;
    uint256 internal constant D = 168696;

    function isValid(uint256 x, uint256 y) internal pure returns (bool) {
        if (x >= P || y >= P) return false;
        uint256 x2 = mulmod(x, x, P);
        uint256 y2 = mulmod(y, y, P);
        if (addmod(mulmod(A, x2, P), y2, P) != addmod(1, mulmod(mulmod(D, x2, P), y2, P), P)) return false;
        // 8·A by three projective doublings (EFD dbl-2008-bbjlp; the curve is complete, so Z never vanishes).
        uint256 X = x;
        uint256 Y = y;
        uint256 Z = 1;
        for (uint256 i; i < 3; ++i) {
            uint256 b = mulmod(addmod(X, Y, P), addmod(X, Y, P), P);
            uint256 c = mulmod(X, X, P);
            uint256 d = mulmod(Y, Y, P);
            uint256 e = mulmod(A, c, P);
            uint256 f = addmod(e, d, P);
            uint256 j = addmod(f, P - mulmod(2, mulmod(Z, Z, P), P), P);
            X = mulmod(addmod(b, P - addmod(c, d, P), P), j, P);
            Y = mulmod(f, addmod(e, P - d, P), P);
            Z = mulmod(f, j, P);
        }
        return X != 0;
    }
}
