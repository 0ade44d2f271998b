/**
 * What travels through Redis: a proof job (the node → a worker) and its result (a worker → the node).
 * Both sides treat what they read from Redis as untrusted input: every number is decimal digits, every
 * field element is below its modulus, every array has the length the instance fixes.
 */
import { FIELD_MODULUS } from "../crypto/field.ts";
import type { BatchInputs } from "../state/batch.ts";
import { PoolError } from "./errors.ts";

/** The BN254 base field: proof coordinates live here (public signals live in FIELD_MODULUS). */
export const BASE_FIELD_MODULUS = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;

/** The queue every node and worker of a Redis database shares; jobs carry what they need. */
export const QUEUE_NAME = "zkr-proofs";

export const JOB_FORMAT = 1;

/** A worker's job lock lasts this long without renewal (ms) before another worker may take the job over. */
export const DEFAULT_STALL_MS = 30_000;

type InputsJson = Record<string, string | string[] | string[][]>;

export interface ProofJobData {
  readonly format: typeof JOB_FORMAT;
  /** The circuit instance (a name from circuits/instances.json). */
  readonly instance: string;
  /** The proving key's content hash (sha256 of the .zkey): a worker proves only with exactly this key. */
  readonly zkeySha256: string;
  /** Which rollup (a node's data directory) and which batch: for logs and the job id. */
  readonly rollup: string;
  readonly batch: number;
  /** The circuit inputs, as decimal strings. */
  readonly inputs: InputsJson;
  /** Workers whose proof of this job the node rejected: they leave the job to others. */
  readonly rejectedBy: readonly string[];
}

export interface ProofJobResult {
  readonly proof: Groth16ProofJson;
  readonly publicSignals: string[];
  /** The worker's id (as it names itself; the node also reads BullMQ's processedBy). */
  readonly worker: string;
  readonly witnessSeconds: number;
  readonly proveSeconds: number;
  /** Wall clock (ms) when the worker's processor started and finished the job. */
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
}

/** A type, not an interface: it is a snarkjs JsonObject as it is. */
export type Groth16ProofJson = {
  readonly pi_a: [string, string, string];
  readonly pi_b: [[string, string], [string, string], [string, string]];
  readonly pi_c: [string, string, string];
  readonly protocol: "groth16";
  readonly curve: "bn128";
};

/** A job's id: stable across node restarts, so a batch re-submitted finds its job (and its proof) again. */
export function jobId(rollup: string, batch: number): string {
  return `${rollup}-b${batch}`;
}

const SCALARS = ["inputHash", "rollupId", "oldRoot"] as const;
const PER_SLOT = [
  "kind", "from", "to", "amountMantissa", "amountExponent", "l1x", "l1y", "sigR8x", "sigR8y", "sigS",
  "senderAx", "senderAy", "senderBalance", "senderNonce", "receiverEmpty", "receiverAx", "receiverAy",
  "receiverBalance", "receiverNonce",
] as const;
const PATHS = ["senderPath", "receiverPath"] as const;
/** Far above any tree here (sibling count of a path); bounds what a job can make a worker allocate. */
const MAX_PATH = 4096;

export function inputsToJson(inputs: BatchInputs): InputsJson {
  const out: InputsJson = {};
  for (const k of SCALARS) out[k] = inputs[k].toString();
  for (const k of PER_SLOT) out[k] = inputs[k].map(String);
  for (const k of PATHS) out[k] = inputs[k].map((p) => p.map(String));
  return out;
}

/** The inputs of a job, checked: every key, `slots` entries per slot array, every value a field element. */
export function inputsFromJson(value: unknown, slots: number): BatchInputs {
  const obj = record(value, "inputs");
  const known = new Set<string>([...SCALARS, ...PER_SLOT, ...PATHS]);
  for (const k of Object.keys(obj)) if (!known.has(k)) throw bad(`inputs has an unknown key ${k}`);
  const scalar = (k: string) => fieldElement(obj[k], `inputs.${k}`, FIELD_MODULUS);
  const list = (k: string) => {
    const v = obj[k];
    if (!Array.isArray(v) || v.length !== slots) throw bad(`inputs.${k} must be ${slots} elements`);
    return v.map((x, i) => fieldElement(x, `inputs.${k}[${i}]`, FIELD_MODULUS));
  };
  const paths = (k: string) => {
    const v = obj[k];
    if (!Array.isArray(v) || v.length !== slots) throw bad(`inputs.${k} must be ${slots} paths`);
    const rows = v.map((row, i) => {
      if (!Array.isArray(row) || row.length === 0 || row.length > MAX_PATH) throw bad(`inputs.${k}[${i}] must be a path`);
      return row.map((x, j) => fieldElement(x, `inputs.${k}[${i}][${j}]`, FIELD_MODULUS));
    });
    if (rows.some((r) => r.length !== rows[0]?.length)) throw bad(`inputs.${k}: paths of different lengths`);
    return rows;
  };
  return {
    inputHash: scalar("inputHash"),
    rollupId: scalar("rollupId"),
    oldRoot: scalar("oldRoot"),
    kind: list("kind"),
    from: list("from"),
    to: list("to"),
    amountMantissa: list("amountMantissa"),
    amountExponent: list("amountExponent"),
    l1x: list("l1x"),
    l1y: list("l1y"),
    sigR8x: list("sigR8x"),
    sigR8y: list("sigR8y"),
    sigS: list("sigS"),
    senderAx: list("senderAx"),
    senderAy: list("senderAy"),
    senderBalance: list("senderBalance"),
    senderNonce: list("senderNonce"),
    senderPath: paths("senderPath"),
    receiverEmpty: list("receiverEmpty"),
    receiverAx: list("receiverAx"),
    receiverAy: list("receiverAy"),
    receiverBalance: list("receiverBalance"),
    receiverNonce: list("receiverNonce"),
    receiverPath: paths("receiverPath"),
  };
}

