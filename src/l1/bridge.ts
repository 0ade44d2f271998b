import type { PublicKey } from "../crypto/eddsa.ts";
import { isValidPublicKey } from "../crypto/eddsa.ts";
import { RollupError } from "../state/errors.ts";
import { MAX_BALANCE, packAmount } from "../tx/amount.ts";
import type { L1Address, L1Chain, TxContext } from "./chain.ts";
import { L1Revert } from "./errors.ts";
import {
  CALL_STIPEND_GAS,
  CALL_VALUE_GAS,
  COLD_ACCOUNT_ACCESS_GAS,
  NEW_ACCOUNT_GAS,
  SLOAD_COLD_GAS,
  SSTORE_EXISTING_SLOT_GAS,
  SSTORE_EXISTING_WARM_GAS,
  SSTORE_NEW_SLOT_GAS,
} from "./gas.ts";

/** One L1 → L2 deposit waiting in (or already taken from) the queue. */
export interface DepositEntry {
  readonly index: number;
  readonly sender: L1Address;
  readonly publicKey: PublicKey;
  /** In L2 balance units (the ledger uses the same integers). */
  readonly amount: bigint;
  readonly blockNumber: number;
  readonly timestamp: number;
}

/** One L2 → L1 withdrawal registered by an accepted batch. */
export interface WithdrawalEntry {
  readonly batchNumber: number;
  /** Position among the batch's withdraw records. */
  readonly index: number;
  readonly recipient: L1Address;
  readonly amount: bigint;
}

/** Storage slots a deposit occupies: public key x, public key y, amount packed with its timestamp. */
export const DEPOSIT_SLOTS = 3;

/**
 * The bridge's two ledgers: the deposit queue (funds locked on L1, waiting for a batch to credit them on
 * L2) and the payouts (withdrawals registered by accepted batches, paid once each, only from final batches).
 *
 * Its storage and funds live at its rollup contract's address (one contract on a real chain); it is a
 * separate class to keep the two ledgers clear. Its mutating methods run inside the rollup contract's
 * transactions: they check, charge gas and defer their effects through the TxContext.
 */
export class Bridge {
  private readonly queue: DepositEntry[] = [];
  private head = 0;
  private readonly withdrawals = new Map<number, readonly WithdrawalEntry[]>();
  private readonly claimed = new Set<string>();
  /** L2 keys that ever had a deposit queued: each holds one account. */
  private readonly keys = new Set<string>();

  constructor(
    private readonly chain: L1Chain,
    /** The owning contract's address: where deposits are locked and payouts come from. */
    readonly address: L1Address,
    /** The owner's finality rule: a batch's withdrawals are paid only once this holds (it charges its own reads). */
    private readonly isFinal: (batchNumber: number, tx: TxContext) => boolean,
    /**
     * The owner also holds other funds (the optimistic contract's bonds), so on an EVM the bridge keeps its
     * balance in a storage slot and a claim reads and writes it.
     */
    private readonly options: { readonly balanceSlot?: boolean } = {},
    /** Leaves of the account tree: at most this many distinct keys may ever deposit. */
    readonly accountCapacity: number = Number.MAX_SAFE_INTEGER,
  ) {}

  /** Every deposit ever queued, consumed or not. */
  get depositQueue(): readonly DepositEntry[] {
    return this.queue;
  }

  /** Index of the next deposit a batch must consume. */
  get queueHead(): number {
    return this.head;
  }

  pendingDeposits(): readonly DepositEntry[] {
    return this.queue.slice(this.head);
  }

  /** Ledger units the bridge holds (locked deposits not yet paid out). */
  get lockedBalance(): bigint {
    return this.chain.balanceOf(this.address);
  }

  withdrawalsOf(batchNumber: number): readonly WithdrawalEntry[] {
    return this.withdrawals.get(batchNumber) ?? [];
  }

