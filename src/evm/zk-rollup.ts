/**
 * The zk rollup's client: contracts/ZkRollup.sol with snarkjs's Groth16 verifier for the instance's keys,
 * the Poseidon contracts (3 and 6 for the public input; 4, 6 and the tree's arities for account proofs)
 * and the EdDSA contract of its forced exit, deployed on an EVM (in-process or anvil) and driven with
 * viem, behind the ZkL1 interface. Every gas figure is a receipt's gasUsed; calldata is src/l1/calldata.ts's.
 */
import { encodeDeployData, parseAbi, parseEventLogs, type Address, type Hex } from "viem";
import type { DepositEntry } from "../l1/bridge-types.ts";
import { decodeSubmitBatch, encodeSubmitBatch, type SubmitBatchArgs } from "../l1/calldata.ts";
import type { L1Address } from "../l1/address.ts";
import type { L1RollupData } from "../l1/reconstruct.ts";
import type { AcceptedBatch } from "../l1/bridge-types.ts";
import { batchInputHash } from "../state/batch.ts";
import { extendL1Chain, type L1Message } from "../state/transition.ts";
import { COMMITMENT_CODE, type Commitment, type RecordLayout } from "../tx/layout.ts";
import { KIND_CODE, decodeRecord, isRollupId } from "../tx/operation.ts";
import {
  RollupContract,
  BRIDGE_SIGNATURES,
  checkForcedDeadline,
  deployTreeContracts,
  eventAbi,
  hexToBytes,
  onEvm,
  poseidonCreation,
  treeConfigArg,
  type RollupContractConfig,
  type EvmReceipt,
  type TreeContracts,
} from "./rollup-contract.ts";
import { fromAddress, type EvmSession, type SentTransaction } from "./client.ts";
import { compileSources, repoSources, requireContract, type CompileOutput } from "./compile.ts";
import { exitClaimProver, type ExitClaimProver } from "./exit-claim.ts";
import { EvmError } from "./errors.ts";
import { VERIFIER_CONTRACT, compileGroth16Verifier } from "./verifier.ts";
import type { ZkL1 } from "./zk-l1.ts";

/** contracts/AcceptingVerifier.sol: TEST ONLY, accepts every proof. */
export const ACCEPTING_VERIFIER_CONTRACT = "AcceptingVerifier";

// Importers of this module (gas-compare.ts, index.ts) take these from here, where they were first defined.
export { bytesToHex, hexToBytes, type EvmReceipt } from "./rollup-contract.ts";

/** What the TypeScript side calls on ZkRollup.sol (a test checks it against the compiled ABI). */
export const ZK_ROLLUP_ABI = parseAbi([
  ...BRIDGE_SIGNATURES,
  "function deposit(uint256 x, uint256 y) payable",
  "function claimWithdrawal(uint256 batchNumber, uint256 index)",
  "function currentRoot() view returns (uint256)",
  "function batchCount() view returns (uint256)",
  "function queueLength() view returns (uint256)",
  "function queueHead() view returns (uint256)",
  "function finalityBlocks() view returns (uint256)",
  "function commitment() view returns (uint256)",
  "function withdrawalAt(uint256 batchNumber, uint256 index) view returns (address recipient, uint256 amount, uint256 acceptedBlock, bool paid)",
  "event BatchAccepted(uint256 indexed batchNumber, uint256 oldRoot, uint256 newRoot)",
  "error BAD_RECORDS_LENGTH(uint256 expected, uint256 got)",
  "error DEPOSIT_QUEUE_EMPTY(uint256 record)",
  "error DEPOSIT_MISMATCH(uint256 record, uint256 queued, uint256 posted)",
  "error WITHDRAWAL_COUNT()",
  "error INVALID_PROOF()",
]);

