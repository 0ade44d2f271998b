pragma circom 2.1.0;

include "circomlib/circuits/poseidon.circom";
include "one_hot.circom";

function log2Arity(arity) {
    var b = 0;
    while ((1 << b) < arity) b++;
    return b;
}

// Index bits of a tree whose level l (bottom-up) has arities[l] children (each a power of two).
function indexBits(nLevels, arities) {
    var bits = 0;
    for (var l = 0; l < nLevels; l++) bits += log2Arity(arities[l]);
    return bits;
}

// Children stored for a path: the sum of the arities.
function pathLength(nLevels, arities) {
    var n = 0;
    for (var l = 0; l < nLevels; l++) n += arities[l];
    return n;
}

// Replaces one leaf of a Poseidon Merkle tree with nLevels levels; level l (bottom-up) hashes
// arities[l] children with Poseidon(arities[l]). `path` holds, level after level, all children of
// each level, the current node included at its position. Verify-old and compute-new share the path, the position decoding and the selectors:
// the new children differ from the old ones only at the selected position.
// When `enabled` is 0 the old root is not checked and `rootOut` equals `rootIn`.
template LeafUpdate(nLevels, arities) {
    var N_BITS = indexBits(nLevels, arities);
    var PATH_LEN = pathLength(nLevels, arities);
    signal input enabled;
    signal input rootIn;
    signal input indexBits[N_BITS];      // little-endian, lowest level first
    signal input oldLeaf;
    signal input newLeaf;
    signal input path[PATH_LEN];
    signal output rootOut;

    signal curOld[nLevels + 1];
    signal curNew[nLevels + 1];
    curOld[0] <== oldLeaf;
    curNew[0] <== newLeaf;

    component sel[nLevels];
    component hashOld[nLevels];
    component hashNew[nLevels];
    signal picked[PATH_LEN];
    signal delta[PATH_LEN];
    var bit = 0;
    var at = 0;
    for (var l = 0; l < nLevels; l++) {
        var arity = arities[l];
        var B = log2Arity(arity);
        sel[l] = OneHot(B);
        for (var b = 0; b < B; b++) sel[l].bits[b] <== indexBits[bit + b];

        // Rule: the node computed so far sits at the index's position among the old children.
        var pickedSum = 0;
        for (var j = 0; j < arity; j++) {
            picked[at + j] <== sel[l].out[j] * path[at + j];
            pickedSum += picked[at + j];
        }
        pickedSum === curOld[l];

        hashOld[l] = Poseidon(arity);
        hashNew[l] = Poseidon(arity);
        for (var j = 0; j < arity; j++) {
            delta[at + j] <== sel[l].out[j] * (curNew[l] - curOld[l]);
            hashOld[l].inputs[j] <== path[at + j];
            hashNew[l].inputs[j] <== path[at + j] + delta[at + j];
        }
        curOld[l + 1] <== hashOld[l].out;
        curNew[l + 1] <== hashNew[l].out;
        bit += B;
        at += arity;
    }

    // Rule: the old leaf is in the tree under rootIn.
    (curOld[nLevels] - rootIn) * enabled === 0;
    rootOut <== rootIn + enabled * (curNew[nLevels] - rootIn);
}
