import { CliError } from "./errors.ts";

export interface ParsedArgs {
  readonly positional: string[];
  readonly flags: Map<string, string | true>;
}

/**
 * Parses `--name value`, `--name=value` and boolean `--name` flags against the set each command
 * declares; anything else is a usage error, a single-dash argument (`-x`, `-`) included: no command
 * takes short options or reads stdin.
 */
export function parseArgs(
  argv: readonly string[],
  spec: { readonly valued: readonly string[]; readonly boolean: readonly string[] },
): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (!arg.startsWith("-")) {
      positional.push(arg);
      continue;
    }
    if (!arg.startsWith("--")) throw new CliError(`unknown option ${arg}`);
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (spec.boolean.includes(name)) {
      if (eq !== -1) throw new CliError(`--${name} takes no value`);
      flags.set(name, true);
    } else if (spec.valued.includes(name)) {
      const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || value === "") throw new CliError(`--${name} needs a value`);
      flags.set(name, value);
    } else {
      throw new CliError(`unknown option --${name}`);
    }
  }
  return { positional, flags };
}

export function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === "string" ? v : undefined;
}

/** For commands that take no positional argument: the first one is a usage error. */
export function noPositionals(args: ParsedArgs): void {
  if (args.positional.length > 0) throw new CliError(`unexpected argument "${args.positional[0] ?? ""}"`);
}

/**
 * The one integer parser of the CLI: decimal digits only (no sign, spaces, `0x`, `1e3`, `2.0` or
 * leading zeros), a safe integer within min..max. `what` names the value in the error (e.g. `--reps`).
 */
export function parseInteger(text: string, what: string, min: number, max: number): number {
  const v = Number(text);
  if (!/^(0|[1-9][0-9]*)$/.test(text) || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new CliError(`${what} must be an integer in ${min}..${max}, got "${text}"`);
  }
  return v;
}

/** parseInteger for values beyond 2^53 (amounts): decimal digits only, within min..max. */
export function parseBigInteger(text: string, what: string, min: bigint, max: bigint): bigint {
  const v = /^(0|[1-9][0-9]*)$/.test(text) && text.length <= 80 ? BigInt(text) : undefined;
  if (v === undefined || v < min || v > max) throw new CliError(`${what} must be an integer in ${min}..${max}, got "${text}"`);
  return v;
}

/** An integer option `--name` in min..max (parseInteger), or undefined when not given. */
export function intOption(args: ParsedArgs, name: string, min: number, max: number): number | undefined {
  const raw = stringFlag(args, name);
  return raw === undefined ? undefined : parseInteger(raw, `--${name}`, min, max);
}

/** intOption with a default. */
export function intFlag(args: ParsedArgs, name: string, min: number, max: number, fallback: number): number {
  return intOption(args, name, min, max) ?? fallback;
}

const DURATION_UNITS = { s: 1, m: 60, h: 3600, d: 86400 } as const;
/** The longest duration a flag takes: ten years (a longer window or deadline is a typo, not a setting). */
export const MAX_DURATION_SECONDS = 10 * 365 * 86400;

/**
 * A duration: digits with an optional unit s, m, h or d ("7d", "1h", "30m", "45s", "3600"), in
 * minSeconds..MAX_DURATION_SECONDS. Strict like parseInteger: no spaces, signs or fractions.
 */
export function parseDuration(text: string, flag: string, minSeconds = 1): number {
  const m = /^(0|[1-9][0-9]*)(s|m|h|d)?$/.exec(text);
  const digits = m?.[1];
  if (m === null || digits === undefined) throw new CliError(`${flag}: "${text}" is not a duration (e.g. 7d, 1h, 3600)`);
  const n = Number(digits) * DURATION_UNITS[(m[2] ?? "s") as keyof typeof DURATION_UNITS];
  if (!Number.isSafeInteger(n) || n < minSeconds || n > MAX_DURATION_SECONDS) {
    throw new CliError(`${flag} must be from ${minSeconds} s to ${MAX_DURATION_SECONDS} s (10 years), got "${text}"`);
  }
  return n;
}
