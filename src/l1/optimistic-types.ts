/**
 * What a client of the optimistic rollup sees of it (the rules are contracts/OptimisticRollup.sol's): its
 * settings and their defaults, a proposed batch and a dispute as the L1 shows them, and a dispute's report
 * (moves and their measured gas) as the parties' receipts show it.
 */
import { FIELD_MODULUS } from "../crypto/field.ts";
import { isRollupId, recordLayout, type RecordLayout } from "../tx/index.ts";
import type { L1Address } from "./address.ts";
import { L1Error } from "./errors.ts";

export const DEFAULT_CHALLENGE_WINDOW_SECONDS = 7 * 24 * 3600;
export const DEFAULT_RESPONSE_SECONDS = 3600;
export const DEFAULT_SLASH_BURN_FRACTION = 0.5;
/** Where burned bonds go (the zero address: nobody holds its key). */
export const BURN_ADDRESS: L1Address = 0n;

export interface OptimisticRollupConfig {
  /** The domain separator signatures cover. */
  readonly rollupId: number;
  /** Tree arity per level, bottom-up (the one-step proof rebuilds a witness state of this shape). */
  readonly arities: readonly number[];
  /** Record layout; derived from the arities when omitted, and must match them when given. */
  readonly layout?: RecordLayout;
  /** Operations per batch, N. */
  readonly capacity: number;
  readonly genesisRoot: bigint;
  /** Seconds after a proposal during which it can be challenged (default 7 days). */
  readonly challengeWindowSeconds?: number;
  /** Deadline of each dispute move, from the previous move (default 1 hour). */
  readonly responseSeconds?: number;
  /** L1 units locked per batch. */
  readonly proposerBond: bigint;
  /** L1 units locked per challenge. */
  readonly challengerBond: bigint;
  /** Share of a loser's bond burned (the rest goes to the winner); default 0.5. */
  readonly slashBurnFraction?: number;
}

/** A config with its defaults applied: what an optimistic rollup runs with. */
export type OptimisticRollupSettings = Required<OptimisticRollupConfig>;

/** The burned share of a slashed bond in parts per million, as OptimisticRollup.sol takes it. */
export function burnPpm(fraction: number): bigint {
  return BigInt(Math.round(fraction * 1_000_000));
}

/** Checks a config (L1Error BAD_CONFIG) and applies its defaults; the layout is derived from the arities. */
export function optimisticRollupSettings(config: OptimisticRollupConfig): OptimisticRollupSettings {
  const { rollupId, arities, capacity, genesisRoot, proposerBond, challengerBond } = config;
  const window = config.challengeWindowSeconds ?? DEFAULT_CHALLENGE_WINDOW_SECONDS;
  const response = config.responseSeconds ?? DEFAULT_RESPONSE_SECONDS;
  const burn = config.slashBurnFraction ?? DEFAULT_SLASH_BURN_FRACTION;
  if (!isRollupId(rollupId)) throw new L1Error("BAD_CONFIG", "rollupId must be an integer in 0..2^32-1");
  if (!Number.isSafeInteger(capacity) || capacity < 1) throw new L1Error("BAD_CONFIG", "capacity must be a positive integer");
  if (arities.length === 0 || !arities.every((a) => a === 2 || a === 4 || a === 8)) {
    throw new L1Error("BAD_CONFIG", "arities must be a non-empty list of 2, 4 or 8");
  }
  const layout = recordLayout(arities);
  if (config.layout !== undefined && (config.layout.indexBits !== layout.indexBits || config.layout.recordBytes !== layout.recordBytes)) {
    throw new L1Error("BAD_CONFIG", "layout does not match the arities");
  }
  if (genesisRoot < 0n || genesisRoot >= FIELD_MODULUS) throw new L1Error("BAD_CONFIG", "genesisRoot is not a field element");
  if (!Number.isSafeInteger(window) || window < 1) throw new L1Error("BAD_CONFIG", "challengeWindowSeconds must be a positive integer");
  if (!Number.isSafeInteger(response) || response < 1) throw new L1Error("BAD_CONFIG", "responseSeconds must be a positive integer");
  if (proposerBond <= 0n || challengerBond <= 0n) throw new L1Error("BAD_CONFIG", "bonds must be positive");
  if (!(burn >= 0 && burn <= 1)) throw new L1Error("BAD_CONFIG", "slashBurnFraction must be in [0, 1]");
  return {
    rollupId,
    arities: [...arities],
    layout,
    capacity,
    genesisRoot,
    challengeWindowSeconds: window,
    responseSeconds: response,
    proposerBond,
    challengerBond,
    slashBurnFraction: burn,
  };
}

