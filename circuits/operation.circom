pragma circom 2.1.0;

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "lib/merkle.circom";
include "lib/amount.circom";
include "lib/eddsa_poseidon.circom";

// One operation slot of a batch. Kinds: 0 no-op, 1 transfer, 2 deposit (L1 -> L2), 3 withdraw (L2 -> L1).
// The slot updates a "sender" leaf (transfer, withdraw) and then a "receiver" leaf (transfer, deposit);
// a side that a kind does not use is disabled and leaves the root as it is.
// Account leaf = Poseidon(Ax, Ay, balance, nonce); an empty leaf is 0.
// Posted record (big-endian bits): kind(2) | from(I) | to(I) | amount exponent(4) | amount mantissa(34),
// left-padded to whole bytes, I = index bits (log2 of the account capacity). Signed message: M0 = record + 2^R·(rollupId + 2^32·nonce),
// M1 = L1 recipient (withdrawals; 0 otherwise).
template Operation(nLevels, arities) {
    var I = indexBits(nLevels, arities);
    var PATH_LEN = pathLength(nLevels, arities);
    var RECORD_BITS = 40 + 2 * I;
    var RECORD_BYTES = (RECORD_BITS + 7) \ 8;

    signal input rootIn;
    signal input l1AccIn;
    signal input rollupId;

    signal input kind;
    signal input from;
    signal input to;
    signal input amountMantissa;
    signal input amountExponent;
    signal input l1x;            // deposit: the L2 public key's x; withdraw: the L1 recipient
    signal input l1y;            // deposit: the L2 public key's y; withdraw: 0
    signal input sigR8x;
    signal input sigR8y;
    signal input sigS;
    signal input senderAx;
    signal input senderAy;
    signal input senderBalance;
    signal input senderNonce;
    signal input senderPath[PATH_LEN];
    signal input receiverEmpty;  // deposit into an empty leaf creates the account
    signal input receiverAx;
    signal input receiverAy;
    signal input receiverBalance;
    signal input receiverNonce;
    signal input receiverPath[PATH_LEN];

    signal output rootOut;
    signal output l1AccOut;
    signal output recordBits[RECORD_BYTES * 8];   // most significant first

    // --- kind selectors
    component kindBits = Num2Bits(2);
    kindBits.in <== kind;
    signal isWithdraw <== kindBits.out[0] * kindBits.out[1];
    signal isTransfer <== kindBits.out[0] - isWithdraw;
    signal isDeposit <== kindBits.out[1] - isWithdraw;
    signal senderOn <== kindBits.out[0];            // transfer or withdraw
    signal receiverOn <== isTransfer + isDeposit;    // transfer or deposit
    signal isL1Op <== kindBits.out[1];              // deposit or withdraw
    signal isNoop <== 1 - senderOn - isDeposit;

    component fromBits = Num2Bits(I);
    fromBits.in <== from;
    component toBits = Num2Bits(I);
    toBits.in <== to;
    component amount = DecodeAmount();
    amount.mantissa <== amountMantissa;
    amount.exponent <== amountExponent;

    // Rule: fields a kind does not use are zero, so the posted record is canonical.
    from * (1 - senderOn) === 0;
    to * (1 - receiverOn) === 0;
    (amountMantissa + amountExponent * (1 << 34)) * isNoop === 0;

    // --- the posted record and the signed message
    var record = 0;
    var bitsBE[RECORD_BYTES * 8];
    var pos = RECORD_BYTES * 8;
    for (var i = 0; i < 34; i++) { pos--; bitsBE[pos] = amount.mantissaBits[i]; }
    for (var i = 0; i < 4; i++) { pos--; bitsBE[pos] = amount.exponentBits[i]; }
    for (var i = 0; i < I; i++) { pos--; bitsBE[pos] = toBits.out[i]; }
    for (var i = 0; i < I; i++) { pos--; bitsBE[pos] = fromBits.out[i]; }
    for (var i = 0; i < 2; i++) { pos--; bitsBE[pos] = kindBits.out[i]; }
    while (pos > 0) { pos--; bitsBE[pos] = 0; }
    for (var i = 0; i < RECORD_BYTES * 8; i++) {
        recordBits[i] <== bitsBE[i];
        record += bitsBE[i] * (1 << (RECORD_BYTES * 8 - 1 - i));
    }

    // --- sender: signed, nonce matches and increments, balance covers the amount
    component senderOld = Poseidon(4);
    senderOld.inputs[0] <== senderAx;
    senderOld.inputs[1] <== senderAy;
    senderOld.inputs[2] <== senderBalance;
    senderOld.inputs[3] <== senderNonce;

    // parallel: circom's C++ witness generator checks each signature on its own thread (the wasm one ignores it;
    // the constraints are the same).
    component sig = parallel EdDSAPoseidon2Verifier();
    sig.enabled <== senderOn;
    sig.Ax <== senderAx;
    sig.Ay <== senderAy;
    sig.S <== sigS;
    sig.R8x <== sigR8x;
    sig.R8y <== sigR8y;
    // The nonce is the top field: leaf nonces only ever grow by one from zero, so no range check is needed.
    sig.M0 <== record + (1 << (RECORD_BYTES * 8)) * (rollupId + (1 << 32) * senderNonce);
    sig.M1 <== l1x;

    signal debit <== amount.value * senderOn;
    signal senderNewBalance <== senderBalance - debit;
    // Rule: no underflow (balance >= amount): the new balance is a 64-bit number.
    component senderRange = Num2Bits(64);
    senderRange.in <== senderNewBalance;

    component senderNew = Poseidon(4);
    senderNew.inputs[0] <== senderAx;
    senderNew.inputs[1] <== senderAy;
    senderNew.inputs[2] <== senderNewBalance;
    senderNew.inputs[3] <== senderNonce + 1;

    component senderUpdate = LeafUpdate(nLevels, arities);
    senderUpdate.enabled <== senderOn;
    senderUpdate.rootIn <== rootIn;
    for (var i = 0; i < I; i++) senderUpdate.indexBits[i] <== fromBits.out[i];
    senderUpdate.oldLeaf <== senderOld.out;
    senderUpdate.newLeaf <== senderNew.out;
    for (var k = 0; k < PATH_LEN; k++) senderUpdate.path[k] <== senderPath[k];

    // --- receiver: exists (or is created by a deposit), balance cannot overflow
    receiverEmpty * (receiverEmpty - 1) === 0;
    // Rule: only a deposit may target an empty leaf, and an empty leaf starts at zero.
    receiverEmpty * (1 - isDeposit) === 0;
    receiverEmpty * receiverBalance === 0;
    receiverEmpty * receiverNonce === 0;
    // Rule: a deposit credits the public key queued on L1.
    isDeposit * (receiverAx - l1x) === 0;
    isDeposit * (receiverAy - l1y) === 0;

    component receiverHash = Poseidon(4);
    receiverHash.inputs[0] <== receiverAx;
    receiverHash.inputs[1] <== receiverAy;
    receiverHash.inputs[2] <== receiverBalance;
    receiverHash.inputs[3] <== receiverNonce;
    signal receiverOld <== receiverHash.out * (1 - receiverEmpty);

    signal credit <== amount.value * receiverOn;
    signal receiverNewBalance <== receiverBalance + credit;
    // Rule: no overflow: the new balance is a 64-bit number.
    component receiverRange = Num2Bits(64);
    receiverRange.in <== receiverNewBalance;

    component receiverNew = Poseidon(4);
    receiverNew.inputs[0] <== receiverAx;
    receiverNew.inputs[1] <== receiverAy;
    receiverNew.inputs[2] <== receiverNewBalance;
    receiverNew.inputs[3] <== receiverNonce;

    // Applied after the sender's update: a transfer to oneself spends a nonce and leaves the balance as it was.
    component receiverUpdate = LeafUpdate(nLevels, arities);
    receiverUpdate.enabled <== receiverOn;
    receiverUpdate.rootIn <== senderUpdate.rootOut;
    for (var i = 0; i < I; i++) receiverUpdate.indexBits[i] <== toBits.out[i];
    receiverUpdate.oldLeaf <== receiverOld;
    receiverUpdate.newLeaf <== receiverNew.out;
    for (var k = 0; k < PATH_LEN; k++) receiverUpdate.path[k] <== receiverPath[k];
    rootOut <== receiverUpdate.rootOut;

    // --- L1 messages: deposits and withdrawals extend a hash chain the L1 recomputes from its queue and calldata
    component l1Hash = Poseidon(3);
    l1Hash.inputs[0] <== l1AccIn;
    l1Hash.inputs[1] <== l1x;
    l1Hash.inputs[2] <== l1y;
    l1AccOut <== l1AccIn + isL1Op * (l1Hash.out - l1AccIn);
}
