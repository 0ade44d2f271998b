pragma circom 2.1.0;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "lib/merkle.circom";
include "lib/eddsa_poseidon.circom";

// An exit claim (exit mode, contracts/RollupBridge.sol claimExit): account `index` holds `balance` under
// `root`, and its key signed the claim message (Poseidon(EXIT_TAG, rollupId, index), recipient), the
// message src/l1/forced-exit-types.ts exitClaimMessage builds. The L1 supplies every public input itself
// (the exit root, its rollupId) or range-checks it from calldata (index, recipient, balance), so a proof
// pays this balance of this account to this recipient on this rollup only.
template ExitClaim(nLevels, arities) {
    var I = indexBits(nLevels, arities);
    var PATH_LEN = pathLength(nLevels, arities);
    var EXIT_TAG = 0x65786974; // "exit"

    signal input root;
    signal input rollupId;
    signal input index;
    signal input recipient;
    signal input balance;

    signal input ax;
    signal input ay;
    signal input nonce;
    signal input path[PATH_LEN];
    signal input sigR8x;
    signal input sigR8y;
    signal input sigS;

    // Rule: the index is a leaf of this tree (its bits also pick the path's positions).
    component indexBits = Num2Bits(I);
    indexBits.in <== index;

    // Rule: the account (key, balance, nonce) is the leaf at `index` under `root`. The claimed balance is
    // nonzero (checked by the L1), so the leaf is not the empty one and is Poseidon of its fields.
    component leaf = Poseidon(4);
    leaf.inputs[0] <== ax;
    leaf.inputs[1] <== ay;
    leaf.inputs[2] <== balance;
    leaf.inputs[3] <== nonce;
    // The batch circuit's path rule, with the leaf left as it is: rootOut is root exactly when the path
    // leads from this leaf to root.
    component inTree = LeafUpdate(nLevels, arities);
    inTree.enabled <== 1;
    inTree.rootIn <== root;
    for (var b = 0; b < I; b++) inTree.indexBits[b] <== indexBits.out[b];
    inTree.oldLeaf <== leaf.out;
    inTree.newLeaf <== leaf.out;
    for (var j = 0; j < PATH_LEN; j++) inTree.path[j] <== path[j];

    // Rule: the account's key signed this claim.
    component message = Poseidon(3);
    message.inputs[0] <== EXIT_TAG;
    message.inputs[1] <== rollupId;
    message.inputs[2] <== index;
    component sig = EdDSAPoseidon2Verifier();
    sig.enabled <== 1;
    sig.Ax <== ax;
    sig.Ay <== ay;
    sig.S <== sigS;
    sig.R8x <== sigR8x;
    sig.R8y <== sigR8y;
    sig.M0 <== message.out;
    sig.M1 <== recipient;
}
