/**
 * Where the zk rollup's L1 gas goes: proven batches, deposits and a withdrawal claim sent to ZkRollup.sol
 * (in-process EVM, or anvil), each receipt's gasUsed split item by item from the transaction's own traces.
 * Also: what the public-data commitment costs on the EVM as a Poseidon hash chain, SHA-256 or keccak over
 * the same bytes, beside its circuit cost.
 */
import { countConstraints } from "../artifacts/compile.ts";
import type { CompiledCircuit } from "../artifacts/compile.ts";
import type { SetupArtifacts } from "../artifacts/setup.ts";
import type { CircuitInstance } from "../circuit/instances.ts";
import { privateKeyFromLabel, publicKeyOf, type PublicKey } from "../crypto/index.ts";
import { labelAddress, type L1Address } from "../l1/address.ts";
import { fastestEngine, proveBatch, type ProvedBatch } from "../prover/prove.ts";
import { RollupState, batchInputHash, buildBatch, type BuiltBatch, type RollupContext } from "../state/index.ts";
import { hashChainCalls, inputHashElements } from "../state/batch.ts";
import { signTransfer, signWithdraw, type Operation } from "../tx/index.ts";
import { ZkRollupL1 } from "./zk-rollup.ts";
import { bytesToHex, type EvmReceipt } from "./rollup-contract.ts";
import { requireContract } from "./compile.ts";
import { encodeDeployData, encodeFunctionData, parseAbi, parseEventLogs } from "viem";
import { EvmError } from "./errors.ts";
import { measureGas, type KnownContracts, type MeasuredGasLine } from "./gas-breakdown.ts";

export const GAS_ROLLUP_ID = 1;

export interface TxGas {
  readonly label: string;
  readonly method: "deposit" | "submitBatch" | "claimWithdrawal";
  /** Real operations in a batch, by kind (batches only). */
  readonly operations?: { transfers: number; deposits: number; withdrawals: number };
  readonly calldataBytes: number;
  /** The receipt's gasUsed. */
  readonly gasUsed: number;
  /** The same, split by the transaction's traces (the lines add up to gasUsed). */
  readonly items: readonly MeasuredGasLine[];
}

export interface DeploymentRow {
  readonly contract: string;
  readonly gas: number;
  readonly codeBytes: number | undefined;
}

export interface ZkGasReport {
  readonly instance: string;
  readonly capacity: number;
  readonly recordBytes: number;
  readonly hardfork: string;
  readonly evm: string;
  readonly solc: string;
  readonly deployments: readonly DeploymentRow[];
  readonly transactions: readonly TxGas[];
  readonly commitments: readonly CommitmentRow[];
}

export interface ZkGasOptions {
  readonly instance: CircuitInstance;
  readonly circuit: CompiledCircuit;
  readonly keys: SetupArtifacts;
  /** Batch sizes (operations) at which to measure the commitment alternatives on the same anvil. */
  readonly commitmentOperations?: readonly number[];
  /** "simulated" (default): the in-process EVM; "anvil": a local anvil node. */
  readonly l1?: "simulated" | "anvil";
  readonly log?: (message: string) => void;
}

interface Party {
  readonly l1: L1Address;
  readonly key: Uint8Array;
  readonly publicKey: PublicKey;
}

/**
 * Deposits for every slot of the first batch, then batches of transfers, a withdrawal and a part-full
 * batch, each proven and submitted; then the withdrawal is claimed. Every transaction's gas is split by trace.
 */
