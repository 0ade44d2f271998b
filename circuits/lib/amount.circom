pragma circom 2.1.0;

include "circomlib/circuits/bitify.circom";

// A posted amount is mantissa · 10^exponent (34-bit mantissa, 4-bit exponent: 38 bits on L1).
// The value is below 2^34 · 10^15 < 2^84, far from the field size, so it can never wrap;
// balances are range-checked after they change, which bounds every amount actually moved.
template DecodeAmount() {
    signal input mantissa;
    signal input exponent;
    signal output value;
    signal output mantissaBits[34];
    signal output exponentBits[4];

    component m = Num2Bits(34);
    m.in <== mantissa;
    component e = Num2Bits(4);
    e.in <== exponent;
    for (var i = 0; i < 34; i++) mantissaBits[i] <== m.out[i];
    for (var i = 0; i < 4; i++) exponentBits[i] <== e.out[i];

    // 10^e = prod over exponent bits of (1 + bit·(10^(2^k) - 1))
    signal pow[4];
    pow[0] <== 1 + e.out[0] * 9;
    pow[1] <== pow[0] * (1 + e.out[1] * 99);
    pow[2] <== pow[1] * (1 + e.out[2] * 9999);
    pow[3] <== pow[2] * (1 + e.out[3] * 99999999);
    value <== mantissa * pow[3];
}
