// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import "./BabyJubjubKey.sol";

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

/// The zk rollup and its bridge on an EVM: the Solidity twin of src/l1/zk-rollup.ts and src/l1/bridge.ts.
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
/// Being packed, it is dispatched from the fallback function. deposit and claimWithdrawal are plain ABI.
///
/// Amounts: one L2 balance unit is one wei.
contract ZkRollup {
    // ---- errors (names are the simulated L1's revert codes) ----
    error MALFORMED();
    error BAD_RECORDS_LENGTH(uint256 expected, uint256 got);
    error DEPOSIT_QUEUE_EMPTY(uint256 record);
    error DEPOSIT_MISMATCH(uint256 record, uint256 queued, uint256 posted);
    error WITHDRAWAL_COUNT();
    error INVALID_PROOF();
    error BAD_AMOUNT();
    error BAD_PUBLIC_KEY();
    error BRIDGE_FULL();
    error TREE_FULL();
    error NO_WITHDRAWAL();
    error NOT_FINAL();
    error ALREADY_CLAIMED();
    error BRIDGE_INSOLVENT();
    error PAYOUT_FAILED();

    // ---- events (the same names, indexed arguments and data words as the simulated L1's) ----
    event DepositQueued(uint256 indexed index, uint256 x, uint256 y, uint256 amount, uint256 timestamp);
    event BatchAccepted(uint256 indexed batchNumber, uint256 oldRoot, uint256 newRoot);
    event WithdrawalClaimed(uint256 indexed batchNumber, uint256 index, address indexed recipient, uint256 amount);

    /// BN254 scalar field: roots, keys and every Poseidon input are elements of it.
    uint256 internal constant FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// Balances are 64-bit (src/tx/amount.ts).
    uint256 internal constant MAX_BALANCE = type(uint64).max;
    uint256 internal constant MANTISSA_LIMIT = 1 << 34;
    bytes4 internal constant SUBMIT_BATCH = bytes4(keccak256("submitBatch(uint256,uint256[8],bytes,address[])"));
    /// Offset of the records length word in submitBatch calldata: selector, newRoot, 8 proof words.
    uint256 internal constant RECORDS_LENGTH_AT = 4 + 32 + 8 * 32;
    uint256 internal constant RECORDS_AT = RECORDS_LENGTH_AT + 32;
    /// Bytes per hashed chunk of the records (a chunk fits the field).
    uint256 internal constant CHUNK_BYTES = 31;
    /// A withdrawal slot that was paid (any registered one has its acceptance block in the top bits, ≥ 1).
    uint256 internal constant PAID = 1;

    IGroth16Verifier public immutable verifier;
    IPoseidon3 public immutable poseidon3;
    IPoseidon6 public immutable poseidon6;
    uint256 public immutable rollupId;
    /// Operations per batch (the circuit's N) and the record layout (src/tx/layout.ts).
    uint256 public immutable capacity;
    uint256 public immutable indexBits;
    uint256 public immutable recordBytes;
    /// Blocks after its acceptance block before a batch's withdrawals are payable (0: at once).
    uint256 public immutable finalityBlocks;

    uint256 public currentRoot;
    uint256 public batchCount;
    /// Deposits ever queued, and the index of the next one a batch must consume.
    uint256 public queueLength;
    uint256 public queueHead;

    /// Three slots a deposit, as the simulated bridge charges: key x, key y, amount | timestamp << 64.
    struct QueuedDeposit {
        uint256 x;
        uint256 y;
        uint256 amountAndTime;
    }

    mapping(uint256 => QueuedDeposit) internal deposits;
    /// L2 keys that ever had a deposit queued (keccak of x, y), and how many: each holds one account.
    mapping(bytes32 => bool) internal keyRegistered;
    uint256 public accountCount;
    /// batch => index => recipient | amount << 160 | acceptance block << 224; PAID once paid; 0: none.
    mapping(uint256 => mapping(uint256 => uint256)) internal withdrawals;

    constructor(
        IGroth16Verifier verifier_,
        IPoseidon3 poseidon3_,
        IPoseidon6 poseidon6_,
        uint256 rollupId_,
        uint256 capacity_,
        uint256 indexBits_,
        uint256 genesisRoot_,
        uint256 finalityBlocks_
    ) {
        require(capacity_ > 0 && indexBits_ > 0 && genesisRoot_ < FIELD, "bad config");
        // 32-bit, as the circuit checks: the signed message packs rollupId + 2^32·nonce (no aliasing).
        require(rollupId_ < 1 << 32, "rollupId wider than 32 bits");
        uint256 bytes_ = (40 + 2 * indexBits_ + 7) / 8;
        require(bytes_ <= 32, "record wider than a word");
        verifier = verifier_;
        poseidon3 = poseidon3_;
        poseidon6 = poseidon6_;
        rollupId = rollupId_;
        capacity = capacity_;
        indexBits = indexBits_;
        recordBytes = bytes_;
        finalityBlocks = finalityBlocks_;
        currentRoot = genesisRoot_;
    }

    // ---- bridge: deposits ----

    /// Locks msg.value (in L2 units) and queues it for the L2 public key (x, y).
    function deposit(uint256 x, uint256 y) external payable {
        uint256 amount = msg.value;
        if (amount == 0 || amount > MAX_BALANCE || !encodable(amount)) revert BAD_AMOUNT();
        if (!BabyJubjubKey.isValid(x, y)) revert BAD_PUBLIC_KEY();
        // Nothing queued may be impossible to credit on L2 (it would halt the rollup): L2 balances sum to
        // at most what the bridge holds, so a bridge of at most 2^64 - 1 keeps every account in range;
        // one account per key, and no more keys than leaves, keeps a leaf free for every new key.
        if (address(this).balance > MAX_BALANCE) revert BRIDGE_FULL();
        bytes32 key = keccak256(abi.encode(x, y));
        if (!keyRegistered[key]) {
            uint256 accounts = accountCount;
            if (accounts >= 1 << indexBits) revert TREE_FULL();
            keyRegistered[key] = true;
            accountCount = accounts + 1;
        }
        uint256 index = queueLength;
        deposits[index] = QueuedDeposit(x, y, amount | (block.timestamp << 64));
        queueLength = index + 1;
        emit DepositQueued(index, x, y, amount, block.timestamp);
    }

    function depositAt(uint256 index) external view returns (uint256 x, uint256 y, uint256 amount, uint256 timestamp) {
        QueuedDeposit storage d = deposits[index];
        return (d.x, d.y, uint64(d.amountAndTime), d.amountAndTime >> 64);
    }

    // ---- batches ----

    fallback() external {
        if (msg.sig != SUBMIT_BATCH) revert MALFORMED();
        submitBatch();
    }

    function submitBatch() internal {
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
        uint256 oldRoot = currentRoot;
        if (!verifyProof(hashChain(oldRoot, newRoot, l1Acc, recordsLength))) revert INVALID_PROOF();

        // Effects.
        uint256 batchNumber = batchCount + 1;
        currentRoot = newRoot;
        batchCount = batchNumber;
        if (deposited > 0) queueHead = head + deposited;
        for (uint256 w; w < recipientCount; ++w) {
            uint256 amount = withdrawalAmounts[w];
            // A proven withdrawal debits a 64-bit balance; a wider amount cannot have been proven.
            if (amount > MAX_BALANCE) revert MALFORMED();
            withdrawals[batchNumber][w] = recipientAt(recipientsAt, w) | (amount << 160) | (block.number << 224);
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

    /// Walks the records: deposits must match the queue in order (their keys come from the queue, never from
    /// calldata), withdrawals take the next recipient. Both extend the L1 message chain l1Acc.
    function walkRecords(uint256 head, uint256 recipientsAt, uint256 recipientCount)
        internal
        view
        returns (uint256 l1Acc, uint256 deposited, uint256[] memory withdrawalAmounts)
    {
        uint256 pending = queueLength - head;
        uint256 perRecord = recordBytes;
        uint256 withdrawn;
        withdrawalAmounts = new uint256[](recipientCount);
        for (uint256 i; i < capacity; ++i) {
            (uint256 kind, uint256 amount) = readRecord(RECORDS_AT + i * perRecord, perRecord);
            if (kind == 2) {
                if (deposited == pending) revert DEPOSIT_QUEUE_EMPTY(i);
                QueuedDeposit storage d = deposits[head + deposited];
                uint256 queued = uint64(d.amountAndTime);
                if (queued != amount) revert DEPOSIT_MISMATCH(i, queued, amount);
                l1Acc = poseidon3.poseidon([l1Acc, d.x, d.y]);
                ++deposited;
            } else if (kind == 3) {
                if (withdrawn == recipientCount) revert WITHDRAWAL_COUNT();
                l1Acc = poseidon3.poseidon([l1Acc, recipientAt(recipientsAt, withdrawn), 0]);
                withdrawalAmounts[withdrawn] = amount;
                ++withdrawn;
            }
        }
        if (withdrawn != recipientCount) revert WITHDRAWAL_COUNT();
    }

    // ---- bridge: withdrawals ----

    /// Pays withdrawal `index` of batch `batchNumber` to its recipient, once, from a final batch (anyone may call).
    function claimWithdrawal(uint256 batchNumber, uint256 index) external {
        uint256 w = withdrawals[batchNumber][index];
        if (w == 0) revert NO_WITHDRAWAL();
        if (w == PAID) revert ALREADY_CLAIMED();
        if (block.number < (w >> 224) + finalityBlocks) revert NOT_FINAL();
        uint256 amount = uint64(w >> 160);
        address recipient = address(uint160(w));
        if (address(this).balance < amount) revert BRIDGE_INSOLVENT();
        // Marked paid with a non-zero value (no refund): a cleared slot would read as "no withdrawal".
        withdrawals[batchNumber][index] = PAID;
        (bool sent, ) = recipient.call{value: amount}("");
        if (!sent) revert PAYOUT_FAILED();
        emit WithdrawalClaimed(batchNumber, index, recipient, amount);
    }

    function withdrawalAt(uint256 batchNumber, uint256 index)
        external
        view
        returns (address recipient, uint256 amount, uint256 acceptedBlock, bool paid)
    {
        uint256 w = withdrawals[batchNumber][index];
        if (w == PAID) return (address(0), 0, 0, true);
        return (address(uint160(w)), uint64(w >> 160), w >> 224, false);
    }

    // ---- helpers ----

    /// Whether a record can carry `amount` exactly: mantissa < 2^34 times 10^e, e ≤ 15 (src/tx/amount.ts).
    function encodable(uint256 amount) internal pure returns (bool) {
        uint256 m = amount;
        uint256 e;
        while (m != 0 && m % 10 == 0 && e < 15) {
            m /= 10;
            ++e;
        }
        return m < MANTISSA_LIMIT;
    }

    function word(uint256 at) internal pure returns (uint256 v) {
        assembly {
            v := calldataload(at)
        }
    }

    function recipientAt(uint256 recipientsAt, uint256 i) internal pure returns (uint256) {
        return word(recipientsAt + 20 * i) >> 96;
    }

    /// One record: kind | from | to | exponent (4) | mantissa (34), big-endian (src/tx/operation.ts).
    function readRecord(uint256 at, uint256 length) internal view returns (uint256 kind, uint256 amount) {
        uint256 v = word(at) >> (256 - 8 * length);
        uint256 mantissa = v & (MANTISSA_LIMIT - 1);
        uint256 exponent = (v >> 34) & 15;
        kind = v >> (38 + 2 * indexBits);
        if (kind > 3) revert MALFORMED();
        amount = mantissa * 10 ** exponent;
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
    function hashChain(uint256 oldRoot, uint256 newRoot, uint256 l1Acc, uint256 recordsLength) internal view returns (uint256 h) {
        uint256 chunks = (recordsLength + CHUNK_BYTES - 1) / CHUNK_BYTES;
        h = poseidon6.poseidon([rollupId, oldRoot, newRoot, l1Acc, chunk(0, recordsLength), chunk(1, recordsLength)]);
        for (uint256 k = 2; k < chunks; k += 5) {
            h = poseidon6.poseidon(
                [h, chunk(k, recordsLength), chunk(k + 1, recordsLength), chunk(k + 2, recordsLength), chunk(k + 3, recordsLength), chunk(k + 4, recordsLength)]
            );
        }
    }
}