export async function measureZkGas(opts: ZkGasOptions): Promise<ZkGasReport> {
  const { instance, circuit, keys } = opts;
  const log = opts.log ?? (() => {});
  const n = instance.ops;
  const ctx: RollupContext = { layout: instance.layout, rollupId: GAS_ROLLUP_ID };
  const users: Party[] = Array.from({ length: n }, (_, i) => {
    const key = privateKeyFromLabel(`evm-gas user ${i}`);
    return { l1: labelAddress(`evm-gas user ${i} (L1)`), key, publicKey: publicKeyOf(key) };
  });
  const sequencer = labelAddress("evm-gas sequencer");
  const recipient = labelAddress("evm-gas withdrawal recipient");
  const genesis = new RollupState(instance.arities);

  // The batches, from the reference model.
  const plans: { label: string; ops: Operation[] }[] = [];
  plans.push({ label: `${n} deposits`, ops: users.map((u, i) => ({ kind: "deposit", to: i, publicKey: u.publicKey, amount: 1_000_000n })) });
  const nonces = users.map(() => 0n);
  const transferOp = (from: number, to: number, amount: bigint): Operation =>
    signTransfer(users[from]!.key, { kind: "transfer", from, to, amount, nonce: nonces[from]!++ }, ctx.layout, ctx.rollupId);
  plans.push({ label: `${n} transfers`, ops: users.map((_, i) => transferOp(i, (i + 1) % n, 1_000n + BigInt(i))) });
  const withdrawal = signWithdraw(users[0]!.key, { kind: "withdraw", from: 0, recipient, amount: 5_000n, nonce: nonces[0]!++ }, ctx.layout, ctx.rollupId);
  plans.push({
    label: n > 1 ? `${n - 1} transfers + 1 withdrawal` : "1 withdrawal",
    ops: [...Array.from({ length: n - 1 }, (_, i) => transferOp(i + 1, i % n, 2_000n)), withdrawal],
  });
  if (n > 1) plans.push({ label: `1 transfer + ${n - 1} no-ops`, ops: [transferOp(1, 0, 777n)] });

  const built: { label: string; batch: BuiltBatch; proved: ProvedBatch }[] = [];
  let state = genesis;
  for (const plan of plans) {
    const batch = buildBatch(state, plan.ops, n, ctx);
    const proved = await proveBatch({ zkey: keys.zkey, wasm: circuit.wasm }, batch.inputs, "groth16", fastestEngine());
    log(`proved "${plan.label}" in ${(proved.witnessSeconds + proved.proveSeconds).toFixed(1)} s`);
    built.push({ label: plan.label, batch, proved });
    state = batch.state;
  }

  const evm = await ZkRollupL1.start({
    rollupId: ctx.rollupId,
    layout: ctx.layout,
    arities: instance.arities,
    capacity: n,
    genesisRoot: genesis.root,
    keys,
    ...(opts.l1 === "anvil" ? { anvil: { args: ["--steps-tracing"] } } : {}),
    log,
  });
  try {
    const known: KnownContracts = { poseidon3: evm.deployment.poseidon3, poseidon6: evm.deployment.poseidon6, verifier: evm.deployment.verifier };
    const transactions: TxGas[] = [];
    const record = async <T>(label: string, method: TxGas["method"], r: EvmReceipt<T>, extra: Partial<TxGas> = {}): Promise<void> => {
      if (r.status !== "success") throw new EvmError("SCENARIO_FAILED", `${label}: reverted ${r.revertReason ?? "-"}`);
      const items = (await measureGas(evm.session.backend, r.txHash, r.input, known)).lines;
      transactions.push({ label, method, calldataBytes: r.calldata.bytes, gasUsed: r.gasUsed, items, ...extra });
      log(`${label}: ${r.gasUsed.toLocaleString("en-US")} gas`);
    };

    for (const [i, u] of users.entries()) {
      await evm.fund(u.l1, 10_000_000n);
      const r = await evm.deposit(u.l1, u.publicKey, 1_000_000n);
      if (i < 2) await record(i === 0 ? "deposit (first: queue length slot new)" : "deposit (later)", "deposit", r);
    }
    for (const b of built) {
      const r = await evm.submitBatch(sequencer, { records: b.batch.records, withdrawalRecipients: b.batch.withdrawalRecipients, newRoot: b.batch.newRoot, proof: b.proved.proof });
      const kinds = b.batch.inputs.kind.map(Number);
      await record(`submitBatch: ${b.label}`, "submitBatch", r, {
        operations: { transfers: kinds.filter((k) => k === 1).length, deposits: kinds.filter((k) => k === 2).length, withdrawals: kinds.filter((k) => k === 3).length },
      });
    }
    const withdrawalBatch = 3;
    await record("claimWithdrawal (recipient's first ether)", "claimWithdrawal", await evm.claimWithdrawal(sequencer, withdrawalBatch, 0));

    const commitments = await compareCommitments(evm, opts.commitmentOperations ?? [], instance.layout.recordBytes, log);
    const code = (name: string): number | undefined => evm.compiled.contracts[name]?.deployedBytes;
    return {
      instance: instance.name,
      capacity: n,
      recordBytes: instance.layout.recordBytes,
      hardfork: evm.deployment.hardfork,
      evm: evm.deployment.evm,
      solc: evm.deployment.solcVersion,
      deployments: [
        { contract: "Groth16Verifier (snarkjs export)", gas: evm.deployment.gas.verifier, codeBytes: code("Groth16Verifier") },
        { contract: "Poseidon(3) (circomlibjs)", gas: evm.deployment.gas.poseidon3, codeBytes: undefined },
        { contract: "Poseidon(6) (circomlibjs)", gas: evm.deployment.gas.poseidon6, codeBytes: undefined },
        { contract: "ZkRollup", gas: evm.deployment.gas.rollup, codeBytes: code("ZkRollup") },
      ],
      transactions,
      commitments,
    };
  } finally {
    await evm.stop();
  }
}

