/**
 * Where a mined transaction's gas went, measured from two traces of that very transaction: the call
 * tracer (gas used inside each called contract and precompile) and the opcode trace of the top-level
 * contract (anvil must run with --steps-tracing; the in-process EVM always can).
 */
import type { Address, Hex } from "viem";
import { TX_BASE_GAS, calldataCost } from "../l1/calldata-cost.ts";
import type { EvmBackend } from "./edr.ts";
import { EvmError } from "./errors.ts";

/** The items a receipt's gas is split into, in report order. */
export const EVM_GAS_ITEMS = [
  "base",
  "calldata",
  "storage reads",
  "poseidon: L1 message chain",
  "poseidon: input hash",
  "groth16 verification",
  "storage writes",
  "logs",
  "value transfer",
  "verifier's own opcodes",
  "call overhead",
  "contract code (other opcodes)",
  "refund or floor",
] as const;
export type EvmGasItem = (typeof EVM_GAS_ITEMS)[number];

export interface MeasuredGasLine {
  readonly item: EvmGasItem;
  readonly gas: number;
  readonly detail: string;
}

export interface MeasuredGas {
  readonly gasUsed: number;
  readonly lines: readonly MeasuredGasLine[];
}

/** Which called contract is which (by address); anything else is charged to "call overhead" + its own use. */
export interface KnownContracts {
  readonly poseidon3?: Address;
  readonly poseidon6?: Address;
  readonly verifier?: Address;
}

interface CallFrame {
  readonly type: string;
  readonly to?: Address;
  readonly gasUsed: Hex;
  readonly value?: Hex;
  readonly calls?: readonly CallFrame[];
}

interface StructLog {
  readonly op: string;
  readonly gas: number;
  readonly gasCost: number;
  readonly depth: number;
}

/** Gas used by the first call to `to` inside a mined transaction, from the call tracer (both EVMs have it); null if none. */
export async function callGas(evm: Pick<EvmBackend, "request">, hash: Hex, to: Address): Promise<number | null> {
  const root = await evm.request<CallFrame>("debug_traceTransaction", [hash, { tracer: "callTracer" }]);
  const queue: CallFrame[] = [...(root.calls ?? [])];
  for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
    if (f.to?.toLowerCase() === to.toLowerCase()) return Number(BigInt(f.gasUsed));
    queue.push(...(f.calls ?? []));
  }
  return null;
}

const PRECOMPILES: Record<string, string> = { "0x06": "ECADD", "0x07": "ECMUL", "0x08": "pairing" };

/** Measures where the gas of mined transaction `hash` went (anvil with --steps-tracing). */
export async function measureGas(evm: Pick<EvmBackend, "request">, hash: Hex, input: Uint8Array, known: KnownContracts): Promise<MeasuredGas> {
  const [receipt, top, steps] = await Promise.all([
    evm.request<{ gasUsed: Hex }>("eth_getTransactionReceipt", [hash]),
    evm.request<CallFrame>("debug_traceTransaction", [hash, { tracer: "callTracer" }]),
    evm.request<{ structLogs: StructLog[] }>("debug_traceTransaction", [hash, { disableStack: true, disableStorage: true, enableMemory: false }]),
  ]);
  const gasUsed = Number(BigInt(receipt.gasUsed));
  const depth1 = steps.structLogs.filter((s) => s.depth === 1);
  if (depth1.length === 0) throw new EvmError("RPC_FAILED", "anvil returned no opcode trace: start it with --steps-tracing");
  const acc = new Map<EvmGasItem, { gas: number; count: number; parts: Map<string, number> }>();
  const add = (item: EvmGasItem, gas: number, part = ""): void => {
    const e = acc.get(item) ?? { gas: 0, count: 0, parts: new Map<string, number>() };
    e.gas += gas;
    e.count++;
    if (part !== "") e.parts.set(part, (e.parts.get(part) ?? 0) + gas);
    acc.set(item, e);
  };
  const cd = calldataCost(input);
  add("base", TX_BASE_GAS);
  add("calldata", cd.gas);

  const children = [...(top.calls ?? [])];
  for (let i = 0; i < depth1.length; i++) {
    const step = depth1[i]!;
    const next = depth1[i + 1];
    // A step's cost is the gas it consumed before the next top-level step: for a call, that includes the callee.
    const cost = next === undefined ? step.gasCost : step.gas - next.gas;
    if (/^(STATIC|DELEGATE)?CALL(CODE)?$/.test(step.op)) {
      const child = children.shift();
      if (child === undefined) throw new EvmError("RPC_FAILED", "the call trace has fewer calls than the opcode trace");
      const inner = Number(BigInt(child.gasUsed));
      const overhead = cost - inner;
      const to = child.to?.toLowerCase();
      if (to !== undefined && to === known.poseidon3?.toLowerCase()) {
        add("poseidon: L1 message chain", inner, "Poseidon(3) calls");
        add("call overhead", overhead, "to Poseidon(3)");
      } else if (to !== undefined && to === known.poseidon6?.toLowerCase()) {
        add("poseidon: input hash", inner, "Poseidon(6) calls");
        add("call overhead", overhead, "to Poseidon(6)");
      } else if (to !== undefined && to === known.verifier?.toLowerCase()) {
        let precompiles = 0;
        for (const c of child.calls ?? []) {
          const g = Number(BigInt(c.gasUsed));
          precompiles += g;
          add("groth16 verification", g, PRECOMPILES[shortAddress(c.to)] ?? String(c.to));
        }
        add("verifier's own opcodes", inner - precompiles);
        add("call overhead", overhead, "to the verifier");
      } else if (child.value !== undefined && BigInt(child.value) > 0n) {
        add("value transfer", overhead + inner, "CALL with value (net of the returned 2,300 stipend)");
      } else {
        add("call overhead", cost, `${step.op} to ${child.to ?? "?"}`);
      }
    } else if (step.op === "SSTORE") {
      add("storage writes", cost);
    } else if (step.op === "SLOAD") {
      add("storage reads", cost);
    } else if (step.op.startsWith("LOG")) {
      add("logs", cost);
    } else {
      add("contract code (other opcodes)", cost);
    }
  }
  const attributed = [...acc.values()].reduce((s, e) => s + e.gas, 0);
  if (attributed !== gasUsed) add("refund or floor", gasUsed - attributed, "receipt gasUsed minus the traced costs (EIP-3529 refund or EIP-7623 floor)");

  const lines: MeasuredGasLine[] = [];
  for (const item of EVM_GAS_ITEMS) {
    const e = acc.get(item);
    if (e === undefined || (e.gas === 0 && item !== "base")) continue;
    const parts = [...e.parts].map(([k, v]) => `${k} ${v.toLocaleString("en-US")}`).join(", ");
    lines.push({ item, gas: e.gas, detail: parts === "" ? `${e.count} op${e.count === 1 ? "" : "s"}` : parts });
  }
  return { gasUsed, lines };
}

function shortAddress(a: Address | undefined): string {
  if (a === undefined) return "?";
  return `0x${BigInt(a).toString(16).padStart(2, "0")}`;
}
