/** A witness the circuit rejects: some constraint does not hold for these inputs. */
export class CircuitError extends Error {
  override readonly name = "CircuitError";
  constructor(
    readonly code: "CONSTRAINT_FAILED" | "BAD_INPUT",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