export interface ZkRollupL1Config extends RollupContractConfig {
  readonly rollupId: number;
  readonly layout: RecordLayout;
  /** Operations per batch: the circuit's fixed size N. */
  readonly capacity: number;
  readonly genesisRoot: bigint;
  /** The instance's Groth16 keys: the verifier contract is exported from the zkey (not needed with `verifier: "accepting"`). */
  readonly keys?: { readonly zkey: string; readonly vkey: string };
  /**
   * TEST ONLY: "accepting" deploys contracts/AcceptingVerifier.sol, which accepts every proof, instead of the
   * keys' verifier (the demo's cost by batch size, for sizes with no circuit here; it adds the real verifier's gas).
   */
  readonly verifier?: "groth16" | "accepting";
  /**
   * Blocks after its acceptance block before a batch's withdrawals are payable (default 0). These are
   * the EVM's blocks (one per transaction), not clock slots, even with a `clock`.
   */
  readonly finalityBlocks?: number;
  /**
   * The account tree's arities, bottom-up (the contract checks account proofs against batch roots).
   * Default: binary, one level per index bit — give the instance's arities for forced exits to work.
   */
  readonly arities?: readonly number[];
}

/** Gas of each deployment transaction, measured. */
export interface DeploymentGas {
  readonly verifier: number;
  readonly poseidon3: number;
  readonly poseidon6: number;
  readonly rollup: number;
}

export interface ZkDeployment {
  readonly rollup: Address;
  readonly verifier: Address;
  readonly poseidon3: Address;
  readonly poseidon6: Address;
  /** Every Poseidon and the EdDSA contract (account proofs of the forced exit). */
  readonly tree: TreeContracts;
  readonly gas: DeploymentGas;
  readonly solcVersion: string;
  readonly hardfork: string;
  /** Which EVM runs it ("EDR 0.13.0 (in-process)", "anvil 1.7.1 at ..."). */
  readonly evm: string;
}

/** Deployer of the contracts (impersonated by anvil; needs no balance at zero gas price). */
const DEPLOYER: L1Address = 0xdeadn << 140n;

/** contracts/ and the verifier for these keys, each compiled on its own (cached in build/evm/). */
export async function compileRollupContracts(keys: { zkey: string; vkey: string }, log?: (m: string) => void): Promise<CompileOutput> {
  const repo = compileSources(repoSources(), log === undefined ? {} : { log });
  const verifier = await compileGroth16Verifier(keys, VERIFIER_CONTRACT, log);
  return { ...repo, contracts: { ...repo.contracts, ...verifier.contracts } };
}

export class ZkRollupL1 extends RollupContract<ZkDeployment> implements ZkL1 {
  readonly rollupId: number;
  readonly layout: RecordLayout;
  readonly capacity: number;
  readonly genesisRoot: bigint;
  readonly finalityBlocks: number;
  readonly arities: readonly number[];
  readonly forcedDeadlineSeconds: number;
  private readonly batchCache = new Map<number, AcceptedBatch>();

  private constructor(session: EvmSession, deployment: ZkDeployment, compiled: CompileOutput, config: ZkRollupL1Config, exitClaim: ExitClaimProver) {
    super(session, deployment, compiled, config, ZK_ROLLUP_ABI, exitClaim);
    this.rollupId = config.rollupId;
    this.layout = config.layout;
    this.capacity = config.capacity;
    this.genesisRoot = config.genesisRoot;
    this.finalityBlocks = config.finalityBlocks ?? 0;
    this.arities = zkArities(config);
    this.forcedDeadlineSeconds = checkForcedDeadline(config.forcedDeadlineSeconds);
  }