  isClaimed(batchNumber: number, index: number): boolean {
    return this.claimed.has(claimKey(batchNumber, index));
  }

  /** Queues a deposit whose `amount` the transaction sent as value (already moved to the bridge). */
  deposit(tx: TxContext, publicKey: PublicKey, amount: bigint): DepositEntry {
    if (amount <= 0n || amount > MAX_BALANCE) throw new L1Revert("BAD_AMOUNT", `deposit ${amount} is outside 1..2^64-1`);
    try {
      packAmount(amount);
    } catch (e) {
      if (!(e instanceof RollupError)) throw e;
      // A deposit no record can carry could never be consumed and would block the queue for good.
      throw new L1Revert("BAD_AMOUNT", `deposit ${amount} has no exact 38-bit record encoding`, { cause: e });
    }
    if (!isValidPublicKey(publicKey)) {
      throw new L1Revert("BAD_PUBLIC_KEY", "the L2 public key must be a Baby Jubjub point of large order (one that can sign)");
    }
    // Nothing queued may be impossible to credit on L2 (a deposit the circuit cannot apply would halt
    // the rollup), so the L1 refuses the two cases here, before any funds are locked:
    // - the bridge holds at most 2^64 - 1: L2 balances sum to at most what the bridge holds, so no
    //   account can pass the 64-bit balance range, whatever the deposits' order or keys;
    // - at most one account per key, as many keys as the tree has leaves: the sequencer credits a
    //   known key's account and gives a new key a free leaf, and there always is one.
    if (this.lockedBalance + amount > MAX_BALANCE) {
      throw new L1Revert("BRIDGE_FULL", `the bridge would hold ${this.lockedBalance + amount}, more than 2^64 - 1`);
    }
    const key = `${publicKey.x}:${publicKey.y}`;
    const known = this.keys.has(key);
    tx.gas.charge("storage reads", SLOAD_COLD_GAS, "key registry: SLOAD cold");
    if (!known) {
      if (this.keys.size >= this.accountCapacity) {
        throw new L1Revert("TREE_FULL", `all ${this.accountCapacity} accounts are taken: a new key has no leaf`);
      }
      tx.gas.charge("storage writes", SSTORE_NEW_SLOT_GAS - SLOAD_COLD_GAS, "key registry: SSTORE new slot (warm)");
      tx.gas.charge(
        "storage writes",
        this.keys.size === 0 ? SSTORE_NEW_SLOT_GAS : SSTORE_EXISTING_SLOT_GAS,
        `account count: SSTORE ${this.keys.size === 0 ? "new" : "existing"} slot`,
      );
      tx.onSuccess(() => this.keys.add(key));
    }
    const entry: DepositEntry = {
      index: this.queue.length,
      sender: tx.from,
      publicKey: { x: publicKey.x, y: publicKey.y },
      amount,
      blockNumber: tx.blockNumber,
      timestamp: tx.timestamp,
    };
    tx.gas.chargeEach("storage writes", DEPOSIT_SLOTS, SSTORE_NEW_SLOT_GAS, "deposit entry: key x, key y, amount|time; SSTORE new slot");
    tx.gas.charge(
      "storage writes",
      this.queue.length === 0 ? SSTORE_NEW_SLOT_GAS : SSTORE_EXISTING_SLOT_GAS,
      `queue length: SSTORE ${this.queue.length === 0 ? "new" : "existing"} slot`,
    );
    tx.emit(
      "DepositQueued",
      { index: entry.index, x: entry.publicKey.x, y: entry.publicKey.y, amount, timestamp: entry.timestamp },
      ["index"],
    );
    tx.onSuccess(() => this.queue.push(entry));
    return entry;
  }

  /** The `offset`-th unconsumed deposit, charging its cold storage reads; undefined if the queue is that short. */
  readPending(tx: TxContext, offset: number): DepositEntry | undefined {
    const entry = this.queue[this.head + offset];
    if (entry !== undefined) tx.gas.chargeEach("deposit queue reads", DEPOSIT_SLOTS, SLOAD_COLD_GAS, "SLOAD cold, EIP-2929");
    return entry;
  }

