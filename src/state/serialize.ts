import { isCanonicalAccount } from "./account.ts";
import { RollupError } from "./errors.ts";
import { RollupState } from "./rollup-state.ts";

/** A state as JSON: decimal strings for field elements and balances. */
export interface StateJson {
  arities: number[];
  root: string;
  accounts: { index: number; publicKey: { x: string; y: string }; balance: string; nonce: string }[];
}

export function stateToJson(state: RollupState): StateJson {
  return {
    arities: [...state.tree.arities],
    root: state.root.toString(),
    accounts: [...state.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, a]) => ({
        index,
        publicKey: { x: a.publicKey.x.toString(), y: a.publicKey.y.toString() },
        balance: a.balance.toString(),
        nonce: a.nonce.toString(),
      })),
  };
}

/**
 * Rebuilds a state from JSON (a file a user names) and checks it hashes to the root it claims. Every
 * number is a decimal string checked before use: keys and nonces below p, balances 64-bit, indices
 * inside the tree, each index once.
 */
export function stateFromJson(json: unknown): RollupState {
  const j = json as Partial<StateJson> | null;
  if (typeof j !== "object" || j === null || !Array.isArray(j.arities) || !Array.isArray(j.accounts)) {
    throw new RollupError("MALFORMED", "not a state file: arities, root and accounts are required");
  }
  const state = new RollupState(j.arities);
  const seen = new Set<number>();
  for (const a of j.accounts as unknown[]) {
    const e = a as Partial<StateJson["accounts"][number]> | null;
    if (typeof e !== "object" || e === null || typeof e.publicKey !== "object" || e.publicKey === null) {
      throw new RollupError("MALFORMED", "state file: an account must have index, publicKey, balance and nonce");
    }
    const index = e.index;
    if (typeof index !== "number" || !Number.isSafeInteger(index) || index < 0 || index >= state.capacity || seen.has(index)) {
      throw new RollupError("MALFORMED", `state file: account index ${String(index)} is not a new index in 0..${state.capacity - 1}`);
    }
    seen.add(index);
    const account = {
      publicKey: { x: decimal(e.publicKey.x, "publicKey.x"), y: decimal(e.publicKey.y, "publicKey.y") },
      balance: decimal(e.balance, "balance"),
      nonce: decimal(e.nonce, "nonce"),
    };
    if (!isCanonicalAccount(account)) {
      throw new RollupError("MALFORMED", `state file: account ${index} is out of range (keys and nonce below p, balance 64-bit)`);
    }
    state.setAccount(index, account);
  }
  if (state.root !== decimal(j.root, "root")) throw new RollupError("MALFORMED", "state file's accounts do not hash to its root");
  return state;
}

function decimal(v: unknown, what: string): bigint {
  if (typeof v !== "string" || !/^(0|[1-9][0-9]{0,77})$/.test(v)) {
    throw new RollupError("MALFORMED", `state file: ${what} must be a decimal string`);
  }
  return BigInt(v);
}
