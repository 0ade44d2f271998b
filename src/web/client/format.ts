/** Numbers as the pages show them: always with their unit. */

export const int = (n: number | string | bigint): string => (typeof n === "number" ? Math.round(n) : BigInt(n)).toLocaleString("en-US");

/** A duration in the largest unit that reads well: 36 s, 4.5 min, 2.0 h, 7.00 d. */
export function human(s: number): string {
  if (!Number.isFinite(s)) return "–";
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 2 * 3600) return `${(s / 60).toFixed(1)} min`;
  if (s < 2 * 86400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(2)} d`;
}

/** An L1 time (seconds since genesis), with the human reading once it is long. */
export function l1Time(s: number | null | undefined): string {
  if (s === null || s === undefined) return "–";
  return s < 120 ? `${int(s)} s` : `${int(s)} s (${human(s)})`;
}
