pragma circom 2.1.0;

include "circomlib/circuits/poseidon.circom";

// Hashes a list with Poseidon of width 6: h = P(e0..e5), then h = P(h, next five), zero-padded.
// Mirrored by hashChain() in src/state/hash.ts; on an EVM each step is one Poseidon(6) call.
template HashChain(n) {
    signal input in[n];
    signal output out;

    var steps = n <= 6 ? 1 : 1 + (n - 6 + 4) \ 5;
    component h[steps];
    for (var s = 0; s < steps; s++) {
        h[s] = Poseidon(6);
        var first = s == 0 ? 0 : 6 + (s - 1) * 5;
        var slot = 0;
        if (s > 0) {
            h[s].inputs[0] <== h[s - 1].out;
            slot = 1;
        }
        for (var k = slot; k < 6; k++) {
            var idx = first + k - slot;
            if (idx < n) {
                h[s].inputs[k] <== in[idx];
            } else {
                h[s].inputs[k] <== 0;
            }
        }
    }
    out <== h[steps - 1].out;
}
