import { verify } from "../crypto/eddsa.ts";
import { poseidon } from "../crypto/poseidon.ts";
import { MAX_BALANCE, packAmount } from "../tx/amount.ts";
import type { RecordLayout } from "../tx/layout.ts";
import { MAX_L1_ADDRESS, signedMessage, type Operation } from "../tx/operation.ts";
import { leafHash, type Account } from "./account.ts";
import { RollupError } from "./errors.ts";
import type { RollupState } from "./rollup-state.ts";
import { detachedPath } from "./tree.ts";

export interface RollupContext {
  readonly layout: RecordLayout;
  readonly rollupId: number;
  /**
   * A dishonest prover: apply the arithmetic without checking any rule (signature, nonce, balance,
   * overflow, account existence, public key). Its witnesses are what the circuit must reject; the
   * negative tests and the malicious sequencer use it.
   */
  readonly unchecked?: boolean;
  /**
   * Re-executing posted data (verify --reexecute, state reconstruction, the optimistic watcher):
   * records carry no signature or nonce, so those two checks are skipped; every other rule applies.
   */
  readonly fromPostedData?: boolean;
}

/** One slot's private circuit inputs (circuits/operation.circom), produced only here. */
export interface SlotWitness {
  kind: bigint;
  from: bigint;
  to: bigint;
  amountMantissa: bigint;
  amountExponent: bigint;
  l1x: bigint;
  l1y: bigint;
  sigR8x: bigint;
  sigR8y: bigint;
  sigS: bigint;
  senderAx: bigint;
  senderAy: bigint;
  senderBalance: bigint;
  senderNonce: bigint;
  senderPath: bigint[];
  receiverEmpty: bigint;
  receiverAx: bigint;
  receiverAy: bigint;
  receiverBalance: bigint;
  receiverNonce: bigint;
  receiverPath: bigint[];
}

/** What a deposit or withdrawal contributes to the L1 message chain: (Ax, Ay) or (recipient, 0). */
export interface L1Message {
  readonly x: bigint;
  readonly y: bigint;
}

export interface AppliedOperation {
  readonly witness: SlotWitness;
  readonly rootAfter: bigint;
  readonly l1Message?: L1Message;
}

const NO_ACCOUNT: Account = { publicKey: { x: 0n, y: 0n }, balance: 0n, nonce: 0n };

/**
 * The reference state transition: checks `op` against every rule of the circuit and applies it.
 * Throws RollupError (and leaves the state untouched) when the operation is invalid.
 */
export function applyOperation(state: RollupState, op: Operation, ctx: RollupContext): AppliedOperation {
  const arities = state.tree.arities;
  const unusedSide = { account: NO_ACCOUNT, path: detachedPath(arities, 0, leafHash(NO_ACCOUNT)) };
  const noSignature = { sigR8x: 0n, sigR8y: 0n, sigS: 0n };

  switch (op.kind) {
    case "noop":
      return {
        witness: slotWitness(0n, 0, 0, 0n, { x: 0n, y: 0n }, noSignature, unusedSide, { ...unusedSide, empty: false }),
        rootAfter: state.root,
      };

    case "transfer": {
      const sender = requireAccount(state, op.from, ctx);
      const receiver = state.account(checkedIndex(state, op.to));
      if (receiver === undefined && ctx.unchecked !== true) {
        throw new RollupError("UNKNOWN_ACCOUNT", `account ${op.to} does not exist`);
      }
      packAmount(op.amount);
      checkSigned(sender, op, ctx);
      const senderAfter = { ...sender, balance: sender.balance - op.amount, nonce: sender.nonce + 1n };
      // A transfer to oneself: debit, then credit the same (already debited) leaf.
      const receiverBefore = op.from === op.to ? senderAfter : (receiver ?? NO_ACCOUNT);
      if (receiverBefore.balance + op.amount > MAX_BALANCE && ctx.unchecked !== true) {
        throw new RollupError("BALANCE_OVERFLOW", `account ${op.to} would exceed the 64-bit balance range`);
      }
      const senderPath = state.tree.path(op.from);
      state.setAccount(op.from, senderAfter);
      const receiverPath = state.tree.path(op.to);
      state.setAccount(op.to, { ...receiverBefore, balance: receiverBefore.balance + op.amount });
      return {
        witness: slotWitness(
          1n, op.from, op.to, op.amount, { x: 0n, y: 0n }, signatureInputs(op.signature),
          { account: sender, path: senderPath },
          { account: receiverBefore, path: receiverPath, empty: receiver === undefined && op.from !== op.to },
        ),
        rootAfter: state.root,
      };
    }

    case "deposit": {
      packAmount(op.amount);
      const existing = state.account(checkedIndex(state, op.to));
      const otherKey = existing !== undefined && (existing.publicKey.x !== op.publicKey.x || existing.publicKey.y !== op.publicKey.y);
      if (otherKey && ctx.unchecked !== true) {
        throw new RollupError("PUBLIC_KEY_MISMATCH", `account ${op.to} belongs to another public key`);
      }
      const before = existing ?? { publicKey: op.publicKey, balance: 0n, nonce: 0n };
      if (before.balance + op.amount > MAX_BALANCE && ctx.unchecked !== true) {
        throw new RollupError("BALANCE_OVERFLOW", `account ${op.to} would exceed the 64-bit balance range`);
      }
      const receiverPath = state.tree.path(op.to);
      state.setAccount(op.to, { ...before, balance: before.balance + op.amount });
      const l1Message = { x: op.publicKey.x, y: op.publicKey.y };
      return {
        witness: slotWitness(
          2n, 0, op.to, op.amount, l1Message, noSignature, unusedSide,
          { account: before, path: receiverPath, empty: existing === undefined },
        ),
        rootAfter: state.root,
        l1Message,
      };
    }

    case "withdraw": {
      const sender = requireAccount(state, op.from, ctx);
      if (op.recipient < 0n || op.recipient > MAX_L1_ADDRESS) {
        throw new RollupError("MALFORMED", "withdrawal recipient is not a 160-bit L1 address");
      }
      packAmount(op.amount);
      checkSigned(sender, op, ctx);
      const senderPath = state.tree.path(op.from);
      state.setAccount(op.from, { ...sender, balance: sender.balance - op.amount, nonce: sender.nonce + 1n });
      const l1Message = { x: op.recipient, y: 0n };
      return {
        witness: slotWitness(
          3n, op.from, 0, op.amount, l1Message, signatureInputs(op.signature),
          { account: sender, path: senderPath }, { ...unusedSide, empty: false },
        ),
        rootAfter: state.root,
        l1Message,
      };
    }
  }
}

