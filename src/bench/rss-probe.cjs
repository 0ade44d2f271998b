// Preloaded (node --require) into each cold snarkjs CLI process of the baseline: on exit, writes the
// process's peak resident set (bytes) and CPU time (user + system, seconds), its worker threads
// included, as JSON to the file named by ZKR_RSS_OUT.
"use strict";
const out = process.env.ZKR_RSS_OUT;
if (out) {
  process.on("exit", () => {
    try {
      const u = process.resourceUsage();
      const cpuSeconds = (u.userCPUTime + u.systemCPUTime) / 1e6;
      require("node:fs").writeFileSync(out, JSON.stringify({ peakRssBytes: u.maxRSS * 1024, cpuSeconds }));
    } catch {
      // The measurement is best effort: never change the CLI's own exit.
    }
  });
}
