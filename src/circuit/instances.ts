import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { CIRCUITS_DIR } from "../paths.ts";
import { RollupError } from "../state/errors.ts";
import { COMMITMENTS, recordLayout, type Commitment, type RecordLayout } from "../tx/layout.ts";

export type InstanceRole = "test" | "demo" | "bench";

export interface CircuitInstance {
  readonly name: string;
  readonly ops: number;
  /** Tree arity of each level, bottom-up. */
  readonly arities: readonly number[];
  readonly role: InstanceRole;
  readonly accounts: number;
  readonly layout: RecordLayout;
}

/**
 * batch_n<ops>_d<levels>_a<arity>, mixed trees as runs bottom-up: batch_n16_d6_a4x2-8x4; "_sha256" when
 * the proof commits with SHA-256 (the Poseidon chain is unmarked: instances named before it was a choice).
 */
export function instanceName(ops: number, arities: readonly number[], commitment: Commitment = "poseidon"): string {
  return `batch_n${ops}_${treeShapeName(arities)}${commitment === "poseidon" ? "" : `_${commitment}`}`;
}

/** d<levels>_a<arity>, mixed trees as runs bottom-up: d6_a4x2-8x4. */
export function treeShapeName(arities: readonly number[]): string {
  const runs: [number, number][] = [];
  for (const a of arities) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[0] === a) last[1]++;
    else runs.push([a, 1]);
  }
  const shape = runs.length === 1 ? String(arities[0]) : runs.map(([a, k]) => `${a}x${k}`).join("-");
  return `d${arities.length}_a${shape}`;
}

export function loadInstances(file = resolve(CIRCUITS_DIR, "instances.json")): CircuitInstance[] {
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { instances?: unknown };
  if (!Array.isArray(parsed.instances)) throw new RollupError("MALFORMED", `${file}: no "instances" list`);
  return parsed.instances.map((raw: unknown) => toInstance(raw, file));
}

export function findInstance(name: string): CircuitInstance {
  const all = loadInstances();
  const found = all.find((i) => i.name === name);
  if (found === undefined) {
    throw new RollupError("MALFORMED", `unknown instance "${name}" (known: ${all.map((i) => i.name).join(", ")})`);
  }
  return found;
}

export function instanceByRole(role: InstanceRole): CircuitInstance {
  const found = loadInstances().find((i) => i.role === role);
  if (found === undefined) throw new RollupError("MALFORMED", `no ${role} instance in circuits/instances.json`);
  return found;
}

function toInstance(raw: unknown, file: string): CircuitInstance {
  const r = raw as { ops?: unknown; arities?: unknown; role?: unknown; commitment?: unknown };
  const ops = r.ops;
  const arities = r.arities;
  const role = r.role;
  if (typeof ops !== "number" || !Number.isInteger(ops) || ops < 1) {
    throw new RollupError("MALFORMED", `${file}: "ops" must be a positive integer`);
  }
  if (!Array.isArray(arities) || arities.length === 0 || !arities.every((a) => a === 2 || a === 4 || a === 8)) {
    throw new RollupError("MALFORMED", `${file}: "arities" must be a non-empty list of 2, 4 or 8`);
  }
  if (role !== "test" && role !== "demo" && role !== "bench") {
    throw new RollupError("MALFORMED", `${file}: "role" must be test, demo or bench`);
  }
  const commitment = r.commitment === undefined ? "poseidon" : COMMITMENTS.find((c) => c === r.commitment);
  if (commitment === undefined) throw new RollupError("MALFORMED", `${file}: "commitment" must be one of ${COMMITMENTS.join(", ")}`);
  const ar = arities as number[];
  return {
    name: instanceName(ops, ar, commitment),
    ops,
    arities: ar,
    role,
    accounts: ar.reduce((p, a) => p * a, 1),
    layout: recordLayout(ar, commitment),
  };
}