/** Job data as read from Redis, checked except for the inputs (checked once the instance is known). */
export function parseJobData(value: unknown): ProofJobData {
  const o = record(value, "job data");
  if (o["format"] !== JOB_FORMAT) throw bad(`job format ${String(o["format"])} (this worker reads ${JOB_FORMAT})`);
  const instance = o["instance"];
  if (typeof instance !== "string" || !/^[a-z0-9_-]{1,100}$/.test(instance)) throw bad("job instance is not an instance name");
  const zkeySha256 = o["zkeySha256"];
  if (typeof zkeySha256 !== "string" || !/^[0-9a-f]{64}$/.test(zkeySha256)) throw bad("job zkeySha256 is not a sha256");
  const rollup = o["rollup"];
  if (typeof rollup !== "string" || !/^[0-9a-f]{1,64}$/.test(rollup)) throw bad("job rollup is not an id");
  const batch = o["batch"];
  if (typeof batch !== "number" || !Number.isSafeInteger(batch) || batch < 1) throw bad("job batch is not a batch number");
  const rejectedBy = o["rejectedBy"];
  if (!Array.isArray(rejectedBy) || rejectedBy.length > 1000 || !rejectedBy.every(isWorkerId)) throw bad("job rejectedBy is not a list of worker ids");
  const inputs = record(o["inputs"], "job inputs") as InputsJson;
  return { format: JOB_FORMAT, instance, zkeySha256, rollup, batch, inputs, rejectedBy };
}

/** A worker's result as read from Redis: every coordinate a base-field element, the one public signal a scalar. */
export function parseJobResult(value: unknown): ProofJobResult {
  const o = recordR(value, "result");
  const p = recordR(o["proof"], "result proof");
  if (p["protocol"] !== "groth16" || p["curve"] !== "bn128") throw badR("the proof is not a bn128 Groth16 proof");
  const g1 = (v: unknown, what: string): [string, string, string] => {
    if (!Array.isArray(v) || v.length !== 3) throw badR(`${what} is not a G1 point`);
    return [coord(v[0], what), coord(v[1], what), coord(v[2], what)];
  };
  const fq2 = (v: unknown, what: string): [string, string] => {
    if (!Array.isArray(v) || v.length !== 2) throw badR(`${what} is not an Fq2 element`);
    return [coord(v[0], what), coord(v[1], what)];
  };
  const b = p["pi_b"];
  if (!Array.isArray(b) || b.length !== 3) throw badR("pi_b is not a G2 point");
  const proof: Groth16ProofJson = {
    pi_a: g1(p["pi_a"], "pi_a"),
    pi_b: [fq2(b[0], "pi_b"), fq2(b[1], "pi_b"), fq2(b[2], "pi_b")],
    pi_c: g1(p["pi_c"], "pi_c"),
    protocol: "groth16",
    curve: "bn128",
  };
  const signals = o["publicSignals"];
  if (!Array.isArray(signals) || signals.length !== 1) throw badR("publicSignals must hold exactly one element");
  const publicSignals = signals.map((s, i) => resultField(s, `publicSignals[${i}]`, FIELD_MODULUS));
  const worker = o["worker"];
  if (!isWorkerId(worker)) throw badR("the worker id is missing or malformed");
  const num = (k: string) => {
    const v = o[k];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw badR(`${k} is not a non-negative number`);
    return v;
  };
  return {
    proof,
    publicSignals,
    worker,
    witnessSeconds: num("witnessSeconds"),
    proveSeconds: num("proveSeconds"),
    startedAtMs: num("startedAtMs"),
    finishedAtMs: num("finishedAtMs"),
  };
}

export function isWorkerId(v: unknown): v is string {
  return typeof v === "string" && /^[A-Za-z0-9._:@-]{1,128}$/.test(v);
}

const DECIMAL = /^(0|[1-9][0-9]{0,77})$/;

function fieldElement(v: unknown, what: string, modulus: bigint): bigint {
  if (typeof v !== "string" || !DECIMAL.test(v)) throw bad(`${what} is not a decimal number`);
  const x = BigInt(v);
  if (x >= modulus) throw bad(`${what} is not below the field modulus`);
  return x;
}

function resultField(v: unknown, what: string, modulus: bigint): string {
  if (typeof v !== "string" || !DECIMAL.test(v) || BigInt(v) >= modulus) throw badR(`${what} is not a field element`);
  return v;
}

const coord = (v: unknown, what: string) => resultField(v, what, BASE_FIELD_MODULUS);

function record(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw bad(`${what} is not an object`);
  return v as Record<string, unknown>;
}

function recordR(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw badR(`${what} is not an object`);
  return v as Record<string, unknown>;
}

const bad = (m: string) => new PoolError("BAD_JOB", m);
const badR = (m: string) => new PoolError("BAD_RESULT", m);
