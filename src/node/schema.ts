/**
 * A small schema layer for request bodies: each schema checks an `unknown` and returns the typed value
 * or throws INVALID_REQUEST naming the path of the first offending field. Objects are strict (an unknown
 * key, `__proto__` included, is refused), strings and arrays are bounded, integers are safe integers and
 * big numbers travel as decimal strings.
 */
import { FIELD_MODULUS } from "../crypto/field.ts";
import { NodeError } from "./errors.ts";

export type Schema<T> = (value: unknown, path: string) => T;
export type Infer<S> = S extends Schema<infer T> ? T : never;

function fail(path: string, message: string): never {
  throw new NodeError("INVALID_REQUEST", `${path === "" ? "body" : path}: ${message}`);
}

/** Runs a schema on a request body (the path starts empty). */
export function parse<T>(schema: Schema<T>, value: unknown): T {
  return schema(value, "");
}

export function integer(min: number, max: number): Schema<number> {
  return (v, path) => {
    if (typeof v !== "number" || !Number.isSafeInteger(v)) fail(path, "must be an integer");
    if (v < min || v > max) fail(path, `must be in ${min}..${max}`);
    return v;
  };
}

/** A non-negative integer written as a decimal string (at most 78 digits: anything ≥ 2^256 is refused). */
export function decimal(max: bigint): Schema<bigint> {
  return (v, path) => {
    if (typeof v !== "string" || !/^(0|[1-9][0-9]{0,77})$/.test(v)) fail(path, "must be a decimal string without sign or leading zeros");
    const n = BigInt(v);
    if (n > max) fail(path, `must be at most ${max}`);
    return n;
  };
}

export const fieldElement: Schema<bigint> = decimal(FIELD_MODULUS - 1n);
export const uint64: Schema<bigint> = decimal((1n << 64n) - 1n);

/** An L1 address: "0x" and 1 to 40 hex digits. */
export const l1Address: Schema<bigint> = (v, path) => {
  if (typeof v !== "string" || !/^0x[0-9a-fA-F]{1,40}$/.test(v)) fail(path, "must be an L1 address: 0x and up to 40 hex digits");
  return BigInt(v);
};

export function literal<T extends string>(...values: readonly T[]): Schema<T> {
  return (v, path) => {
    if (typeof v !== "string" || !(values as readonly string[]).includes(v)) fail(path, `must be one of ${values.join(", ")}`);
    return v as T;
  };
}

export function array<T>(item: Schema<T>, maxLength: number): Schema<T[]> {
  return (v, path) => {
    if (!Array.isArray(v)) fail(path, "must be an array");
    if (v.length > maxLength) fail(path, `must have at most ${maxLength} items`);
    return v.map((x: unknown, i) => item(x, `${path}[${i}]`));
  };
}

type Shape = Record<string, Schema<unknown>>;
type FromShape<S extends Shape> = { [K in keyof S]: Infer<S[K]> };
type FromOptional<S extends Shape> = { [K in keyof S]?: Infer<S[K]> };

/** A plain JSON object with exactly the required keys and any of the optional ones. */
export function object<R extends Shape, O extends Shape = Record<never, never>>(
  required: R,
  optional?: O,
): Schema<FromShape<R> & FromOptional<O>> {
  return (v, path) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, "must be an object");
    const out: Record<string, unknown> = {};
    const record = v as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!Object.hasOwn(required, key) && (optional === undefined || !Object.hasOwn(optional, key))) {
        fail(path === "" ? key : `${path}.${key}`, "is not a known field");
      }
    }
    for (const [key, schema] of Object.entries(required)) {
      const sub = path === "" ? key : `${path}.${key}`;
      if (!Object.hasOwn(record, key)) fail(sub, "is required");
      out[key] = schema(record[key], sub);
    }
    for (const [key, schema] of Object.entries(optional ?? {})) {
      if (Object.hasOwn(record, key)) out[key] = schema(record[key], path === "" ? key : `${path}.${key}`);
    }
    return out as FromShape<R> & FromOptional<O>;
  };
}

/** One of several object schemas chosen by a string field (e.g. "kind"). */
export function tagged<K extends string, M extends Record<string, Schema<unknown>>>(key: K, variants: M): Schema<Infer<M[keyof M]>> {
  return (v, path) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, "must be an object");
    const tag = (v as Record<string, unknown>)[key];
    const sub = path === "" ? key : `${path}.${key}`;
    if (typeof tag !== "string" || !Object.hasOwn(variants, tag)) fail(sub, `must be one of ${Object.keys(variants).join(", ")}`);
    return (variants[tag] as Schema<Infer<M[keyof M]>>)(v, path);
  };
}