  /** Compiles (cached), starts anvil unless a session is given, and deploys the four contracts. */
  static async start(config: ZkRollupL1Config): Promise<ZkRollupL1> {
    const { rollupId, capacity, genesisRoot } = config;
    const finalityBlocks = config.finalityBlocks ?? 0;
    if (!isRollupId(rollupId)) throw new EvmError("BAD_CONFIG", "rollupId must be an integer in 0..2^32-1");
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new EvmError("BAD_CONFIG", "capacity must be a positive integer");
    if (!Number.isSafeInteger(finalityBlocks) || finalityBlocks < 0) throw new EvmError("BAD_CONFIG", "finalityBlocks must be ≥ 0");
    const arities = zkArities(config);
    const forcedDeadlineSeconds = checkForcedDeadline(config.forcedDeadlineSeconds);
    const accepting = config.verifier === "accepting";
    if (!accepting && config.keys === undefined) throw new EvmError("BAD_CONFIG", "the Groth16 verifier needs the instance's keys");
    const compiled = config.keys === undefined ? compileSources(repoSources(), config.log === undefined ? {} : { log: config.log }) : await compileRollupContracts(config.keys, config.log);
    const verifierName = accepting ? ACCEPTING_VERIFIER_CONTRACT : VERIFIER_CONTRACT;
    const exitClaim = await exitClaimProver(arities, config.log);
    return onEvm(config, async (session) => {
      // With a clock, deployment blocks take its time too (anvil's would follow the wall clock past it).
      const clock = config.clock;
      const at = clock === undefined ? undefined : (): Promise<void> => session.atClockSlot(clock);
      const deployment = await deployRollup(session, compiled, exitClaim, { rollupId, capacity, genesisRoot, finalityBlocks, commitment: config.layout.commitment, verifierName, arities, forcedDeadlineSeconds }, at);
      config.log?.(
        `${session.backend.description} (${deployment.hardfork}): ZkRollup at ${deployment.rollup}, verifier ${fmtGas(deployment.gas.verifier)} gas to deploy`,
      );
      return new ZkRollupL1(session, deployment, compiled, config, exitClaim);
    });
  }

  // ---- transactions (deposit and claimWithdrawal: RollupContract) ----

  async submitBatch(sender: L1Address, args: SubmitBatchArgs): Promise<EvmReceipt<AcceptedBatch>> {
    const input = encodeSubmitBatch(args);
    const sent = await this.send(sender, input, 0n);
    const log = parseEventLogs({ abi: ZK_ROLLUP_ABI, logs: sent.receipt.logs, eventName: "BatchAccepted" })[0];
    const result =
      log === undefined
        ? undefined
        : await this.acceptedBatch(Number(log.args.batchNumber), log.args.oldRoot, log.args.newRoot, input, sent);
    if (result !== undefined) this.batchCache.set(result.number, result);
    return this.receipt(sent, input, result);
  }

  // ---- views ----

  async currentRoot(): Promise<bigint> {
    return this.read("currentRoot");
  }

  async batchCount(): Promise<number> {
    return Number(await this.read("batchCount"));
  }

  async queueHead(): Promise<number> {
    return Number(await this.read("queueHead"));
  }

  async queueLength(): Promise<number> {
    return Number(await this.read("queueLength"));
  }

  async pendingDeposits(): Promise<readonly DepositEntry[]> {
    const [head, length] = await Promise.all([this.queueHead(), this.queueLength()]);
    return this.depositsIn(head, length);
  }

  /** Every deposit ever queued, consumed or not. */
  async depositQueue(): Promise<readonly DepositEntry[]> {
    return this.depositsIn(0, await this.queueLength());
  }

  async batch(number: number): Promise<AcceptedBatch | undefined> {
    const cached = this.batchCache.get(number);
    if (cached !== undefined) return cached;
    if (!Number.isSafeInteger(number) || number < 1) return undefined;
    // From L1 data alone: the BatchAccepted event and its transaction's calldata.
    const found = await this.emitted(eventAbi(ZK_ROLLUP_ABI, "BatchAccepted"), { batchNumber: BigInt(number) });
    if (found === undefined) return undefined;
    const { log, tx } = found;
    const block = await this.session.public.getBlock({ blockNumber: log.blockNumber });
    const input = hexToBytes(tx.input);
    const batch = await this.batchFrom(number, log.args.oldRoot ?? 0n, log.args.newRoot ?? 0n, input, Number(log.blockNumber), Number(block.timestamp));
    this.batchCache.set(number, batch);
    return batch;
  }

