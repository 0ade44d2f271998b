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

/** Rebuilds a state from JSON and checks it hashes to the root it claims. */
export function stateFromJson(json: unknown): RollupState {
  try {
    const j = json as StateJson;
    const state = new RollupState(j.arities);
    for (const a of j.accounts) {
      state.setAccount(a.index, {
        publicKey: { x: BigInt(a.publicKey.x), y: BigInt(a.publicKey.y) },
        balance: BigInt(a.balance),
        nonce: BigInt(a.nonce),
      });
    }
    if (state.root !== BigInt(j.root)) throw new RollupError("MALFORMED", "state file's accounts do not hash to its root");
    return state;
  } catch (err) {
    if (err instanceof RollupError) throw err;
    throw new RollupError("MALFORMED", `not a state file: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
