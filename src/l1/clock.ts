import { L1Error } from "./errors.ts";

export const DEFAULT_SLOT_SECONDS = 12;

/**
 * The L1's time as the demo and the node drive it: genesis is timestamp 0; one slot per 12 s (by default),
 * slot n covering [n·slot, (n+1)·slot) with timestamp n·slot; transactions are mined at their slot's
 * timestamp. Time moves only through `advance`, never the wall clock.
 */
export class L1Clock {
  readonly slotSeconds: number;
  private seconds = 0;

  constructor(opts: { slotSeconds?: number } = {}) {
    const slot = opts.slotSeconds ?? DEFAULT_SLOT_SECONDS;
    if (!Number.isSafeInteger(slot) || slot < 1) {
      throw new L1Error("BAD_CONFIG", `slot length must be a positive whole number of seconds, got ${slot}`);
    }
    this.slotSeconds = slot;
  }

  /** Seconds since genesis. */
  get now(): number {
    return this.seconds;
  }

  /** The slot (= block number) that `now` falls in. */
  get slot(): number {
    return Math.floor(this.seconds / this.slotSeconds);
  }

  /** The slot (= block number) a time falls in. */
  slotOf(seconds: number): number {
    return Math.floor(seconds / this.slotSeconds);
  }

  /** The timestamp of block `n`: the start of its slot. */
  slotTimestamp(n: number): number {
    return n * this.slotSeconds;
  }

  advance(seconds: number): void {
    if (!Number.isSafeInteger(seconds) || seconds < 0) {
      throw new L1Error("BAD_ARGUMENT", `can only advance by a non-negative whole number of seconds, got ${seconds}`);
    }
    this.seconds += seconds;
  }

  /** Moves to the start of the slot `n` slots later. */
  advanceSlots(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new L1Error("BAD_ARGUMENT", `can only advance by a non-negative whole number of slots, got ${n}`);
    }
    if (n > 0) this.seconds = this.slotTimestamp(this.slot + n);
  }
}