  async batches(): Promise<AcceptedBatch[]> {
    const count = await this.batchCount();
    const out: AcceptedBatch[] = [];
    for (let n = 1; n <= count; n++) {
      const b = await this.batch(n);
      if (b !== undefined) out.push(b);
    }
    return out;
  }

  /** Zk finality: accepted, and `finalityBlocks` old by the block a transaction sent now lands in. */
  async isFinal(batchNumber: number): Promise<boolean> {
    const b = await this.batch(batchNumber);
    if (b === undefined) return false;
    return b.blockNumber + this.finalityBlocks <= (await this.session.blockNumber()) + 1;
  }

  async rollupData(): Promise<L1RollupData> {
    const [currentRoot, batches, depositQueue] = await Promise.all([this.currentRoot(), this.batches(), this.depositQueue()]);
    return { rollupId: this.rollupId, layout: this.layout, genesisRoot: this.genesisRoot, currentRoot, batches, depositQueue };
  }

  /** The withdrawal slot as stored: recipient, amount, acceptance block, paid. */
  async withdrawalAt(batchNumber: number, index: number) {
    const [recipient, amount, acceptedBlock, paid] = await this.session.public.readContract({
      address: this.address,
      abi: ZK_ROLLUP_ABI,
      functionName: "withdrawalAt",
      args: [BigInt(batchNumber), BigInt(index)],
    });
    return { recipient: fromAddress(recipient), amount, acceptedBlock: Number(acceptedBlock), paid };
  }

  // ---- the forced exit's view of the batches (an accepted batch is final: RollupContract) ----

  protected async latestLiveBatch(): Promise<number> {
    return this.batchCount();
  }

  protected async forcedLive(n: number): Promise<boolean> {
    return n >= 1 && n <= (await this.batchCount());
  }

  protected async forcedFinal(n: number): Promise<boolean> {
    return this.forcedLive(n);
  }

  // ---- time (the ledger: RollupContract) ----

  /** Mines `n` empty blocks (finality tests). */
  async mineBlocks(n: number): Promise<void> {
    await this.session.mine(n);
  }

  // ---- internals ----

  private async read(functionName: "currentRoot" | "batchCount" | "queueHead" | "queueLength"): Promise<bigint> {
    return this.session.public.readContract({ address: this.address, abi: ZK_ROLLUP_ABI, functionName });
  }

  private async acceptedBatch(number: number, oldRoot: bigint, newRoot: bigint, input: Uint8Array, sent: SentTransaction): Promise<AcceptedBatch> {
    return this.batchFrom(number, oldRoot, newRoot, input, Number(sent.receipt.blockNumber), sent.timestamp);
  }

