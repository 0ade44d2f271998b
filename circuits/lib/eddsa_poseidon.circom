pragma circom 2.1.0;

// circomlib's EdDSAPoseidonVerifier (circuits/eddsaposeidon.circom, GPL-3.0) with one change:
// the signed message is two field elements, h = Poseidon(R8x, R8y, Ax, Ay, M0, M1), so a
// withdrawal can sign its 160-bit L1 recipient beside the packed operation (+33 constraints
// over the one-element version). Every check of the original is kept.
include "circomlib/circuits/compconstant.circom";
include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/escalarmulany.circom";
include "circomlib/circuits/escalarmulfix.circom";

template EdDSAPoseidon2Verifier() {
    signal input enabled;
    signal input Ax;
    signal input Ay;
    signal input S;
    signal input R8x;
    signal input R8y;
    signal input M0;
    signal input M1;

    // S < subgroup order (no malleable signatures).
    component snum2bits = Num2Bits(253);
    snum2bits.in <== S;
    component compConstant = CompConstant(2736030358979909402780800718157159386076813972158567259200215660948447373040);
    for (var i = 0; i < 253; i++) snum2bits.out[i] ==> compConstant.in[i];
    compConstant.in[253] <== 0;
    compConstant.out * enabled === 0;

    // h = H(R, A, message)
    component hash = Poseidon(6);
    hash.inputs[0] <== R8x;
    hash.inputs[1] <== R8y;
    hash.inputs[2] <== Ax;
    hash.inputs[3] <== Ay;
    hash.inputs[4] <== M0;
    hash.inputs[5] <== M1;
    component h2bits = Num2Bits_strict();
    h2bits.in <== hash.out;

    // 8·A by three doublings (this also clears the cofactor), and A must not be of small order.
    component dbl1 = BabyDbl();
    dbl1.x <== Ax;
    dbl1.y <== Ay;
    component dbl2 = BabyDbl();
    dbl2.x <== dbl1.xout;
    dbl2.y <== dbl1.yout;
    component dbl3 = BabyDbl();
    dbl3.x <== dbl2.xout;
    dbl3.y <== dbl2.yout;
    component isZero = IsZero();
    isZero.in <== dbl3.x;
    isZero.out * enabled === 0;

    component mulAny = EscalarMulAny(254);
    for (var i = 0; i < 254; i++) mulAny.e[i] <== h2bits.out[i];
    mulAny.p[0] <== dbl3.xout;
    mulAny.p[1] <== dbl3.yout;

    // right = R8 + h·8·A
    component addRight = BabyAdd();
    addRight.x1 <== R8x;
    addRight.y1 <== R8y;
    addRight.x2 <== mulAny.out[0];
    addRight.y2 <== mulAny.out[1];

    // left = S·B8
    var BASE8[2] = [
        5299619240641551281634865583518297030282874472190772894086521144482721001553,
        16950150798460657717958625567821834550301663161624707787222815936182638968203
    ];
    component mulFix = EscalarMulFix(253, BASE8);
    for (var i = 0; i < 253; i++) mulFix.e[i] <== snum2bits.out[i];

    component eqCheckX = ForceEqualIfEnabled();
    eqCheckX.enabled <== enabled;
    eqCheckX.in[0] <== mulFix.out[0];
    eqCheckX.in[1] <== addRight.xout;
    component eqCheckY = ForceEqualIfEnabled();
    eqCheckY.enabled <== enabled;
    eqCheckY.in[0] <== mulFix.out[1];
    eqCheckY.in[1] <== addRight.yout;
}
