// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import "./RollupBridge.sol";

/// The optimistic rollup on an EVM (the bridge, account proofs and forced exit are RollupBridge's): the Solidity twin of src/l1/optimistic-rollup.ts (its
/// rules, calldata, revert codes and events), so the same proposers, watchers and challengers play on it.
///
/// A proposer posts a batch's full data (operations with nonces and signatures, src/tx/full-operation.ts),
/// its new root and a keccak Merkle commitment to the roots root_0..root_N, with a bond; nothing is checked
/// against the state. Inside the challenge window anyone may challenge with a bond; an interactive bisection
/// narrows the dispute to one operation, which `proveStep` re-executes from Merkle witnesses of the accounts
/// it touches: Poseidon leaves and paths (Poseidon(arity) contracts per level), the nonce, the balances and
/// their 64-bit range, and the EdDSA-Poseidon signature on Baby Jubjub. The loser's bond is slashed (a share
/// burned, the rest to the winner); a batch proven wrong is rolled back with every live batch after it.
/// A batch is final when its window has closed, no dispute on it is open and its parent is final;
/// withdrawals are paid once, only from final batches.
///
/// Transactions are sent as the packed calldata of src/l1/dispute-calldata.ts and src/l1/calldata.ts (the
/// bytes the simulated L1 charges) and dispatched from the fallback by selector; any other shape reverts
/// MALFORMED, as the simulated reader does. Views are plain ABI functions.
///
/// Deviations from the simulated contract, each for a reason a real chain has:
/// - A bond payout that the recipient refuses (a contract without a payable fallback) does not block a
///   resolution or a rollback: it is credited to `owed` and claimable with `claimOwed`.
/// - Deposits and bonds share this contract's balance, so the bridge keeps its own balance counter and
///   pays withdrawals only from it (the simulated bridge has its own address): bonds never pay withdrawals.
///
/// Amounts: one L2 balance unit is one wei.
contract OptimisticRollup is RollupBridge {
    // ---- errors (names are the simulated L1's revert codes) ----
    error BAD_RECORDS_LENGTH(uint256 expected, uint256 got);
    error DEPOSIT_QUEUE_EMPTY(uint256 operation);
    error DEPOSIT_MISMATCH(uint256 operation, uint256 queued, uint256 posted);
    error INSUFFICIENT_BOND();
    error NO_SUCH_BATCH();
    error NO_SUCH_DISPUTE();
    error WINDOW_CLOSED();
    error NOT_CHALLENGEABLE();
    error NOT_YOUR_TURN();
    error DEADLINE_PASSED();
    error DISPUTE_OVER();
    error BAD_BATCH_DATA();
    error ALREADY_FINALIZED();

    // ---- events (the simulated L1's names, indexed arguments and data words) ----
    event BatchProposed(uint256 indexed batchNumber, uint256 parentRoot, uint256 newRoot, uint256 rootsCommitment, uint256 windowEnd);
    event DisputeOpened(uint256 indexed disputeId, uint256 indexed batchNumber, address challenger, uint256 deadline);
    event RootRevealed(uint256 indexed disputeId, uint256 index, uint256 root, uint256 deadline);
    event RootAnswered(uint256 indexed disputeId, uint256 index, uint256 agree, uint256 lo, uint256 hi, uint256 deadline);
    event DisputeResolved(uint256 indexed disputeId, uint256 indexed batchNumber, uint256 outcome, uint256 burned, uint256 toWinner);
    event BatchesRolledBack(uint256 indexed fromBatch, uint256 toBatch, uint256 root);
    event BatchFinalized(uint256 indexed batchNumber, uint256 finalizedAt, uint256 root);

    // ---- constants ----
    uint256 internal constant NONCE_BYTES = 4;
    uint256 internal constant SIGNATURE_BYTES = 64;
    uint256 internal constant RECIPIENT_BYTES = 20;
    uint256 internal constant KIND_NOOP = 0;
    uint256 internal constant KIND_TRANSFER = 1;
    uint256 internal constant KIND_DEPOSIT = 2;
    uint256 internal constant KIND_WITHDRAW = 3;
    address internal constant BURN = address(0);

    // dispute turn and outcome codes
    uint256 internal constant TURN_NONE = 0;
    uint256 internal constant TURN_PROPOSER = 1;
    uint256 internal constant TURN_CHALLENGER = 2;
    uint256 internal constant TURN_ONE_STEP = 3;
    uint256 internal constant OUTCOME_PROPOSER_WON = 1;
    uint256 internal constant OUTCOME_CHALLENGER_WON = 2;
    uint256 internal constant OUTCOME_CANCELLED = 3;

    // batch flags (top byte of Batch.meta)
    uint256 internal constant EXISTS = 1;
    uint256 internal constant ROLLED_BACK = 2;
    uint256 internal constant BOND_RETURNED = 4;

    /// A withdrawal slot: recipient | amount << 160 | REGISTERED; PAID once paid; 0: none.
    uint256 internal constant REGISTERED = 1 << 255;

    bytes4 internal constant SEL_PROPOSE = bytes4(keccak256("proposeBatch(uint256,bytes32,bytes)"));
    bytes4 internal constant SEL_CHALLENGE = bytes4(keccak256("challenge(uint256)"));
    bytes4 internal constant SEL_REVEAL = bytes4(keccak256("revealRoot(uint256,uint256,bytes32[])"));
    bytes4 internal constant SEL_RESPOND = bytes4(keccak256("respond(uint256,bool)"));
    bytes4 internal constant SEL_PROVE = bytes4(keccak256("proveStep(uint256,bytes,(uint256,bool,uint256[4],uint256[])[])"));
    bytes4 internal constant SEL_TIMEOUT = bytes4(keccak256("timeout(uint256)"));
    bytes4 internal constant SEL_FINALIZE = bytes4(keccak256("finalize(uint256)"));
    bytes4 internal constant SEL_DEPOSIT = bytes4(keccak256("deposit(uint256,uint256)"));
    bytes4 internal constant SEL_CLAIM = bytes4(keccak256("claimWithdrawal(uint256,uint256)"));

    struct Config {
        /// The rollup id, the tree and the contracts its account proofs call, the forced-exit deadline.
        TreeConfig tree;
        /// Operations per batch, N.
        uint256 capacity;
        uint256 genesisRoot;
        uint256 challengeWindowSeconds;
        uint256 responseSeconds;
        uint256 proposerBond;
        uint256 challengerBond;
        /// Share of a loser's bond burned, in millionths.
        uint256 burnPpm;
    }

    uint256 public immutable capacity;
    uint256 public immutable genesisRoot;
    uint256 public immutable challengeWindowSeconds;
    uint256 public immutable responseSeconds;
    uint256 public immutable proposerBond;
    uint256 public immutable challengerBond;
    uint256 public immutable burnPpm;
    /// Leaves of the roots commitment (N + 1) and its depth.
    uint256 internal immutable rootLeaves;
    uint256 internal immutable commitmentDepth;

    /// Five slots a batch (the simulated contract's OPTIMISTIC_BATCH_SLOTS).
    struct Batch {
        uint256 newRoot;
        uint256 rootsCommitment;
        uint256 dataHash;
        /// proposer | timestamp << 160 | lastResolvedAt << 192 | openDisputes << 224 | flags << 248.
        /// lastResolvedAt is the rollback time once ROLLED_BACK, the finality time once BOND_RETURNED.
        uint256 meta;
        /// parent | firstDeposit << 64 | depositCount << 128 | firstDisputeId << 160.
        uint256 links;
    }

    /// Five slots a dispute: the simulated contract's four (DISPUTE_SLOTS) and the revealed root.
    struct Dispute {
        /// challenger | batchNumber << 160 | openedAt << 224.
        uint256 parties;
        /// lo | hi << 32 | deadline << 64 | round << 96 | turn << 112 | outcome << 120 | resolvedAt << 128.
        uint256 state;
        uint256 rootLo;
        uint256 rootHi;
        uint256 midRoot;
    }

    /// An account witness of a one-step proof, as decoded from calldata (the path stays in calldata).
    struct Witness {
        uint256 index;
        uint256 present;
        uint256 x;
        uint256 y;
        uint256 balance;
        uint256 nonce;
        uint256 pathAt;
        uint256 pathWords;
    }

    /// The disputed operation, decoded from the posted data.
    struct Op {
        uint256 kind;
        uint256 from;
        uint256 to;
        uint256 amount;
        uint256 mantissa;
        uint256 exponent;
        uint256 nonce;
        uint256 sWord;
        uint256 r8x;
        uint256 r8y;
        uint256 recipient;
        uint256 keyX;
        uint256 keyY;
        /// False when its signature's R8 is not a curve point: the operation is invalid.
        bool decoded;
    }

    /// The root of the latest live batch (genesis if none).
    uint256 public currentRoot;
    /// batchCount | latestLive << 64 | queueHead << 128 | disputeCount << 192.
    uint256 internal head;
    /// queueLength | bridgeBalance << 64.
    uint256 internal bridge;
    mapping(uint256 => Batch) internal batches;
    mapping(uint256 => Dispute) internal disputes;
    /// Bond payouts the recipient refused, claimable with claimOwed.
    mapping(address => uint256) public owed;

    constructor(Config memory c) RollupBridge(c.tree) {
        require(c.capacity > 0 && c.capacity < (1 << 31) && c.genesisRoot < FIELD, "bad config");
        require(c.proposerBond > 0 && c.challengerBond > 0 && c.burnPpm <= 1_000_000, "bad bonds");
        require(c.challengeWindowSeconds > 0 && c.responseSeconds > 0, "bad times");
        capacity = c.capacity;
        genesisRoot = c.genesisRoot;
        challengeWindowSeconds = c.challengeWindowSeconds;
        responseSeconds = c.responseSeconds;
        proposerBond = c.proposerBond;
        challengerBond = c.challengerBond;
        burnPpm = c.burnPpm;
        rootLeaves = c.capacity + 1;
        uint256 depth;
        while ((1 << depth) < c.capacity + 1) ++depth;
        commitmentDepth = depth;
        currentRoot = c.genesisRoot;
    }

    // ---- dispatch ----

    fallback() external payable {
        if (msg.data.length < 4) revert MALFORMED();
        bytes4 sel = msg.sig;
        if (sel == SEL_PROPOSE) proposeBatch();
        else if (sel == SEL_CHALLENGE) challenge();
        else if (sel == SEL_REVEAL) revealRoot();
        else if (sel == SEL_RESPOND) respond();
        else if (sel == SEL_PROVE) proveStep();
        else if (sel == SEL_TIMEOUT) timeout();
        else if (sel == SEL_FINALIZE) finalize();
        else if (sel == SEL_DEPOSIT) deposit();
        else if (sel == SEL_CLAIM) claimWithdrawal();
        else if (!dispatchForcedExit(sel)) revert MALFORMED();
    }

    // ---- bridge ----

    /// deposit(x, y) with msg.value: locks it and queues it for the L2 key (x, y).
    function deposit() internal {
        if (msg.data.length != 68) revert MALFORMED();
        _deposit(word(4), word(36));
    }

    /// claimWithdrawal(batchNumber, index): pays a final batch's withdrawal once.
    function claimWithdrawal() internal {
        (uint256 batchNumber, uint256 index) = twoUints();
        _claimWithdrawal(batchNumber, index);
    }

    /// Pays out bond payouts this address refused earlier.
    function claimOwed() external {
        uint256 amount = owed[msg.sender];
        owed[msg.sender] = 0;
        (bool sent, ) = msg.sender.call{value: amount}("");
        if (!sent) revert PAYOUT_FAILED();
    }

    // ---- proposals ----

    /// proposeBatch: newRoot | rootsCommitment | data length | data, with the proposer bond.
    function proposeBatch() internal {
        refuseInExitMode();
        if (msg.data.length < 100) revert MALFORMED();
        uint256 newRoot = word(4);
        uint256 commitment = word(36);
        uint256 dataLength = word(68);
        if (dataLength != msg.data.length - 100) revert MALFORMED();
        requireBond(proposerBond);
        if (newRoot >= FIELD) revert MALFORMED();
        uint256 count = countOperations(100, dataLength);
        if (count != capacity) revert BAD_RECORDS_LENGTH(capacity, count);

        uint256 h = head;
        uint256 number = uint64(h) + 1;
        uint256 queueHead_ = uint64(h >> 128);
        uint256 deposited = walkOperations(number, queueHead_);
        uint256 parentRoot = currentRoot;
        uint256 windowEnd = block.timestamp + challengeWindowSeconds;

        Batch storage b = batches[number];
        b.newRoot = newRoot;
        b.rootsCommitment = commitment;
        b.dataHash = hashCalldata(100, dataLength);
        b.meta = uint160(msg.sender) | (block.timestamp << 160) | (EXISTS << 248);
        b.links = uint64(h >> 64) | (queueHead_ << 64) | (deposited << 128) | (((h >> 192) + 1) << 160);
        currentRoot = newRoot;
        head = number | (number << 64) | ((queueHead_ + deposited) << 128) | ((h >> 192) << 192);
        emit BatchProposed(number, parentRoot, newRoot, commitment, windowEnd);
    }

    /// Splits the posted data into operations; MALFORMED if a record has bits above its kind or the data
    /// ends inside an operation (src/l1/dispute-data.ts splitPostedData).
    function countOperations(uint256 at, uint256 length) internal view returns (uint256 n) {
        uint256 end = at + length;
        uint256 rb = recordBytes;
        uint256 shift = wordKindShift;
        unchecked {
            while (at < end) {
                if (at + rb > end) revert MALFORMED();
                uint256 kind = word(at) >> shift;
                if (kind > 3) revert MALFORMED();
                at += kind == KIND_TRANSFER ? rb + 68 : kind == KIND_WITHDRAW ? rb + 88 : rb;
                if (at > end) revert MALFORMED();
                ++n;
            }
        }
    }

    /// Deposits must match the queue from its head, in order; withdrawals are registered (recipient from the
    /// data). The data was split already: every record is whole and its kind is at most 3.
    function walkOperations(uint256 number, uint256 queueHead_) internal returns (uint256 deposited) {
        uint256 rb = recordBytes;
        uint256 at = 100;
        uint256 pending = type(uint256).max;
        uint256 withdrawn;
        for (uint256 i; i < capacity; ) {
            uint256 v = word(at) >> recordShift;
            uint256 kind = v >> kindShift;
            uint256 amount;
            unchecked {
                // mantissa < 2^34, exponent ≤ 15: no overflow
                amount = (v & (MANTISSA_LIMIT - 1)) * 10 ** ((v >> 34) & 15);
            }
            if (kind == KIND_DEPOSIT) {
                if (pending == type(uint256).max) pending = uint64(bridge) - queueHead_;
                if (deposited == pending) revert DEPOSIT_QUEUE_EMPTY(i);
                uint256 queued = uint64(deposits[queueHead_ + deposited].amountAndTime);
                if (queued != amount) revert DEPOSIT_MISMATCH(i, queued, amount);
                unchecked {
                    ++deposited;
                }
                at += rb;
            } else if (kind == KIND_WITHDRAW) {
                uint256 recipient = word(at + rb + NONCE_BYTES + SIGNATURE_BYTES) >> 96;
                withdrawals[number][withdrawn] = recipient | (amount << 160) | REGISTERED;
                carryWithdrawal(number, withdrawn, (v >> (kindShift - indexBits)) & ((1 << indexBits) - 1), recipient, amount);
                unchecked {
                    ++withdrawn;
                }
                at += rb + NONCE_BYTES + SIGNATURE_BYTES + RECIPIENT_BYTES;
            } else {
                at += kind == KIND_TRANSFER ? rb + NONCE_BYTES + SIGNATURE_BYTES : rb;
            }
            unchecked {
                ++i;
            }
        }
    }

    // ---- disputes ----

    /// challenge(batchNumber), with the challenger bond, inside the batch's window.
    function challenge() internal {
        uint256 number = oneUint();
        Batch storage b = batches[number];
        uint256 meta = b.meta;
        uint256 flags = meta >> 248;
        if (flags & EXISTS == 0) revert NO_SUCH_BATCH();
        if (flags & ROLLED_BACK != 0) revert NOT_CHALLENGEABLE();
        if (block.timestamp >= ((meta >> 160) & M32) + challengeWindowSeconds) revert WINDOW_CLOSED();
        requireBond(challengerBond);
        uint256 h = head;
        uint256 id = (h >> 192) + 1;
        uint256 deadline = block.timestamp + responseSeconds;
        uint256 turn = capacity == 1 ? TURN_ONE_STEP : TURN_PROPOSER;
        Dispute storage d = disputes[id];
        d.parties = uint160(msg.sender) | (number << 160) | (block.timestamp << 224);
        d.state = (capacity << 32) | (deadline << 64) | (turn << 112);
        d.rootLo = parentRootOf(b.links);
        d.rootHi = b.newRoot;
        head = (h & ((1 << 192) - 1)) | (id << 192);
        b.meta = meta + (1 << 224);
        emit DisputeOpened(id, number, msg.sender, deadline);
    }

    /// revealRoot: disputeId | root | proof length | proof words (siblings bottom-up).
    function revealRoot() internal {
        uint256 len = msg.data.length;
        if (len < 100) revert MALFORMED();
        uint256 id = safeWord(4);
        uint256 root = word(36);
        uint256 n = safeWord(68);
        if (n > (len - 100) / 32 || len != 100 + 32 * n) revert MALFORMED();
        (Dispute storage d, uint256 parties, uint256 state) = openDispute(id);
        Batch storage b = batches[(parties >> 160) & M64];
        if (turnOf(state) != TURN_PROPOSER || msg.sender != address(uint160(b.meta))) revert NOT_YOUR_TURN();
        if (block.timestamp > deadlineOf(state)) revert DEADLINE_PASSED();
        uint256 lo = state & M32;
        uint256 mid = lo + ((((state >> 32) & M32) - lo) >> 1);
        if (!verifyRootsProof(b.rootsCommitment, mid, root, 100, n)) revert BAD_MERKLE_PROOF();
        d.midRoot = root;
        uint256 deadline = block.timestamp + responseSeconds;
        uint256 round = ((state >> 96) & 0xffff) + 1;
        d.state = (state & ~(M32 << 64 | uint256(0xffff) << 96 | uint256(0xff) << 112)) | (deadline << 64) | (round << 96) | (TURN_CHALLENGER << 112);
        emit RootRevealed(id, mid, root, deadline);
    }

    /// respond: disputeId | agree (0 or 1). Agree: the range becomes [mid, hi]; disagree: [lo, mid].
    function respond() internal {
        if (msg.data.length != 68) revert MALFORMED();
        uint256 id = safeWord(4);
        uint256 flag = word(36);
        if (flag > 1) revert MALFORMED();
        (Dispute storage d, uint256 parties, uint256 state) = openDispute(id);
        if (turnOf(state) != TURN_CHALLENGER || msg.sender != address(uint160(parties))) revert NOT_YOUR_TURN();
        if (block.timestamp > deadlineOf(state)) revert DEADLINE_PASSED();
        uint256 lo = state & M32;
        uint256 hi = (state >> 32) & M32;
        uint256 mid = lo + ((hi - lo) >> 1);
        uint256 midRoot = d.midRoot;
        if (flag == 1) {
            lo = mid;
            d.rootLo = midRoot;
        } else {
            hi = mid;
            d.rootHi = midRoot;
        }
        uint256 turn = hi - lo == 1 ? TURN_ONE_STEP : TURN_PROPOSER;
        uint256 deadline = block.timestamp + responseSeconds;
        d.state = (state & ~(M64 | M32 << 64 | uint256(0xff) << 112)) | lo | (hi << 32) | (deadline << 64) | (turn << 112);
        emit RootAnswered(id, mid, flag, lo, hi, deadline);
    }

    /// timeout(disputeId): after a move's deadline the party whose move it was loses (the challenger at the one-step).
    function timeout() internal {
        uint256 id = oneUint();
        (Dispute storage d, uint256 parties, uint256 state) = openDispute(id);
        if (block.timestamp <= deadlineOf(state)) revert DEADLINE_NOT_PASSED();
        resolve(d, id, parties, state, turnOf(state) != TURN_PROPOSER);
    }

    /// proveStep: disputeId | data length | data | witness count | per witness:
    /// index | present | [Ax | Ay | balance | nonce if present] | path length | path words.
    function proveStep() internal {
        (uint256 id, uint256 dataLength, Witness[] memory ws) = decodeProveStep();
        (Dispute storage d, uint256 parties, uint256 state) = openDispute(id);
        if (turnOf(state) != TURN_ONE_STEP) revert NOT_YOUR_TURN();
        if (block.timestamp > deadlineOf(state)) revert DEADLINE_PASSED();
        Batch storage b = batches[(parties >> 160) & M64];
        if (hashCalldata(68, dataLength) != b.dataHash) revert BAD_BATCH_DATA();
        Op memory op = readOperation(state & M32, b);
        uint256 rootLo = d.rootLo;
        checkWitnesses(ws, rootLo);
        if (op.decoded) requireTouched(op, ws);
        bool proposerWins;
        if (op.decoded) {
            (bool valid, uint256 rootAfter) = execute(op, ws, rootLo);
            proposerWins = valid && rootAfter == d.rootHi;
        }
        resolve(d, id, parties, state, proposerWins);
    }

    // ---- finality ----

    /// finalize(batchNumber): once final, returns the proposer's bond (finality itself needs no transaction).
    function finalize() internal {
        uint256 number = oneUint();
        Batch storage b = batches[number];
        uint256 meta = b.meta;
        if ((meta >> 248) & EXISTS == 0) revert NO_SUCH_BATCH();
        (bool isFinal_, uint256 at) = finality(number);
        if (!isFinal_) revert NOT_FINAL();
        if ((meta >> 248) & BOND_RETURNED != 0) revert ALREADY_FINALIZED();
        // Once final, lastResolvedAt holds the finality time (no dispute can come any more).
        b.meta = (meta & ~(M32 << 192)) | (at << 192) | (BOND_RETURNED << 248);
        pay(address(uint160(meta)), proposerBond);
        emit BatchFinalized(number, at, b.newRoot);
    }

    /// Whether batch `number` is final now, and since when: its window's end, its last resolution and its
    /// parent's finality time, whichever is latest. A finalized ancestor ends the walk (it stored its time).
    function finality(uint256 number) internal view returns (bool, uint256) {
        (bool possible, uint256 at) = finalityTime(number);
        return (possible && at <= block.timestamp, at);
    }

    // ---- resolution ----

    /// Ends a dispute: slashes the loser, pays the winner, and rolls back if the proposer lost.
    function resolve(Dispute storage d, uint256 id, uint256 parties, uint256 state, bool proposerWins) internal {
        uint256 number = (parties >> 160) & M64;
        Batch storage b = batches[number];
        uint256 meta = b.meta;
        uint256 loserBond = proposerWins ? challengerBond : proposerBond;
        uint256 burnedShare = (loserBond * burnPpm) / 1_000_000;
        uint256 toWinner = loserBond - burnedShare;
        uint256 outcome = proposerWins ? OUTCOME_PROPOSER_WON : OUTCOME_CHALLENGER_WON;
        d.state = closed(state, outcome);
        pay(BURN, burnedShare);
        // One fewer open dispute; the resolution time (the rollback time if it is rolled back).
        meta = ((meta - (1 << 224)) & ~(M32 << 192)) | (block.timestamp << 192);
        if (proposerWins) {
            // The proposer's own bond stays locked until the batch is final.
            pay(address(uint160(meta)), toWinner);
            b.meta = meta;
        } else {
            pay(address(uint160(parties)), challengerBond + toWinner);
            b.meta = meta | (ROLLED_BACK << 248);
        }
        emit DisputeResolved(id, number, outcome, burnedShare, toWinner);
        if (!proposerWins) rollback(number, b.links, id);
    }

    /// Rolls back batch `number` (already flagged) and every live batch after it; returns the later
    /// batches' bonds and cancels (refunding) the other open disputes on them.
    function rollback(uint256 number, uint256 links, uint256 lostId) internal {
        uint256 parent = uint64(links);
        uint256 root = parentRootOf(links);
        currentRoot = root;
        uint256 h = head;
        uint256 count = uint64(h);
        head = count | (parent << 64) | (((links >> 64) & M64) << 128) | ((h >> 192) << 192);
        uint256 last = number;
        for (uint256 k = number + 1; k <= count; ++k) {
            Batch storage x = batches[k];
            uint256 m = x.meta;
            if ((m >> 248) & ROLLED_BACK != 0) continue;
            x.meta = (m & ~(M32 << 192)) | (block.timestamp << 192) | ((ROLLED_BACK | BOND_RETURNED) << 248);
            pay(address(uint160(m)), proposerBond);
            last = k;
        }
        cancelDisputes(number, (links >> 160) & M64, h >> 192, lostId);
        emit BatchesRolledBack(number, last, root);
    }

    /// Cancels the open disputes (other than the lost one) on batches from `number` on, refunding their bonds:
    /// only disputes opened after that batch was proposed can be on it or after it.
    function cancelDisputes(uint256 number, uint256 firstId, uint256 disputeCount, uint256 lostId) internal {
        for (uint256 j = firstId; j <= disputeCount; ++j) {
            if (j == lostId || j == 0) continue;
            Dispute storage y = disputes[j];
            uint256 p = y.parties;
            uint256 on = (p >> 160) & M64;
            if (on < number) continue;
            uint256 s = y.state;
            if (((s >> 120) & 0xff) != 0) continue;
            y.state = closed(s, OUTCOME_CANCELLED);
            batches[on].meta -= 1 << 224;
            pay(address(uint160(p)), challengerBond);
        }
    }

    /// A payout that cannot block the transaction: a refused one is owed instead (2,300 gas stipend only).
    function pay(address to, uint256 amount) internal {
        if (amount == 0) return;
        (bool sent, ) = to.call{value: amount, gas: 0}("");
        if (!sent) owed[to] += amount;
    }

    // ---- one-step proof ----

    function decodeProveStep() internal pure returns (uint256 id, uint256 dataLength, Witness[] memory ws) {
        uint256 len = msg.data.length;
        if (len < 68) revert MALFORMED();
        id = safeWord(4);
        dataLength = safeWord(36);
        if (dataLength > len - 68) revert MALFORMED();
        uint256 at = 68 + dataLength;
        if (at + 32 > len) revert MALFORMED();
        uint256 count = safeWord(at);
        at += 32;
        // Every witness takes at least three words (index, present, path length).
        if (count > (len - at) / 96) revert MALFORMED();
        ws = new Witness[](count);
        for (uint256 i; i < count; ++i) {
            Witness memory w = ws[i];
            if (at + 64 > len) revert MALFORMED();
            w.index = safeWord(at);
            uint256 present = word(at + 32);
            if (present > 1) revert MALFORMED();
            at += 64;
            if (present == 1) {
                if (at + 128 > len) revert MALFORMED();
                w.present = 1;
                w.x = word(at);
                w.y = word(at + 32);
                w.balance = word(at + 64);
                w.nonce = word(at + 96);
                at += 128;
            }
            if (at + 32 > len) revert MALFORMED();
            uint256 n = safeWord(at);
            at += 32;
            if (n > (len - at) / 32) revert MALFORMED();
            w.pathAt = at;
            w.pathWords = n;
            at += 32 * n;
        }
        if (at != len) revert MALFORMED();
    }

    /// Operation `index` of the posted data (at calldata offset 68), with its deposit's key from the queue
    /// and its signature's R8 decoded.
    function readOperation(uint256 index, Batch storage b) internal view returns (Op memory op) {
        uint256 at = 68;
        uint256 ordinal;
        for (uint256 i; i < index; ++i) {
            uint256 k = recordKind(at);
            if (k == KIND_DEPOSIT) ++ordinal;
            at += operationSize(k);
        }
        (op.kind, op.from, op.to, op.mantissa, op.exponent) = readRecord(at);
        op.amount = op.mantissa * 10 ** op.exponent;
        op.decoded = true;
        if (op.kind == KIND_DEPOSIT) {
            QueuedDeposit storage q = deposits[((b.links >> 64) & M64) + ordinal];
            op.keyX = q.x;
            op.keyY = q.y;
        } else if (op.kind == KIND_TRANSFER || op.kind == KIND_WITHDRAW) {
            uint256 rb = recordBytes;
            op.nonce = word(at + rb) >> 224;
            op.sWord = word(at + rb + NONCE_BYTES + 32);
            if (op.kind == KIND_WITHDRAW) op.recipient = word(at + rb + NONCE_BYTES + SIGNATURE_BYTES) >> 96;
            (op.decoded, op.r8x, op.r8y) = eddsa.unpackPoint(word(at + rb + NONCE_BYTES));
        }
    }

    /// The witnesses must rebuild the agreed root_lo: at least one, distinct indices in range, paths of the
    /// tree's shape, canonical account fields (no field aliases), each path consistent and leading to rootLo.
    function checkWitnesses(Witness[] memory ws, uint256 rootLo) internal view {
        if (ws.length == 0) revert BAD_WITNESS();
        for (uint256 i; i < ws.length; ++i) {
            Witness memory w = ws[i];
            for (uint256 j; j < i; ++j) if (ws[j].index == w.index) revert BAD_WITNESS();
            if (w.index >= accounts || w.pathWords != pathLength) revert BAD_WITNESS();
            uint256 leaf;
            if (w.present == 1) {
                if (w.x >= FIELD || w.y >= FIELD || w.nonce >= FIELD || w.balance > MAX_BALANCE) revert BAD_WITNESS();
                leaf = leafHash(w.x, w.y, w.balance, w.nonce);
            }
            (bool ok, uint256 root) = pathRoot(w.index, leaf, w.pathAt);
            if (!ok || root != rootLo) revert BAD_WITNESS();
        }
    }

    function requireTouched(Op memory op, Witness[] memory ws) internal pure {
        if (op.kind == KIND_TRANSFER) {
            findWitness(ws, op.from);
            findWitness(ws, op.to);
        } else if (op.kind == KIND_DEPOSIT) {
            findWitness(ws, op.to);
        } else if (op.kind == KIND_WITHDRAW) {
            findWitness(ws, op.from);
        }
    }

    function findWitness(Witness[] memory ws, uint256 index) internal pure returns (Witness memory) {
        for (uint256 i; i < ws.length; ++i) if (ws[i].index == index) return ws[i];
        revert BAD_WITNESS();
    }

    /// Re-executes the operation with the reference rules (src/state/transition.ts): whether it is valid and
    /// the root after it.
    function execute(Op memory op, Witness[] memory ws, uint256 rootLo) internal view returns (bool, uint256) {
        if (op.kind == KIND_NOOP) return (true, rootLo);
        if (op.kind == KIND_DEPOSIT) return executeDeposit(op, findWitness(ws, op.to));
        if (op.kind == KIND_WITHDRAW) return executeWithdraw(op, findWitness(ws, op.from));
        return executeTransfer(op, findWitness(ws, op.from), findWitness(ws, op.to));
    }

    function executeDeposit(Op memory op, Witness memory w) internal view returns (bool, uint256) {
        uint256 x = op.keyX;
        uint256 y = op.keyY;
        uint256 balance;
        uint256 nonce;
        if (w.present == 1) {
            if (w.x != x || w.y != y) return (false, 0);
            balance = w.balance;
            nonce = w.nonce;
        }
        if (op.amount > MAX_BALANCE || balance + op.amount > MAX_BALANCE) return (false, 0);
        return (true, updatedRoot(w, leafHash(x, y, balance + op.amount, nonce), 0, 0, 0));
    }

    function executeWithdraw(Op memory op, Witness memory s) internal view returns (bool, uint256) {
        if (s.present == 0 || op.amount > MAX_BALANCE || !signedBy(op, s) || op.amount > s.balance) return (false, 0);
        return (true, updatedRoot(s, leafHash(s.x, s.y, s.balance - op.amount, s.nonce + 1), 0, 0, 0));
    }

    function executeTransfer(Op memory op, Witness memory s, Witness memory r) internal view returns (bool, uint256) {
        if (s.present == 0 || r.present == 0 || op.amount > MAX_BALANCE || !signedBy(op, s) || op.amount > s.balance) return (false, 0);
        if (op.from == op.to) {
            // Debit then credit the same leaf: the balance is unchanged, the nonce moves.
            return (true, updatedRoot(s, leafHash(s.x, s.y, s.balance, s.nonce + 1), 0, 0, 0));
        }
        if (r.balance + op.amount > MAX_BALANCE) return (false, 0);
        uint256 senderLeaf = leafHash(s.x, s.y, s.balance - op.amount, s.nonce + 1);
        // The sender's new node at the level where the two paths meet replaces its old value in the receiver's path.
        (uint256 level, uint256 node) = senderNodeAtMeeting(s, senderLeaf, op.to);
        uint256 receiverLeaf = leafHash(r.x, r.y, r.balance + op.amount, r.nonce);
        return (true, updatedRoot(r, receiverLeaf, level + 1, senderPosition(op.from, level), node));
    }

    /// Nonce and EdDSA-Poseidon signature of a transfer or withdrawal by the witnessed sender.
    function signedBy(Op memory op, Witness memory s) internal view returns (bool) {
        if (op.nonce != s.nonce) return false;
        uint256 to = op.kind == KIND_WITHDRAW ? 0 : op.to;
        uint256 h = hash6(op.r8x, op.r8y, s.x, s.y, signedM0(op.kind, op.from, to, op.amount, op.nonce), op.kind == KIND_WITHDRAW ? op.recipient : 0);
        return eddsa.verify(s.x, s.y, op.r8x, op.r8y, op.sWord, h);
    }

    // ---- Merkle paths (Poseidon(arity) per level) ----

    /// The root after setting the witness's leaf to `leaf`; from level `overrideLevel − 1` (when not 0) the
    /// child at `overridePos` is `overrideValue` instead of the path's.
    function updatedRoot(Witness memory w, uint256 leaf, uint256 overrideLevel, uint256 overridePos, uint256 overrideValue)
        internal
        view
        returns (uint256 cur)
    {
        cur = leaf;
        uint256 index = w.index;
        uint256 at = w.pathAt;
        for (uint256 l; l < levels; ++l) {
            uint256 a = arityAt(l);
            bool over = overrideLevel == l + 1;
            cur = hashPathLevel(a, at, (index % a) + 1, cur, over ? overridePos + 1 : 0, overrideValue);
            index /= a;
            at += 32 * a;
        }
    }

    /// The sender's new node at the lowest level whose children group also holds the receiver's ancestor.
    function senderNodeAtMeeting(Witness memory s, uint256 leaf, uint256 to) internal view returns (uint256 level, uint256 node) {
        node = leaf;
        uint256 from = s.index;
        uint256 at = s.pathAt;
        for (uint256 l; l < levels; ++l) {
            uint256 a = arityAt(l);
            if (from / a == to / a) return (l, node);
            node = hashPathLevel(a, at, (from % a) + 1, node, 0, 0);
            from /= a;
            to /= a;
            at += 32 * a;
        }
        revert BAD_WITNESS(); // distinct leaves always meet below the root
    }

    function senderPosition(uint256 from, uint256 level) internal view returns (uint256) {
        for (uint256 l; l < level; ++l) from /= arityAt(l);
        return from % arityAt(level);
    }

    // ---- roots commitment (src/l1/dispute-merkle.ts) ----

    /// leaf = keccak256(root), node = keccak256(left ‖ right); the proof has exactly `commitmentDepth` siblings.
    function verifyRootsProof(uint256 commitment, uint256 index, uint256 root, uint256 proofAt, uint256 proofLength)
        internal
        view
        returns (bool)
    {
        if (index >= rootLeaves || proofLength != commitmentDepth) return false;
        uint256 cur;
        assembly {
            mstore(0, root)
            cur := keccak256(0, 32)
            for { let k := 0 } lt(k, proofLength) { k := add(k, 1) } {
                let sibling := calldataload(add(proofAt, mul(k, 32)))
                switch and(shr(k, index), 1)
                case 0 {
                    mstore(0, cur)
                    mstore(32, sibling)
                }
                default {
                    mstore(0, sibling)
                    mstore(32, cur)
                }
                cur := keccak256(0, 64)
            }
        }
        return cur == commitment;
    }

    // ---- views ----

    function batchAt(uint256 number)
        external
        view
        returns (uint256 newRoot, uint256 rootsCommitment, uint256 dataHash, uint256 meta, uint256 links)
    {
        Batch storage b = batches[number];
        return (b.newRoot, b.rootsCommitment, b.dataHash, b.meta, b.links);
    }

    function disputeAt(uint256 id) external view returns (uint256 parties, uint256 state, uint256 rootLo, uint256 rootHi, uint256 midRoot) {
        Dispute storage d = disputes[id];
        return (d.parties, d.state, d.rootLo, d.rootHi, d.midRoot);
    }

    function headState() external view returns (uint256 batchCount, uint256 latestLive, uint256 queueHead, uint256 disputeCount) {
        uint256 h = head;
        return (uint64(h), uint64(h >> 64), uint64(h >> 128), h >> 192);
    }

    function bridgeState() external view returns (uint256 queueLength, uint256 bridgeBalance) {
        uint256 br = bridge;
        return (uint64(br), br >> 64);
    }

    function withdrawalAt(uint256 batchNumber, uint256 index) external view returns (address recipient, uint256 amount, bool paid) {
        uint256 w = withdrawals[batchNumber][index];
        if (w == PAID) return (address(0), 0, true);
        return (address(uint160(w)), (w >> 160) & ((1 << 95) - 1), false);
    }

    /// Whether batch `number` can be final (exists, not rolled back, no open dispute up its chain) and from
    /// when; it is final once that time has come.
    function finalityTime(uint256 number) public view returns (bool possible, uint256 at) {
        uint256 cur = number;
        while (true) {
            Batch storage b = batches[cur];
            uint256 meta = b.meta;
            uint256 flags = meta >> 248;
            if (flags & EXISTS == 0 || flags & ROLLED_BACK != 0 || (meta >> 224) & 0xffffff != 0) return (false, 0);
            uint256 t = ((meta >> 160) & M32) + challengeWindowSeconds;
            uint256 resolved = (meta >> 192) & M32;
            if (resolved > t) t = resolved;
            if (t > at) at = t;
            if (flags & BOND_RETURNED != 0) break;
            cur = uint64(b.links);
            if (cur == 0) break;
        }
        possible = true;
    }

    // ---- what RollupBridge asks of the rollup ----

    function _queueLength() internal view override returns (uint256) {
        return uint64(bridge);
    }

    function _depositQueued(uint256 length, uint256 amount) internal override {
        bridge = length | (((bridge >> 64) + amount) << 64);
    }

    /// Deposits and bonds share the contract's balance: the bridge's part is counted apart.
    function _bridgeBalance() internal view override returns (uint256) {
        return bridge >> 64;
    }

    function _bridgeDebited(uint256 amount) internal override {
        bridge -= amount << 64;
    }

    function _queueHead() internal view override returns (uint256) {
        return uint64(head >> 128);
    }

    function _latestBatch() internal view override returns (uint256) {
        return uint64(head >> 64);
    }

    function _isLive(uint256 n) internal view override returns (bool) {
        return (batches[n].meta >> 248) & (EXISTS | ROLLED_BACK) == EXISTS;
    }

    function _isFinal(uint256 n) internal view override returns (bool isFinal_) {
        (isFinal_, ) = finality(n);
    }

    function _liveRoot(uint256 n) internal view override returns (uint256) {
        return n == 0 ? genesisRoot : batches[n].newRoot;
    }

    function _withdrawal(uint256 batchNumber, uint256 w) internal view override returns (address, uint256, bool) {
        return (address(uint160(w)), (w >> 160) & ((1 << 95) - 1), _isFinal(batchNumber));
    }

    /// The newest live batch proposed by `deadline` is final (so are its ancestors, the other live ones).
    function _settledBy(uint256 deadline) internal view override returns (bool) {
        uint256 n = uint64(head >> 64);
        while (n != 0) {
            Batch storage b = batches[n];
            if (((b.meta >> 160) & M32) <= deadline) return _isFinal(n);
            n = uint64(b.links);
        }
        return true;
    }

    // ---- helpers ----

    function parentRootOf(uint256 links) internal view returns (uint256) {
        uint256 parent = uint64(links);
        return parent == 0 ? genesisRoot : batches[parent].newRoot;
    }

    function openDispute(uint256 id) internal view returns (Dispute storage d, uint256 parties, uint256 state) {
        d = disputes[id];
        parties = d.parties;
        if (parties == 0) revert NO_SUCH_DISPUTE();
        state = d.state;
        if ((state >> 120) & 0xff != 0) revert DISPUTE_OVER();
    }

    function closed(uint256 state, uint256 outcome) internal view returns (uint256) {
        return (state & ~(uint256(0xff) << 112 | uint256(0xff) << 120 | M32 << 128)) | (TURN_NONE << 112) | (outcome << 120) | (block.timestamp << 128);
    }

    function turnOf(uint256 state) internal pure returns (uint256) {
        return (state >> 112) & 0xff;
    }

    function deadlineOf(uint256 state) internal pure returns (uint256) {
        return (state >> 64) & M32;
    }

    function requireBond(uint256 bond) internal view {
        if (msg.value < bond) revert INSUFFICIENT_BOND();
        if (msg.value > bond) revert BAD_AMOUNT();
    }

    function operationSize(uint256 kind) internal view returns (uint256) {
        if (kind == KIND_TRANSFER) return recordBytes + NONCE_BYTES + SIGNATURE_BYTES;
        if (kind == KIND_WITHDRAW) return recordBytes + NONCE_BYTES + SIGNATURE_BYTES + RECIPIENT_BYTES;
        return recordBytes;
    }

    /// kind | from | to | exponent (4) | mantissa (34), big-endian in recordBytes bytes; MALFORMED above the kind.
    function readRecord(uint256 at)
        internal
        view
        returns (uint256 kind, uint256 from, uint256 to, uint256 mantissa, uint256 exponent)
    {
        uint256 v = word(at) >> (256 - 8 * recordBytes);
        uint256 ib = indexBits;
        uint256 mask = (1 << ib) - 1;
        mantissa = v & (MANTISSA_LIMIT - 1);
        exponent = (v >> 34) & 15;
        to = (v >> 38) & mask;
        from = (v >> (38 + ib)) & mask;
        kind = v >> (38 + 2 * ib);
        if (kind > 3) revert MALFORMED();
    }

    function recordKind(uint256 at) internal view returns (uint256 kind) {
        kind = (word(at) >> (256 - 8 * recordBytes)) >> (38 + 2 * indexBits);
        if (kind > 3) revert MALFORMED();
    }

    function hashCalldata(uint256 at, uint256 length) internal pure returns (uint256 h) {
        assembly {
            let m := mload(0x40)
            calldatacopy(m, at, length)
            h := keccak256(m, length)
        }
    }

    /// A word used as a length or an index: MALFORMED above 2^53 − 1.
    function safeWord(uint256 at) internal pure returns (uint256 v) {
        v = word(at);
        if (v > MAX_SAFE) revert MALFORMED();
    }

    function oneUint() internal pure returns (uint256) {
        if (msg.data.length != 36) revert MALFORMED();
        return safeWord(4);
    }

    function twoUints() internal pure returns (uint256, uint256) {
        if (msg.data.length != 68) revert MALFORMED();
        return (safeWord(4), safeWord(36));
    }
}