/** Nonce, signature and balance checks shared by the signed kinds, in the order a user would want them reported. */
function checkSigned(
  sender: Account,
  op: Extract<Operation, { kind: "transfer" | "withdraw" }>,
  ctx: RollupContext,
): void {
  if (ctx.unchecked === true) return;
  if (ctx.fromPostedData !== true) {
    if (op.nonce !== sender.nonce) {
      throw new RollupError("BAD_NONCE", `nonce ${op.nonce} does not match the account's nonce ${sender.nonce}`);
    }
    if (!verify(sender.publicKey, signedMessage(op, ctx.layout, ctx.rollupId), op.signature)) {
      throw new RollupError("BAD_SIGNATURE", "signature does not verify for this operation and account");
    }
  }
  if (op.amount > sender.balance) {
    throw new RollupError("INSUFFICIENT_BALANCE", `balance ${sender.balance} does not cover ${op.amount}`);
  }
}

function checkedIndex(state: RollupState, index: number): number {
  if (!Number.isSafeInteger(index) || index < 0 || index >= state.capacity) {
    throw new RollupError("UNKNOWN_ACCOUNT", `account index ${index} is outside 0..${state.capacity - 1}`);
  }
  return index;
}

function requireAccount(state: RollupState, index: number, ctx: RollupContext): Account {
  const account = state.account(checkedIndex(state, index));
  if (account === undefined && ctx.unchecked === true) return NO_ACCOUNT;
  if (account === undefined) throw new RollupError("UNKNOWN_ACCOUNT", `account ${index} does not exist`);
  return account;
}

function signatureInputs(sig: { r8x: bigint; r8y: bigint; s: bigint }) {
  return { sigR8x: sig.r8x, sigR8y: sig.r8y, sigS: sig.s };
}

interface Side {
  readonly account: Account;
  readonly path: bigint[];
}

function slotWitness(
  kind: bigint,
  from: number,
  to: number,
  amount: bigint,
  l1: L1Message,
  sig: { sigR8x: bigint; sigR8y: bigint; sigS: bigint },
  sender: Side,
  receiver: Side & { readonly empty: boolean },
): SlotWitness {
  const packed = packAmount(amount);
  return {
    kind,
    from: BigInt(from),
    to: BigInt(to),
    amountMantissa: packed.mantissa,
    amountExponent: BigInt(packed.exponent),
    l1x: l1.x,
    l1y: l1.y,
    ...sig,
    senderAx: sender.account.publicKey.x,
    senderAy: sender.account.publicKey.y,
    senderBalance: sender.account.balance,
    senderNonce: sender.account.nonce,
    senderPath: sender.path,
    receiverEmpty: receiver.empty ? 1n : 0n,
    receiverAx: receiver.account.publicKey.x,
    receiverAy: receiver.account.publicKey.y,
    receiverBalance: receiver.empty ? 0n : receiver.account.balance,
    receiverNonce: receiver.empty ? 0n : receiver.account.nonce,
    receiverPath: receiver.path,
  };
}

/** Extends the L1 message chain the way the circuit and the L1 contract do. */
export function extendL1Chain(acc: bigint, message: L1Message): bigint {
  return poseidon([acc, message.x, message.y]);
}