export type DisputeTurn = "proposer" | "challenger" | "oneStep";
export type DisputeOutcome = "proposerWon" | "challengerWon" | "cancelled";
export type DisputeMoveKind = "challenge" | "reveal" | "respond" | "oneStep" | "timeout";

/** A registered withdrawal of a batch. */
export interface OptimisticWithdrawal {
  readonly batchNumber: number;
  readonly index: number;
  readonly recipient: L1Address;
  readonly amount: bigint;
}

/** A proposed batch as the contract stores it (roots, commitment, data hash) and as its calldata and events show it. */
export interface OptimisticBatch {
  /** Never reused; 1 for the first. */
  readonly number: number;
  /** The live batch it was built on (0: genesis). */
  readonly parent: number;
  readonly proposer: L1Address;
  /** root_0: the contract's root when it was proposed. */
  readonly parentRoot: bigint;
  /** root_N. */
  readonly newRoot: bigint;
  readonly rootsCommitment: bigint;
  readonly data: Uint8Array;
  readonly dataHash: bigint;
  readonly operationCount: number;
  /** Queue indices [firstDeposit, firstDeposit + depositCount) were consumed by this batch. */
  readonly firstDeposit: number;
  readonly depositCount: number;
  readonly withdrawals: readonly OptimisticWithdrawal[];
  readonly blockNumber: number;
  readonly timestamp: number;
  /** Challenges are accepted while the L1 time is before this. */
  readonly windowEnd: number;
  readonly openDisputes: number;
  readonly rolledBackAt: number | undefined;
  readonly bondReturned: boolean;
}

export interface Dispute {
  readonly id: number;
  readonly batchNumber: number;
  readonly challenger: L1Address;
  readonly proposer: L1Address;
  /** The range [lo, hi] still disputed: root_lo is agreed, root_hi is the proposer's disputed claim. */
  readonly lo: number;
  readonly hi: number;
  readonly rootLo: bigint;
  readonly rootHi: bigint;
  /** The root the proposer revealed, awaiting the challenger's answer. */
  readonly mid: number | undefined;
  readonly midRoot: bigint | undefined;
  /** Whose move it is; undefined once resolved. */
  readonly turn: DisputeTurn | undefined;
  /** Roots revealed so far. */
  readonly round: number;
  /** The current move must be mined at or before this L1 time; `timeout` works after it. */
  readonly deadline: number;
  readonly openedAt: number;
  readonly outcome: DisputeOutcome | undefined;
  readonly resolvedAt: number | undefined;
}

/** One successful dispute transaction and its measured gas. */
export interface DisputeMove {
  readonly kind: DisputeMoveKind;
  readonly gasUsed: number;
  readonly blockNumber: number;
}

export interface DisputeReport {
  readonly id: number;
  readonly batchNumber: number;
  readonly outcome: DisputeOutcome | undefined;
  /** Bisection rounds (roots revealed). */
  readonly rounds: number;
  /** Successful dispute transactions, challenge and resolution included. */
  readonly moves: number;
  readonly gasPerMove: readonly DisputeMove[];
  readonly totalGas: number;
  readonly openedAt: number;
  readonly resolvedAt: number | undefined;
  /** L1 seconds from the challenge to the resolution. */
  readonly durationSeconds: number | undefined;
  readonly windowEnd: number;
  /**
   * How long past its window's end the dispute held the batch: max(0, resolvedAt − windowEnd) when the
   * batch survived; null when the proposer lost (the batch is rolled back and never becomes final).
   */
  readonly finalityDelaySeconds: number | null | undefined;
}
