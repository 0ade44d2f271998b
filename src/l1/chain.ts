import { keccak_256 } from "@noble/hashes/sha3.js";
import { L1Clock } from "./clock.ts";
import { L1Error, L1Revert, type L1RevertCode } from "./errors.ts";
import { GAS_PROVENANCE, GasMeter, TX_BASE_GAS, calldataCost, fmt, logGas, type CalldataCost, type GasLine } from "./gas.ts";

/** An L1 address: a 160-bit integer. */
export type L1Address = bigint;
export const MAX_L1_ADDRESS: L1Address = (1n << 160n) - 1n;

/** A deterministic address for a name (low 160 bits of keccak256(label)); handy for test accounts. */
export function labelAddress(label: string): L1Address {
  const digest = keccak_256(new TextEncoder().encode(label));
  let v = 0n;
  for (const b of digest.subarray(12)) v = (v << 8n) | BigInt(b);
  return v;
}

export function isL1Address(value: bigint): boolean {
  return value >= 0n && value <= MAX_L1_ADDRESS;
}

export type EventArg = bigint | number | string;

export interface L1Event {
  readonly address: L1Address;
  readonly name: string;
  readonly args: Readonly<Record<string, EventArg>>;
}

export type TxStatus = "success" | "reverted";

/** A mined transaction. A reverted one changed no state but is mined and paid its gas all the same. */
export interface L1Transaction {
  readonly blockNumber: number;
  /** Position in its block. */
  readonly index: number;
  readonly timestamp: number;
  readonly from: L1Address;
  readonly to: L1Address;
  /** The target's name ("account" for a plain transfer to an address with no contract). */
  readonly contract: string;
  readonly method: string;
  readonly value: bigint;
  /** The exact calldata sent, and its size by zero / non-zero bytes. */
  readonly input: Uint8Array;
  readonly calldata: CalldataCost;
  /** base + calldata + execution charges; equals the sum of `gas`. */
  readonly gasUsed: number;
  readonly gas: readonly GasLine[];
  readonly gasProvenance: string;
  readonly status: TxStatus;
  readonly revertReason: L1RevertCode | null;
  readonly revertMessage: string | null;
  /** Events of a successful transaction (none for a reverted one). */
  readonly events: readonly L1Event[];
}

export interface L1Receipt<T> extends L1Transaction {
  /** What the method returned; undefined when it reverted. */
  readonly result: T | undefined;
}

export interface L1Block {
  readonly number: number;
  readonly timestamp: number;
  readonly transactions: readonly L1Transaction[];
}

export interface L1Call {
  readonly from: L1Address;
  readonly to: L1Address;
  readonly method: string;
  readonly input: Uint8Array;
  /** Value sent with the call, in the ledger's units; moved from `from` to `to` before the body runs. */
  readonly value?: bigint;
}

/**
 * What a contract method sees while it runs. State changes are *deferred*: the method checks and charges
 * gas as it goes, registers its effects with `onSuccess` and `move`, and the chain applies them only if
 * the method returns without reverting — so a revert can never leave a partial change behind.
 */
export class TxContext {
  readonly gas = new GasMeter();
  private readonly effects: (() => void)[] = [];
  private readonly emitted: L1Event[] = [];
  private readonly deltas = new Map<L1Address, bigint>();

  constructor(
    private readonly chain: L1Chain,
    readonly from: L1Address,
    readonly to: L1Address,
    readonly value: bigint,
    readonly blockNumber: number,
    readonly timestamp: number,
  ) {}

  /** Registers a state change to apply if (and only if) the transaction succeeds. */
  onSuccess(effect: () => void): void {
    this.effects.push(effect);
  }

  /** Moves ledger units; reverts INSUFFICIENT_BALANCE if `from` cannot cover it (counting earlier moves). */
  move(from: L1Address, to: L1Address, amount: bigint): void {
    if (amount < 0n) throw new L1Revert("BAD_AMOUNT", "negative value");
    const available = this.chain.balanceOf(from) + (this.deltas.get(from) ?? 0n);
    if (available < amount) {
      throw new L1Revert("INSUFFICIENT_BALANCE", `balance ${available} does not cover ${amount}`);
    }
    this.deltas.set(from, (this.deltas.get(from) ?? 0n) - amount);
    this.deltas.set(to, (this.deltas.get(to) ?? 0n) + amount);
  }

  /**
   * Emits an event (kept only on success) and charges its LOG: one topic for the signature plus one per
   * indexed argument, 32 data bytes per other argument.
   */
  emit(name: string, args: Readonly<Record<string, EventArg>>, indexed: readonly string[] = []): void {
    const dataWords = Object.keys(args).length - indexed.length;
    const topics = 1 + indexed.length;
    this.gas.charge("logs", logGas(topics, 32 * dataWords), `${name}: LOG${topics}, ${32 * dataWords} data bytes (375 + 375·topics + 8·bytes)`);
    this.emitted.push({ address: this.to, name, args });
  }

  /** @internal used by L1Chain after the body returned. */
  commit(): { events: L1Event[]; deltas: Map<L1Address, bigint> } {
    for (const effect of this.effects) effect();
    return { events: this.emitted, deltas: this.deltas };
  }
}

/**
 * The simulated L1: an account ledger, contracts (TypeScript objects that run their methods through
 * `execute`), blocks and receipts. Mining is automatic: a transaction executes as soon as it is sent and
 * lands in the block of the clock's current slot (timestamp = the slot's start); several transactions in
 * one slot share a block in sending order. Time moves only with the clock (`advance`), and a slot in which
 * nothing was sent is an empty block. Gas is accounting only: nobody pays for it from the ledger.
 */