// ---- the public-data commitment: Poseidon chain vs SHA-256 vs keccak ----

export interface CommitmentRow {
  readonly operations: number;
  readonly recordBytes: number;
  /** Header (4 words) + records: what SHA-256 / keccak hash. */
  readonly hashedBytes: number;
  readonly evmGas: { readonly poseidonChain: number; readonly sha256: number; readonly keccak: number };
  readonly constraints: {
    /** HashChain(elements) compiled with circom --O2 (measured). */
    readonly poseidonChain: number;
    readonly poseidonCalls: number;
    /** blocks × 29,380 (design.md: SHA-256 per 512-bit block). */
    readonly sha256: number;
    readonly sha256Blocks: number;
    /** blocks × ~150,000 (keccak-f in circom, per 1088-bit block; an outside estimate). */
    readonly keccak: number;
    readonly keccakBlocks: number;
  };
}

export const SHA256_CONSTRAINTS_PER_BLOCK = 29_380;
export const KECCAK_CONSTRAINTS_PER_BLOCK = 150_000;

const COMMITMENT_ABI = parseAbi([
  "event Hashed(uint256 value, uint256 gasUsed)",
  "function poseidonChain(uint256[4] header, bytes records)",
  "function sha256Packed(uint256[4] header, bytes records)",
  "function keccakPacked(uint256[4] header, bytes records)",
]);

/**
 * For batches of `operations` records of `recordBytes` each: the EVM gas of each commitment (measured by
 * the contract with gasleft() around the hash, in a real transaction; see contracts/CommitmentGas.sol) and
 * its circuit cost. The hash value is checked against the TypeScript reference for the Poseidon chain.
 */
export async function compareCommitments(
  evm: ZkRollupL1,
  operationCounts: readonly number[],
  recordBytes: number,
  log: (m: string) => void = () => {},
): Promise<CommitmentRow[]> {
  const artifact = requireContract(evm.compiled, "CommitmentGas");
  const deployer = labelAddress("evm-gas commitment deployer");
  const { address } = await evm.session.deploy(deployer, encodeDeployData({ abi: artifact.abi, bytecode: artifact.bytecode, args: [evm.deployment.poseidon6] }), "CommitmentGas");
  const rows: CommitmentRow[] = [];
  for (const operations of operationCounts) {
    const records = new Uint8Array(operations * recordBytes).map((_, i) => (i * 131 + 7) % 251 || 1);
    const header = [7n, 2n ** 250n + 3n, 2n ** 251n + 5n, 2n ** 249n + 11n] as const;
    const run = async (functionName: "poseidonChain" | "sha256Packed" | "keccakPacked"): Promise<{ value: bigint; gas: number }> => {
      const data = encodeFunctionData({ abi: COMMITMENT_ABI, functionName, args: [header, bytesToHex(records)] });
      const sent = await evm.session.send({ from: deployer, to: address, data });
      const event = parseEventLogs({ abi: COMMITMENT_ABI, logs: sent.receipt.logs, eventName: "Hashed" })[0];
      if (sent.receipt.status !== "success" || event === undefined) throw new EvmError("RPC_FAILED", `CommitmentGas.${functionName} reverted`);
      return { value: event.args.value, gas: Number(event.args.gasUsed) };
    };
    const poseidon = await run("poseidonChain");
    if (poseidon.value !== batchInputHash("poseidon", Number(header[0]), header[1], header[2], header[3], records)) {
      throw new EvmError("RPC_FAILED", "the EVM's Poseidon chain differs from src/state/batch.ts batchInputHash");
    }
    const evmGas = { poseidonChain: poseidon.gas, sha256: (await run("sha256Packed")).gas, keccak: (await run("keccakPacked")).gas };
    const elements = inputHashElements(records.length);
    const poseidonChain = await countConstraints(`include "lib/hash_chain.circom";\ncomponent main = HashChain(${elements});`);
    const hashedBytes = 4 * 32 + records.length;
    const sha256Blocks = Math.ceil((hashedBytes * 8 + 65) / 512);
    const keccakBlocks = Math.ceil((hashedBytes + 1) / 136);
    rows.push({
      operations,
      recordBytes: records.length,
      hashedBytes,
      evmGas,
      constraints: {
        poseidonChain,
        poseidonCalls: hashChainCalls(elements),
        sha256: sha256Blocks * SHA256_CONSTRAINTS_PER_BLOCK,
        sha256Blocks,
        keccak: keccakBlocks * KECCAK_CONSTRAINTS_PER_BLOCK,
        keccakBlocks,
      },
    });
    log(`commitment over ${records.length} record bytes: Poseidon ${evmGas.poseidonChain}, SHA-256 ${evmGas.sha256}, keccak ${evmGas.keccak} gas`);
  }
  return rows;
}
