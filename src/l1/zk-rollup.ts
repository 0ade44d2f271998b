import type { JsonObject } from "snarkjs";
import type { PublicKey } from "../crypto/eddsa.ts";
import { FIELD_MODULUS } from "../crypto/field.ts";
import { verifyProof } from "../prover/prove.ts";
import { batchInputHash } from "../state/batch.ts";
import { RollupError } from "../state/errors.ts";
import { extendL1Chain, type L1Message } from "../state/transition.ts";
import { unpackAmount } from "../tx/amount.ts";
import type { RecordLayout } from "../tx/layout.ts";
import { KIND_CODE, decodeRecord, isRollupId, type RecordFields } from "../tx/operation.ts";
import { Bridge, type DepositEntry, type WithdrawalEntry } from "./bridge.ts";
import {
  decodeClaim,
  decodeDeposit,
  decodeSubmitBatch,
  encodeClaim,
  encodeDeposit,
  encodeSubmitBatch,
  wordsToProof,
  type SubmitBatchArgs,
} from "./calldata.ts";
import type { L1Address, L1Chain, L1Receipt, TxContext } from "./chain.ts";
import { L1Error, L1Revert } from "./errors.ts";
import type { BatchHook } from "./forced-exit.ts";
import {
  COLD_ACCOUNT_ACCESS_GAS,
  SLOAD_COLD_GAS,
  SSTORE_EXISTING_SLOT_GAS,
  SSTORE_NEW_SLOT_GAS,
  WARM_ACCESS_GAS,
  groth16VerifyGas,
  hashChainCalls,
  inputHashElements,
  poseidonGas,
} from "./gas.ts";

/** BN254 base field: proof coordinates must be below it (the precompiles reject anything else). */
export const BN254_BASE_FIELD = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

export interface ZkRollupConfig {
  /** The domain separator the circuit hashes into every batch (and signatures cover). */
  readonly rollupId: number;
  readonly layout: RecordLayout;
  /** Operations per batch: the circuit's fixed size N. */
  readonly capacity: number;
  /** snarkjs Groth16 verification key (JSON) of the batch circuit: one public input. */
  readonly vkey: JsonObject;
  readonly genesisRoot: bigint;
  /**
   * L1 blocks after its acceptance block before a batch counts as final (withdrawals payable).
   * 0 (the default): final at acceptance; L1 reorgs are not modelled.
   */
  readonly finalitySlots?: number;
  /**
   * Replaces the Groth16 check (still charged at its schedule gas). Only the cost model uses it, to run
   * this contract's own gas accounting on synthetic batches of any size without proving them.
   */
  readonly unverifiedGasModel?: true;
}

/** An accepted batch, as the contract stores it (roots) and as its calldata and events show it (the rest). */
export interface AcceptedBatch {
  /** 1 for the first batch; the genesis state is batch 0. */
  readonly number: number;
  readonly oldRoot: bigint;
  readonly newRoot: bigint;
  readonly records: Uint8Array;
  readonly withdrawalRecipients: readonly bigint[];
  /** Queue indices [firstDeposit, firstDeposit + depositCount) were consumed by this batch. */
  readonly firstDeposit: number;
  readonly depositCount: number;
  readonly l1Acc: bigint;
  readonly inputHash: bigint;
  readonly blockNumber: number;
  readonly timestamp: number;
}

/**
 * The zk rollup contract on the simulated L1. It stores a root only after the Groth16 proof verifies
 * against HashChain(rollupId, currentRoot, newRoot, l1Acc, records) — the L1 computes that public input
 * itself from its own root, its deposit queue and the posted calldata, so a proof is only ever about
 * the posted data and the current state. Withdrawals are final (payable) at acceptance.
 */
export class ZkRollupContract {
  readonly address: L1Address;
  readonly bridge: Bridge;
  readonly rollupId: number;
  readonly layout: RecordLayout;
  readonly capacity: number;
  readonly genesisRoot: bigint;
  readonly finalitySlots: number;
  private readonly vkey: JsonObject;
  private readonly gasModelOnly: boolean;
  private root: bigint;
  private readonly accepted: AcceptedBatch[] = [];
  private hook: BatchHook<AcceptedBatch> | undefined;

  constructor(
    private readonly chain: L1Chain,
    config: ZkRollupConfig,
  ) {
    const { rollupId, layout, capacity, vkey, genesisRoot } = config;
    const finalitySlots = config.finalitySlots ?? 0;
    if (!isRollupId(rollupId)) throw new L1Error("BAD_CONFIG", "rollupId must be an integer in 0..2^32-1");
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new L1Error("BAD_CONFIG", "capacity must be a positive integer");
    if (!Number.isSafeInteger(finalitySlots) || finalitySlots < 0) throw new L1Error("BAD_CONFIG", "finalitySlots must be ≥ 0");
    if (genesisRoot < 0n || genesisRoot >= FIELD_MODULUS) throw new L1Error("BAD_CONFIG", "genesisRoot is not a field element");
    if (vkey["protocol"] !== "groth16" || vkey["nPublic"] !== 1) {
      throw new L1Error("BAD_CONFIG", "vkey must be a snarkjs Groth16 key with exactly one public input");
    }
    this.address = chain.registerContract("ZkRollup");
    this.bridge = new Bridge(chain, this.address, (n) => this.isFinal(n), {}, 2 ** layout.indexBits);
    this.rollupId = rollupId;
    this.layout = layout;
    this.capacity = capacity;
    this.vkey = vkey;
    this.gasModelOnly = config.unverifiedGasModel === true;
    this.genesisRoot = genesisRoot;
    this.finalitySlots = finalitySlots;
    this.root = genesisRoot;
  }

