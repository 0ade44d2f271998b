import { describe, expect, it } from "vitest";
import { L1Clock } from "../../src/l1/clock.ts";
import { L1Error } from "../../src/l1/errors.ts";

describe("L1 clock", () => {
  it("starts at 0 with 12 s slots and moves only when advanced", () => {
    const clock = new L1Clock();
    expect([clock.now, clock.slot, clock.slotSeconds]).toEqual([0, 0, 12]);
    clock.advance(11);
    expect(clock.slot).toBe(0);
    clock.advance(1);
    expect([clock.now, clock.slot, clock.slotTimestamp(clock.slot)]).toEqual([12, 1, 12]);
    clock.advance(5);
    clock.advanceSlots(2);
    expect([clock.now, clock.slot]).toEqual([36, 3]);
    clock.advanceSlots(0);
    expect(clock.now).toBe(36);
  });

  it("takes another slot length and refuses going backwards", () => {
    const clock = new L1Clock({ slotSeconds: 2 });
    clock.advance(7);
    expect(clock.slot).toBe(3);
    expect(() => clock.advance(-1)).toThrow(L1Error);
    expect(() => new L1Clock({ slotSeconds: 0 })).toThrow(L1Error);
  });
});
