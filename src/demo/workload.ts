import { privateKeyFromLabel, publicKeyOf, type PublicKey } from "../crypto/eddsa.ts";
import { labelAddress, type L1Address } from "../l1/address.ts";
import { randomInt, seededRandom } from "./random.ts";

export interface DemoUser {
  readonly name: string;
  readonly key: Uint8Array;
  readonly publicKey: PublicKey;
  readonly l1: L1Address;
  readonly deposit: bigint;
}

/** One planned transfer: in L1 slot `slot`, user `from` pays user `to` (skipped if it cannot pay). */
export interface PlannedTransfer {
  readonly slot: number;
  readonly from: number;
  readonly to: number;
  readonly amount: bigint;
}

/**
 * The traffic both modes run: the same users, deposits, transfers (by L1 slot) and withdrawal, from a
 * seed. Keys are derived from the seed (reproducible, never for value).
 */
export interface Workload {
  readonly seed: number;
  readonly users: DemoUser[];
  readonly transfers: PlannedTransfer[];
  /** In this slot, user 0 withdraws half its balance to its L1 address. */
  readonly withdrawalSlot: number;
}

export function makeWorkload(seed: number, users: number, transfers: number, perSlot: number): Workload {
  const rand = seededRandom(seed);
  const us: DemoUser[] = Array.from({ length: users }, (_, i) => {
    const key = privateKeyFromLabel(`zkr demo ${seed} user ${i}`);
    return { name: `user ${i}`, key, publicKey: publicKeyOf(key), l1: labelAddress(`user-${i}`), deposit: BigInt(randomInt(rand, 50, 200)) * 1000n };
  });
  const plan: PlannedTransfer[] = [];
  // The deposits are made in the run's first slot (1: slot 0 holds the deployments, see demoClock);
  // transfers start two slots later, once the deposits' batch has been cut.
  let slot = 3;
  while (plan.length < transfers) {
    const n = Math.min(transfers - plan.length, randomInt(rand, 1, perSlot));
    for (let k = 0; k < n; k++) {
      const from = randomInt(rand, 0, users - 1);
      const to = (from + randomInt(rand, 1, users - 1)) % users;
      plan.push({ slot, from, to, amount: BigInt(randomInt(rand, 1, 5000)) });
    }
    slot++;
  }
  return { seed, users: us, transfers: plan, withdrawalSlot: slot };
}