  // ---- views ----

  get currentRoot(): bigint {
    return this.root;
  }

  /** Accepted batches so far (the number of the latest). */
  get batchCount(): number {
    return this.accepted.length;
  }

  get batches(): readonly AcceptedBatch[] {
    return this.accepted;
  }

  batch(number: number): AcceptedBatch | undefined {
    return this.accepted[number - 1];
  }

  get depositQueue(): readonly DepositEntry[] {
    return this.bridge.depositQueue;
  }

  /** Zk finality: a batch is final once accepted (and `finalitySlots` L1 blocks old). */
  isFinal(batchNumber: number): boolean {
    const b = this.batch(batchNumber);
    return b !== undefined && b.blockNumber + this.finalitySlots <= this.chain.blockNumber;
  }

  /** Attaches the forced-exit rules (forced-exit.ts): they may refuse a batch and see each one accepted. */
  attachBatchHook(hook: BatchHook<AcceptedBatch>): void {
    if (this.hook !== undefined) throw new L1Error("BAD_CONFIG", "a batch hook is already attached");
    this.hook = hook;
  }

  // ---- transactions ----

  /** Locks `amount` of the sender's L1 balance (sent as value) and queues it for `publicKey` on L2. */
  async deposit(sender: L1Address, publicKey: PublicKey, amount: bigint): Promise<L1Receipt<DepositEntry>> {
    const input = encodeDeposit(publicKey);
    return this.chain.execute({ from: sender, to: this.address, method: "deposit", input, value: amount }, (tx) =>
      this.bridge.deposit(tx, decodeDeposit(input), tx.value),
    );
  }

  /** Pays withdrawal `index` of batch `batchNumber` to its recipient (anyone may send it; it pays once). */
  async claimWithdrawal(sender: L1Address, batchNumber: number, index: number): Promise<L1Receipt<WithdrawalEntry>> {
    const input = encodeClaim(batchNumber, index);
    return this.chain.execute({ from: sender, to: this.address, method: "claimWithdrawal", input }, (tx) => {
      const args = decodeClaim(input);
      return this.bridge.claim(tx, args.batchNumber, args.index);
    });
  }

  /**
   * Posts a batch: its records, the L1 recipients of its withdraw records, the new root and the proof.
   * Arguments that cannot be encoded as calldata (a recipient ≥ 2^160, a non-numeric proof) throw
   * L1Error BAD_ARGUMENT before any transaction exists; every other problem is a mined revert.
   */
  async submitBatch(sender: L1Address, args: SubmitBatchArgs): Promise<L1Receipt<AcceptedBatch>> {
    const input = encodeSubmitBatch(args);
    return this.chain.execute({ from: sender, to: this.address, method: "submitBatch", input }, (tx) =>
      this.runSubmitBatch(tx, input),
    );
  }

