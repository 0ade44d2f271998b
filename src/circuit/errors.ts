import { CodedError } from "../errors.ts";

/** A witness the circuit rejects: some constraint does not hold for these inputs. */
export class CircuitError extends CodedError<"CONSTRAINT_FAILED" | "BAD_INPUT"> {
  override readonly name = "CircuitError";
}