export class L1Chain {
  readonly clock: L1Clock;
  private readonly balances = new Map<L1Address, bigint>();
  private readonly contracts = new Map<L1Address, string>();
  private readonly blocksByNumber = new Map<number, L1Transaction[]>();
  private readonly log: L1Transaction[] = [];
  private pending: Promise<unknown> = Promise.resolve();

  constructor(opts: { slotSeconds?: number; clock?: L1Clock } = {}) {
    this.clock = opts.clock ?? new L1Clock(opts.slotSeconds === undefined ? {} : { slotSeconds: opts.slotSeconds });
  }

  get now(): number {
    return this.clock.now;
  }

  /** The block that a transaction sent now lands in. */
  get blockNumber(): number {
    return this.clock.slot;
  }

  advance(seconds: number): void {
    this.clock.advance(seconds);
  }

  advanceBlocks(n: number): void {
    this.clock.advanceSlots(n);
  }

  block(n: number): L1Block {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.blockNumber) {
      throw new L1Error("BAD_ARGUMENT", `block ${n} is not in 0..${this.blockNumber}`);
    }
    return { number: n, timestamp: this.clock.slotTimestamp(n), transactions: [...(this.blocksByNumber.get(n) ?? [])] };
  }

  /** Every mined transaction in order. */
  transactions(): readonly L1Transaction[] {
    return this.log;
  }

  balanceOf(address: L1Address): bigint {
    return this.balances.get(address) ?? 0n;
  }

  /** Genesis allocation / faucet (not a transaction). */
  mint(address: L1Address, amount: bigint): void {
    requireAddress(address);
    if (amount < 0n) throw new L1Error("BAD_ARGUMENT", "cannot mint a negative amount");
    this.balances.set(address, this.balanceOf(address) + amount);
  }

  /** Registers a contract under a fresh deterministic address. */
  registerContract(name: string): L1Address {
    const address = labelAddress(`contract #${this.contracts.size} ${name}`);
    this.contracts.set(address, name);
    return address;
  }

  /** A plain value transfer between accounts (21,000 gas). */
  async transfer(from: L1Address, to: L1Address, amount: bigint): Promise<L1Receipt<void>> {
    requireAddress(to);
    return this.execute({ from, to, method: "transfer", input: new Uint8Array(0), value: amount }, () => undefined);
  }

  /**
   * Mines one transaction: charges base and calldata gas, moves `value`, runs `body` and applies its
   * deferred effects if it did not revert. Transactions are executed one at a time in sending order.
   * Anything thrown by `body` other than an L1Revert is a bug and is rethrown (nothing is mined then).
   */
  async execute<T>(call: L1Call, body: (tx: TxContext) => T | Promise<T>): Promise<L1Receipt<T>> {
    requireAddress(call.from);
    requireAddress(call.to);
    const run = this.pending.then(() => this.run(call, body));
    this.pending = run.catch(() => undefined);
    return run;
  }

  private async run<T>(call: L1Call, body: (tx: TxContext) => T | Promise<T>): Promise<L1Receipt<T>> {
    const value = call.value ?? 0n;
    const blockNumber = this.blockNumber;
    const timestamp = this.clock.slotTimestamp(blockNumber);
    const tx = new TxContext(this, call.from, call.to, value, blockNumber, timestamp);
    const calldata = calldataCost(call.input);
    tx.gas.charge("base", TX_BASE_GAS, "transaction base (Yellow Paper G_transaction)");
    tx.gas.charge(
      "calldata",
      calldata.gas,
      `${calldata.nonZeroBytes} non-zero × 16 + ${calldata.zeroBytes} zero × 4 bytes (EIP-2028)`,
    );

    let result: T | undefined;
    let revert: L1Revert | undefined;
    try {
      if (value > 0n) tx.move(call.from, call.to, value);
      result = await body(tx);
    } catch (e) {
      if (!(e instanceof L1Revert)) throw e;
      revert = e;
    }

    let events: L1Event[] = [];
    if (revert === undefined) {
      const committed = tx.commit();
      events = committed.events;
      for (const [address, delta] of committed.deltas) this.balances.set(address, this.balanceOf(address) + delta);
    }
    const inBlock = this.blocksByNumber.get(blockNumber) ?? [];
    const mined: L1Transaction = {
      blockNumber,
      index: inBlock.length,
      timestamp,
      from: call.from,
      to: call.to,
      contract: this.contracts.get(call.to) ?? "account",
      method: call.method,
      value,
      input: call.input,
      calldata,
      gasUsed: tx.gas.total,
      gas: tx.gas.lines,
      gasProvenance: GAS_PROVENANCE,
      status: revert === undefined ? "success" : "reverted",
      revertReason: revert?.code ?? null,
      revertMessage: revert?.message ?? null,
      events,
    };
    inBlock.push(mined);
    this.blocksByNumber.set(blockNumber, inBlock);
    this.log.push(mined);
    return { ...mined, result: revert === undefined ? result : undefined };
  }
}

function requireAddress(address: L1Address): void {
  if (!isL1Address(address)) throw new L1Error("BAD_ARGUMENT", `${address} is not a 160-bit L1 address`);
}

/** One line per gas item, for printing a receipt. */
export function formatGas(tx: L1Transaction): string {
  const width = Math.max(...tx.gas.map((l) => l.item.length));
  const lines = tx.gas.map((l) => `  ${l.item.padEnd(width)}  ${fmt(l.gas).padStart(9)}  ${l.detail}`);
  return [`${tx.contract}.${tx.method}: ${fmt(tx.gasUsed)} gas (${tx.gasProvenance})`, ...lines].join("\n");
}
