import { expectConstraintsEnd, linearCombinationAt, readR1cs } from "../circuit/r1cs.ts";

/** What a PLONK-family setup would make of an R1CS: its gate count and domains. */
export interface PlonkSizing {
  /** R1CS constraints. */
  readonly constraints: number;
  /** Non-zero coefficients in the R1CS (A, B and C): what makes --O2 circuits expand. */
  readonly coefficients: number;
  /** PLONK gates (public-input rows + one gate per constraint + the addition gates that reduce its linear combinations). */
  readonly gates: number;
  /** log2 of snarkjs's PLONK domain (at least 2^3). */
  readonly plonkPower: number;
  /** log2 of snarkjs's FFLONK domain (gates + 2 rows, at least 2^3). */
  readonly fflonkPower: number;
  /** FFLONK needs a ptau with 9 · domain + 18 points: this power. */
  readonly fflonkPtauPower: number;
}

/**
 * Counts the gates snarkjs's `plonk setup` / `fflonk setup` produce from an .r1cs file, with the same
 * reduction they apply (snarkjs src/plonk_setup.js, r1cs_constraint_processor.js): a constraint with
 * A or B zero is a sum of C; with A or B constant, the sum of k·B − C (or k·A − C); otherwise one
 * multiplication gate over A, B and C each reduced to one wire. A sum keeps 3 wires in its gate and
 * costs one addition gate for each wire beyond that; a product's linear combinations each cost one
 * addition gate per wire beyond the first. Read from the file directly (no setup, no ptau).
 */
export function plonkSizing(r1csPath: string): PlonkSizing {
  const r1cs = readR1cs(r1csPath);
  const { n8, prime, nConstraints, termBytes, constraints: buf, constraintsView: view } = r1cs;
  const nPublic = r1cs.nOutputs + r1cs.nPubInputs;

  const isZero = (offset: number): boolean => {
    for (let i = 0; i < n8; i++) if (buf[offset + i] !== 0) return false;
    return true;
  };
  // One linear combination at `c`: its variable wires (non-zero, wire ≠ 0) and whether it has a constant term.
  interface Lc { vars: number; constant: boolean; end: number; start: number; n: number }
  const scan = (c: number): Lc => {
    const n = view.getUint32(c, true);
    let vars = 0;
    let constant = false;
    for (let i = 0; i < n; i++) {
      const o = c + 4 + i * termBytes;
      if (isZero(o + 4)) continue;
      if (view.getUint32(o, true) === 0) constant = true;
      else vars++;
    }
    return { vars, constant, start: c, n, end: c + 4 + n * termBytes };
  };
  const terms = (lc: Lc): Map<number, bigint> => {
    const out = new Map<number, bigint>();
    for (const [wire, v] of linearCombinationAt(r1cs, lc.start).terms) out.set(wire, ((out.get(wire) ?? 0n) + v) % prime);
    return out;
  };
  // Wires (≠ 0) of k·X − C with a non-zero coefficient, k being X's... of the constant side.
  const joinedVars = (constantSide: Lc, other: Lc, c: Lc): number => {
    const k = terms(constantSide).get(0) ?? 0n;
    const sum = new Map<number, bigint>();
    for (const [w, v] of terms(other)) sum.set(w, (k * v) % prime);
    for (const [w, v] of terms(c)) sum.set(w, ((sum.get(w) ?? 0n) - v + prime) % prime);
    let n = 0;
    for (const [w, v] of sum) if (w !== 0 && v !== 0n) n++;
    return n;
  };

  let gates = nPublic;
  let coefficients = 0;
  let c = 0;
  for (let i = 0; i < nConstraints; i++) {
    const a = scan(c);
    const b = scan(a.end);
    const cc = scan(b.end);
    c = cc.end;
    coefficients += a.n + b.n + cc.n;
    const aNull = a.vars === 0 && !a.constant;
    const bNull = b.vars === 0 && !b.constant;
    if (aNull || bNull) gates += 1 + Math.max(0, cc.vars - 3);
    else if (a.vars === 0) gates += 1 + Math.max(0, joinedVars(a, b, cc) - 3);
    else if (b.vars === 0) gates += 1 + Math.max(0, joinedVars(b, a, cc) - 3);
    else gates += 1 + Math.max(0, a.vars - 1) + Math.max(0, b.vars - 1) + Math.max(0, cc.vars - 1);
  }
  expectConstraintsEnd(r1cs, c);
  const plonkPower = Math.max(3, Math.ceil(Math.log2(gates)));
  const fflonkPower = Math.max(3, Math.ceil(Math.log2(gates + 2)));
  return {
    constraints: nConstraints,
    coefficients,
    gates,
    plonkPower,
    fflonkPower,
    fflonkPtauPower: Math.ceil(Math.log2(9 * 2 ** fflonkPower + 18)),
  };
}
