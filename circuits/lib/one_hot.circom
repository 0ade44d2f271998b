pragma circom 2.1.0;

// Turns the little-endian bits of a position into a one-hot vector of length 2^nBits.
// Builds the upper half from the lower half with products; the last entry of each half is a
// linear remainder (the vector sums to one), so 2 bits cost one constraint.
template OneHot(nBits) {
    signal input bits[nBits];
    signal output out[1 << nBits];

    if (nBits == 1) {
        out[0] <== 1 - bits[0];
        out[1] <== bits[0];
    } else {
        var half = 1 << (nBits - 1);
        component low = OneHot(nBits - 1);
        for (var i = 0; i < nBits - 1; i++) low.bits[i] <== bits[i];
        signal upper[half];
        var sumUpper = 0;
        for (var j = 0; j < half - 1; j++) {
            upper[j] <== low.out[j] * bits[nBits - 1];
            sumUpper += upper[j];
        }
        upper[half - 1] <== bits[nBits - 1] - sumUpper;
        for (var j = 0; j < half; j++) {
            out[j] <== low.out[j] - upper[j];
            out[half + j] <== upper[j];
        }
    }
}