  /**
   * An accepted batch from its calldata and event, with the public input recomputed the contract's way
   * (keys from the queue, recipients from calldata): the deposits it consumed are the ones before the
   * queue head right after it.
   */
  private async batchFrom(number: number, oldRoot: bigint, newRoot: bigint, input: Uint8Array, blockNumber: number, timestamp: number): Promise<AcceptedBatch> {
    const call = decodeSubmitBatch(input);
    const { recordBytes } = this.layout;
    const kinds = Array.from({ length: call.records.length / recordBytes }, (_, i) =>
      decodeRecord(call.records.subarray(i * recordBytes, (i + 1) * recordBytes), this.layout).kind,
    );
    const depositCount = kinds.filter((k) => k === KIND_CODE.deposit).length;
    const headAfter = Number(
      await this.session.public.readContract({ address: this.address, abi: ZK_ROLLUP_ABI, functionName: "queueHead", blockNumber: BigInt(blockNumber) }),
    );
    const firstDeposit = headAfter - depositCount;
    const consumed = await this.depositsIn(firstDeposit, headAfter);
    const messages: L1Message[] = [];
    let d = 0;
    let w = 0;
    for (const kind of kinds) {
      if (kind === KIND_CODE.deposit) {
        const e = consumed[d++];
        if (e !== undefined) messages.push({ x: e.publicKey.x, y: e.publicKey.y });
      } else if (kind === KIND_CODE.withdraw) {
        messages.push({ x: call.withdrawalRecipients[w++] ?? 0n, y: 0n });
      }
    }
    const l1Acc = messages.reduce(extendL1Chain, 0n);
    return {
      number,
      oldRoot,
      newRoot,
      records: call.records,
      withdrawalRecipients: call.withdrawalRecipients,
      firstDeposit,
      depositCount,
      l1Acc,
      inputHash: batchInputHash(this.layout.commitment, this.rollupId, oldRoot, newRoot, l1Acc, call.records),
      blockNumber,
      timestamp,
    };
  }
}

/** Deploys the Poseidon and EdDSA contracts, the exit-claim verifier, the batch verifier and the rollup; gas measured. */
async function deployRollup(
  session: EvmSession,
  compiled: CompileOutput,
  exitClaim: ExitClaimProver,
  config: {
    rollupId: number;
    capacity: number;
    genesisRoot: bigint;
    finalityBlocks: number;
    commitment: Commitment;
    verifierName: string;
    arities: readonly number[];
    forcedDeadlineSeconds: number;
  },
  before?: () => Promise<void>,
): Promise<ZkDeployment> {
  const tree = await deployTreeContracts(session, compiled, DEPLOYER, config.arities, exitClaim, before === undefined ? {} : { before });
  const verifierArtifact = requireContract(compiled, config.verifierName);
  await before?.();
  const verifier = await session.deploy(DEPLOYER, verifierArtifact.bytecode, config.verifierName);
  const rollupArtifact = requireContract(compiled, "ZkRollup");
  await before?.();
  const rollup = await session.deploy(
    DEPLOYER,
    encodeDeployData({
      abi: rollupArtifact.abi,
      bytecode: rollupArtifact.bytecode,
      args: [
        verifier.address,
        BigInt(config.capacity),
        config.genesisRoot,
        BigInt(config.finalityBlocks),
        BigInt(COMMITMENT_CODE[config.commitment]),
        treeConfigArg(config.rollupId, config.arities, config.forcedDeadlineSeconds, tree),
      ],
    }),
    "ZkRollup",
  );
  return {
    rollup: rollup.address,
    verifier: verifier.address,
    poseidon3: tree.poseidon3,
    poseidon6: tree.poseidon6,
    tree,
    gas: { verifier: verifier.gasUsed, poseidon3: tree.gas.poseidon3, poseidon6: tree.gas.poseidon6, rollup: rollup.gasUsed },
    solcVersion: compiled.solcVersion,
    hardfork: session.backend.hardfork,
    evm: session.backend.description,
  };
}

export function poseidonCode(n: number): Hex {
  return poseidonCreation(n);
}

/** The configured arities, checked against the record layout; default binary. */
function zkArities(config: ZkRollupL1Config): readonly number[] {
  const arities = config.arities ?? Array.from({ length: config.layout.indexBits }, () => 2);
  const bits = arities.reduce((sum, a) => sum + (a === 2 ? 1 : a === 4 ? 2 : a === 8 ? 3 : Number.NaN), 0);
  if (arities.length === 0 || bits !== config.layout.indexBits) {
    throw new EvmError("BAD_CONFIG", `arities [${arities.join(",")}] (2, 4 or 8 each) do not make the layout's ${config.layout.indexBits} index bits`);
  }
  return arities;
}

function fmtGas(n: number): string {
  return n.toLocaleString("en-US");
}
