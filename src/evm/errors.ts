/**
 * Errors of the EVM side (the in-process EVM, anvil, solc, deployment). A mined revert is not an error: it
 * is a receipt with a revert code.
 */
export type EvmErrorCode =
  /** The anvil binary is not installed (the optional npm package @foundry-rs/anvil-linux-amd64 is missing). */
  | "ANVIL_NOT_INSTALLED"
  /** The in-process EVM (npm @nomicfoundation/edr) cannot be loaded on this platform. */
  | "EVM_NOT_INSTALLED"
  /** anvil did not start, did not say where it listens, or did not answer. */
  | "ANVIL_START_FAILED"
  /** anvil exited while in use. */
  | "ANVIL_EXITED"
  /** solc reported errors. */
  | "COMPILE_FAILED"
  /** A deployment or a node call failed (not a mined revert). */
  | "RPC_FAILED"
  | "BAD_ARGUMENT"
  | "BAD_CONFIG"
  /** A scripted measurement run (src/evm/zk-gas.ts) met a revert it did not expect. */
  | "SCENARIO_FAILED";

export class EvmError extends Error {
  override readonly name = "EvmError";
  constructor(
    readonly code: EvmErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
