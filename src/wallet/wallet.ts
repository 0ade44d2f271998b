/**
 * A person's wallet against a running node: it signs L2 operations locally (the key never leaves the
 * machine) and sends them and L1 transactions through the node's API. Exit claims are built from L1
 * data alone (the state is reconstructed from the posted batches), so they work without the sequencer's
 * cooperation.
 */
import { sign } from "../crypto/eddsa.ts";
import { reconstructState } from "../l1/reconstruct.ts";
import type { Account } from "../state/account.ts";
import type { RecordLayout } from "../tx/layout.ts";
import { signTransfer, signWithdraw, type Withdraw } from "../tx/operation.ts";
import { accountOf, ApiError, NodeClient, rollupDataFromJson, type NodeClientOptions, type OperationJsonView, type ReceiptJson, type SubmitResult } from "../node/client.ts";
import { exitClaimMessage } from "../l1/forced-exit-types.ts";
import { accountProof } from "../state/merkle-proof.ts";
import type { OperationStatus } from "../node/node.ts";
import type { WalletKey } from "./keyfile.ts";

export class WalletError extends Error {
  override readonly name = "WalletError";
  constructor(
    readonly code: "NO_ACCOUNT" | "L1_REVERTED" | "TIMEOUT" | "NOT_EXIT_MODE" | "NOTHING_TO_CLAIM",
    message: string,
  ) {
    super(message);
  }
}

const STATUS_ORDER: readonly OperationStatus[] = ["pending", "in_batch", "proven", "accepted", "final"];

export class Wallet {
  readonly client: NodeClient;
  private params: { layout: RecordLayout; rollupId: number } | undefined;

  constructor(
    readonly key: WalletKey,
    nodeUrl: string,
    clientOptions: NodeClientOptions = {},
  ) {
    this.client = new NodeClient(nodeUrl, clientOptions);
  }

  private async signing(): Promise<{ layout: RecordLayout; rollupId: number }> {
    if (this.params === undefined) {
      const data = await this.client.rollupData();
      this.params = { layout: data.layout, rollupId: data.rollupId };
    }
    return this.params;
  }

  /** This key's L2 account index (lowest if several), once a deposit created it. */
  async index(): Promise<number | undefined> {
    return (await this.client.findAccounts(this.key.publicKey))[0];
  }

  private async requireIndex(): Promise<number> {
    const i = await this.index();
    if (i === undefined) throw new WalletError("NO_ACCOUNT", "no L2 account holds this key yet: deposit first and wait for its batch");
    return i;
  }

  /** Balances: L1, and L2 at the latest final root and after pending operations. */
  async show() {
    const index = await this.index();
    const l1 = await this.client.l1Balance(this.key.l1Address);
    const acc = index === undefined ? undefined : await this.client.account(index);
    return {
      l1Address: l1.address,
      l1Balance: l1.balance,
      index: index ?? null,
      final: acc === undefined ? null : { batch: acc.finalBatch, balance: acc.account?.balance ?? "0", nonce: acc.account?.nonce ?? "0" },
      pending: acc?.pending ?? null,
    };
  }

  async faucet(amount: bigint): Promise<string> {
    return (await this.client.faucet(this.key.l1Address, amount)).balance;
  }

  async deposit(amount: bigint): Promise<ReceiptJson<{ queueIndex: number; amount: string }>> {
    return requireSuccess(await this.client.deposit(this.key.l1Address, this.key.publicKey, amount));
  }

  async transfer(to: number, amount: bigint): Promise<SubmitResult> {
    const from = await this.requireIndex();
    const { layout, rollupId } = await this.signing();
    const nonce = await this.pendingNonce(from);
    return this.client.submit(signTransfer(this.key.privateKey, { kind: "transfer", from, to, amount, nonce }, layout, rollupId));
  }

  async withdraw(amount: bigint, recipient: bigint = this.key.l1Address): Promise<SubmitResult> {
    const from = await this.requireIndex();
    const { layout, rollupId } = await this.signing();
    const nonce = await this.pendingNonce(from);
    return this.client.submit(signWithdraw(this.key.privateKey, { kind: "withdraw", from, recipient, amount, nonce }, layout, rollupId));
  }

  private async pendingNonce(index: number): Promise<bigint> {
    const acc = await this.client.account(index);
    return BigInt(acc.pending?.nonce ?? "0");
  }

