import type { L1Address, L1Receipt, L1Transaction } from "../l1/chain.ts";
import type { Dispute, OptimisticRollupContract } from "../l1/optimistic-rollup.ts";
import { Party } from "./party.ts";

/**
 * A dishonest challenger: it challenges a batch without re-executing it, agrees with every revealed
 * root except at round `lieAtRound` (0-based), where it disagrees. Against an honest proposer every
 * path ends at a one-step proof of a correct operation (or its own timeout), so it loses its bond.
 */
export class DishonestChallenger extends Party {
  constructor(
    contract: OptimisticRollupContract,
    address: L1Address,
    private readonly lieAtRound: number = 0,
  ) {
    super(contract, address);
  }

  async challenge(batchNumber: number): Promise<L1Receipt<Dispute>> {
    return this.record(await this.contract.challenge(this.address, batchNumber));
  }

  async step(): Promise<L1Transaction[]> {
    const out: L1Transaction[] = [];
    for (const d of this.contract.openDisputes()) {
      if (d.challenger !== this.address) continue;
      if (this.overdue(d)) {
        if (d.turn === "proposer") out.push(this.record(await this.contract.timeout(this.address, d.id)));
        continue;
      }
      if (this.seen(d) && d.turn === "challenger") {
        out.push(this.record(await this.contract.respond(this.address, d.id, d.round - 1 !== this.lieAtRound)));
      }
    }
    return out;
  }
}
