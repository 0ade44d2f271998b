// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import "./ByteOrder.sol";

import "./BabyJubjubKey.sol";

/// The EdDSA-Poseidon signature check on Baby Jubjub (contracts/BabyJubjubEdDSA.sol), called with STATICCALL.
interface IBabyJubjubEdDSA {
    function unpackPoint(uint256 packedWord) external view returns (bool ok, uint256 x, uint256 y);
    function verify(uint256 ax, uint256 ay, uint256 r8x, uint256 r8y, uint256 sWord, uint256 h) external view returns (bool);
}

/// snarkjs's Groth16 verifier of the exit-claim circuit (circuits/exit_claim.circom) for this tree, with
/// the public inputs root, rollupId, index, recipient, balance.
interface IExitClaimVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[5] calldata pubSignals
    ) external view returns (bool);
}

/// What the zk rollup (ZkRollup.sol) and the optimistic rollup (OptimisticRollup.sol) share, written once:
/// the bridge (deposit queue with its key registry, withdrawal claims), the account tree's proofs and the
/// EdDSA check, and censorship resistance (forced withdrawals, exit mode). Each rollup says, through the
/// internal virtual functions at the end, which of its batches are live and final, their roots, and where
/// its queue head and bridge balance are kept.
///
/// Forced withdrawals (a batch is not scanned for every signed operation: only its withdrawals are matched,
/// and a request that cannot be served is proven so, not detected):
/// - requestForcedWithdrawal: a signed L2 withdraw, stored as it is (three slots, no check of the account:
///   an account proof and an EdDSA check on L1 cost ≈ 1.6M gas on a 65,536-account tree). The sequencer then
///   has `forcedDeadlineSeconds` to post a batch carrying that withdraw, whose signature, nonce and balance
///   the batch's proof (zk) or one-step proof (optimistic) checks. One open request per account. A request
///   carries a bond (`forcedRequestBond`): a dismissal pays it to the dismisser (the proof it paid for), so a
///   forged request costs its sender more than it costs the sequencer; releaseBond pays it to the request's
///   recipient once the request is served, or while it is pending in exit mode.
/// - Each batch's withdrawals, as the batch is accepted (zk) or proposed (optimistic), carry the open
///   request of their account when amount and recipient match and no live batch carries it already. A
///   request is *included* while its carrier is live and can still be rolled back, *served* once the
///   carrier is final; a rolled-back carrier does not count (evaluated lazily), so the request is pending
///   again under its first deadline.
/// - dismissForcedWithdrawal: a proof of the account under a final root no older than the request, showing
///   the request cannot be served there: another nonce, a balance short of the amount, or a signature the
///   account's key did not make (the sequencer pays for the proof; the contract checks it).
/// - activateExitMode: a request still pending after its deadline, once every batch proposed by the
///   deadline is final or rolled back (the sequencer could dismiss a request whose nonce it spent). Then no
///   batch is accepted; the exit batch is the latest live batch, and claims open once it is final.
/// - claimExit: an account's balance under the exit root, signed by its key (exitClaimMessage), once. The
///   Merkle path and the signature are checked by a Groth16 proof of the exit-claim circuit (≈ 0.3M gas)
///   instead of on L1 (≈ 1.6M gas on a 65,536-account tree).
///   refundDeposit: a deposit no live batch consumed, back to its L1 sender, once. Withdrawals of final
///   batches stay claimable (their amounts were debited before the exit root).
///
/// The forced-exit calls are packed calldata (src/l1/forced-exit-calldata.ts), dispatched from each
/// rollup's fallback: selector | words | [path length | path words]. Every word is range-checked before it
/// is compared or hashed (MALFORMED): a balance or nonce + p hashes to the same leaf.
abstract contract RollupBridge {
    // ---- errors (names are the L1 revert codes of src/l1/errors.ts) ----
    error MALFORMED();
    error BAD_AMOUNT();
    error BAD_PUBLIC_KEY();
    error BRIDGE_FULL();
    error TREE_FULL();
    error NO_WITHDRAWAL();
    error NOT_FINAL();
    error ALREADY_CLAIMED();
    error BRIDGE_INSOLVENT();
    error PAYOUT_FAILED();
    error BAD_MERKLE_PROOF();
    error BAD_WITNESS();
    error INVALID_PROOF();
    error DEADLINE_NOT_PASSED();
    error INSUFFICIENT_BALANCE();
    error EXIT_MODE();
    error NOT_EXIT_MODE();
    error BAD_NONCE();
    error BAD_SIGNATURE();
    error NOT_PENDING();
    error NO_REQUEST();
    error NO_DEPOSIT();
    error DEPOSIT_CONSUMED();
    /// The account already has a request that is neither served nor dismissed.
    error REQUEST_OPEN();
    /// A dismissal whose proof shows the request can be served.
    error SERVABLE();
    /// A forced-withdrawal request must carry exactly forcedRequestBond wei.
    error BAD_BOND();
    /// An account proof against a root older than the rollup keeps (ZkRollup's ring of recent roots).
    error ROOT_EXPIRED();

    // ---- events ----
    event DepositQueued(uint256 indexed index, uint256 x, uint256 y, uint256 amount, uint256 timestamp);
    event WithdrawalClaimed(uint256 indexed batchNumber, uint256 index, address indexed recipient, uint256 amount);
    /// Everything the sequencer needs to post the withdraw (the node reads requests from these).
    event ForcedWithdrawalRequested(
        uint256 indexed id,
        uint256 indexed from,
        address requester,
        address recipient,
        uint256 amount,
        uint256 nonce,
        uint256[3] signature,
        uint256 atBatch,
        uint256 deadline
    );
    event ForcedWithdrawalIncluded(uint256 indexed id, uint256 indexed batchNumber, uint256 withdrawalIndex);
    event ForcedWithdrawalDismissed(uint256 indexed id, uint256 rootBatch, uint256 reason);
    event ExitModeActivated(uint256 indexed requestId, uint256 batchNumber, uint256 root);
    event ExitClaimed(uint256 indexed index, address indexed recipient, uint256 amount);
    event DepositRefunded(uint256 indexed index, address indexed sender, uint256 amount);

    // ---- constants ----
    /// BN254 scalar field: roots, keys, nonces and every Poseidon input are elements of it.
    uint256 internal constant FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// Balances are 64-bit (src/tx/amount.ts).
    uint256 internal constant MAX_BALANCE = type(uint64).max;
    uint256 internal constant MANTISSA_LIMIT = 1 << 34;
    /// Calldata lengths and indices above this are MALFORMED (the TS reader's safe-integer bound).
    uint256 internal constant MAX_SAFE = (1 << 53) - 1;
    uint256 internal constant M32 = 0xffffffff;
    uint256 internal constant M64 = 0xffffffffffffffff;
    /// A withdrawal slot that was paid (a registered one is never 1: it holds a recipient and a tag).
    uint256 internal constant PAID = 1;

    uint256 internal constant STATUS_PENDING = 0;
    uint256 internal constant STATUS_INCLUDED = 1;
    uint256 internal constant STATUS_SERVED = 2;
    uint256 internal constant STATUS_DISMISSED = 3;
    /// Why a request was dismissed (ForcedWithdrawalDismissed.reason).
    uint256 internal constant DISMISSED_NONCE = 0;
    uint256 internal constant DISMISSED_BALANCE = 1;
    uint256 internal constant DISMISSED_SIGNATURE = 2;
    /// Request links: from | atBatch << 48 | carrier batch << 112 | carrier withdrawal index << 176 |
    /// deadline << 208 (46 bits) | bond released << 254 | dismissed << 255.
    uint256 internal constant CARRIER_SHIFT = 112;
    uint256 internal constant CARRIER_INDEX_SHIFT = 176;
    uint256 internal constant DEADLINE_SHIFT = 208;
    uint256 internal constant M46 = (1 << 46) - 1;
    uint256 internal constant RELEASED = 1 << 254;
    /// requestCounter: count | bonds held << 64 (the number of requests whose bond is still here) | 1 << 255.
    uint256 internal constant BOND_UNIT = 1 << 64;
    uint256 internal constant M48 = (1 << 48) - 1;

    bytes4 internal constant SEL_REQUEST = bytes4(keccak256("requestForcedWithdrawal(uint256,address,uint256,uint256,uint256[3])"));
    bytes4 internal constant SEL_DISMISS = bytes4(keccak256("dismissForcedWithdrawal(uint256,uint256,uint256[3],uint256,uint256,uint256,uint256,uint256,uint256[])"));
    bytes4 internal constant SEL_ACTIVATE = bytes4(keccak256("activateExitMode(uint256)"));
    bytes4 internal constant SEL_CLAIM_EXIT = bytes4(keccak256("claimExit(uint256,address,uint256,uint256[8])"));
    bytes4 internal constant SEL_REFUND = bytes4(keccak256("refundDeposit(uint256)"));
    bytes4 internal constant SEL_RELEASE_BOND = bytes4(keccak256("releaseBond(uint256)"));

    // ---- configuration ----
    uint256 public immutable rollupId;
    /// The account tree: levels, arities (4 bits each, bottom-up), leaves, words per path, index bits.
    uint256 public immutable levels;
    uint256 internal immutable arityCodes;
    uint256 public immutable accounts;
    uint256 public immutable pathLength;
    uint256 public immutable indexBits;
    /// Bytes of a record (src/tx/layout.ts).
    uint256 public immutable recordBytes;
    /// A record's calldata word is shifted right by recordShift to read the record, and the record by
    /// kindShift to read its 2-bit kind (the layout of src/tx/layout.ts).
    uint256 internal immutable recordShift;
    uint256 internal immutable kindShift;
    /// recordShift + kindShift: a record's kind straight from its calldata word (once per record in a batch).
    uint256 internal immutable wordKindShift;
    /// L1 seconds the sequencer has to serve a forced withdrawal.
    uint256 public immutable forcedDeadlineSeconds;
    /// Wei a forced-withdrawal request must carry (see the forced-withdrawal rules above).
    uint256 public immutable forcedRequestBond;
    address internal immutable poseidon2;
    address internal immutable poseidon3;
    address internal immutable poseidon4;
    address internal immutable poseidon6;
    address internal immutable poseidon8;
    IBabyJubjubEdDSA internal immutable eddsa;
    IExitClaimVerifier internal immutable exitVerifier;

    struct TreeConfig {
        uint256 rollupId;
        /// Tree arity per level, bottom-up (2, 4 or 8).
        uint256[] arities;
        uint256 forcedDeadlineSeconds;
        uint256 forcedRequestBond;
        /// Poseidon(n) contracts (poseidon(uint256[n])); 2 and 8 only if a level has that arity.
        address poseidon2;
        address poseidon3;
        address poseidon4;
        address poseidon6;
        address poseidon8;
        address eddsa;
        /// The exit-claim circuit's Groth16 verifier for this tree shape.
        address exitVerifier;
    }

    /// Three slots a deposit: key x, key y, amount | timestamp (32 bits) << 64 | sender << 96.
    struct QueuedDeposit {
        uint256 x;
        uint256 y;
        uint256 amountAndTime;
    }

    /// Three slots a forced withdrawal request (its requester and signature are in its event).
    struct Request {
        /// recipient | amount << 160.
        uint256 payout;
        /// from | atBatch << 48 | carrier batch << 112 | carrier withdrawal index << 176 | deadline << 208 |
        /// dismissed << 255. atBatch: the latest batch when the request was made.
        uint256 links;
        /// keccak256(nonce, R8x, R8y, S): what a dismissal must show the account cannot honour.
        bytes32 seal;
    }

    /// An account as decoded from calldata (its path stays in calldata at pathAt).
    struct ProvenAccount {
        uint256 index;
        uint256 rootBatch;
        uint256 x;
        uint256 y;
        uint256 balance;
        uint256 nonce;
        uint256 pathAt;
    }

    // ---- storage ----
    mapping(uint256 => QueuedDeposit) internal deposits;
    /// L2 keys that ever had a deposit queued (keccak of x, y), and how many: each holds one account.
    mapping(bytes32 => bool) internal keyRegistered;
    uint256 public accountCount;
    /// batch => index => the rollup's withdrawal slot (recipient in the low 160 bits); PAID once paid; 0: none.
    mapping(uint256 => mapping(uint256 => uint256)) internal withdrawals;
    mapping(uint256 => Request) internal requests;
    /// Requests ever made, with bit 255 set at deployment so the first request rewrites the slot instead of
    /// creating it (17,100 gas); requestCount() reads the count.
    uint256 internal requestCounter = 1 << 255;
    /// Account index => its latest request id + 1.
    mapping(uint256 => uint256) internal accountRequest;
    /// active | activatedAt << 8 | requestId << 72 | activatedAtBatch << 136 (0: not in exit mode).
    uint256 internal exitState;
    mapping(uint256 => bool) public exitClaimed;
    /// Deposits refunded in exit mode, by queue index.
    mapping(uint256 => bool) internal refunded;

    constructor(TreeConfig memory c) {
        require(c.rollupId < 1 << 32, "rollupId wider than 32 bits");
        require(c.arities.length > 0 && c.arities.length <= 63, "bad arities");
        require(c.forcedDeadlineSeconds > 0 && c.forcedDeadlineSeconds < 1 << 40, "bad forced deadline");
        uint256 codes;
        uint256 leaves = 1;
        uint256 words;
        uint256 bits;
        for (uint256 l; l < c.arities.length; ++l) {
            uint256 a = c.arities[l];
            require(a == 2 || a == 4 || a == 8, "arity must be 2, 4 or 8");
            codes |= a << (4 * l);
            leaves *= a;
            words += a;
            bits += a == 2 ? 1 : a == 4 ? 2 : 3;
        }
        require(bits <= 48, "more than 2^48 accounts");
        uint256 rb = (40 + 2 * bits + 7) / 8;
        require(rb <= 31, "record wider than 31 bytes");
        rollupId = c.rollupId;
        levels = c.arities.length;
        arityCodes = codes;
        accounts = leaves;
        pathLength = words;
        indexBits = bits;
        recordBytes = rb;
        recordShift = 256 - 8 * rb;
        kindShift = 38 + 2 * bits;
        wordKindShift = 256 - 8 * rb + 38 + 2 * bits;
        forcedDeadlineSeconds = c.forcedDeadlineSeconds;
        forcedRequestBond = c.forcedRequestBond;
        poseidon2 = c.poseidon2;
        poseidon3 = c.poseidon3;
        poseidon4 = c.poseidon4;
        poseidon6 = c.poseidon6;
        poseidon8 = c.poseidon8;
        eddsa = IBabyJubjubEdDSA(c.eddsa);
        exitVerifier = IExitClaimVerifier(c.exitVerifier);
    }

    // ---- what each rollup decides ----

    /// Deposits ever queued.
    function _queueLength() internal view virtual returns (uint256);
    /// Records a new deposit: the queue is `length` long and the bridge holds `amount` more.
    function _depositQueued(uint256 length, uint256 amount) internal virtual;
    /// What the bridge holds for L2 users before this transaction's value.
    function _bridgeBalance() internal view virtual returns (uint256);
    /// The bridge pays out `amount` (the caller checked it holds that much).
    function _bridgeDebited(uint256 amount) internal virtual;
    /// The first deposit no live batch consumed.
    function _queueHead() internal view virtual returns (uint256);
    /// The latest live batch (0: none, the genesis root).
    function _latestBatch() internal view virtual returns (uint256);
    /// On L1 and not rolled back.
    function _isLive(uint256 n) internal view virtual returns (bool);
    /// Live and unable to be rolled back any more (its root cannot change; it serves what it carries).
    function _isFinal(uint256 n) internal view virtual returns (bool);
    /// The root of live batch n (0: the genesis root).
    function _liveRoot(uint256 n) internal view virtual returns (uint256);
    /// A registered withdrawal slot's recipient and amount, and whether it is payable now.
    function _withdrawal(uint256 batchNumber, uint256 slot) internal view virtual returns (address recipient, uint256 amount, bool payable_);
    /// activateExitMode's extra condition (optimistic: the batches proposed by the deadline are settled).
    function _settledBy(uint256 deadline) internal view virtual returns (bool);

    // ---- bridge ----

    /// Locks msg.value (in L2 units) and queues it for the L2 public key (x, y).
    function _deposit(uint256 x, uint256 y) internal {
        uint256 amount = msg.value;
        if (amount == 0 || amount > MAX_BALANCE || !encodable(amount)) revert BAD_AMOUNT();
        if (!BabyJubjubKey.isValid(x, y)) revert BAD_PUBLIC_KEY();
        // Nothing queued may be impossible to credit on L2 (it would halt the rollup): L2 balances sum to
        // at most what the bridge holds, so a bridge of at most 2^64 - 1 keeps every account in range;
        // one account per key, and no more keys than leaves, keeps a leaf free for every new key.
        if (_bridgeBalance() + amount > MAX_BALANCE) revert BRIDGE_FULL();
        bytes32 key = keccak256(abi.encode(x, y));
        if (!keyRegistered[key]) {
            uint256 registered = accountCount;
            if (registered >= accounts) revert TREE_FULL();
            keyRegistered[key] = true;
            accountCount = registered + 1;
        }
        uint256 index = _queueLength();
        deposits[index] = QueuedDeposit(x, y, amount | (block.timestamp << 64) | (uint256(uint160(msg.sender)) << 96));
        _depositQueued(index + 1, amount);
        emit DepositQueued(index, x, y, amount, block.timestamp);
    }

    function depositAt(uint256 index) external view returns (uint256 x, uint256 y, uint256 amount, uint256 timestamp) {
        QueuedDeposit storage d = deposits[index];
        return (d.x, d.y, uint64(d.amountAndTime), (d.amountAndTime >> 64) & M32);
    }

    /// The L1 address that queued deposit `index`, and whether it was refunded.
    function depositSender(uint256 index) external view returns (address sender, bool wasRefunded) {
        return (address(uint160(deposits[index].amountAndTime >> 96)), refunded[index]);
    }

    /// Pays withdrawal `index` of batch `batchNumber` to its recipient, once, from a final batch (anyone may call).
    function _claimWithdrawal(uint256 batchNumber, uint256 index) internal {
        uint256 w = withdrawals[batchNumber][index];
        if (w == 0) revert NO_WITHDRAWAL();
        if (w == PAID) revert ALREADY_CLAIMED();
        (address recipient, uint256 amount, bool payable_) = _withdrawal(batchNumber, w);
        if (!payable_) revert NOT_FINAL();
        // Marked paid with a non-zero value (no refund): a cleared slot would read as "no withdrawal".
        withdrawals[batchNumber][index] = PAID;
        payOut(recipient, amount);
        emit WithdrawalClaimed(batchNumber, index, recipient, amount);
    }

    /// Pays `amount` of the bridge's funds to `to`; the recipient may not refuse.
    function payOut(address to, uint256 amount) internal {
        if (_bridgeBalance() < amount) revert BRIDGE_INSOLVENT();
        _bridgeDebited(amount);
        (bool sent, ) = to.call{value: amount}("");
        if (!sent) revert PAYOUT_FAILED();
    }

    // ---- forced withdrawals and exit mode ----

    /// Dispatches a forced-exit call from the rollup's fallback; false: not one of them.
    function dispatchForcedExit(bytes4 sel) internal returns (bool) {
        // Only a request carries value (its bond); ETH sent with any other forced-exit call would be stuck.
        if (msg.value != 0 && sel != SEL_REQUEST) revert MALFORMED();
        if (sel == SEL_REQUEST) requestForcedWithdrawal();
        else if (sel == SEL_DISMISS) dismissForcedWithdrawal();
        else if (sel == SEL_ACTIVATE) activateExitMode();
        else if (sel == SEL_CLAIM_EXIT) claimExit();
        else if (sel == SEL_REFUND) refundDeposit();
        else if (sel == SEL_RELEASE_BOND) releaseBond();
        else return false;
        return true;
    }

    /// A batch transaction's first check: none in exit mode.
    function refuseInExitMode() internal view {
        if (exitState != 0) revert EXIT_MODE();
    }

    /// requestForcedWithdrawal: from | recipient | amount | nonce | R8x | R8y | S (a signed L2 withdraw).
    function requestForcedWithdrawal() internal {
        if (msg.data.length != 4 + 7 * 32) revert MALFORMED();
        uint256 from = word(4);
        uint256 recipient = word(36);
        uint256 amount = word(68);
        uint256 nonce = word(100);
        // A nonce grows by one an operation from 0: one of 64 bits or more can never be reached.
        if (from >= accounts || recipient >> 160 != 0 || amount > MAX_BALANCE || nonce > M64) revert MALFORMED();
        if (word(132) >= FIELD || word(164) >= FIELD || word(196) >= FIELD) revert MALFORMED();
        if (exitState != 0) revert EXIT_MODE();
        if (amount == 0 || !encodable(amount)) revert BAD_AMOUNT();
        if (msg.value != forcedRequestBond) revert BAD_BOND();
        uint256 previous = accountRequest[from];
        if (previous != 0) {
            (uint256 status, , ) = requestStatus(previous - 1);
            if (status != STATUS_SERVED && status != STATUS_DISMISSED) revert REQUEST_OPEN();
        }
        uint256 counter = requestCounter;
        uint256 id = counter & M64;
        uint256 deadline = block.timestamp + forcedDeadlineSeconds;
        uint256 atBatch = _latestBatch();
        Request storage q = requests[id];
        q.payout = recipient | (amount << 160);
        q.links = from | (atBatch << 48) | (deadline << DEADLINE_SHIFT);
        q.seal = keccak256(msg.data[100:228]);
        requestCounter = counter + 1 + BOND_UNIT;
        accountRequest[from] = id + 1;
        emit ForcedWithdrawalRequested(id, from, msg.sender, address(uint160(recipient)), amount, nonce, [word(132), word(164), word(196)], atBatch, deadline);
    }

    /// dismissForcedWithdrawal: id | nonce | R8x | R8y | S | rootBatch | Ax | Ay | balance | account nonce |
    /// path length | path. The request's nonce and signature (checked against its seal), and its account under
    /// the final root of batch rootBatch, no older than the request: dismissed if the account's nonce is
    /// another, else if its balance is short, else if its key did not sign the withdraw (SERVABLE otherwise).
    function dismissForcedWithdrawal() internal {
        if (msg.data.length < 4 + 11 * 32) revert MALFORMED();
        uint256 id = word(4);
        if (id > MAX_SAFE) revert MALFORMED();
        ProvenAccount memory a = readAccount(164, 0);
        if (id >= requestCount()) revert NO_REQUEST();
        Request storage q = requests[id];
        uint256 links = q.links;
        a.index = links & M48;
        (uint256 status, , ) = requestStatus(id);
        if (status == STATUS_SERVED || status == STATUS_DISMISSED) revert NOT_PENDING();
        if (a.rootBatch < (links >> 48) & M64 || keccak256(msg.data[36:164]) != q.seal) revert BAD_WITNESS();
        checkFinalProof(a);
        uint256 amount = q.payout >> 160;
        uint256 reason;
        if (a.nonce != word(36)) reason = DISMISSED_NONCE;
        else if (a.balance < amount) reason = DISMISSED_BALANCE;
        else if (!signatureValid(a.x, a.y, 68, withdrawM0(a.index, amount, a.nonce), uint160(q.payout))) reason = DISMISSED_SIGNATURE;
        else revert SERVABLE();
        q.links = links | (1 << 255) | RELEASED;
        emit ForcedWithdrawalDismissed(id, a.rootBatch, reason);
        payBond(msg.sender);
    }

    /// releaseBond: id. Pays a served request's bond (or a pending one's, in exit mode) to its recipient, once.
    function releaseBond() internal {
        if (msg.data.length != 36 || word(4) > MAX_SAFE) revert MALFORMED();
        uint256 id = word(4);
        if (id >= requestCount()) revert NO_REQUEST();
        Request storage q = requests[id];
        uint256 links = q.links;
        if (links & RELEASED != 0) revert ALREADY_CLAIMED();
        (uint256 status, , ) = requestStatus(id);
        if (status != STATUS_SERVED && !(status == STATUS_PENDING && exitState != 0)) revert NOT_FINAL();
        q.links = links | RELEASED;
        payBond(address(uint160(q.payout)));
    }

    /// Sends one bond out of the contract and counts it gone.
    function payBond(address to) internal {
        requestCounter -= BOND_UNIT;
        uint256 bond = forcedRequestBond;
        if (bond == 0) return;
        (bool sent, ) = to.call{value: bond}("");
        if (!sent) revert PAYOUT_FAILED();
    }

    /// Wei of forced-request bonds the contract holds (not the bridge's).
    function bondsHeld() internal view returns (uint256) {
        return ((requestCounter >> 64) & M64) * forcedRequestBond;
    }

    /// activateExitMode: id.
    function activateExitMode() internal {
        if (msg.data.length != 36 || word(4) > MAX_SAFE) revert MALFORMED();
        uint256 id = word(4);
        if (exitState != 0) revert EXIT_MODE();
        if (id >= requestCount()) revert NO_REQUEST();
        (uint256 status, , ) = requestStatus(id);
        if (status != STATUS_PENDING) revert NOT_PENDING();
        uint256 deadline = (requests[id].links >> DEADLINE_SHIFT) & M46;
        if (block.timestamp <= deadline) revert DEADLINE_NOT_PASSED();
        if (!_settledBy(deadline)) revert NOT_FINAL();
        uint256 batchNumber = _latestBatch();
        exitState = 1 | (block.timestamp << 8) | (id << 72) | (batchNumber << 136);
        emit ExitModeActivated(id, batchNumber, _liveRoot(batchNumber));
    }

    /// claimExit: index | recipient | balance | proof (a.x, a.y, b.x1, b.x0, b.y1, b.y0, c.x, c.y): a Groth16
    /// proof that account `index` holds `balance` under the exit root and its key signed the claim for
    /// `recipient` on this rollup. The contract supplies the root and its rollupId; index, recipient and
    /// balance are range-checked before they become public inputs (an index or balance + p would be the
    /// same field element to the verifier).
    function claimExit() internal {
        if (msg.data.length != 4 + 11 * 32) revert MALFORMED();
        uint256 index = word(4);
        uint256 recipient = word(36);
        uint256 balance = word(68);
        if (index >= accounts || recipient >> 160 != 0 || balance > MAX_BALANCE) revert MALFORMED();
        uint256 root = openExitRoot();
        if (exitClaimed[index]) revert ALREADY_CLAIMED();
        if (balance == 0) revert BAD_AMOUNT();
        bool ok = exitVerifier.verifyProof(
            [word(100), word(132)],
            [[word(164), word(196)], [word(228), word(260)]],
            [word(292), word(324)],
            [root, rollupId, index, recipient, balance]
        );
        if (!ok) revert INVALID_PROOF();
        exitClaimed[index] = true;
        payOut(address(uint160(recipient)), balance);
        emit ExitClaimed(index, address(uint160(recipient)), balance);
    }

    /// refundDeposit: queue index.
    function refundDeposit() internal {
        if (msg.data.length != 36 || word(4) > MAX_SAFE) revert MALFORMED();
        uint256 index = word(4);
        openExitRoot();
        if (index >= _queueLength()) revert NO_DEPOSIT();
        if (index < _queueHead()) revert DEPOSIT_CONSUMED();
        if (refunded[index]) revert ALREADY_CLAIMED();
        refunded[index] = true;
        uint256 v = deposits[index].amountAndTime;
        address sender = address(uint160(v >> 96));
        payOut(sender, uint64(v));
        emit DepositRefunded(index, sender, uint64(v));
    }

    /// Called by a rollup for each withdrawal of a batch it accepts (zk) or proposes (optimistic): it carries
    /// its account's request when amount and recipient match and no live batch carries that request yet.
    function carryWithdrawal(uint256 batchNumber, uint256 withdrawalIndex, uint256 from, uint256 recipient, uint256 amount) internal {
        uint256 r = accountRequest[from];
        if (r == 0) return;
        Request storage q = requests[r - 1];
        uint256 links = q.links;
        if (links >> 255 != 0 || q.payout != recipient | (amount << 160)) return;
        uint256 carrier = (links >> CARRIER_SHIFT) & M64;
        if (carrier == batchNumber || (carrier != 0 && _isLive(carrier))) return;
        uint256 carrierMask = ((1 << 96) - 1) << CARRIER_SHIFT;
        q.links = (links & ~carrierMask) | (batchNumber << CARRIER_SHIFT) | (withdrawalIndex << CARRIER_INDEX_SHIFT);
        emit ForcedWithdrawalIncluded(r - 1, batchNumber, withdrawalIndex);
    }

    // ---- forced-exit views ----

    /// A request's status now (a carrier rolled back does not count) and its live carrier.
    function requestStatus(uint256 id) public view returns (uint256 status, uint256 carrierBatch, uint256 carrierIndex) {
        uint256 links = requests[id].links;
        if (links >> 255 != 0) return (STATUS_DISMISSED, 0, 0);
        carrierBatch = (links >> CARRIER_SHIFT) & M64;
        if (carrierBatch == 0 || !_isLive(carrierBatch)) return (STATUS_PENDING, 0, 0);
        carrierIndex = (links >> CARRIER_INDEX_SHIFT) & M32;
        status = _isFinal(carrierBatch) ? STATUS_SERVED : STATUS_INCLUDED;
    }

    /// Requests ever made.
    function requestCount() public view returns (uint256) {
        return requestCounter & M64;
    }

    /// Exit mode as it stands: the exit batch is the latest live batch; claims open once it is final.
    function exitMode()
        external
        view
        returns (bool active, uint256 activatedAt, uint256 requestId, uint256 activatedAtBatch, uint256 batchNumber, uint256 root, bool claimsOpen)
    {
        uint256 e = exitState;
        if (e == 0) return (false, 0, 0, 0, 0, 0, false);
        batchNumber = _latestBatch();
        return (true, (e >> 8) & M64, (e >> 72) & M64, e >> 136, batchNumber, _liveRoot(batchNumber), finalRoot(batchNumber));
    }

    /// The highest final live batch (0: none, the genesis root).
    function lastFinalBatch() external view returns (uint256) {
        for (uint256 n = _latestBatch(); n > 0; --n) if (_isLive(n) && _isFinal(n)) return n;
        return 0;
    }

    // ---- internals ----

    /// In exit mode with the exit batch final: its root.
    function openExitRoot() internal view returns (uint256) {
        if (exitState == 0) revert NOT_EXIT_MODE();
        uint256 n = _latestBatch();
        if (!finalRoot(n)) revert NOT_FINAL();
        return _liveRoot(n);
    }

    /// Batch 0 (the genesis root) is final.
    function finalRoot(uint256 n) internal view returns (bool) {
        return n == 0 || (_isLive(n) && _isFinal(n));
    }

    /// rootBatch | Ax | Ay | balance | nonce | path length | path at `at`, for account `index`, range-checked.
    function readAccount(uint256 at, uint256 index) internal pure returns (ProvenAccount memory a) {
        uint256 rootBatch = word(at);
        if (rootBatch > MAX_SAFE) revert MALFORMED();
        a = readAccountAt(at + 32, index);
        a.rootBatch = rootBatch;
    }

    /// Ax | Ay | balance | nonce | path length | path at `at`, range-checked; the calldata must end with the path.
    function readAccountAt(uint256 at, uint256 index) internal pure returns (ProvenAccount memory a) {
        a.index = index;
        a.x = word(at);
        a.y = word(at + 32);
        a.balance = word(at + 64);
        a.nonce = word(at + 96);
        if (a.x >= FIELD || a.y >= FIELD || a.balance > MAX_BALANCE || a.nonce >= FIELD) revert MALFORMED();
        uint256 n = word(at + 128);
        a.pathAt = at + 160;
        if (n > MAX_SAFE || msg.data.length != a.pathAt + 32 * n) revert MALFORMED();
        // A path of another shape cannot lead to a root: refused with the proof (BAD_MERKLE_PROOF).
        for (uint256 i; i < n; ++i) if (word(a.pathAt + 32 * i) >= FIELD) revert MALFORMED();
    }

    /// The proof must be of a final batch's root (NOT_FINAL) and lead to it (BAD_MERKLE_PROOF).
    function checkFinalProof(ProvenAccount memory a) internal view {
        if (!finalRoot(a.rootBatch)) revert NOT_FINAL();
        if (!proofLeadsTo(a, _liveRoot(a.rootBatch))) revert BAD_MERKLE_PROOF();
    }

    function proofLeadsTo(ProvenAccount memory a, uint256 root) internal view returns (bool) {
        if (msg.data.length != a.pathAt + 32 * pathLength) return false;
        (bool ok, uint256 r) = pathRoot(a.index, leafHash(a.x, a.y, a.balance, a.nonce), a.pathAt);
        return ok && r == root;
    }

    /// EdDSA-Poseidon: h = Poseidon(R8x, R8y, Ax, Ay, M0, M1), R8 and S the three words at `sigAt`.
    function signatureValid(uint256 x, uint256 y, uint256 sigAt, uint256 m0, uint256 m1) internal view returns (bool ok) {
        uint256 h = hash6(word(sigAt), word(sigAt + 32), x, y, m0, m1);
        // The EdDSA contract takes S as circomlibjs packs it (little-endian bytes); here it is an integer.
        uint256 sWord = ByteOrder.reverseBytes(word(sigAt + 64));
        address target = address(eddsa);
        bytes4 sel = IBabyJubjubEdDSA.verify.selector;
        assembly {
            let m := mload(0x40)
            mstore(m, sel)
            mstore(add(m, 4), x)
            mstore(add(m, 36), y)
            calldatacopy(add(m, 68), sigAt, 64)
            mstore(add(m, 132), sWord)
            mstore(add(m, 164), h)
            let success := staticcall(gas(), target, m, 196, m, 32)
            // Yul evaluates arguments right to left: read the output only after the call.
            ok := and(success, and(eq(returndatasize(), 32), eq(mload(m), 1)))
        }
    }

    /// M0 of a withdraw (src/tx/operation.ts signedMessage): its record + 2^(8·recordBytes)·(rollupId + 2^32·nonce).
    function withdrawM0(uint256 from, uint256 amount, uint256 nonce) internal view returns (uint256) {
        return signedM0(3, from, 0, amount, nonce);
    }

    /// M0 = record + 2^(8·recordBytes) · (rollupId + 2^32 · nonce), with the record rebuilt from its fields and
    /// the amount in its canonical packing, as the signer computed it.
    function signedM0(uint256 kind, uint256 from, uint256 to, uint256 amount, uint256 nonce) internal view returns (uint256) {
        uint256 m = amount;
        uint256 e;
        while (m != 0 && m % 10 == 0 && e < 15) {
            m /= 10;
            ++e;
        }
        uint256 ib = indexBits;
        uint256 record = (kind << (38 + 2 * ib)) | (from << (38 + ib)) | (to << 38) | (e << 34) | m;
        return addmod(record, mulmod(1 << (8 * recordBytes), rollupId + (nonce << 32), FIELD), FIELD);
    }

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

    // ---- Merkle paths (Poseidon(arity) per level) ----

    function arityAt(uint256 level) internal view returns (uint256) {
        return (arityCodes >> (4 * level)) & 15;
    }

    /// The root a path leads to from `leaf`; not ok if a level's child at the index's position is not the
    /// running hash.
    function pathRoot(uint256 index, uint256 leaf, uint256 pathAt) internal view returns (bool ok, uint256 cur) {
        cur = leaf;
        uint256 at = pathAt;
        for (uint256 l; l < levels; ++l) {
            uint256 a = arityAt(l);
            if (word(at + 32 * (index % a)) != cur) return (false, 0);
            cur = hashPathLevel(a, at, 0, 0, 0, 0);
            index /= a;
            at += 32 * a;
        }
        ok = true;
    }

    /// Poseidon(a) of the `a` children at calldata `at`, with child (pos1 − 1) set to v1 and (pos2 − 1) to
    /// v2 when those positions are not 0.
    function hashPathLevel(uint256 a, uint256 at, uint256 pos1, uint256 v1, uint256 pos2, uint256 v2) internal view returns (uint256 out) {
        address target = a == 2 ? poseidon2 : a == 4 ? poseidon4 : poseidon8;
        bytes4 sel = a == 2 ? bytes4(keccak256("poseidon(uint256[2])")) : a == 4
            ? bytes4(keccak256("poseidon(uint256[4])"))
            : bytes4(keccak256("poseidon(uint256[8])"));
        assembly {
            let m := mload(0x40)
            mstore(m, sel)
            calldatacopy(add(m, 4), at, mul(a, 32))
            // position j (0-based) sits at m + 4 + 32·j
            if pos1 { mstore(add(m, sub(mul(pos1, 32), 28)), v1) }
            if pos2 { mstore(add(m, sub(mul(pos2, 32), 28)), v2) }
            if iszero(staticcall(gas(), target, m, add(4, mul(a, 32)), m, 32)) { revert(0, 0) }
            out := mload(m)
        }
    }

    /// leaf = Poseidon(Ax, Ay, balance, nonce).
    /// An empty leaf is 0 (circuits/operation.circom): the all-zero account, as (0, 0) is no key.
    function leafHash(uint256 x, uint256 y, uint256 bal, uint256 nonce) internal view returns (uint256) {
        if (x | y | bal | nonce == 0) return 0;
        return hashN(poseidon4, 4, x, y, bal, nonce, 0, 0);
    }

    /// h = Poseidon(R8x, R8y, Ax, Ay, M0, M1).
    function hash6(uint256 a, uint256 b, uint256 c, uint256 d, uint256 e, uint256 f) internal view returns (uint256) {
        return hashN(poseidon6, 6, a, b, c, d, e, f);
    }

    /// Poseidon(n) of the first n of six words, through the contract at `target` (poseidon(uint256[n])).
    function hashN(address target, uint256 n, uint256 a, uint256 b, uint256 c, uint256 d, uint256 e, uint256 f) internal view returns (uint256 out) {
        bytes4 sel = n == 4 ? bytes4(keccak256("poseidon(uint256[4])")) : n == 6 ? bytes4(keccak256("poseidon(uint256[6])")) : bytes4(keccak256("poseidon(uint256[3])"));
        assembly {
            let m := mload(0x40)
            mstore(m, sel)
            mstore(add(m, 4), a)
            mstore(add(m, 36), b)
            mstore(add(m, 68), c)
            mstore(add(m, 100), d)
            mstore(add(m, 132), e)
            mstore(add(m, 164), f)
            if iszero(staticcall(gas(), target, m, add(4, mul(n, 32)), m, 32)) { revert(0, 0) }
            out := mload(m)
        }
    }


    function word(uint256 at) internal pure returns (uint256 v) {
        assembly {
            v := calldataload(at)
        }
    }
}
