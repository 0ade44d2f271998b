import type { CircuitInstance } from "../circuit/instances.ts";
import { privateKeyFromLabel, publicKeyOf, type PublicKey } from "../crypto/eddsa.ts";
import { randomInt, seededRandom } from "../demo/random.ts";
import { buildBatch, RollupState, type BatchInputs, type RollupContext } from "../state/index.ts";
import { signTransfer, type Deposit, type Transfer } from "../tx/operation.ts";

/** The rollup id the benchmark's transfers are signed for. */
export const BENCH_ROLLUP_ID = 5;

export interface WorkloadBatch {
  readonly inputs: BatchInputs;
  readonly transfers: number;
  /** The records posted to L1 (capacity · recordBytes bytes). */
  readonly records: Uint8Array;
  readonly newRoot: bigint;
}

interface BenchUser {
  readonly key: Uint8Array;
  readonly publicKey: PublicKey;
  readonly index: number;
}

/**
 * Full batches of valid signed transfers for one instance, made with the reference model: 2·N users
 * funded by deposits (applied with buildBatch, not proven), then each batch() call signs N transfers
 * (each sender once, random receivers and amounts) against the current state and advances it. Every
 * batch differs (state, roots, amounts, signatures); the same seed gives the same batches.
 */
export class TransferWorkload {
  private state: RollupState;
  private readonly users: BenchUser[];
  private readonly ctx: RollupContext;
  private readonly rand: () => number;
  private round = 0;
  /** The root after the funding deposits: the genesis of a rollup contract the batches are submitted to. */
  readonly genesisRoot: bigint;

  constructor(
    private readonly instance: CircuitInstance,
    seed = 1,
  ) {
    this.ctx = { layout: instance.layout, rollupId: BENCH_ROLLUP_ID };
    this.rand = seededRandom(seed);
    const count = Math.min(2 * instance.ops, instance.accounts);
    // Spread the accounts over the tree so Merkle paths differ (an odd stride visits distinct leaves).
    const stride = instance.accounts > count ? oddStride(instance.accounts, count) : 1;
    this.users = Array.from({ length: count }, (_, i) => {
      const key = privateKeyFromLabel(`zkr bench ${seed} user ${i}`);
      return { key, publicKey: publicKeyOf(key), index: (i * stride) % instance.accounts };
    });
    const deposits: Deposit[] = this.users.map((u) => ({ kind: "deposit", to: u.index, publicKey: u.publicKey, amount: 1_000_000_000n }));
    this.state = buildBatch(new RollupState(instance.arities), deposits, deposits.length, this.ctx).state;
    this.genesisRoot = this.state.root;
  }

  /**
   * The next full batch: `ops` signed transfers (no padding), applied to the workload's state; with what an
   * L1 is sent for it (records, new root; transfers have no withdrawal recipients).
   */
  batch(): WorkloadBatch {
    const n = this.instance.ops;
    const senders = rotate(this.users, (this.round * n) % this.users.length).slice(0, n);
    const transfers: Transfer[] = senders.map((from) => {
      let to = this.users[randomInt(this.rand, 0, this.users.length - 1)];
      if (to === undefined || to === from) to = this.users.find((u) => u !== from) ?? from;
      const account = this.state.account(from.index);
      if (account === undefined) throw new Error(`bench workload: account ${from.index} is not funded`);
      const amount = BigInt(randomInt(this.rand, 1, 5000));
      return signTransfer(from.key, { kind: "transfer", from: from.index, to: to.index, amount, nonce: account.nonce }, this.ctx.layout, this.ctx.rollupId);
    });
    const built = buildBatch(this.state, transfers, n, this.ctx);
    this.state = built.state;
    this.round++;
    return { inputs: built.inputs, transfers: transfers.length, records: built.records, newRoot: built.newRoot };
  }
}

function rotate<T>(items: readonly T[], by: number): T[] {
  return [...items.slice(by), ...items.slice(0, by)];
}

/** An odd stride near capacity / count: coprime with a power-of-two capacity, so indices are distinct. */
function oddStride(capacity: number, count: number): number {
  const s = Math.max(1, Math.floor(capacity / count));
  return s % 2 === 1 ? s : s - 1;
}