  /** Claims on L1 every final, unclaimed withdrawal paid to this wallet's L1 address. */
  async claimWithdrawals(): Promise<{ batch: number; index: number; amount: string }[]> {
    const { withdrawals } = await this.client.withdrawals(this.key.l1Address);
    const out: { batch: number; index: number; amount: string }[] = [];
    for (const w of withdrawals.filter((x) => x.final && !x.claimed)) {
      requireSuccess(await this.client.claimWithdrawal(this.key.l1Address, w.batch, w.index));
      out.push({ batch: w.batch, index: w.index, amount: w.amount });
    }
    return out;
  }

  /** Polls an operation until it reaches `until` (default final) or the timeout passes. */
  async watch(
    id: string,
    opts: { until?: OperationStatus; timeoutMs?: number; intervalMs?: number; onChange?: (v: OperationJsonView) => void } = {},
  ): Promise<OperationJsonView> {
    const until = STATUS_ORDER.indexOf(opts.until ?? "final");
    const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
    let last: OperationStatus | undefined;
    for (;;) {
      const v = await this.client.operation(id);
      if (v.status !== last) opts.onChange?.(v);
      last = v.status;
      if (STATUS_ORDER.indexOf(v.status) >= until) return v;
      if (Date.now() > deadline) throw new WalletError("TIMEOUT", `operation ${id} is still ${v.status}`);
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
    }
  }

  /**
   * Queues a forced withdrawal on L1: the withdraw, signed with the account's nonce at the latest final
   * root. Send it while nothing else of yours is pending (a spent nonce gets the request dismissed).
   */
  async forceWithdraw(amount: bigint, recipient: bigint = this.key.l1Address): Promise<ReceiptJson<{ requestId: number; deadline: number }>> {
    const index = await this.requireIndex();
    const { layout, rollupId } = await this.signing();
    const acc = await this.client.account(index);
    const account = accountOf(acc.account);
    if (account === undefined) throw new WalletError("NO_ACCOUNT", `account ${index} is not in the latest final root yet`);
    const withdraw: Withdraw = signWithdraw(this.key.privateKey, { kind: "withdraw", from: index, recipient, amount, nonce: account.nonce }, layout, rollupId);
    return requireSuccess(await this.client.requestForcedWithdrawal(this.key.l1Address, withdraw));
  }

  /** A served forced withdrawal's bond (or a pending one's, in exit mode), paid to its recipient. */
  async releaseBond(requestId: number): Promise<ReceiptJson<{ amount: string }>> {
    return requireSuccess(await this.client.releaseBond(this.key.l1Address, requestId));
  }

  async activateExitMode(requestId: number): Promise<ReceiptJson<{ batchNumber: number; root: string }>> {
    return requireSuccess(await this.client.activateExitMode(this.key.l1Address, requestId));
  }

  /**
   * In exit mode: rebuilds the exit root's state from L1 data alone, proves this key's account under it
   * and claims its balance on L1 (once).
   */
  async exitClaim(recipient: bigint = this.key.l1Address): Promise<{ index: number; amount: string; receipt: ReceiptJson<{ amount: string }> }> {
    const exit = await this.client.exitMode();
    if (!exit.active || exit.batchNumber === undefined) throw new WalletError("NOT_EXIT_MODE", "the rollup is not in exit mode");
    const data = await this.client.rollupData();
    const state = reconstructState(rollupDataFromJson(data, exit.batchNumber), data.arities);
    let found: { index: number; account: Account } | undefined;
    for (const [index, account] of state.entries()) {
      if (account.publicKey.x === this.key.publicKey.x && account.publicKey.y === this.key.publicKey.y && account.balance > 0n) {
        if (found === undefined || index < found.index) found = { index, account };
      }
    }
    if (found === undefined) throw new WalletError("NOTHING_TO_CLAIM", "no account of this key holds funds in the exit root");
    const proof = accountProof(state, found.index);
    const signature = sign(this.key.privateKey, exitClaimMessage(data.rollupId, found.index, recipient));
    const receipt = requireSuccess(
      await this.client.claimExit(this.key.l1Address, { index: found.index, account: found.account, path: proof.path, recipient, signature }),
    );
    return { index: found.index, amount: found.account.balance.toString(), receipt };
  }
}

function requireSuccess<R>(r: ReceiptJson<R>): ReceiptJson<R> {
  if (r.status !== "success") throw new WalletError("L1_REVERTED", `the L1 transaction reverted: ${r.revertReason ?? "?"}`);
  return r;
}

export { ApiError };
