pragma circom 2.1.0;

include "operation.circom";
include "lib/hash_chain.circom";
include "lib/sha256_commitment.circom";

// A batch of nOps operation slots chained through intermediate roots.
// The one public input commits to everything the L1 sees, by `commitment`:
//   0: inputHash = HashChain(rollupId, oldRoot, newRoot, l1Acc, chunk_0 .. chunk_k), the chunks being the
//      posted records (nOps · RECORD_BYTES bytes) cut into 31-byte big-endian integers (cheap here, dear
//      on an EVM: one Poseidon(6) call per five chunks);
//   1: inputHash = SHA-256(rollupId ‖ oldRoot ‖ newRoot ‖ l1Acc ‖ records) mod 2^253 (dear here, ≈ 29k
//      constraints per 64 bytes; nearly free on an EVM, a precompile).
template Batch(nOps, nLevels, arities, commitment) {
    var I = indexBits(nLevels, arities);
    var PATH_LEN = pathLength(nLevels, arities);
    var RECORD_BYTES = (40 + 2 * I + 7) \ 8;
    var DATA_BITS = nOps * RECORD_BYTES * 8;
    var CHUNK_BITS = 248;
    var N_CHUNKS = (DATA_BITS + CHUNK_BITS - 1) \ CHUNK_BITS;

    signal input inputHash;
    signal input rollupId;
    signal input oldRoot;

    signal input kind[nOps];
    signal input from[nOps];
    signal input to[nOps];
    signal input amountMantissa[nOps];
    signal input amountExponent[nOps];
    signal input l1x[nOps];
    signal input l1y[nOps];
    signal input sigR8x[nOps];
    signal input sigR8y[nOps];
    signal input sigS[nOps];
    signal input senderAx[nOps];
    signal input senderAy[nOps];
    signal input senderBalance[nOps];
    signal input senderNonce[nOps];
    signal input senderPath[nOps][PATH_LEN];
    signal input receiverEmpty[nOps];
    signal input receiverAx[nOps];
    signal input receiverAy[nOps];
    signal input receiverBalance[nOps];
    signal input receiverNonce[nOps];
    signal input receiverPath[nOps][PATH_LEN];

    // Rule: the rollup id is 32-bit. Signed messages pack rollupId + 2^32·nonce; a wider id would let
    // (id, nonce) and (id + 2^32, nonce - 1) share a signature across deployments.
    component rollupIdBits = Num2Bits(32);
    rollupIdBits.in <== rollupId;

    component op[nOps];
    for (var i = 0; i < nOps; i++) {
        op[i] = Operation(nLevels, arities);
        op[i].rootIn <== i == 0 ? oldRoot : op[i - 1].rootOut;
        op[i].l1AccIn <== i == 0 ? 0 : op[i - 1].l1AccOut;
        op[i].rollupId <== rollupId;
        op[i].kind <== kind[i];
        op[i].from <== from[i];
        op[i].to <== to[i];
        op[i].amountMantissa <== amountMantissa[i];
        op[i].amountExponent <== amountExponent[i];
        op[i].l1x <== l1x[i];
        op[i].l1y <== l1y[i];
        op[i].sigR8x <== sigR8x[i];
        op[i].sigR8y <== sigR8y[i];
        op[i].sigS <== sigS[i];
        op[i].senderAx <== senderAx[i];
        op[i].senderAy <== senderAy[i];
        op[i].senderBalance <== senderBalance[i];
        op[i].senderNonce <== senderNonce[i];
        op[i].senderPath <== senderPath[i];
        op[i].receiverEmpty <== receiverEmpty[i];
        op[i].receiverAx <== receiverAx[i];
        op[i].receiverAy <== receiverAy[i];
        op[i].receiverBalance <== receiverBalance[i];
        op[i].receiverNonce <== receiverNonce[i];
        op[i].receiverPath <== receiverPath[i];
    }

    signal commitmentOut;
    if (commitment == 0) {
        // Pack the posted bytes into 31-byte chunks (linear: the record bits already exist).
        component chain = HashChain(4 + N_CHUNKS);
        chain.in[0] <== rollupId;
        chain.in[1] <== oldRoot;
        chain.in[2] <== op[nOps - 1].rootOut;
        chain.in[3] <== op[nOps - 1].l1AccOut;
        for (var c = 0; c < N_CHUNKS; c++) {
            var start = c * CHUNK_BITS;
            var len = DATA_BITS - start < CHUNK_BITS ? DATA_BITS - start : CHUNK_BITS;
            var chunk = 0;
            for (var j = 0; j < len; j++) {
                var bit = start + j;
                chunk += op[bit \ (RECORD_BYTES * 8)].recordBits[bit % (RECORD_BYTES * 8)] * (1 << (len - 1 - j));
            }
            chain.in[4 + c] <== chunk;
        }
        commitmentOut <== chain.out;
    } else {
        component sha = Sha256Commitment(DATA_BITS);
        sha.rollupIdBits <== rollupIdBits.out;
        sha.oldRoot <== oldRoot;
        sha.newRoot <== op[nOps - 1].rootOut;
        sha.l1Acc <== op[nOps - 1].l1AccOut;
        for (var bit = 0; bit < DATA_BITS; bit++) {
            sha.data[bit] <== op[bit \ (RECORD_BYTES * 8)].recordBits[bit % (RECORD_BYTES * 8)];
        }
        commitmentOut <== sha.out;
    }
    // Rule: the proof is about exactly this data, these roots and this rollup.
    inputHash === commitmentOut;
}