  private async runSubmitBatch(tx: TxContext, input: Uint8Array): Promise<AcceptedBatch> {
    this.hook?.before(tx);
    const call = decodeSubmitBatch(input);
    const recordBytes = this.layout.recordBytes;
    if (call.records.length !== this.capacity * recordBytes) {
      throw new L1Revert(
        "BAD_RECORDS_LENGTH",
        `records must be ${this.capacity} × ${recordBytes} bytes, got ${call.records.length}`,
      );
    }
    if (call.newRoot >= FIELD_MODULUS) throw new L1Revert("MALFORMED", "newRoot is not a field element");

    // Walk the records: deposits must match the queue in order, withdrawals take the next recipient.
    const messages: L1Message[] = [];
    const withdrawals: WithdrawalEntry[] = [];
    const batchNumber = this.accepted.length + 1;
    let deposits = 0;
    for (let i = 0; i < this.capacity; i++) {
      const record = decodeRecordOrRevert(call.records.subarray(i * recordBytes, (i + 1) * recordBytes), this.layout, i);
      const amount = unpackAmount(record.amount);
      if (record.kind === KIND_CODE.deposit) {
        const entry = this.bridge.readPending(tx, deposits);
        if (entry === undefined) {
          throw new L1Revert("DEPOSIT_QUEUE_EMPTY", `record ${i} is a deposit but only ${deposits} deposits are pending`);
        }
        if (entry.amount !== amount) {
          throw new L1Revert("DEPOSIT_MISMATCH", `record ${i} deposits ${amount}, queue entry ${entry.index} holds ${entry.amount}`);
        }
        // The key comes from the queue, never from calldata.
        messages.push({ x: entry.publicKey.x, y: entry.publicKey.y });
        deposits++;
      } else if (record.kind === KIND_CODE.withdraw) {
        const recipient = call.withdrawalRecipients[withdrawals.length];
        if (recipient === undefined) {
          throw new L1Revert("WITHDRAWAL_COUNT", `record ${i} is a withdrawal but only ${call.withdrawalRecipients.length} recipients were given`);
        }
        messages.push({ x: recipient, y: 0n });
        withdrawals.push({ batchNumber, index: withdrawals.length, recipient, amount });
      }
    }
    if (withdrawals.length !== call.withdrawalRecipients.length) {
      throw new L1Revert(
        "WITHDRAWAL_COUNT",
        `${call.withdrawalRecipients.length} recipients given for ${withdrawals.length} withdraw records`,
      );
    }

    // The public input, computed by the L1 from its own state and the calldata.
    const l1Acc = messages.reduce(extendL1Chain, 0n);
    tx.gas.chargeEach("poseidon: L1 message chain", messages.length, await poseidonGas(3), "Poseidon(3) per L1 operation, measured");
    const oldRoot = this.root;
    const inputHash = batchInputHash(this.rollupId, oldRoot, call.newRoot, l1Acc, call.records);
    const elements = inputHashElements(call.records.length);
    tx.gas.chargeEach(
      "poseidon: input hash",
      hashChainCalls(elements),
      await poseidonGas(6),
      `width-6 hash chain over ${elements} elements; Poseidon(6) measured`,
    );

    tx.gas.charge("groth16 verification", groth16VerifyGas(1), "4-pair pairing 181,000 + 1 × (ECMUL 6,000 + ECADD 150) (EIP-1108)");
    // Corrected against anvil (scripts/evm-gas.ts): calling the Poseidon contracts and the verifier costs
    // a cold account access for each callee and a warm one for every further call (EIP-2929), and the
    // contract reads its deposit-queue head and length every batch.
    const calls = messages.length + hashChainCalls(elements) + 1;
    const callees = (messages.length > 0 ? 1 : 0) + 2;
    tx.gas.charge("contract calls", callees * COLD_ACCOUNT_ACCESS_GAS + (calls - callees) * WARM_ACCESS_GAS, `${calls} calls to ${callees} contracts (EIP-2929)`);
    tx.gas.chargeEach("storage reads", 2, SLOAD_COLD_GAS, "deposit queue head and length: SLOAD cold (EIP-2929)");
    if (!(await this.verify(call.proofWords, inputHash))) {
      throw new L1Revert("INVALID_PROOF", `the proof does not verify for input hash ${inputHash} (old root ${oldRoot})`);
    }

    // Effects.
    tx.gas.charge(
      "storage writes",
      this.root === 0n ? SSTORE_NEW_SLOT_GAS : SSTORE_EXISTING_SLOT_GAS,
      `root: SSTORE ${this.root === 0n ? "new" : "existing"} slot`,
    );
    tx.gas.charge(
      "storage writes",
      this.accepted.length === 0 ? SSTORE_NEW_SLOT_GAS : SSTORE_EXISTING_SLOT_GAS,
      `batch count: SSTORE ${this.accepted.length === 0 ? "new" : "existing"} slot`,
    );
    this.bridge.consume(tx, deposits);
    this.bridge.registerWithdrawals(tx, batchNumber, withdrawals);
    const batch: AcceptedBatch = {
      number: batchNumber,
      oldRoot,
      newRoot: call.newRoot,
      records: call.records,
      withdrawalRecipients: call.withdrawalRecipients,
      firstDeposit: this.bridge.queueHead,
      depositCount: deposits,
      l1Acc,
      inputHash,
      blockNumber: tx.blockNumber,
      timestamp: tx.timestamp,
    };
    this.hook?.accepted(tx, batch);
    tx.emit("BatchAccepted", { batchNumber, oldRoot, newRoot: call.newRoot }, ["batchNumber"]);
    tx.onSuccess(() => {
      this.root = call.newRoot;
      this.accepted.push(batch);
    });
    return batch;
  }

  /** snarkjs Groth16 verification of the calldata's proof words; coordinates outside the base field fail. */
  private async verify(words: readonly bigint[], inputHash: bigint): Promise<boolean> {
    if (this.gasModelOnly) return true;
    if (words.some((w) => w >= BN254_BASE_FIELD)) return false;
    try {
      return await verifyProof(this.vkey, [inputHash.toString()], wordsToProof(words));
    } catch {
      // A point off the curve makes snarkjs throw; the precompile would fail the call: not a proof.
      return false;
    }
  }
}

function decodeRecordOrRevert(bytes: Uint8Array, layout: RecordLayout, i: number): RecordFields {
  try {
    return decodeRecord(bytes, layout);
  } catch (e) {
    if (e instanceof RollupError) throw new L1Revert("MALFORMED", `record ${i}: ${e.message}`, { cause: e });
    throw e;
  }
}