  /** Advances the queue head past `count` consumed deposits (on success). */
  consume(tx: TxContext, count: number): void {
    if (count === 0) return;
    tx.gas.charge(
      "storage writes",
      this.head === 0 ? SSTORE_NEW_SLOT_GAS : SSTORE_EXISTING_SLOT_GAS,
      `queue head: SSTORE ${this.head === 0 ? "new" : "existing"} slot`,
    );
    tx.onSuccess(() => {
      this.head += count;
    });
  }

  /** Registers an accepted batch's withdrawals (one new slot each); they are paid once the batch is final. */
  registerWithdrawals(tx: TxContext, batchNumber: number, entries: readonly WithdrawalEntry[]): void {
    tx.gas.chargeEach("storage writes", entries.length, SSTORE_NEW_SLOT_GAS, "withdrawal (recipient|amount): SSTORE new slot");
    tx.onSuccess(() => this.withdrawals.set(batchNumber, entries));
  }

  /** Pays withdrawal `index` of `batchNumber` to its recipient, once, and only from a final batch. */
  claim(tx: TxContext, batchNumber: number, index: number): WithdrawalEntry {
    const entry = this.withdrawalsOf(batchNumber)[index];
    tx.gas.charge("storage reads", SLOAD_COLD_GAS, "withdrawal slot: SLOAD cold, EIP-2929");
    if (entry === undefined) throw new L1Revert("NO_WITHDRAWAL", `batch ${batchNumber} has no withdrawal ${index}`);
    if (!this.isFinal(batchNumber, tx)) throw new L1Revert("NOT_FINAL", `batch ${batchNumber} is not final yet`);
    if (this.isClaimed(batchNumber, index)) {
      throw new L1Revert("ALREADY_CLAIMED", `withdrawal ${index} of batch ${batchNumber} was already paid`);
    }
    if (this.options.balanceSlot === true) tx.gas.charge("storage reads", SLOAD_COLD_GAS, "bridge balance: SLOAD cold, EIP-2929");
    if (this.lockedBalance < entry.amount) {
      throw new L1Revert("BRIDGE_INSOLVENT", `the bridge holds ${this.lockedBalance}, less than ${entry.amount}`);
    }
    // Clearing the slot marks it paid (the EIP-3529 refund for clearing is not modelled).
    tx.gas.charge("storage writes", SSTORE_EXISTING_WARM_GAS, "withdrawal slot cleared: SSTORE existing slot, warm after its read (EIP-2929)");
    if (this.options.balanceSlot === true) tx.gas.charge("storage writes", SSTORE_EXISTING_WARM_GAS, "bridge balance: SSTORE existing slot, warm");
    // Corrected against anvil (scripts/evm-gas.ts): the unused stipend comes back; a recipient with no
    // balance yet is a new account.
    tx.gas.charge("value transfer", CALL_VALUE_GAS + COLD_ACCOUNT_ACCESS_GAS - CALL_STIPEND_GAS, "CALL with value 9,000 + cold recipient 2,600 (EIP-2929) − returned stipend 2,300");
    if (this.chain.balanceOf(entry.recipient) === 0n) {
      tx.gas.charge("value transfer", NEW_ACCOUNT_GAS, "recipient account created (G_newaccount 25,000)");
    }
    tx.move(this.address, entry.recipient, entry.amount);
    tx.emit("WithdrawalClaimed", { batchNumber, index, recipient: entry.recipient, amount: entry.amount }, ["batchNumber", "recipient"]);
    tx.onSuccess(() => this.claimed.add(claimKey(batchNumber, index)));
    return entry;
  }
}

function claimKey(batchNumber: number, index: number): string {
  return `${batchNumber}:${index}`;
}
