// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import "./RollupBridge.sol";

/// snarkjs's Groth16 verifier (`snarkjs zkey export solidityverifier`) for a circuit with one public input.
interface IGroth16Verifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[1] calldata pubSignals
    ) external view returns (bool);
}

/// circomlibjs's generated Poseidon contracts (`poseidonContract.createCode(n)`), called with STATICCALL.
interface IPoseidon3 {
    function poseidon(uint256[3] calldata inputs) external pure returns (uint256);
}

interface IPoseidon6 {
    function poseidon(uint256[6] calldata inputs) external pure returns (uint256);
}

/// The zk rollup on an EVM; the bridge, the account proofs and the forced exit are RollupBridge's.
///
/// A batch's root is stored only after the Groth16 proof verifies against the one public input
///   inputHash = HashChain(rollupId, currentRoot, newRoot, l1Acc, 31-byte chunks of the records)
/// which this contract computes itself, as src/state/batch.ts does: l1Acc is a Poseidon(3) chain over
/// the deposits' L2 keys taken from its own queue (in order; each deposit record's amount must equal the
/// queued amount) and the withdrawals' L1 recipients taken from the calldata; the hash chain is a width-6
/// Poseidon chain. So a proof is only ever about the posted data, the queue and the current root.
///
/// Revert reasons are custom errors named like the simulated L1's revert codes (src/l1/errors.ts), so a
/// client maps one to the other by name.
///
/// Calldata of submitBatch is packed exactly as src/l1/calldata.ts encodes it (the same bytes the simulated
/// L1 charges), under the selector of submitBatch(uint256,uint256[8],bytes,address[]):
///   selector (4) | newRoot (32) | proof: 8 words (256) | records length (32) | records
///   | recipient count (32) | recipients (20 bytes each)
/// Being packed, it is dispatched from the fallback function, as are the forced-exit calls (RollupBridge).
/// deposit and claimWithdrawal are plain ABI.
///
/// An accepted batch cannot be rolled back (its proof was verified; L1 reorgs are not modelled): it is
/// final for the forced exit at once (a request it carries is served), while its withdrawals are payable
/// `finalityBlocks` after it. Each batch's root is kept, for account proofs under it.
///
/// Amounts: one L2 balance unit is one wei.
contract ZkRollup is RollupBridge {
    error BAD_RECORDS_LENGTH(uint256 expected, uint256 got);
    error DEPOSIT_QUEUE_EMPTY(uint256 record);
    error DEPOSIT_MISMATCH(uint256 record, uint256 queued, uint256 posted);
    error WITHDRAWAL_COUNT();

    event BatchAccepted(uint256 indexed batchNumber, uint256 oldRoot, uint256 newRoot);

    bytes4 internal constant SUBMIT_BATCH = bytes4(keccak256("submitBatch(uint256,uint256[8],bytes,address[])"));
    /// Offset of the records length word in submitBatch calldata: selector, newRoot, 8 proof words.
    uint256 internal constant RECORDS_LENGTH_AT = 4 + 32 + 8 * 32;
    uint256 internal constant RECORDS_AT = RECORDS_LENGTH_AT + 32;
    /// Bytes per hashed chunk of the records (a chunk fits the field).
    uint256 internal constant CHUNK_BYTES = 31;
    IGroth16Verifier public immutable verifier;
    /// Operations per batch (the circuit's N).
    uint256 public immutable capacity;
    uint256 public immutable genesisRoot;
    /// Blocks after its acceptance block before a batch's withdrawals are payable (0: at once).
    uint256 public immutable finalityBlocks;
    /// How the public input commits to the posted data (the instance's circuit): 0 the Poseidon chain,
    /// 1 SHA-256 of the bytes mod 2^253 (see circuits/batch.circom).
    uint256 public immutable commitment;
    uint256 internal constant COMMIT_POSEIDON = 0;
    uint256 internal constant COMMIT_SHA256 = 1;
    uint256 internal constant SHA256_MASK = (1 << 253) - 1;

    uint256 public batchCount;
    /// Deposits ever queued, and the index of the next one a batch must consume.
    uint256 public queueLength;
    uint256 public queueHead;

    /// The roots of the latest ROOT_RING batches, batch n's in slot n % ROOT_RING (batch 0: the genesis root).
    /// A ring instead of a root per batch: every slot is written at deployment, so accepting a batch rewrites
    /// a slot (5,000 gas) instead of creating one (22,100), and the current root needs no slot of its own.
    /// Account proofs (forced-exit dismissals, exit claims) are checked against a root in the ring.
    uint256 internal constant ROOT_RING = 64;
    uint256[ROOT_RING] internal roots;

    constructor(
        IGroth16Verifier verifier_,
        uint256 capacity_,
        uint256 genesisRoot_,
        uint256 finalityBlocks_,
        uint256 commitment_,
        TreeConfig memory tree
    ) RollupBridge(tree) {
        require(capacity_ > 0 && genesisRoot_ < FIELD && commitment_ <= COMMIT_SHA256, "bad config");
        commitment = commitment_;
        verifier = verifier_;
        capacity = capacity_;
        genesisRoot = genesisRoot_;
        finalityBlocks = finalityBlocks_;
        for (uint256 i; i < ROOT_RING; ++i) roots[i] = genesisRoot_;
    }

    /// The latest accepted batch's root (the genesis root before any).
    function currentRoot() public view returns (uint256) {
        return roots[batchCount % ROOT_RING];
    }

    // ---- bridge ----

    /// Locks msg.value (in L2 units) and queues it for the L2 public key (x, y).
    function deposit(uint256 x, uint256 y) external payable {
        _deposit(x, y);
    }

    function claimWithdrawal(uint256 batchNumber, uint256 index) external {
        _claimWithdrawal(batchNumber, index);
    }

    // ---- batches ----

    /// Payable for the forced-withdrawal request's bond; a batch carrying value is MALFORMED.
    fallback() external payable {
        if (msg.sig == SUBMIT_BATCH) {
            if (msg.value != 0) revert MALFORMED();
            submitBatch();
        }
        else if (msg.data.length < 4 || !dispatchForcedExit(msg.sig)) revert MALFORMED();
    }

    function submitBatch() internal {
        refuseInExitMode();
        // Decode the packed calldata; anything short, long or inconsistent is MALFORMED.
        if (msg.data.length < RECORDS_AT) revert MALFORMED();
        uint256 newRoot = word(4);
        uint256 recordsLength = word(RECORDS_LENGTH_AT);
        if (recordsLength > msg.data.length) revert MALFORMED();
        uint256 countAt = RECORDS_AT + recordsLength;
        if (msg.data.length < countAt + 32) revert MALFORMED();
        uint256 recipientCount = word(countAt);
        uint256 recipientsAt = countAt + 32;
        if (recipientCount > msg.data.length || msg.data.length != recipientsAt + 20 * recipientCount) revert MALFORMED();
        if (recordsLength != capacity * recordBytes) revert BAD_RECORDS_LENGTH(capacity * recordBytes, recordsLength);
        if (newRoot >= FIELD) revert MALFORMED();

        uint256 head = queueHead;
        (uint256 l1Acc, uint256 deposited, uint256[] memory withdrawalAmounts) = walkRecords(head, recipientsAt, recipientCount);

        // The one public input, from this contract's own root, queue and the calldata; then the proof.
        uint256 batchNumber = batchCount + 1;
        uint256 oldRoot = roots[batchCount % ROOT_RING];
        uint256 inputHash = commitment == COMMIT_SHA256 ? sha256Commitment(oldRoot, newRoot, l1Acc, recordsLength) : hashChain(oldRoot, newRoot, l1Acc, recordsLength);
        if (!verifyProof(inputHash)) revert INVALID_PROOF();

        // Effects.
        roots[batchNumber % ROOT_RING] = newRoot;
        batchCount = batchNumber;
        if (deposited > 0) queueHead = head + deposited;
        for (uint256 w; w < recipientCount; ++w) {
            uint256 amount = uint128(withdrawalAmounts[w]);
            // A proven withdrawal debits a 64-bit balance; a wider amount cannot have been proven.
            if (amount > MAX_BALANCE) revert MALFORMED();
            uint256 recipient = recipientAt(recipientsAt, w);
            withdrawals[batchNumber][w] = recipient | (amount << 160) | (block.number << 224);
            carryWithdrawal(batchNumber, w, withdrawalAmounts[w] >> 128, recipient, amount);
        }
        emit BatchAccepted(batchNumber, oldRoot, newRoot);
    }

    /// The Groth16 check of the calldata's proof words (a.x, a.y, b.x1, b.x0, b.y1, b.y0, c.x, c.y) for the input hash.
    function verifyProof(uint256 inputHash) internal view returns (bool) {
        return verifier.verifyProof(
            [word(36), word(68)],
            [[word(100), word(132)], [word(164), word(196)]],
            [word(228), word(260)],
            [inputHash]
        );
    }

    /// What a record walk has found so far.
    struct Walk {
        uint256 l1Acc;
        uint256 deposited;
        uint256 withdrawn;
        uint256 head;
        uint256 recipientsAt;
        /// Each withdrawal's amount | from << 128.
        uint256[] withdrawals;
    }

    /// Walks the records: deposits must match the queue in order (their keys come from the queue, never from
    /// calldata), withdrawals take the next recipient. Both extend the L1 message chain l1Acc. A withdrawal's
    /// entry is its amount | from << 128.
    function walkRecords(uint256 head, uint256 recipientsAt, uint256 recipientCount)
        internal
        view
        returns (uint256 l1Acc, uint256 deposited, uint256[] memory withdrawalAmounts)
    {
        Walk memory w = Walk(0, 0, 0, head, recipientsAt, new uint256[](recipientCount));
        uint256 perRecord = recordBytes;
        uint256 shift = wordKindShift;
        uint256 end = RECORDS_AT + capacity * perRecord;
        // Most records are transfers and no-ops, of which the L1 needs only the kind (the top bits of the
        // record's word): a bare loop reads it, and only deposits and withdrawals are decoded (measured: ≈ 1,400
        // gas a record decoded in full, ≈ 255 with a kind reader call per record).
        for (uint256 at = RECORDS_AT; at < end; ) {
            uint256 kindBits;
            assembly {
                kindBits := shr(shift, calldataload(at))
            }
            if (kindBits > 1) walkRecord(w, at);
            unchecked {
                at += perRecord;
            }
        }
        if (w.withdrawn != recipientCount) revert WITHDRAWAL_COUNT();
        return (w.l1Acc, w.deposited, w.withdrawals);
    }

    /// A deposit, a withdrawal, or a record whose pad bits are set (MALFORMED), at calldata offset `at`.
    function walkRecord(Walk memory w, uint256 at) internal view {
        uint256 i = (at - RECORDS_AT) / recordBytes;
        (uint256 kind, uint256 entry) = readRecord(at);
        if (kind == 2) {
            w.l1Acc = depositLink(w.l1Acc, w.head + w.deposited, i, entry);
            ++w.deposited;
        } else {
            if (w.withdrawn == w.withdrawals.length) revert WITHDRAWAL_COUNT();
            w.l1Acc = hashN(poseidon3, 3, w.l1Acc, recipientAt(w.recipientsAt, w.withdrawn), 0, 0, 0, 0);
            w.withdrawals[w.withdrawn] = entry;
            ++w.withdrawn;
        }
    }

    /// Deposit record i consumes queue entry q: its amount must match; the chain takes the queued key.
    function depositLink(uint256 l1Acc, uint256 q, uint256 i, uint256 entry) internal view returns (uint256) {
        if (q == queueLength) revert DEPOSIT_QUEUE_EMPTY(i);
        QueuedDeposit storage d = deposits[q];
        uint256 queued = uint64(d.amountAndTime);
        if (queued != uint128(entry)) revert DEPOSIT_MISMATCH(i, queued, uint128(entry));
        return hashN(poseidon3, 3, l1Acc, d.x, d.y, 0, 0, 0);
    }

    // ---- views ----

    function withdrawalAt(uint256 batchNumber, uint256 index)
        external
        view
        returns (address recipient, uint256 amount, uint256 acceptedBlock, bool paid)
    {
        uint256 w = withdrawals[batchNumber][index];
        if (w == PAID) return (address(0), 0, 0, true);
        return (address(uint160(w)), uint64(w >> 160), w >> 224, false);
    }

    // ---- what RollupBridge asks of the rollup ----

    function _queueLength() internal view override returns (uint256) {
        return queueLength;
    }

    function _depositQueued(uint256 length, uint256) internal override {
        queueLength = length;
    }

    /// The contract holds only the bridge's funds.
    function _bridgeBalance() internal view override returns (uint256) {
        return address(this).balance - msg.value - bondsHeld();
    }

    function _bridgeDebited(uint256) internal override {}

    function _queueHead() internal view override returns (uint256) {
        return queueHead;
    }

    function _latestBatch() internal view override returns (uint256) {
        return batchCount;
    }

    function _isLive(uint256 n) internal view override returns (bool) {
        return n >= 1 && n <= batchCount;
    }

    function _isFinal(uint256 n) internal view override returns (bool) {
        return _isLive(n);
    }

    function _liveRoot(uint256 n) internal view override returns (uint256) {
        if (n + ROOT_RING <= batchCount) revert ROOT_EXPIRED();
        return roots[n % ROOT_RING];
    }

    function _withdrawal(uint256, uint256 w) internal view override returns (address, uint256, bool) {
        return (address(uint160(w)), uint64(w >> 160), block.number >= (w >> 224) + finalityBlocks);
    }

    function _settledBy(uint256) internal pure override returns (bool) {
        return true;
    }

    // ---- helpers ----

    function recipientAt(uint256 recipientsAt, uint256 i) internal pure returns (uint256) {
        return word(recipientsAt + 20 * i) >> 96;
    }

    /// One record: kind | from | to | exponent (4) | mantissa (34), big-endian (src/tx/operation.ts); its
    /// entry is amount | from << 128. A kind wider than 2 bits (the record's pad bits set) is MALFORMED.
    function readRecord(uint256 at) internal view returns (uint256 kind, uint256 entry) {
        uint256 v = word(at) >> recordShift;
        uint256 mantissa = v & (MANTISSA_LIMIT - 1);
        uint256 exponent = (v >> 34) & 15;
        uint256 ib = indexBits;
        kind = v >> kindShift;
        if (kind > 3) revert MALFORMED();
        entry = (mantissa * 10 ** exponent) | (((v >> (38 + ib)) & ((1 << ib) - 1)) << 128);
    }

    /// Chunk k of the records: up to 31 bytes read as a big-endian integer.
    function chunk(uint256 k, uint256 recordsLength) internal pure returns (uint256) {
        uint256 start = CHUNK_BYTES * k;
        if (start >= recordsLength) return 0;
        uint256 length = recordsLength - start < CHUNK_BYTES ? recordsLength - start : CHUNK_BYTES;
        return word(RECORDS_AT + start) >> (256 - 8 * length);
    }

    /// HashChain(rollupId, oldRoot, newRoot, l1Acc, chunks) with width-6 Poseidon (src/crypto/poseidon.ts):
    /// h = P(e0..e5), then h = P(h, next five), zero-padded.
    /// SHA-256(rollupId: 4 bytes ‖ oldRoot ‖ newRoot ‖ l1Acc ‖ records) mod 2^253: one precompile call
    /// (60 + 12 gas a word) where the Poseidon chain makes one contract call per five chunks.
    function sha256Commitment(uint256 oldRoot, uint256 newRoot, uint256 l1Acc, uint256 recordsLength) internal view returns (uint256) {
        return uint256(sha256(abi.encodePacked(uint32(rollupId), oldRoot, newRoot, l1Acc, msg.data[RECORDS_AT:RECORDS_AT + recordsLength]))) & SHA256_MASK;
    }

    function hashChain(uint256 oldRoot, uint256 newRoot, uint256 l1Acc, uint256 recordsLength) internal view returns (uint256 h) {
        uint256 chunks = (recordsLength + CHUNK_BYTES - 1) / CHUNK_BYTES;
        h = hash6(rollupId, oldRoot, newRoot, l1Acc, chunk(0, recordsLength), chunk(1, recordsLength));
        for (uint256 k = 2; k < chunks; k += 5) {
            h = hash6(h, chunk(k, recordsLength), chunk(k + 1, recordsLength), chunk(k + 2, recordsLength), chunk(k + 3, recordsLength), chunk(k + 4, recordsLength));
        }
    }
}
