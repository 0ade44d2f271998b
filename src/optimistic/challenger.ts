import type { OptimisticL1 } from "../evm/optimistic-l1.ts";
import type { L1Address } from "../l1/address.ts";
import { Party, type ReceiptOf, type SentTransaction } from "./party.ts";

/**
 * A dishonest challenger: it challenges a batch without re-executing it, agrees with every revealed
 * root except at round `lieAtRound` (0-based), where it disagrees. Against an honest proposer every
 * path ends at a one-step proof of a correct operation (or its own timeout), so it loses its bond.
 */
export class DishonestChallenger extends Party {
  constructor(
    l1: OptimisticL1,
    address: L1Address,
    private readonly lieAtRound: number = 0,
  ) {
    super(l1, address);
  }

  async challenge(batchNumber: number): Promise<ReceiptOf<"challenge">> {
    return this.record(await this.l1.challenge(this.address, batchNumber));
  }

  async step(): Promise<SentTransaction[]> {
    const out: SentTransaction[] = [];
    const now = await this.l1.blockTime();
    for (const d of await this.l1.openDisputes()) {
      if (d.challenger !== this.address) continue;
      if (this.overdue(d, now)) {
        if (d.turn === "proposer") out.push(this.record(await this.l1.timeout(this.address, d.id)));
        continue;
      }
      if (this.seen(d, now) && d.turn === "challenger") {
        out.push(this.record(await this.l1.respond(this.address, d.id, d.round - 1 !== this.lieAtRound)));
      }
    }
    return out;
  }
}
