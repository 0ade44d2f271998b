/**
 * Test hook for the crash test: ZKR_CRASH_AT=<point> makes the node kill itself with SIGKILL (the same
 * as `kill -9` from outside: no handler, no flush) the first time it reaches that point. Unset, every
 * call is a no-op. The points mark the windows where a crash could lose or duplicate work.
 */
export const CRASH_POINTS = [
  "admit:before-write", // admitted in memory, not yet on disk (the client never gets an answer)
  "admit:after-write", // on disk, before the HTTP answer
  "cut:before-write", // batch cut in memory, not on disk
  "cut:after-write", // batch on disk, before proving starts
  "prove:during", // a few hundred ms into a proof
  "prove:after", // proof received, not yet on disk
  "submit:after-log", // L1 transaction in the write-ahead log, not yet executed
  "submit:after-execute", // accepted by the L1, the node's batch record not yet updated
  "tick:after-log", // L1 clock moved and logged
] as const;

export type CrashPoint = (typeof CRASH_POINTS)[number];

const armed = process.env["ZKR_CRASH_AT"];

export function crashPoint(point: CrashPoint): void {
  if (armed === point) process.kill(process.pid, "SIGKILL");
}

/** Kills the process `ms` from now if the point is armed (for "during" windows). */
export function crashSoon(point: CrashPoint, ms: number): void {
  if (armed === point) setTimeout(() => process.kill(process.pid, "SIGKILL"), ms).unref();
}
