pragma circom 2.1.0;

include "circomlib/circuits/sha256/sha256.circom";
include "circomlib/circuits/bitify.circom";

// The public input as SHA-256 of the bytes the L1 sees, with its top 3 bits cleared so it is a field
// element (< 2^253 < p):
//   SHA-256(rollupId: 4 bytes ‖ oldRoot ‖ newRoot ‖ l1Acc: 32 bytes each ‖ records) mod 2^253
// all big-endian. Mirrored by batchInputHash() in src/state/batch.ts and computed by ZkRollup.sol with the
// SHA-256 precompile (60 + 12 gas a word) instead of Poseidon calls (≈ 138k gas each on the EVM).
//
// The roots are decomposed with Num2Bits(254), which also admits x + p for a small x. No aliasing check
// is needed: the L1 hashes the canonical bytes, so a witness using any other decomposition hashes other
// bytes and cannot match the public input (short of a SHA-256 collision).
template Sha256Commitment(DATA_BITS) {
    signal input rollupIdBits[32];   // little-endian, from the rollup id's Num2Bits(32)
    signal input oldRoot;
    signal input newRoot;
    signal input l1Acc;
    signal input data[DATA_BITS];    // the records' bits, most significant first
    signal output out;

    var N = 32 + 3 * 256 + DATA_BITS;
    component sha = Sha256(N);
    for (var k = 0; k < 32; k++) sha.in[k] <== rollupIdBits[31 - k];

    component word[3];
    for (var w = 0; w < 3; w++) word[w] = Num2Bits(254);
    word[0].in <== oldRoot;
    word[1].in <== newRoot;
    word[2].in <== l1Acc;
    for (var w = 0; w < 3; w++) {
        var offset = 32 + w * 256;
        sha.in[offset] <== 0;
        sha.in[offset + 1] <== 0;
        for (var k = 0; k < 254; k++) sha.in[offset + 2 + k] <== word[w].out[253 - k];
    }

    for (var k = 0; k < DATA_BITS; k++) sha.in[32 + 3 * 256 + k] <== data[k];

    // The digest's bits, most significant first; drop the top three.
    var acc = 0;
    for (var k = 3; k < 256; k++) acc += sha.out[k] * (1 << (255 - k));
    out <== acc;
}
